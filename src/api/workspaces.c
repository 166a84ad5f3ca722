/*
 * workspaces.c — Demo UI workspaces (SPEC §4.3, §6): a tenant member binds a
 * workspace to one of the tenant's apps by pasting that app's client_id and
 * client_secret. The secret is checked against the app, stored sealed under the
 * master key, and never returned. The workspace then asks the real token service
 * for a token — through the same code path as POST /connect/token — and shows the
 * decoded result or the exact OAuth error; it can also introspect a token.
 *
 * Roles: any member may list; owner/admin create, delete and use workspaces (using
 * one mints tokens with the app's credentials, which viewers may not hold).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/context.h"
#include "api/write.h"
#include "api/credentials.h"
#include "api/listing.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "http/router.h"
#include "oauth/introspect.h"
#include "oauth/token.h"
#include "service.h"
#include "store/ids.h"
#include "store/workspaces.h"
#include "util/timeutil.h"

#define WORKSPACE_SECRET_MAX 128

static json_t *workspace_to_json(const struct workspace_row *w)
{
    char created[32];
    time_format_rfc3339(w->created_at, created);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", w->id, "tenant_id", w->tenant_id, "app_id",
                     w->app_id, "name", w->name, "client_id", w->client_id, "created_at", created);
}

/* Releases a parsed create body after overwriting the pasted client_secret, which
 * jansson holds in its own heap copy (the raw request body is wiped by http/). The
 * value may be any JSON type when validation failed: only a string is wiped. */
static void workspace_body_free(json_t *body)
{
    json_t *secret = json_object_get(body, "client_secret");
    if (json_is_string(secret))
        crypto_wipe((char *)json_string_value(secret), json_string_length(secret));
    json_decref(body);
}

/* What a creation hands its change: the row so far, and the body's credentials. */
struct workspace_create {
    struct workspace_row *w; /* name and app_id set */
    const char *client_id, *secret;
};

/* api_write_fn: the app's credentials must be the ones given (404 app_not_found, 400
 * client_id_mismatch / invalid_client_secret); then the sealed workspace and its
 * audit event. */
static int workspace_create_change(struct db_conn *c, struct api_write *wr)
{
    struct workspace_create *x = wr->ctx;
    struct workspace_row *w = x->w;
    struct http_request *req = wr->req;
    char app_client_id[64], secret_hash[65], given_hash[65];
    enum db_status found =
        store_workspace_app_credentials(c, req->params[0], w->app_id, app_client_id, secret_hash);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(&wr->problem, 404, "app_not_found", "app_id", "no such app in this tenant");
        return DB_CONSTRAINT;
    }
    if (strcmp(app_client_id, x->client_id) != 0) {
        problem_set(&wr->problem, 400, "client_id_mismatch", "client_id",
                    "client_id is not the client_id of app %s", w->app_id);
        return DB_CONSTRAINT;
    }
    credential_hash(x->secret, given_hash);
    if (!crypto_equal(given_hash, secret_hash, 64)) {
        problem_set(&wr->problem, 400, "invalid_client_secret", "client_secret",
                    "client_secret does not match the app's current secret");
        return DB_CONSTRAINT;
    }
    snprintf(w->tenant_id, sizeof w->tenant_id, "%s", req->params[0]);
    snprintf(w->client_id, sizeof w->client_id, "%s", x->client_id);
    snprintf(w->created_by, sizeof w->created_by, "%s", wr->who->user.id);
    w->created_at = time_now();
    int rc = store_new_id(w->id) == 0
                 ? store_workspace_insert(c, req->service->keyring, w, x->secret)
                 : DB_ERROR;
    if (rc == DB_DONE)
        rc = audit_record(c, wr->who, req, w->tenant_id, "workspace.create", "workspace", w->id,
                          json_pack("{s:s,s:s}", "app_id", w->app_id, "name", w->name));
    return rc == DB_CONSTRAINT ? DB_ERROR : rc;
}

/* POST /api/v1/tenants/{tid}/workspaces
 * Contract: body untrusted {name, app_id, client_id, client_secret}; the secret is
 * checked against the app's stored hash, sealed, and wiped from every buffer of
 * ours (the parsed body included) on every path. */
static void workspace_create(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const fields[] = {"name", "app_id", "client_id", "client_secret", NULL};
    const char *name = NULL, *app_id = NULL, *client_id = NULL, *secret = NULL;
    json_t *body = json_input_object(req, false, &p);
    if (!body || !json_input_reject_unknown(body, fields, &p) ||
        !json_input_get_string(body, "name", true, false, &name, &p) ||
        !json_input_get_string(body, "app_id", true, false, &app_id, &p) ||
        !json_input_get_string(body, "client_id", true, false, &client_id, &p) ||
        !json_input_get_string(body, "client_secret", true, false, &secret, &p)) {
        workspace_body_free(body);
        reply_problem(reply, &p);
        return;
    }
    struct workspace_row w;
    memset(&w, 0, sizeof w);
    const char *why = NULL;
    if (!name_normalize(name, NAME_MAX_CHARS, w.name, sizeof w.name, &why)) {
        workspace_body_free(body);
        reply_error(reply, 400, "invalid_name", "name", "name %s", why);
        return;
    }
    if (!uuid_is_valid(app_id)) {
        workspace_body_free(body);
        reply_error(reply, 404, "app_not_found", "app_id", "no such app in this tenant");
        return;
    }
    snprintf(w.app_id, sizeof w.app_id, "%s", app_id); /* body strings die with body */
    app_id = w.app_id;
    if (strlen(secret) >= WORKSPACE_SECRET_MAX) {
        workspace_body_free(body);
        reply_error(reply, 400, "invalid_client_secret", "client_secret",
                    "client_secret does not match the app's current secret");
        return;
    }
    struct workspace_create x = {&w, client_id, secret};
    bool created = api_write_run(req, reply, "creating a workspace", workspace_create_change, &x);
    workspace_body_free(body);
    if (created)
        reply_json(reply, 201, workspace_to_json(&w));
}

static void workspace_list_each(const struct workspace_row *w, void *ctx)
{
    json_array_append_new((json_t *)ctx, workspace_to_json(w));
}

/* GET /api/v1/tenants/{tid}/workspaces */
static void workspace_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (!api_page_parse(req, reply, &page))
        return;
    json_t *items = json_array();
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status rc = store_workspace_list(c, req->params[0], page.cursor, page.limit + 1,
                                             workspace_list_each, items);
    db_release(req->service->db, c);
    int n = (int)json_array_size(items);
    if (rc != DB_DONE) {
        json_decref(items);
        api_reply_db_error(reply, DB_ERROR, "listing workspaces");
        return;
    }
    bool more = n > page.limit;
    if (more)
        json_array_remove(items, (size_t)page.limit);
    const char *last = NULL;
    if (json_array_size(items) > 0)
        last = json_string_value(
            json_object_get(json_array_get(items, json_array_size(items) - 1), "id"));
    char last_id[37] = "";
    if (last)
        snprintf(last_id, sizeof last_id, "%s", last);
    reply_json(reply, 200, api_page_wrap(items, more, last_id));
}

static int workspace_delete_change(struct db_conn *c, struct api_write *w)
{
    const char *tid = w->req->params[0], *wid = w->req->params[1];
    bool removed = false;
    int rc = store_workspace_delete(c, tid, wid, &removed);
    if (rc == DB_DONE && !removed) {
        problem_set(&w->problem, 404, "workspace_not_found", NULL, "no such workspace");
        return DB_CONSTRAINT;
    }
    return api_write_audited(c, w, rc, tid, "workspace.delete", "workspace", wid, NULL);
}

/* DELETE /api/v1/tenants/{tid}/workspaces/{wid} */
static void workspace_delete(struct http_request *req, struct http_reply *reply)
{
    if (!uuid_is_valid(req->params[1])) {
        reply_error(reply, 404, "workspace_not_found", NULL, "no such workspace");
        return;
    }
    if (api_write_run(req, reply, "deleting a workspace", workspace_delete_change, NULL))
        reply_empty(reply, 204);
}

/* Loads the workspace with its secret; replies on failure. */
static bool workspace_load(struct http_request *req, struct http_reply *reply,
                           struct workspace_row *w, char *secret, size_t size)
{
    if (!uuid_is_valid(req->params[1])) {
        reply_error(reply, 404, "workspace_not_found", NULL, "no such workspace");
        return false;
    }
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status found = store_workspace_get_decrypted(c, req->service->keyring, req->params[0],
                                                         req->params[1], w, secret, size);
    db_release(req->service->db, c);
    if (found == DB_DONE)
        return true;
    if (found == DB_NOT_FOUND)
        reply_error(reply, 404, "workspace_not_found", NULL, "no such workspace");
    else if (found == DB_UNREADABLE)
        reply_error(reply, 500, "workspace_secret_unreadable", NULL,
                    "the stored secret cannot be decrypted with the current master keys");
    else
        api_reply_db_error(reply, DB_ERROR, "reading a workspace");
    return false;
}

/* Decodes one base64url JWT segment into a JSON value (NULL when it is not JSON). */
static json_t *workspace_decode_segment(const char *start, size_t len)
{
    unsigned char buf[8192];
    size_t n = 0;
    if (len > 10000 || !base64url_decode(start, len, buf, sizeof buf, &n))
        return NULL;
    return json_loadb((const char *)buf, n, 0, NULL);
}

/* One call of the token service as the workspace's app (inner gets its answer). */
typedef void (*workspace_ask_fn)(struct service *svc, const struct workspace_row *w,
                                 const char *secret, const char *value, const char *remote_addr,
                                 struct http_reply *inner);

/*
 * The workspace calls' common part: reads the body's one string field (`field`),
 * loads the workspace and its secret, asks the token service and returns its JSON
 * answer when it said 200. Otherwise replies — the body's problem, the workspace's
 * 404, 502 `silent` when the service gave no JSON, or {ok:false, status, error,
 * error_description} exactly as the service refused — and returns NULL.
 */
static json_t *workspace_ask(struct http_request *req, struct http_reply *reply, const char *field,
                             bool required, workspace_ask_fn ask, const char *silent)
{
    struct problem p;
    problem_clear(&p);
    const char *const fields[] = {field, NULL};
    const char *value = NULL;
    json_t *body = json_input_object(req, !required, &p);
    if (!body || !json_input_reject_unknown(body, fields, &p) ||
        !json_input_get_string(body, field, required, false, &value, &p)) {
        json_decref(body);
        reply_problem(reply, &p);
        return NULL;
    }
    struct workspace_row w;
    char secret[WORKSPACE_SECRET_MAX];
    if (!workspace_load(req, reply, &w, secret, sizeof secret)) {
        json_decref(body);
        return NULL;
    }
    struct http_reply inner;
    reply_init(&inner);
    ask(req->service, &w, secret, value, req->remote_addr, &inner);
    crypto_wipe(secret, sizeof secret);
    json_decref(body);
    json_t *answer = inner.body ? json_loadb(inner.body, inner.body_len, 0, NULL) : NULL;
    int status = inner.status;
    reply_release(&inner);
    if (!answer) {
        reply_error(reply, 502, "token_service_error", NULL, "%s", silent);
        return NULL;
    }
    if (status == 200)
        return answer;
    json_t *out = json_pack("{s:b,s:i,s:O?,s:O?}", "ok", 0, "status", status, "error",
                            json_object_get(answer, "error"), "error_description",
                            json_object_get(answer, "error_description"));
    json_decref(answer);
    reply_json(reply, 200, out);
    return NULL;
}

static void workspace_ask_token(struct service *svc, const struct workspace_row *w,
                                const char *secret, const char *dpop_proof, const char *remote_addr,
                                struct http_reply *inner)
{
    oauth_token_grant(svc, w->client_id, secret, NULL, dpop_proof, remote_addr, false, inner);
}

static void workspace_ask_introspection(struct service *svc, const struct workspace_row *w,
                                        const char *secret, const char *token,
                                        const char *remote_addr, struct http_reply *inner)
{
    oauth_introspect_as(svc, w->client_id, secret, token, remote_addr, false, inner);
}

/* POST /api/v1/tenants/{tid}/workspaces/{wid}/token [{dpop_proof}]: the proof is
 * made by the browser (WebCrypto) for POST {issuer}/connect/token and passed on as
 * the DPoP header would be, so the token comes back bound to the browser's key. */
static void workspace_token(struct http_request *req, struct http_reply *reply)
{
    json_t *answer = workspace_ask(req, reply, "dpop_proof", false, workspace_ask_token,
                                   "the token service gave no answer");
    if (!answer)
        return;
    const char *token = json_string_value(json_object_get(answer, "access_token"));
    const char *dot1 = token ? strchr(token, '.') : NULL;
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    json_t *header = dot1 ? workspace_decode_segment(token, (size_t)(dot1 - token)) : NULL;
    json_t *claims = dot2 ? workspace_decode_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1)) : NULL;
    json_t *out = json_pack("{s:b,s:O,s:O?,s:o?,s:o?,s:O}", "ok", 1, "access_token",
                            json_object_get(answer, "access_token"), "token_type",
                            json_object_get(answer, "token_type"), "header", header, "claims",
                            claims, "expires_in", json_object_get(answer, "expires_in"));
    json_decref(answer);
    if (!out) {
        reply_error(reply, 502, "token_service_error", NULL, "unexpected token response");
        return;
    }
    reply_json(reply, 200, out);
}

/* POST /api/v1/tenants/{tid}/workspaces/{wid}/introspect {token} */
static void workspace_introspect(struct http_request *req, struct http_reply *reply)
{
    json_t *answer = workspace_ask(req, reply, "token", true, workspace_ask_introspection,
                                   "the introspection gave no answer");
    if (answer)
        reply_json(reply, 200, answer);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_WORKSPACES_ROUTES(ROUTE)                                                               \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/workspaces", workspace_create, ACCESS_TENANT_ADMIN)       \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/workspaces", workspace_list, ACCESS_TENANT_VIEWER)         \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/workspaces/{}", workspace_delete, ACCESS_TENANT_ADMIN)  \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/workspaces/{}/token", workspace_token,                    \
          ACCESS_TENANT_ADMIN)                                                                     \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/workspaces/{}/introspect", workspace_introspect,          \
          ACCESS_TENANT_ADMIN)

ROUTE_TABLE(api_workspaces, API_WORKSPACES_ROUTES);
