/*
 * platform_clients.c — host-level OAuth clients for the platform's own services
 * (SPEC §4.2, §4.6):
 *
 *   POST   /api/v1/platform-clients              host: {name, scopes} → 201 with the
 *                                                secret (shown once)
 *   GET    /api/v1/platform-clients              host: list (never a secret)
 *   GET    /api/v1/platform-clients/{id}         host
 *   DELETE /api/v1/platform-clients/{id}         host: soft delete → 204
 *   POST   /api/v1/platform-clients/{id}/secret  host: regenerate → 200 with the secret
 *
 * Scopes are a set of 1..10 KNOWN platform scopes (today only `platform:storage`):
 * a well-formed but unknown scope is refused (400 invalid_scope) so a typo cannot
 * create a client that silently lacks a permission. Secrets are minted by
 * api/credentials.h with the `tdps_` prefix, stored as SHA-256 hex, wiped after the
 * answer is built. Delete and regeneration drop the client from the token service's
 * cache before answering, so the old secret stops working at once.
 */
#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "api/context.h"
#include "api/write.h"
#include "api/credentials.h"
#include "api/listing.h"
#include "api/represent.h"
#include "crypto/hash.h"
#include "domain/names.h"
#include "domain/secret_format.h"
#include "http/json_input.h"
#include "http/router.h"
#include "service.h"
#include "store/ids.h"
#include "store/platform_clients.h"
#include "util/timeutil.h"

#define PLATFORM_SCOPES_MAX 10

/* The platform scopes this server knows (SPEC §4.6). */
static const char *const platform_known_scopes[] = {"platform:storage"};

/* platform:[a-z][a-z0-9_-]{0,31} */
static bool platform_scope_is_well_formed(const char *s)
{
    static const char prefix[] = "platform:";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *name = s + sizeof prefix - 1;
    size_t n = strlen(name);
    if (n < 1 || n > 32 || name[0] < 'a' || name[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static bool platform_scope_is_known(const char *s)
{
    for (size_t i = 0; i < sizeof platform_known_scopes / sizeof platform_known_scopes[0]; i++)
        if (strcmp(s, platform_known_scopes[i]) == 0)
            return true;
    return false;
}

/*
 * Contract: body is an untrusted parsed object. Reads `scopes` (required array of
 * 1..10 distinct known scope strings) into out as a space-separated list. Errors:
 * missing_field, invalid_type (scopes / scopes[i]), invalid_value (count),
 * invalid_scope naming scopes[i] (malformed, unknown or repeated).
 */
static bool platform_take_scopes(const json_t *body, char out[PLATFORM_CLIENT_SCOPES_SIZE],
                                 struct problem *p)
{
    const char *items[PLATFORM_SCOPES_MAX];
    size_t count = 0;
    bool present = false;
    if (!json_input_get_string_array(body, "scopes", PLATFORM_SCOPES_MAX, items, &count, &present,
                                     p))
        return false;
    if (!present) {
        if (json_object_get(body, "scopes"))
            problem_set(p, 400, "invalid_type", "scopes", "scopes must be an array of strings");
        else
            problem_set(p, 400, "missing_field", "scopes", "scopes is required");
        return false;
    }
    if (count < 1 || count > PLATFORM_SCOPES_MAX) {
        problem_set(p, 400, "invalid_value", "scopes", "scopes must hold 1 to %d scopes",
                    PLATFORM_SCOPES_MAX);
        return false;
    }
    size_t len = 0;
    out[0] = 0;
    for (size_t i = 0; i < count; i++) {
        char field[32];
        snprintf(field, sizeof field, "scopes[%zu]", i);
        if (!platform_scope_is_well_formed(items[i])) {
            problem_set(p, 400, "invalid_scope", field,
                        "%s must look like platform:<name> (a-z, 0-9, '_', '-')", field);
            return false;
        }
        if (!platform_scope_is_known(items[i])) {
            problem_set(p, 400, "invalid_scope", field, "%s is not a known platform scope", field);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(items[i], items[j]) == 0) {
                problem_set(p, 400, "invalid_scope", field, "%s repeats a scope", field);
                return false;
            }
        int n =
            snprintf(out + len, PLATFORM_CLIENT_SCOPES_SIZE - len, "%s%s", i ? " " : "", items[i]);
        if (n < 0 || (size_t)n >= PLATFORM_CLIENT_SCOPES_SIZE - len) {
            problem_set(p, 400, "invalid_value", "scopes", "scopes are too long");
            return false;
        }
        len += (size_t)n;
    }
    return true;
}

/* api_write_fn: inserts the platform client w->ctx and audits it (no secret). */
static int platform_create_change(struct db_conn *c, struct api_write *w)
{
    const struct platform_client_row *pc = w->ctx;
    int rc = store_platform_client_insert(c, pc);
    if (rc == DB_DONE)
        rc = audit_record(c, w->who, w->req, NULL, "platform_client.create", "platform_client",
                          pc->id,
                          json_pack("{s:s,s:s,s:s}", "name", pc->name, "client_id", pc->client_id,
                                    "scopes", pc->scopes));
    /* Ids and client ids are random: a clash is an internal error, not a conflict. */
    return rc == DB_CONSTRAINT ? DB_ERROR : rc;
}

/* POST /api/v1/platform-clients — body is untrusted: {name, scopes}. */
static void platform_clients_create(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", "scopes", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *name = NULL, *reason = NULL;
    struct platform_client_row pc;
    memset(&pc, 0, sizeof pc);
    bool ok = body && json_input_reject_unknown(body, allowed, &p) &&
              json_input_get_string(body, "name", true, false, &name, &p);
    if (ok && !name_normalize(name, NAME_MAX_CHARS, pc.name, sizeof pc.name, &reason)) {
        problem_set(&p, 400, "invalid_name", "name", "name %s",
                    reason ? reason : "must be 1 to 100 characters");
        ok = false;
    }
    ok = ok && platform_take_scopes(body, pc.scopes, &p);
    json_decref(body);
    if (!ok) {
        reply_problem(reply, &p);
        return;
    }
    char secret[64];
    if (store_new_id(pc.id) != 0 || platform_client_id_new(pc.client_id) != 0 ||
        credential_new_secret(PLATFORM_SECRET_PREFIX, secret, pc.secret_hash) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot mint credentials");
        return;
    }
    pc.created_at = pc.secret_rotated_at = time_now();

    if (!api_write_run(req, reply, "creating a platform client", platform_create_change, &pc)) {
        crypto_wipe(secret, sizeof secret);
        return;
    }
    json_t *out = represent_platform_client(&pc);
    json_object_set_new(out, "client_secret", json_string(secret));
    crypto_wipe(secret, sizeof secret);
    reply_json(reply, 201, out);
}

API_PAGE_ADD_FN(platform_page_add, struct platform_client_row, represent_platform_client, id)

/* api_page_query_fn: live clients. */
static enum db_status platform_clients_list_query(struct db_conn *c, const struct http_request *req,
                                                  const char *cursor, int max_rows,
                                                  struct page_collector *out)
{
    return store_platform_client_list(c, cursor, max_rows, platform_page_add, out);
}

/* GET /api/v1/platform-clients — live clients, oldest first. */
static void platform_clients_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (api_page_parse(req, reply, &page))
        api_page_list(req, reply, &page, platform_clients_list_query, "listing platform clients");
}

static void platform_reply_not_found(struct http_reply *reply)
{
    reply_error(reply, 404, "platform_client_not_found", NULL, "no such platform client");
}

/* GET /api/v1/platform-clients/{id} */
static void platform_clients_get(struct http_request *req, struct http_reply *reply)
{
    if (!uuid_is_valid(req->params[0])) {
        platform_reply_not_found(reply);
        return;
    }
    struct platform_client_row pc;
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status found = store_platform_client_get(c, req->params[0], &pc);
    db_release(req->service->db, c);
    if (!api_reply_unless_found(reply, found, "reading a platform client",
                                "platform_client_not_found", "no such platform client"))
        reply_json(reply, 200, represent_platform_client(&pc));
}

/* Inside a write: loads the live client req->params[0] into pc. DB_DONE, DB_ERROR, or
 * API_WRITE_ANSWERED after answering 404 platform_client_not_found. */
static int platform_load(struct db_conn *c, struct api_write *w, struct platform_client_row *pc)
{
    enum db_status found = store_platform_client_get(c, w->req->params[0], pc);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        platform_reply_not_found(w->reply);
        return API_WRITE_ANSWERED;
    }
    return DB_DONE;
}

/* api_write_fn: soft-deletes the client req->params[0]; w->ctx receives its row. */
static int platform_delete_change(struct db_conn *c, struct api_write *w)
{
    struct platform_client_row *pc = w->ctx;
    int rc = platform_load(c, w, pc);
    bool changed = false;
    if (rc == DB_DONE)
        rc = store_platform_client_delete(c, pc->id, time_now(), &changed);
    if (rc == DB_DONE)
        rc = audit_record(c, w->who, w->req, NULL, "platform_client.delete", "platform_client",
                          pc->id, json_pack("{s:s}", "client_id", pc->client_id));
    return rc;
}

/* DELETE /api/v1/platform-clients/{id} — soft delete; its secret and tokens stop
 * working (the token service no longer finds it). */
static void platform_clients_delete(struct http_request *req, struct http_reply *reply)
{
    const char *id = req->params[0];
    if (!uuid_is_valid(id)) {
        platform_reply_not_found(reply);
        return;
    }
    struct platform_client_row pc;
    if (!api_write_run(req, reply, "deleting a platform client", platform_delete_change, &pc))
        return;
    reply_empty(reply, 204);
}

/* A secret regeneration: the new hash in, the client's row out. */
struct platform_regenerate {
    const char *secret_hash;
    struct platform_client_row pc;
};

/* api_write_fn: replaces the secret hash of req->params[0] (w->ctx is a
 * struct platform_regenerate). */
static int platform_regenerate_change(struct db_conn *c, struct api_write *w)
{
    struct platform_regenerate *r = w->ctx;
    int rc = platform_load(c, w, &r->pc);
    bool changed = false;
    if (rc == DB_DONE)
        rc = store_platform_client_set_secret(c, r->pc.id, r->secret_hash, time_now(), &changed);
    return api_write_audited(c, w, rc, NULL, "platform_client.secret_regenerate", "platform_client",
                             r->pc.id, json_pack("{s:s}", "client_id", r->pc.client_id));
}

/* POST /api/v1/platform-clients/{id}/secret — a new secret replaces the old one at once.
 * No body (or an empty object) is accepted. */
static void platform_clients_regenerate(struct http_request *req, struct http_reply *reply)
{
    const char *id = req->params[0];
    if (!uuid_is_valid(id)) {
        platform_reply_not_found(reply);
        return;
    }
    struct problem p;
    problem_clear(&p);
    if (!json_input_none(req, &p)) {
        reply_problem(reply, &p);
        return;
    }
    char secret[64], hash[65];
    if (credential_new_secret(PLATFORM_SECRET_PREFIX, secret, hash) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot mint a secret");
        return;
    }
    struct platform_regenerate r = {.secret_hash = hash};
    if (!api_write_run(req, reply, "regenerating a platform client secret",
                       platform_regenerate_change, &r)) {
        crypto_wipe(secret, sizeof secret);
        return;
    }
    json_t *out = json_pack("{s:s,s:s,s:s}", "id", r.pc.id, "client_id", r.pc.client_id,
                            "client_secret", secret);
    crypto_wipe(secret, sizeof secret);
    reply_json(reply, 200, out);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_PLATFORM_CLIENTS_ROUTES(ROUTE)                                                         \
    ROUTE(HTTP_POST, "/api/v1/platform-clients", platform_clients_create, ACCESS_HOST)             \
    ROUTE(HTTP_GET, "/api/v1/platform-clients", platform_clients_list, ACCESS_HOST)                \
    ROUTE(HTTP_GET, "/api/v1/platform-clients/{}", platform_clients_get, ACCESS_HOST)              \
    ROUTE(HTTP_DELETE, "/api/v1/platform-clients/{}", platform_clients_delete, ACCESS_HOST)        \
    ROUTE(HTTP_POST, "/api/v1/platform-clients/{}/secret", platform_clients_regenerate, ACCESS_HOST)

ROUTE_TABLE(api_platform_clients, API_PLATFORM_CLIENTS_ROUTES);
