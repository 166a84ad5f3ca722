/*
 * apps.c — tenant apps over HTTP (SPEC §4.3):
 *
 *   POST   /api/v1/tenants/{tid}/apps                 create (-> 201 app + secret)
 *   GET    /api/v1/tenants/{tid}/apps                 list (viewer+)
 *   GET    /api/v1/tenants/{tid}/apps/{aid}           one app (viewer+)
 *   PATCH  /api/v1/tenants/{tid}/apps/{aid}           name, URIs, allowed domains
 *   POST   /api/v1/tenants/{tid}/apps/{aid}/disable   | enable
 *   POST   /api/v1/tenants/{tid}/apps/{aid}/secret    regenerate the client secret
 *                                                     (optionally keeping the old one
 *                                                     for a grace period, SPEC §3.7)
 *   DELETE /api/v1/tenants/{tid}/apps/{aid}/secret/previous   end that grace period
 *   PUT    /api/v1/tenants/{tid}/apps/{aid}/plan      assign a plan
 *   DELETE /api/v1/tenants/{tid}/apps/{aid}/plan      unassign
 *   DELETE /api/v1/tenants/{tid}/apps/{aid}           soft delete (-> 204)
 *
 * Owners and admins manage, viewers read, host admins act in any tenant (the route
 * table's levels, checked before a handler runs). Another tenant's id is 404
 * tenant_not_found; another tenant's app id is 404 app_not_found. Every mutation is
 * one api_write_app (write.h): the app loaded in the write transaction, the change
 * and its audit event, commit; the change feed's commit hook drops the app's
 * token-cache entry before the answer. The storage routes live in app_storage.c;
 * both show an app with represent_app (represent.h). The rules on a tenant's apps
 * (app_limit, plans, one free-plan app) are domain/app_rules.
 *
 * Creation holds the tenant row (store_tenant_get_for_update) for the whole
 * transaction, so the app_limit count, the name check, the database pick and the
 * insert are serialised per tenant: N parallel creates never exceed app_limit.
 */
#include "api/apps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app_storage.h"
#include "api/audit.h"
#include "api/credentials.h"
#include "api/listing.h"
#include "api/represent.h"
#include "api/write.h"
#include "crypto/hash.h"
#include "domain/allowed_domains.h"
#include "domain/app_rules.h"
#include "domain/names.h"
#include "domain/secret_format.h"
#include "domain/uris.h"
#include "http/json_input.h"
#include "oauth/client_assertion.h"
#include "service.h"
#include "store/ids.h"
#include "store/plans.h"
#include "store/regions.h"
#include "store/tenants.h"
#include "util/timeutil.h"

/* ------------------------------------------------------------------------------- */
/* Representation                                                                  */

/* ------------------------------------------------------------------------------- */
/* Input validation                                                                */

/* Copies an untrusted value into out for an error message: printable ASCII kept,
 * everything else '?', at most 100 bytes then "...". */
static void apps_quote(const char *in, char *out, size_t out_size)
{
    size_t o = 0, i = 0;
    for (; in[i] && o + 4 < out_size && i < 100; i++)
        out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? in[i] : '?';
    if (in[i] && o + 4 <= out_size) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}

/* Builds compact JSON array text of items[0..count) (malloc'd) into *out. */
static bool apps_array_text(const char *const *items, size_t count, char **out, struct problem *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < count; i++)
        if (json_array_append_new(arr, json_string(items[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    *out = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    if (!*out) {
        problem_set(p, 500, "internal", NULL, "out of memory");
        return false;
    }
    return true;
}

/*
 * Reads body[key] as a list of strings into a malloc'd array (*items_out, count in
 * *count). Absent or null -> *present false. Caller frees *items_out (borrowed
 * strings).
 */
static bool apps_read_strings(const json_t *body, const char *key, const char ***items_out,
                              size_t *count, bool *present, struct problem *p)
{
    *items_out = NULL;
    json_t *v = json_object_get(body, key);
    size_t n = json_is_array(v) ? json_array_size(v) : 0;
    const char **items = calloc(n ? n : 1, sizeof *items);
    if (!items) {
        problem_set(p, 500, "internal", NULL, "out of memory");
        return false;
    }
    if (!json_input_get_string_array(body, key, n, items, count, present, p)) {
        free(items);
        return false;
    }
    *items_out = items;
    return true;
}

/*
 * Contract: body is untrusted. Validates body[key] (redirect_uris or
 * post_logout_redirect_uris) with domain/uris.h. On success *json_out is the
 * malloc'd JSON array text (NULL when absent). Errors: 400 invalid_uri with field
 * "key[i]" and the offending value quoted in detail ("key[10]" for the 11th of too
 * many), invalid_type.
 */
static bool apps_parse_uris(const json_t *body, const char *key, char **json_out, struct problem *p)
{
    *json_out = NULL;
    const char **items;
    size_t count;
    bool present;
    if (!apps_read_strings(body, key, &items, &count, &present, p))
        return false;
    bool ok = true;
    if (present) {
        size_t bad = 0;
        const char *reason = NULL;
        if (!uri_redirect_list_is_valid(items, count, &bad, &reason)) {
            char field[96], quoted[112];
            ok = false;
            if (bad >= count) { /* too many */
                bad = URI_LIST_MAX;
                reason = "is one too many: at most 10 URIs are allowed";
            } else if (!reason) {
                reason = "is not acceptable";
            }
            snprintf(field, sizeof field, "%s[%zu]", key, bad);
            apps_quote(items[bad], quoted, sizeof quoted);
            problem_set(p, 400, "invalid_uri", field, "%s \"%s\" %s", field, quoted, reason);
        } else {
            ok = apps_array_text(items, count, json_out, p);
        }
    }
    free(items);
    return ok;
}

/*
 * Contract: body is untrusted. Normalises and validates body.allowed_domains with
 * domain/allowed_domains.h (SPEC §2 order). On success *json_out is the malloc'd JSON
 * array of normalised domains (NULL when absent). Errors: 400 invalid_domain,
 * wildcard_domain, invalid_port, duplicate_domain, too_many_domains with field
 * "allowed_domains[i]" ("allowed_domains[3]" for the 4th of too many), invalid_type.
 */
static bool apps_parse_domains(const json_t *body, char **json_out, struct problem *p)
{
    *json_out = NULL;
    const char **items;
    size_t count;
    bool present;
    if (!apps_read_strings(body, "allowed_domains", &items, &count, &present, p))
        return false;
    bool ok = true;
    if (present) {
        char normalized[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
        size_t bad = 0;
        enum domain_error e = domain_normalize_allowed_list(items, count, normalized, &bad);
        if (e != DOMAIN_OK) {
            char field[96], quoted[112];
            ok = false;
            if (e == DOMAIN_TOO_MANY || bad >= count)
                bad = DOMAIN_LIST_MAX < count ? DOMAIN_LIST_MAX : count - 1;
            snprintf(field, sizeof field, "allowed_domains[%zu]", bad);
            apps_quote(items[bad], quoted, sizeof quoted);
            const char *why = e == DOMAIN_WILDCARD       ? "must not contain a wildcard"
                              : e == DOMAIN_INVALID_PORT ? "has an invalid port (1-65535)"
                              : e == DOMAIN_DUPLICATE    ? "repeats an earlier domain"
                              : e == DOMAIN_TOO_MANY     ? "is one too many: at most 3 domains"
                                                         : "is not a valid domain";
            problem_set(p, 400, domain_error_code(e), field, "%s \"%s\" %s", field, quoted, why);
        } else {
            const char *norm[DOMAIN_LIST_MAX];
            for (size_t i = 0; i < count; i++)
                norm[i] = normalized[i];
            ok = apps_array_text(norm, count, json_out, p);
        }
    }
    free(items);
    return ok;
}

/* Contract: value is untrusted. Trims and validates an app name (1–100 chars); writes
 * the name and its case-folded uniqueness key. 400 invalid_name on failure. */
static bool apps_parse_name(const char *value, char name[APP_NAME_SIZE], char folded[APP_NAME_SIZE],
                            struct problem *p)
{
    const char *reason = NULL;
    if (!name_normalize(value, NAME_MAX_CHARS, name, APP_NAME_SIZE, &reason)) {
        problem_set(p, 400, "invalid_name", "name", "name %s",
                    reason ? reason : "must be 1 to 100 characters");
        return false;
    }
    name_fold_case(name, folded, APP_NAME_SIZE);
    return true;
}

/* The lists a create or PATCH may carry, as JSON texts (NULL = absent). */
struct apps_lists {
    char *redirect_uris;
    char *post_logout_redirect_uris;
    char *allowed_domains;
};

static void apps_lists_free(struct apps_lists *l)
{
    free(l->redirect_uris);
    free(l->post_logout_redirect_uris);
    free(l->allowed_domains);
    memset(l, 0, sizeof *l);
}

static bool apps_parse_lists(const json_t *body, struct apps_lists *l, struct problem *p)
{
    memset(l, 0, sizeof *l);
    if (apps_parse_uris(body, "redirect_uris", &l->redirect_uris, p) &&
        apps_parse_uris(body, "post_logout_redirect_uris", &l->post_logout_redirect_uris, p) &&
        apps_parse_domains(body, &l->allowed_domains, p))
        return true;
    apps_lists_free(l);
    return false;
}

/* Moves a parsed list into the row's field when present (ownership passes). */
static void apps_take_list(char **row_field, char **parsed)
{
    if (!*parsed)
        return;
    free(*row_field);
    *row_field = *parsed;
    *parsed = NULL;
}

/* The client authentication settings a create or PATCH may carry (SPEC §3.7). */
struct apps_client_auth {
    const char *method; /* APP_AUTH_METHOD_*, NULL when absent */
    bool jwks_present;  /* "jwks" given, as a set or null */
    char *jwks;         /* normalised set text (malloc'd), NULL for null */
    bool dpop_present;  /* "dpop_bound_access_tokens" given */
    bool dpop;
};

/*
 * Contract: body is untrusted. Reads token_endpoint_auth_method ("client_secret"
 * or "private_key_jwt": else 400 unsupported_auth_method) and jwks (a public JWK
 * set validated by client_jwks_validate, or null). Always call apps_client_auth_free.
 */
static bool apps_parse_client_auth(const json_t *body, struct apps_client_auth *out,
                                   struct problem *p)
{
    memset(out, 0, sizeof *out);
    const char *method = NULL;
    if (!json_input_get_string(body, "token_endpoint_auth_method", false, false, &method, p))
        return false;
    if (method) {
        if (strcmp(method, APP_AUTH_METHOD_SECRET) == 0)
            out->method = APP_AUTH_METHOD_SECRET;
        else if (strcmp(method, APP_AUTH_METHOD_PRIVATE_KEY_JWT) == 0)
            out->method = APP_AUTH_METHOD_PRIVATE_KEY_JWT;
        else {
            problem_set(p, 400, "unsupported_auth_method", "token_endpoint_auth_method",
                        "token_endpoint_auth_method must be \"client_secret\" or "
                        "\"private_key_jwt\"");
            return false;
        }
    }
    if (!json_input_get_bool(body, "dpop_bound_access_tokens", false, &out->dpop_present,
                             &out->dpop, p))
        return false;
    const json_t *jwks = json_object_get(body, "jwks");
    if (jwks) {
        out->jwks_present = true;
        if (!json_is_null(jwks) && !client_jwks_validate(jwks, &out->jwks, p))
            return false;
    }
    return true;
}

static void apps_client_auth_free(struct apps_client_auth *in)
{
    free(in->jwks);
    memset(in, 0, sizeof *in);
}

/*
 * Applies parsed settings to a row (appending the names of changed fields to
 * changed, when not NULL) and checks the result: a private_key_jwt app needs a
 * JWK set (400 jwks_required). Ownership of in->jwks passes to the row.
 */
static bool apps_apply_client_auth(struct app_row *app, struct apps_client_auth *in,
                                   json_t *changed, struct problem *p)
{
    if (!app->token_endpoint_auth_method[0])
        snprintf(app->token_endpoint_auth_method, sizeof app->token_endpoint_auth_method, "%s",
                 APP_AUTH_METHOD_SECRET);
    if (in->method && strcmp(in->method, app->token_endpoint_auth_method) != 0) {
        snprintf(app->token_endpoint_auth_method, sizeof app->token_endpoint_auth_method, "%s",
                 in->method);
        if (changed)
            json_array_append_new(changed, json_string("token_endpoint_auth_method"));
    }
    if (in->jwks_present && !(in->jwks && app->jwks && strcmp(in->jwks, app->jwks) == 0) &&
        (in->jwks || app->jwks)) {
        free(app->jwks);
        app->jwks = in->jwks;
        in->jwks = NULL;
        if (changed)
            json_array_append_new(changed, json_string("jwks"));
    }
    if (in->dpop_present && in->dpop != app->dpop_bound_access_tokens) {
        app->dpop_bound_access_tokens = in->dpop;
        if (changed)
            json_array_append_new(changed, json_string("dpop_bound_access_tokens"));
    }
    if (strcmp(app->token_endpoint_auth_method, APP_AUTH_METHOD_PRIVATE_KEY_JWT) == 0 &&
        !app->jwks) {
        problem_set(p, 400, "jwks_required", "jwks",
                    "private_key_jwt needs the app's public keys: set jwks to a JWK set");
        return false;
    }
    return true;
}

/* The key ids of a stored set, for audit events (never key material). */
static json_t *apps_jwks_kids(const char *jwks_text)
{
    json_t *kids = json_array();
    json_t *doc = jwks_text ? json_loads(jwks_text, 0, NULL) : NULL;
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(doc, "keys"), i, k)
    {
        json_t *kid = json_object_get(k, "kid");
        if (json_is_string(kid))
            json_array_append(kids, kid);
    }
    json_decref(doc);
    return kids;
}

/* ------------------------------------------------------------------------------- */
/* POST /api/v1/tenants/{tid}/apps                                                 */

static const char *const create_fields[] = {"name",
                                            "region_code",
                                            "redirect_uris",
                                            "post_logout_redirect_uris",
                                            "allowed_domains",
                                            "storage",
                                            "token_endpoint_auth_method",
                                            "jwks",
                                            "dpop_bound_access_tokens",
                                            NULL};

struct apps_create_input {
    struct app_row app; /* name, name_folded, region, lists filled */
    bool has_storage;
    struct app_storage_input storage;
};

/* Parses and validates the whole create body (nothing touches the database). */
static bool apps_create_parse(const json_t *body, struct apps_create_input *in, struct problem *p)
{
    struct apps_lists lists;
    const char *name, *region_code;
    if (!json_input_reject_unknown(body, create_fields, p) ||
        !json_input_get_string(body, "name", true, false, &name, p) ||
        !apps_parse_name(name, in->app.name, in->app.name_folded, p) ||
        !json_input_get_string(body, "region_code", true, false, &region_code, p))
        return false;
    if (!region_code_is_valid(region_code)) {
        problem_set(p, 400, "region_not_found", "region_code", "no active region has this code");
        return false;
    }
    snprintf(in->app.license_region_code, sizeof in->app.license_region_code, "%s", region_code);
    if (!apps_parse_lists(body, &lists, p))
        return false;
    apps_take_list(&in->app.redirect_uris, &lists.redirect_uris);
    apps_take_list(&in->app.post_logout_redirect_uris, &lists.post_logout_redirect_uris);
    apps_take_list(&in->app.allowed_domains, &lists.allowed_domains);
    json_t *storage = json_object_get(body, "storage");
    if (storage && !json_is_null(storage)) {
        if (!api_app_storage_parse(storage, "storage.", &in->storage, p))
            return false;
        in->has_storage = true;
    }
    struct apps_client_auth auth;
    bool ok =
        apps_parse_client_auth(body, &auth, p) && apps_apply_client_auth(&in->app, &auth, NULL, p);
    apps_client_auth_free(&auth);
    return ok;
}

/* What a create hands its change. */
struct apps_create_change_ctx {
    struct apps_create_input *in;
    const char *secret_hash;
};

/*
 * The checks and writes of a create (api_write_fn): DB_DONE, or w->problem (domain
 * errors) with DB_CONSTRAINT, or another DB_* status.
 */
static int apps_create_change(struct db_conn *c, struct api_write *w)
{
    struct apps_create_change_ctx *x = w->ctx;
    struct apps_create_input *in = x->in;
    const char *secret_hash = x->secret_hash;
    struct http_request *req = w->req;
    const struct principal *who = w->who;
    struct problem *p = &w->problem;
    struct app_row *a = &in->app;
    struct tenant_row tenant;
    enum db_status found = store_tenant_get_for_update(c, a->tenant_id, &tenant);
    if (found != DB_DONE) {
        if (found == DB_NOT_FOUND)
            problem_set(p, 404, "tenant_not_found", NULL, "no such tenant");
        return found == DB_NOT_FOUND ? DB_CONSTRAINT : DB_ERROR;
    }
    struct region_row region;
    found = store_region_get(c, a->license_region_code, &region);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(p, 400, "region_not_found", "region_code", "no region has the code \"%s\"",
                    a->license_region_code);
        return DB_CONSTRAINT;
    }
    if (!region.active) {
        problem_set(p, 400, "region_inactive", "region_code",
                    "region \"%s\" is not accepting new apps", a->license_region_code);
        return DB_CONSTRAINT;
    }
    int64_t count = 0;
    if (store_app_count(c, a->tenant_id, &count) != DB_DONE)
        return DB_ERROR;
    if (app_rule_create(count, tenant.app_limit) == APP_RULE_LIMIT_REACHED) {
        problem_set(p, 409, "app_limit_reached", NULL,
                    "this tenant may hold at most %lld apps; delete one or contact support",
                    (long long)tenant.app_limit);
        return DB_CONSTRAINT;
    }
    bool taken = false;
    if (store_app_name_taken(c, a->tenant_id, a->name_folded, NULL, &taken) != DB_DONE)
        return DB_ERROR;
    if (taken) {
        problem_set(p, 409, "duplicate_app_name", "name", "an app with this name already exists");
        return DB_CONSTRAINT;
    }
    found = store_region_pick_database(c, a->license_region_code, a->db_code);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(p, 409, "region_no_active_database", "region_code",
                    "region \"%s\" has no active database", a->license_region_code);
        return DB_CONSTRAINT;
    }
    int rc = store_app_insert(c, a, secret_hash);
    if (rc == DB_CONSTRAINT) {
        problem_set(p, 409, "duplicate_app_name", "name", "an app with this name already exists");
        return DB_CONSTRAINT;
    }
    if (rc != DB_DONE)
        return rc;
    if (in->has_storage) {
        api_app_storage_row_from_input(&in->storage, a->id, a->created_at, &a->storage);
        rc = store_app_storage_put(c, req->service->keyring, &a->storage,
                                   in->storage.secret_access_key);
        if (rc != DB_DONE)
            return rc == DB_CONSTRAINT ? DB_ERROR : rc;
        a->has_storage = true;
    }
    return audit_record(
        c, who, req, a->tenant_id, "app.create", "app", a->id,
        json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:o}", "name", a->name, "client_id", a->client_id,
                  "region_code", a->license_region_code, "db_code", a->db_code, "storage_provider",
                  a->has_storage ? a->storage.provider : NULL, "token_endpoint_auth_method",
                  a->token_endpoint_auth_method, "jwks_kids", apps_jwks_kids(a->jwks)));
}

static void apps_create(struct http_request *req, struct http_reply *reply)
{
    struct problem p = {0};
    json_t *body = json_input_object(req, false, &p);
    if (!body) {
        reply_problem(reply, &p);
        return;
    }
    struct apps_create_input *in = calloc(1, sizeof *in);
    if (!in) {
        json_decref(body);
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    bool parsed = apps_create_parse(body, in, &p);
    api_app_storage_wipe_json(json_object_get(body, "storage"));
    json_decref(body);

    char secret[64] = "", secret_hash[65] = "";
    struct app_row *a = &in->app;
    if (parsed) {
        int64_t now = time_now();
        snprintf(a->tenant_id, sizeof a->tenant_id, "%s", req->params[0]);
        a->enabled = true;
        a->created_at = a->updated_at = a->secret_rotated_at = now;
        if (store_new_id(a->id) != 0 || credential_new_client_id(a->client_id) != 0 ||
            credential_new_secret(CLIENT_SECRET_PREFIX, secret, secret_hash) != 0) {
            problem_set(&p, 500, "internal", NULL, "cannot generate credentials");
            parsed = false;
        }
    }
    if (!parsed) {
        reply_problem(reply, &p);
        goto out;
    }

    struct apps_create_change_ctx x = {in, secret_hash};
    if (!api_write_run(req, reply, "creating an app", apps_create_change, &x))
        goto out;
    json_t *doc = represent_app(a);
    if (!doc) {
        reply_error(reply, 500, "internal", NULL, "cannot build the app representation");
        goto out;
    }
    reply_json(
        reply, 201,
        json_pack("{s:o,s:s,s:s}", "app", doc, "client_id", a->client_id, "client_secret", secret));
out:
    crypto_wipe(secret, sizeof secret);
    api_app_storage_input_wipe(&in->storage);
    store_app_row_clear(&in->app);
    free(in);
}

/* ------------------------------------------------------------------------------- */
/* Reads                                                                           */

API_PAGE_ADD_FN(apps_list_each, struct app_row, represent_app, id)

/* api_page_query_fn: the apps of tenant req->params[0]. */
static enum db_status apps_list_query(struct db_conn *c, const struct http_request *req,
                                      const char *cursor, int max_rows, struct page_collector *out)
{
    return store_app_list(c, req->params[0], cursor, max_rows, apps_list_each, out);
}

/* GET /api/v1/tenants/{tid}/apps — oldest first (ids are time-ordered). */
static void apps_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (api_page_parse(req, reply, &page))
        api_page_list(req, reply, &page, apps_list_query, "listing apps");
}

/* GET /api/v1/tenants/{tid}/apps/{aid} */
static void apps_get(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    struct db_conn *c = db_acquire(req->service->db);
    struct app_row app = {0};
    enum db_status found = store_app_get(c, req->params[0], req->params[1], &app);
    db_release(req->service->db, c);
    if (found == DB_DONE) {
        json_t *doc = represent_app(&app);
        if (doc)
            reply_json(reply, 200, doc);
        else
            reply_error(reply, 500, "internal", NULL, "cannot build the app representation");
    } else if (found == DB_NOT_FOUND) {
        reply_error(reply, 404, "app_not_found", NULL, "no such app");
    } else {
        api_reply_db_error(reply, DB_ERROR, "reading an app");
    }
    store_app_row_clear(&app);
}

/* ------------------------------------------------------------------------------- */
/* PATCH /api/v1/tenants/{tid}/apps/{aid}                                          */

static const char *const patch_fields[] = {"name",
                                           "redirect_uris",
                                           "post_logout_redirect_uris",
                                           "allowed_domains",
                                           "token_endpoint_auth_method",
                                           "jwks",
                                           "dpop_bound_access_tokens",
                                           NULL};
static const char *const immutable_fields[] = {"region_code", "license_region_code", "db_code",
                                               NULL};

/* What a PATCH hands its change: the parsed, validated body. */
struct apps_patch_input {
    char name[APP_NAME_SIZE], folded[APP_NAME_SIZE];
    struct apps_lists lists;
    struct apps_client_auth auth;
};

static int apps_patch_change(struct db_conn *c, struct api_write *w)
{
    struct apps_patch_input *in = w->ctx;
    struct app_row *app = w->app;
    json_t *changed = json_array();
    if (!apps_apply_client_auth(app, &in->auth, changed, &w->problem)) {
        json_decref(changed);
        return DB_CONSTRAINT;
    }
    if (in->name[0] && strcmp(in->name, app->name) != 0) {
        bool taken = false;
        enum db_status checked =
            store_app_name_taken(c, app->tenant_id, in->folded, app->id, &taken);
        if (checked != DB_DONE || taken) {
            json_decref(changed);
            if (checked != DB_DONE)
                return DB_ERROR;
            problem_set(&w->problem, 409, "duplicate_app_name", "name",
                        "an app with this name already exists");
            return DB_CONSTRAINT;
        }
        snprintf(app->name, sizeof app->name, "%s", in->name);
        snprintf(app->name_folded, sizeof app->name_folded, "%s", in->folded);
        json_array_append_new(changed, json_string("name"));
    }
    struct {
        const char *field;
        char **row;
        char **parsed;
    } list_changes[] = {
        {"redirect_uris", &app->redirect_uris, &in->lists.redirect_uris},
        {"post_logout_redirect_uris", &app->post_logout_redirect_uris,
         &in->lists.post_logout_redirect_uris},
        {"allowed_domains", &app->allowed_domains, &in->lists.allowed_domains},
    };
    for (size_t i = 0; i < sizeof list_changes / sizeof list_changes[0]; i++) {
        if (*list_changes[i].parsed && strcmp(*list_changes[i].parsed, *list_changes[i].row) != 0) {
            json_array_append_new(changed, json_string(list_changes[i].field));
            apps_take_list(list_changes[i].row, list_changes[i].parsed);
        }
    }
    int rc = DB_DONE;
    if (json_array_size(changed) > 0) {
        app->updated_at = time_now();
        rc = store_app_update(c, app);
        if (rc == DB_CONSTRAINT)
            problem_set(&w->problem, 409, "duplicate_app_name", "name",
                        "an app with this name already exists");
        if (rc == DB_DONE)
            rc = audit_record(
                c, w->who, w->req, app->tenant_id, "app.update", "app", app->id,
                json_pack("{s:O,s:s,s:o,s:s,s:o}", "changed", changed, "name", app->name,
                          "allowed_domains", represent_json_array(app->allowed_domains),
                          "token_endpoint_auth_method", app->token_endpoint_auth_method,
                          "jwks_kids", apps_jwks_kids(app->jwks)));
    }
    json_decref(changed);
    return rc;
}

static void apps_patch(struct http_request *req, struct http_reply *reply)
{
    json_t *body = api_app_body(req, reply);
    if (!body)
        return;
    struct problem p = {0};
    for (size_t i = 0; immutable_fields[i]; i++)
        if (json_object_get(body, immutable_fields[i])) {
            json_decref(body);
            reply_error(reply, 400, "region_immutable", immutable_fields[i],
                        "an app's license region and database are fixed at creation");
            return;
        }
    const char *name_value = NULL;
    struct apps_patch_input in = {0};
    bool ok = json_input_reject_unknown(body, patch_fields, &p) &&
              json_input_get_string(body, "name", false, false, &name_value, &p) &&
              (!name_value || apps_parse_name(name_value, in.name, in.folded, &p)) &&
              apps_parse_lists(body, &in.lists, &p) && apps_parse_client_auth(body, &in.auth, &p);
    json_decref(body);
    if (!ok) {
        apps_client_auth_free(&in.auth);
        reply_problem(reply, &p);
        return;
    }
    api_write_app_reply(req, reply, "updating an app", apps_patch_change, &in);
    apps_lists_free(&in.lists);
    apps_client_auth_free(&in.auth);
}

/* ------------------------------------------------------------------------------- */
/* Actions: enable / disable / secret                                              */

/* Actions take no body; an empty one or {} is fine, any field is unknown_field. */
static bool apps_empty_body(struct http_request *req, struct http_reply *reply)
{
    struct problem p = {0};
    static const char *const none[] = {NULL};
    json_t *body = json_input_object(req, true, &p);
    bool ok = body && json_input_reject_unknown(body, none, &p);
    json_decref(body);
    if (!ok)
        reply_problem(reply, &p);
    return ok;
}

/* enable/disable: a no-op when the app is already in that state (no audit event). */
static int apps_set_enabled_change(struct db_conn *c, struct api_write *w)
{
    bool enabled = *(const bool *)w->ctx;
    if (w->app->enabled == enabled)
        return DB_DONE;
    int rc = store_app_set_enabled(c, w->app->id, enabled, time_now());
    return api_write_audited(c, w, rc, w->app->tenant_id, enabled ? "app.enable" : "app.disable",
                             "app", w->app->id, NULL);
}

/* enable/disable: a no-op when the app is already in that state (no audit event). */
static void apps_set_enabled(struct http_request *req, struct http_reply *reply, bool enabled)
{
    if (!api_app_id_check(req, reply) || !apps_empty_body(req, reply))
        return;
    api_write_app_reply(req, reply, "changing an app", apps_set_enabled_change, &enabled);
}

static void apps_enable(struct http_request *req, struct http_reply *reply)
{
    apps_set_enabled(req, reply, true);
}

static void apps_disable(struct http_request *req, struct http_reply *reply)
{
    apps_set_enabled(req, reply, false);
}

/*
 * Contract: the body is untrusted. Reads the optional regeneration body: nothing,
 * {} or {"previous_secret_expires_in": null} -> *keep_seconds = 0 (the old secret
 * dies at the commit); {"previous_secret_expires_in": S} with an integer S in
 * 1..APPS_PREVIOUS_SECRET_MAX_SECONDS -> *keep_seconds = S. Errors: 400
 * unknown_field, invalid_type (not an integer), invalid_value (out of range),
 * invalid_json.
 */
#define APPS_PREVIOUS_SECRET_MAX_SECONDS 86400
static bool apps_regenerate_parse(struct http_request *req, long long *keep_seconds,
                                  struct problem *p)
{
    static const char *const fields[] = {"previous_secret_expires_in", NULL};
    *keep_seconds = 0;
    json_t *body = json_input_object(req, true, p);
    bool ok = body && json_input_reject_unknown(body, fields, p);
    if (ok && !json_is_null(json_object_get(body, "previous_secret_expires_in")))
        ok = json_input_get_int(body, "previous_secret_expires_in", false, NULL, 1,
                                APPS_PREVIOUS_SECRET_MAX_SECONDS, keep_seconds, p);
    json_decref(body);
    return ok;
}

/* What a regeneration hands its change. */
struct apps_regenerate {
    const char *secret_hash;
    long long keep_seconds;
    int64_t keep_until; /* set by the change: 0, or when the previous secret dies */
    char until[32];     /* keep_until in RFC 3339, or "" */
};

static int apps_regenerate_change(struct db_conn *c, struct api_write *w)
{
    struct apps_regenerate *x = w->ctx;
    struct app_row *app = w->app;
    int64_t now = time_now();
    x->keep_until = x->keep_seconds > 0 ? now + x->keep_seconds : 0;
    if (x->keep_until)
        time_format_rfc3339(x->keep_until, x->until);
    int rc = store_app_set_secret(c, app->id, x->secret_hash, now, x->keep_until);
    if (rc == DB_DONE)
        rc = audit_record(
            c, w->who, w->req, app->tenant_id, "app.secret.regenerate", "app", app->id,
            json_pack("{s:s,s:s?,s:b}", "client_id", app->client_id, "previous_secret_expires_at",
                      x->keep_until ? x->until : NULL, "replaced_previous_secret",
                      app_rule_previous_secret_active(app->previous_secret_expires_at, now)));
    return rc;
}

/*
 * POST .../apps/{aid}/secret [{"previous_secret_expires_in": S}] — without S the
 * old secret stops working at the commit (the seed's rule); with S it stays valid
 * for S more seconds as the app's one previous secret (replacing any earlier one).
 * Answers {client_id, client_secret, previous_secret_expires_at (null without S)}.
 */
static void apps_regenerate_secret(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    struct problem p = {0};
    long long keep_seconds = 0;
    if (!apps_regenerate_parse(req, &keep_seconds, &p)) {
        reply_problem(reply, &p);
        return;
    }
    char secret[64] = "", secret_hash[65] = "";
    if (credential_new_secret(CLIENT_SECRET_PREFIX, secret, secret_hash) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot generate a secret");
        return;
    }
    struct app_row app = {0};
    struct apps_regenerate x = {.secret_hash = secret_hash, .keep_seconds = keep_seconds};
    if (api_write_app(req, reply, "regenerating a secret", apps_regenerate_change, &x, &app))
        reply_json(reply, 200,
                   json_pack("{s:s,s:s,s:s?}", "client_id", app.client_id, "client_secret", secret,
                             "previous_secret_expires_at", x.keep_until ? x.until : NULL));
    crypto_wipe(secret, sizeof secret);
    crypto_wipe(secret_hash, sizeof secret_hash);
    store_app_row_clear(&app);
}

/*
 * DELETE .../apps/{aid}/secret/previous — ends a grace rotation now: only the
 * current secret works from the commit on. Idempotent: 204 also when no previous
 * secret is running (then nothing is written and no audit event recorded).
 */
static int apps_end_previous_change(struct db_conn *c, struct api_write *w)
{
    struct app_row *app = w->app;
    if (!app->previous_secret_expires_at)
        return DB_DONE;
    int64_t now = time_now();
    char until[32];
    time_format_rfc3339(app->previous_secret_expires_at, until);
    bool active = app_rule_previous_secret_active(app->previous_secret_expires_at, now);
    int rc = store_app_end_previous_secret(c, app->id, now);
    if (rc == DB_DONE && active)
        rc = audit_record(c, w->who, w->req, app->tenant_id, "app.secret.previous.end", "app",
                          app->id,
                          json_pack("{s:s,s:s}", "client_id", app->client_id,
                                    "previous_secret_expires_at", until));
    return rc;
}

static void apps_end_previous_secret(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    struct app_row app = {0};
    if (api_write_app(req, reply, "ending the previous secret", apps_end_previous_change, NULL,
                      &app))
        reply_empty(reply, 204);
    store_app_row_clear(&app);
}

/* ------------------------------------------------------------------------------- */
/* Plans                                                                           */

/* Plan rules of SPEC §1 for assigning `plan` to `app`, inside the transaction. */
static int apps_check_plan(struct db_conn *c, const struct principal *who,
                           const struct app_row *app, const struct plan_row *plan,
                           struct problem *p)
{
    switch (app_rule_plan_assignable(plan->status, plan->tier, who->host_admin)) {
    case APP_RULE_PLAN_NOT_ACTIVE:
        problem_set(p, 400, "plan_not_assignable", "plan_code",
                    "plan \"%s\" is %s; only active plans can be assigned", plan->code,
                    plan->status);
        return DB_CONSTRAINT;
    case APP_RULE_PLAN_REQUIRES_HOST:
        problem_set(p, 403, "plan_requires_host", "plan_code",
                    "paid plans are assigned by the platform operator");
        return DB_CONSTRAINT;
    default:
        break;
    }
    if (!app_rule_plan_is_free(plan->tier))
        return DB_DONE;
    int64_t on_free = 0;
    if (store_app_count_on_free_plan(c, app->tenant_id, app->id, &on_free) != DB_DONE)
        return DB_ERROR;
    if (app_rule_free_plan(on_free) == APP_RULE_FREE_PLAN_TAKEN) {
        problem_set(p, 409, "free_plan_limit", "plan_code",
                    "another app of this tenant is already on a free plan");
        return DB_CONSTRAINT;
    }
    return DB_DONE;
}

/* What a plan assignment hands its change. */
struct apps_assign {
    const char *plan_code;
    bool well_formed;
    struct plan_row plan;
};

static int apps_assign_plan_change(struct db_conn *c, struct api_write *w)
{
    struct apps_assign *x = w->ctx;
    struct app_row *app = w->app;
    struct tenant_row tenant;
    if (store_tenant_get_for_update(c, app->tenant_id, &tenant) != DB_DONE)
        return DB_ERROR;
    enum db_status found =
        x->well_formed ? store_plan_get(c, x->plan_code, &x->plan) : DB_NOT_FOUND;
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(&w->problem, 404, "plan_not_found", "plan_code", "no plan has this code");
        return DB_CONSTRAINT;
    }
    int rc = apps_check_plan(c, w->who, app, &x->plan, &w->problem);
    if (rc == DB_DONE && strcmp(app->plan_code, x->plan.code) != 0) {
        rc = store_app_set_plan(c, app->id, x->plan.code, time_now());
        if (rc == DB_DONE)
            rc = audit_record(c, w->who, w->req, app->tenant_id, "app.plan.assign", "app", app->id,
                              json_pack("{s:s,s:s?}", "plan_code", x->plan.code,
                                        "previous_plan_code",
                                        app->plan_code[0] ? app->plan_code : NULL));
    }
    return rc;
}

/* PUT .../apps/{aid}/plan {plan_code} */
static void apps_assign_plan(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    static const char *const fields[] = {"plan_code", NULL};
    struct problem p = {0};
    const char *code_value = NULL;
    char plan_code[PLAN_CODE_SIZE] = "";
    json_t *body = json_input_object(req, false, &p);
    bool ok = body && json_input_reject_unknown(body, fields, &p) &&
              json_input_get_string(body, "plan_code", true, false, &code_value, &p);
    if (ok)
        snprintf(plan_code, sizeof plan_code, "%s", code_value);
    bool well_formed = ok && plan_code_is_valid(code_value);
    json_decref(body);
    if (!ok) {
        reply_problem(reply, &p);
        return;
    }
    struct apps_assign *x = calloc(1, sizeof *x);
    if (!x) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    x->plan_code = plan_code;
    x->well_formed = well_formed;
    api_write_app_reply(req, reply, "assigning a plan", apps_assign_plan_change, x);
    free(x);
}

/* DELETE .../apps/{aid}/plan — owners/admins may always drop a plan (it only removes
 * entitlements); an app without a plan answers 200 unchanged. */
static int apps_unassign_plan_change(struct db_conn *c, struct api_write *w)
{
    struct app_row *app = w->app;
    if (!app->plan_code[0])
        return DB_DONE;
    int rc = store_app_set_plan(c, app->id, NULL, time_now());
    return api_write_audited(c, w, rc, app->tenant_id, "app.plan.unassign", "app", app->id,
                             json_pack("{s:s}", "previous_plan_code", app->plan_code));
}

static void apps_unassign_plan(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    api_write_app_reply(req, reply, "unassigning a plan", apps_unassign_plan_change, NULL);
}

/* ------------------------------------------------------------------------------- */
/* DELETE /api/v1/tenants/{tid}/apps/{aid}                                         */

/* Soft delete; the custom storage credentials are destroyed with it (nothing may use
 * them any more). */
static int apps_delete_change(struct db_conn *c, struct api_write *w)
{
    struct app_row *app = w->app;
    int rc = store_app_storage_delete(c, app->id, NULL);
    if (rc == DB_DONE)
        rc = store_app_soft_delete(c, app->id, time_now());
    return api_write_audited(
        c, w, rc, app->tenant_id, "app.delete", "app", app->id,
        json_pack("{s:s,s:s}", "name", app->name, "client_id", app->client_id));
}

static void apps_delete(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    struct app_row app = {0};
    if (api_write_app(req, reply, "deleting an app", apps_delete_change, NULL, &app))
        reply_empty(reply, 204);
    store_app_row_clear(&app);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_APPS_ROUTES(ROUTE)                                                                     \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/apps", apps_create, ACCESS_TENANT_ADMIN)                  \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/apps", apps_list, ACCESS_TENANT_VIEWER)                    \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/apps/{}", apps_get, ACCESS_TENANT_VIEWER)                  \
    ROUTE(HTTP_PATCH, "/api/v1/tenants/{}/apps/{}", apps_patch, ACCESS_TENANT_ADMIN)               \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/apps/{}", apps_delete, ACCESS_TENANT_ADMIN)             \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/apps/{}/enable", apps_enable, ACCESS_TENANT_ADMIN)        \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/apps/{}/disable", apps_disable, ACCESS_TENANT_ADMIN)      \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/apps/{}/secret", apps_regenerate_secret,                  \
          ACCESS_TENANT_ADMIN)                                                                     \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/secret/previous", apps_end_previous_secret,     \
          ACCESS_TENANT_ADMIN)                                                                     \
    ROUTE(HTTP_PUT, "/api/v1/tenants/{}/apps/{}/plan", apps_assign_plan, ACCESS_TENANT_ADMIN)      \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/plan", apps_unassign_plan, ACCESS_TENANT_ADMIN)

ROUTE_TABLE(api_apps, API_APPS_ROUTES);
