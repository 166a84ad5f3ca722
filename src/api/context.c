/*
 * context.c — authentication and authorisation for the admin API (see context.h).
 */
#include "api/context.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "crypto/hash.h"
#include "domain/names.h"
#include "domain/secret_format.h"
#include "service.h"
#include "store/tenants.h"
#include "util/timeutil.h"
#include "util/log.h"

enum role role_parse(const char *s)
{
    if (!s)
        return ROLE_NONE;
    if (strcmp(s, "owner") == 0)
        return ROLE_OWNER;
    if (strcmp(s, "admin") == 0)
        return ROLE_ADMIN;
    if (strcmp(s, "viewer") == 0)
        return ROLE_VIEWER;
    return ROLE_NONE;
}

const char *role_name(enum role r)
{
    switch (r) {
    case ROLE_OWNER:
        return "owner";
    case ROLE_ADMIN:
        return "admin";
    case ROLE_VIEWER:
        return "viewer";
    default:
        return "none";
    }
}

bool api_is_mutation(const struct http_request *req)
{
    return req->method == HTTP_POST || req->method == HTTP_PUT || req->method == HTTP_PATCH ||
           req->method == HTTP_DELETE;
}

void api_reply_db_error(struct http_reply *reply, int db_status, const char *what)
{
    int failure = db_failure_class(db_status);
    log_event(LOG_WARN, "database error while %s (status %d, class %d)", what, db_status, failure);
    if (failure == DB_BUSY) {
        reply_error(reply, 503, "database_busy", NULL, "the database is busy; retry shortly");
        reply_header(reply, "Retry-After", API_RETRY_AFTER_BUSY);
    } else if (failure == DB_UNAVAILABLE) {
        reply_error(reply, 503, "database_unavailable", NULL,
                    "the database is unavailable (unreachable, full or read-only); retry later");
        reply_header(reply, "Retry-After", API_RETRY_AFTER_UNAVAILABLE);
    } else {
        reply_error(reply, 500, "internal", NULL, "internal error while %s", what);
    }
}

bool api_reply_unless_found(struct http_reply *reply, int found, const char *what,
                            const char *not_found_code, const char *message)
{
    if (db_is_failure(found)) {
        api_reply_db_error(reply, DB_ERROR, what);
        return true;
    }
    if (found == DB_NOT_FOUND) {
        reply_error(reply, 404, not_found_code, NULL, "%s", message);
        return true;
    }
    return false;
}

static void context_fill(struct principal *who)
{
    who->host_admin = who->user.is_host_admin;
    who->role = who->host_admin ? ROLE_NONE : role_parse(who->user.role);
}

bool api_authenticate(struct http_request *req, struct http_reply *reply, struct principal *who)
{
    memset(who, 0, sizeof *who);
    struct service *svc = req->service;
    const char *auth = http_request_header(req, "Authorization");
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
        const char *key = auth + 7;
        while (*key == ' ')
            key++;
        if (!secret_format_is_well_formed(API_KEY_PREFIX, key)) {
            reply_error(reply, 401, "unauthenticated", NULL, "the API key is not valid");
            reply_header(reply, "WWW-Authenticate", "Bearer");
            return false;
        }
        crypto_sha256_hex(key, strlen(key), who->api_key_hash);
        struct db_conn *c = db_acquire(svc->db);
        enum db_status found = store_user_by_api_key(c, who->api_key_hash, &who->user);
        if (found == DB_DONE) /* at most once a minute: listings show staleness */
            store_api_key_mark_used(c, who->api_key_hash, time_now());
        db_release(svc->db, c);
        if (found != DB_DONE && found != DB_NOT_FOUND) {
            api_reply_db_error(reply, DB_ERROR, "checking an API key");
            return false;
        }
        if (found == DB_NOT_FOUND) {
            reply_error(reply, 401, "unauthenticated", NULL, "the API key is not valid");
            reply_header(reply, "WWW-Authenticate", "Bearer");
            return false;
        }
        context_fill(who);
        return true;
    }
    if (auth) {
        reply_error(reply, 401, "unauthenticated", NULL,
                    "use a session cookie or Authorization: Bearer <API key>");
        return false;
    }
    const char *cookie = http_request_cookie(req, SESSION_COOKIE);
    if (!cookie || !*cookie || strlen(cookie) > 128) {
        reply_error(reply, 401, "unauthenticated", NULL, "sign in first");
        return false;
    }
    char token_hash[65], csrf[64];
    crypto_sha256_hex(cookie, strlen(cookie), token_hash);
    struct db_conn *c = db_acquire(svc->db);
    enum db_status found = store_user_by_session(c, token_hash, time_now(), &who->user, csrf);
    db_release(svc->db, c);
    if (found != DB_DONE && found != DB_NOT_FOUND) {
        api_reply_db_error(reply, DB_ERROR, "checking a session");
        return false;
    }
    if (found == DB_NOT_FOUND) {
        reply_error(reply, 401, "unauthenticated", NULL, "the session has expired; sign in again");
        return false;
    }
    who->via_session = true;
    context_fill(who);
    if (api_is_mutation(req)) {
        const char *sent = http_request_header(req, "X-CSRF-Token");
        size_t n = strlen(csrf);
        if (!sent || strlen(sent) != n || !crypto_equal(sent, csrf, n)) {
            reply_error(reply, 403, "csrf_failed", "X-CSRF-Token",
                        "missing or wrong X-CSRF-Token header");
            return false;
        }
    }
    return true;
}

bool api_require_host(struct http_reply *reply, const struct principal *who)
{
    if (who->host_admin)
        return true;
    reply_error(reply, 403, "forbidden", NULL, "only platform operators may do this");
    return false;
}

bool api_authorize_tenant(struct http_request *req, struct http_reply *reply,
                          const struct principal *who, const char *tenant_id, enum role min_role)
{
    if (!tenant_id || !uuid_is_valid(tenant_id)) {
        reply_error(reply, 404, "tenant_not_found", NULL, "no such tenant");
        return false;
    }
    if (who->host_admin) {
        struct db_conn *c = db_acquire(req->service->db);
        enum db_status rc = store_tenant_exists(c, tenant_id);
        db_release(req->service->db, c);
        if (rc == DB_DONE)
            return true;
        if (rc == DB_NOT_FOUND)
            reply_error(reply, 404, "tenant_not_found", NULL, "no such tenant");
        else
            api_reply_db_error(reply, rc, "looking up a tenant");
        return false;
    }
    if (strcmp(who->user.tenant_id, tenant_id) != 0) {
        reply_error(reply, 404, "tenant_not_found", NULL, "no such tenant");
        return false;
    }
    if (who->role < min_role) {
        reply_error(reply, 403, "forbidden", NULL,
                    "your role (%s) may not do this; %s or higher is needed", role_name(who->role),
                    role_name(min_role));
        return false;
    }
    return true;
}
