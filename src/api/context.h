/*
 * context.h — who is calling the admin API, and may they do this?
 *
 * routes_dispatch authenticates every /api/v1 call whose route names a user level
 * with api_authenticate() (session cookie + CSRF header on mutations, or a personal
 * API key as Bearer), then authorises it (api/access.c, using the checks below). Tenant scoping is
 * the isolation boundary: a tenant member naming another tenant's id gets 404 — exactly what a
 * non-existent id gets — so ids cannot be probed; a member lacking the role on its own tenant gets
 * 403.
 */
#ifndef TENANTD_API_CONTEXT_H
#define TENANTD_API_CONTEXT_H

#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"
#include "store/db.h"
#include "store/users.h"

#define SESSION_COOKIE "tenantd_session"
#define SESSION_TTL_SECONDS (12 * 3600)

enum role { ROLE_NONE = 0, ROLE_VIEWER = 1, ROLE_ADMIN = 2, ROLE_OWNER = 3 };

struct principal {
    struct user_row user;
    bool host_admin;
    enum role role;   /* role in user.tenant_id (ROLE_NONE for host admins) */
    bool via_session; /* authenticated by cookie (CSRF applies) */
    char api_key_hash[65];
};

enum role role_parse(const char *s);
const char *role_name(enum role r);

/* 401 unauthenticated / 403 csrf_failed written to reply on failure. */
bool api_authenticate(struct http_request *req, struct http_reply *reply, struct principal *who);

/* Host admins only; otherwise 403 forbidden. */
bool api_require_host(struct http_reply *reply, const struct principal *who);

/*
 * The caller may act in tenant `tenant_id` with at least min_role (host admins always
 * may). A malformed id, an unknown tenant or another tenant's id -> 404
 * tenant_not_found; own tenant but too weak a role -> 403 forbidden.
 */
bool api_authorize_tenant(struct http_request *req, struct http_reply *reply,
                          const struct principal *who, const char *tenant_id, enum role min_role);

/* Retry-After seconds of the two database answers. */
#define API_RETRY_AFTER_BUSY "1"
#define API_RETRY_AFTER_UNAVAILABLE "5"

/*
 * Answers a store/db failure and logs the context (SPEC §4.5: database failures are
 * 503 with Retry-After, never 500). The class comes from db_failure_class(db_status):
 * a status that lost its class on the way up (store functions that return -1 or
 * DB_ERROR) is refined by the failures this thread saw during the request.
 * DB_BUSY -> 503 database_busy; DB_UNAVAILABLE -> 503 database_unavailable; anything
 * else (a bug, not the database's state) -> 500 internal.
 */
void api_reply_db_error(struct http_reply *reply, int db_status, const char *what);

/* The refusals of a single-row read (GET of one resource): when found is a database
 * failure, api_reply_db_error(DB_ERROR, what); when DB_NOT_FOUND, 404 not_found_code
 * with message. Returns true when it answered, false when the row was read. */
bool api_reply_unless_found(struct http_reply *reply, int found, const char *what,
                            const char *not_found_code, const char *message);

/* Is this method a mutation (POST/PUT/PATCH/DELETE)? */
bool api_is_mutation(const struct http_request *req);

#endif
