/*
 * introspect.c — POST /connect/introspect (RFC 7662) and POST /connect/revoke
 * (RFC 7009). Both authenticate the caller as a client exactly like the token
 * endpoint (same methods, same throttling, same errors).
 *
 * Introspection answers {"active":false} for anything that is not a live token
 * of ours: unparseable, bad signature, unknown or expired kid, expired, revoked,
 * a deleted client, or — for a tenant app caller — a token of another tenant
 * (tenant apps see their own tenant's tokens; platform clients may introspect any
 * token). Otherwise {"active":true, <every claim>, "token_type":"Bearer"}.
 *
 * Revocation records the jti of a token the caller itself was issued, until the
 * token's exp; anything else (another client's token, garbage, expired) is
 * answered 200 and changes nothing (RFC 7009 §2.2). The deny-list is read from the
 * store on each introspection (a primary-key lookup), so a revocation is seen by
 * every node at once; expired records are deleted at most once a minute.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/access_token.h"
#include "oauth/client_auth.h"
#include "oauth/introspect.h"
#include "service.h"
#include "store/db.h"
#include "store/revocations.h"
#include "util/timeutil.h"
#include "util/log.h"

#define REVOCATION_CLEANUP_SECONDS 60

static atomic_int_fast64_t revocation_last_cleanup;

/* The RFC 7662 answer for token as seen by caller. NULL on a store failure. */
static json_t *introspect_result(struct service *svc, const struct app_facts *caller,
                                 const char *token)
{
    struct access_token t;
    int active = access_token_check_active(svc, token, strlen(token), &t);
    if (active < 0)
        return NULL;
    if (active == 1 && caller->kind == APP_KIND_TENANT_APP &&
        (!t.tenant_id || strcmp(t.tenant_id, caller->tenant_id) != 0)) {
        access_token_free(&t);
        active = 0;
    }
    if (active == 0)
        return json_pack("{s:b}", "active", 0);
    json_t *doc = json_pack("{s:b}", "active", 1);
    if (doc && json_object_update(doc, t.claims) == 0 &&
        json_object_set_new(doc, "active", json_true()) == 0 &&
        json_object_set_new(doc, "token_type",
                            json_string(json_object_get(json_object_get(t.claims, "cnf"), "jkt")
                                            ? "DPoP"
                                            : "Bearer")) == 0) {
        access_token_free(&t);
        return doc;
    }
    json_decref(doc);
    access_token_free(&t);
    return NULL;
}

/* Introspection for a caller that has authenticated. */
static void introspect_for(struct service *svc, const struct app_facts *caller, const char *token,
                           struct http_reply *reply)
{
    if (!token || !*token) {
        oauth_reply_error(reply, 400, "invalid_request", "token is required");
        return;
    }
    json_t *doc = introspect_result(svc, caller, token);
    if (!doc) {
        oauth_reply_error(reply, 503, "temporarily_unavailable",
                          "the service cannot check tokens right now");
        return;
    }
    reply_json(reply, 200, doc);
}

void oauth_introspect_as(struct service *svc, const char *client_id, const char *client_secret,
                         const char *token, const char *remote_addr, bool basic,
                         struct http_reply *reply)
{
    struct app_facts caller;
    int retry_after = 0;
    enum client_auth_result auth = client_auth_verify(svc, remote_addr, client_id, client_secret,
                                                      &caller, NULL, 0, &retry_after);
    if (auth != CLIENT_AUTH_OK) {
        client_auth_reply_failure(reply, auth, basic, retry_after);
        return;
    }
    introspect_for(svc, &caller, token, reply);
}

void oauth_introspect_endpoint(struct http_request *req, struct http_reply *reply)
{
    struct form form;
    if (!oauth_read_form(req, &form, reply))
        return;
    struct client_credentials cred;
    if (client_credentials_read(req, &form, &cred, reply)) {
        struct app_facts caller;
        int retry_after = 0;
        const char *why = NULL;
        enum client_auth_result auth = client_auth_authenticate(
            req->service, req->remote_addr, &cred, &caller, NULL, 0, &retry_after, &why);
        if (auth != CLIENT_AUTH_OK)
            client_auth_reply_refusal(reply, auth, cred.method == CLIENT_AUTH_BASIC, retry_after,
                                      why);
        else
            introspect_for(req->service, &caller, form_get(&form, "token"), reply);
    }
    client_credentials_free(&cred);
    form_free(&form);
}

/* Deletes expired deny-list records, at most once a minute per process. */
static void revocation_cleanup(struct db_conn *c)
{
    int64_t now = time_now();
    int64_t last = atomic_load(&revocation_last_cleanup);
    if (now - last < REVOCATION_CLEANUP_SECONDS ||
        !atomic_compare_exchange_strong(&revocation_last_cleanup, &last, now))
        return;
    if (store_revocations_delete_expired(c, now) != DB_DONE)
        log_event(LOG_ERROR, "revocations: cannot delete expired records");
}

void oauth_revoke_endpoint(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    struct form form;
    if (!oauth_read_form(req, &form, reply))
        return;
    struct client_credentials cred;
    if (!client_credentials_read(req, &form, &cred, reply))
        goto out;
    struct app_facts caller;
    int retry_after = 0;
    const char *why = NULL;
    enum client_auth_result auth = client_auth_authenticate(svc, req->remote_addr, &cred, &caller,
                                                            NULL, 0, &retry_after, &why);
    if (auth != CLIENT_AUTH_OK) {
        client_auth_reply_refusal(reply, auth, cred.method == CLIENT_AUTH_BASIC, retry_after, why);
        goto out;
    }
    const char *token = form_get(&form, "token");
    if (!token || !*token) {
        oauth_reply_error(reply, 400, "invalid_request", "token is required");
        goto out;
    }
    struct access_token t;
    if (access_token_verify(svc, token, strlen(token), true, &t)) {
        if (strcmp(t.client_id, caller.client_id) == 0) {
            struct db_conn *c = db_acquire(svc->db);
            int rc = store_revocation_insert(c, t.jti, t.client_id, t.exp);
            if (rc == DB_DONE)
                revocation_cleanup(c);
            db_release(svc->db, c);
            if (rc != DB_DONE) {
                access_token_free(&t);
                oauth_reply_error(reply, 503, "temporarily_unavailable",
                                  "the revocation could not be recorded; retry");
                reply_header(reply, "Retry-After", "1");
                goto out;
            }
        }
        access_token_free(&t);
    }
    reply_empty(reply, 200);
out:
    client_credentials_free(&cred);
    form_free(&form);
}
