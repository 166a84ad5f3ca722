/*
 * apps.c — SQL for tenant apps (see apps.h).
 */
#include "store/apps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"

/* Every read selects these, in this order; the storage columns come from a LEFT JOIN
 * and are all NULL for managed storage (s.app_id IS NULL). */
#define APP_COLUMNS                                                                                \
    "a.id, a.tenant_id, a.name, a.name_folded, a.client_id, a.license_region_code, "               \
    "a.db_code, a.enabled, a.plan_code, a.redirect_uris, a.post_logout_redirect_uris, "            \
    "a.allowed_domains, a.created_at, a.updated_at, a.secret_rotated_at, "                         \
    "a.previous_secret_expires_at, a.token_endpoint_auth_method, a.jwks, "                         \
    "a.dpop_bound_access_tokens, s.app_id, "                                                       \
    "s.provider, s.bucket, s.endpoint, s.region, s.access_key_id, "                                \
    "s.secret_access_key_last4, s.updated_at"
#define APP_FROM " FROM apps a LEFT JOIN app_storage s ON s.app_id = a.id "
#define APP_STORAGE_FIRST_COLUMN 20

void store_app_row_clear(struct app_row *a)
{
    if (!a)
        return;
    free(a->redirect_uris);
    free(a->post_logout_redirect_uris);
    free(a->allowed_domains);
    free(a->jwks);
    memset(a, 0, sizeof *a);
}

int store_app_row_set_json(char **field, const char *json_text)
{
    char *copy = strdup(json_text ? json_text : "[]");
    if (!copy)
        return -1;
    free(*field);
    *field = copy;
    return 0;
}

/* store_row_reader_fn: fills a struct app_row (cleared first) from a row of APP_COLUMNS.
 * DB_ERROR on allocation failure. */
static enum db_status apps_read_row(struct db_stmt *s, void *row)
{
    struct app_row *out = row;
    store_app_row_clear(out);
    store_rows_copy_text(out->id, sizeof out->id, db_column_text(s, 0));
    store_rows_copy_text(out->tenant_id, sizeof out->tenant_id, db_column_text(s, 1));
    store_rows_copy_text(out->name, sizeof out->name, db_column_text(s, 2));
    store_rows_copy_text(out->name_folded, sizeof out->name_folded, db_column_text(s, 3));
    store_rows_copy_text(out->client_id, sizeof out->client_id, db_column_text(s, 4));
    store_rows_copy_text(out->license_region_code, sizeof out->license_region_code,
                         db_column_text(s, 5));
    store_rows_copy_text(out->db_code, sizeof out->db_code, db_column_text(s, 6));
    out->enabled = db_column_bool(s, 7);
    store_rows_copy_text(out->plan_code, sizeof out->plan_code, db_column_text(s, 8));
    if (store_app_row_set_json(&out->redirect_uris, db_column_text(s, 9)) != 0 ||
        store_app_row_set_json(&out->post_logout_redirect_uris, db_column_text(s, 10)) != 0 ||
        store_app_row_set_json(&out->allowed_domains, db_column_text(s, 11)) != 0) {
        store_app_row_clear(out);
        return DB_ERROR;
    }
    out->created_at = db_column_int(s, 12);
    out->updated_at = db_column_int(s, 13);
    out->secret_rotated_at = db_column_int(s, 14);
    out->previous_secret_expires_at = db_column_is_null(s, 15) ? 0 : db_column_int(s, 15);
    store_rows_copy_text(out->token_endpoint_auth_method, sizeof out->token_endpoint_auth_method,
                         db_column_text(s, 16));
    if (!db_column_is_null(s, 17) && !(out->jwks = strdup(db_column_text(s, 17)))) {
        store_app_row_clear(out);
        return DB_ERROR;
    }
    out->dpop_bound_access_tokens = db_column_bool(s, 18);
    out->has_storage = !db_column_is_null(s, 19);
    if (out->has_storage) {
        store_rows_copy_text(out->storage.app_id, sizeof out->storage.app_id, out->id);
        store_app_storage_read_columns(s, APP_STORAGE_FIRST_COLUMN, &out->storage);
    }
    return DB_OK;
}

enum db_status store_app_get(struct db_conn *c, const char *tenant_id, const char *app_id,
                             struct app_row *out)
{
    return store_rows_get_one(c,
                              "SELECT " APP_COLUMNS APP_FROM "WHERE a.id = $1 AND a.tenant_id = $2 "
                              "AND a.deleted_at IS NULL",
                              STORE_PARAMS(STORE_TEXT(app_id), STORE_TEXT(tenant_id)),
                              apps_read_row, out);
}

enum db_status store_app_exists(struct db_conn *c, const char *app_id)
{
    return store_rows_exists(c, "SELECT tenant_id FROM apps WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(app_id)));
}

/* store_row_reader_fn for one id column into a char[37]. */
static enum db_status apps_read_id(struct db_stmt *s, void *out)
{
    store_rows_copy_text(out, 37, db_column_text(s, 0));
    return DB_OK;
}

enum db_status store_app_id_by_name(struct db_conn *c, const char *tenant_id,
                                    const char *name_folded, char id_out[37])
{
    return store_rows_get_one(c,
                              "SELECT id FROM apps WHERE tenant_id = $1 AND name_folded = $2 "
                              "AND deleted_at IS NULL",
                              STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(name_folded)),
                              apps_read_id, id_out);
}

enum db_status store_app_count(struct db_conn *c, const char *tenant_id, int64_t *count)
{
    /* Kept by store_app_insert / store_app_soft_delete (migration 5): one row read
     * however many apps the tenant has (no row yet: none). */
    return store_rows_get_int(c,
                              "SELECT COALESCE((SELECT live_apps FROM tenant_app_counts "
                              "WHERE tenant_id = $1), 0)",
                              STORE_PARAMS(STORE_TEXT(tenant_id)), count);
}

enum db_status store_app_name_taken(struct db_conn *c, const char *tenant_id,
                                    const char *name_folded, const char *except_app_id, bool *taken)
{
    int64_t n = 0;
    enum db_status rc =
        store_rows_get_int(c,
                           "SELECT COUNT(*) FROM apps WHERE tenant_id = $1 AND name_folded = $2 "
                           "AND deleted_at IS NULL AND id <> $3",
                           STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(name_folded),
                                        STORE_TEXT(except_app_id ? except_app_id : "")),
                           &n);
    *taken = rc == DB_DONE && n > 0;
    return rc;
}

enum db_status store_app_count_on_free_plan(struct db_conn *c, const char *tenant_id,
                                            const char *except_app_id, int64_t *count)
{
    /* Probes apps_tenant_plan once per free plan: the work is the number of free
     * plans plus the (at most one) app on them, not the tenant's apps. */
    return store_rows_get_int(
        c,
        "SELECT COUNT(*) FROM apps WHERE tenant_id = $1 AND deleted_at IS NULL "
        "AND id <> $2 AND plan_code IN (SELECT code FROM plans WHERE tier = 'free')",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(except_app_id ? except_app_id : "")), count);
}

/* Adds one to (delta > 0) or takes one from the live-app counts of a tenant and a
 * region database; the first app of either creates its row. */
static enum db_status apps_adjust_counts(struct db_conn *c, const char *tenant_id,
                                         const char *db_code, int delta)
{
    static const char *const add[] = {
        "INSERT INTO tenant_app_counts (tenant_id, live_apps) VALUES ($1, 1) "
        "ON CONFLICT (tenant_id) DO UPDATE SET live_apps = tenant_app_counts.live_apps + 1",
        "INSERT INTO database_app_counts (db_code, live_apps) VALUES ($1, 1) "
        "ON CONFLICT (db_code) DO UPDATE SET live_apps = database_app_counts.live_apps + 1"};
    static const char *const take[] = {
        "UPDATE tenant_app_counts SET live_apps = live_apps - 1 WHERE tenant_id = $1",
        "UPDATE database_app_counts SET live_apps = live_apps - 1 WHERE db_code = $1"};
    const char *keys[] = {tenant_id, db_code};
    for (int i = 0; i < 2; i++) {
        bool changed = false;
        enum db_status rc = store_rows_change(c, delta > 0 ? add[i] : take[i],
                                              STORE_PARAMS(STORE_TEXT(keys[i])), &changed);
        /* A count that disagrees with the table (no row, or below zero: a CHECK
         * violation) fails the write rather than going wrong. */
        if (rc != DB_DONE)
            return rc == DB_CONSTRAINT ? DB_ERROR : rc;
        if (!changed)
            return DB_ERROR;
    }
    return DB_DONE;
}

/* The auth method to store: the app's, or client_secret when it names none. */
static const char *apps_auth_method(const struct app_row *a)
{
    return a->token_endpoint_auth_method[0] ? a->token_endpoint_auth_method
                                            : APP_AUTH_METHOD_SECRET;
}

enum db_status store_app_insert(struct db_conn *c, const struct app_row *a, const char *secret_hash)
{
    enum db_status rc = store_rows_change(
        c,
        "INSERT INTO apps (id, tenant_id, name, name_folded, client_id, secret_hash, "
        "license_region_code, db_code, enabled, plan_code, redirect_uris, "
        "post_logout_redirect_uris, allowed_domains, created_at, updated_at, "
        "secret_rotated_at, token_endpoint_auth_method, jwks, dpop_bound_access_tokens) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
        "$18, $19)",
        STORE_PARAMS(STORE_TEXT(a->id), STORE_TEXT(a->tenant_id), STORE_TEXT(a->name),
                     STORE_TEXT(a->name_folded), STORE_TEXT(a->client_id), STORE_TEXT(secret_hash),
                     STORE_TEXT(a->license_region_code), STORE_TEXT(a->db_code),
                     STORE_BOOL(a->enabled), STORE_TEXT(a->plan_code[0] ? a->plan_code : NULL),
                     STORE_TEXT(a->redirect_uris ? a->redirect_uris : "[]"),
                     STORE_TEXT(a->post_logout_redirect_uris ? a->post_logout_redirect_uris : "[]"),
                     STORE_TEXT(a->allowed_domains ? a->allowed_domains : "[]"),
                     STORE_INT(a->created_at), STORE_INT(a->updated_at),
                     STORE_INT(a->secret_rotated_at), STORE_TEXT(apps_auth_method(a)),
                     STORE_TEXT(a->jwks), STORE_BOOL(a->dpop_bound_access_tokens)),
        NULL);
    if (rc != DB_DONE)
        return rc;
    return apps_adjust_counts(c, a->tenant_id, a->db_code, 1);
}

enum db_status store_app_update(struct db_conn *c, const struct app_row *a)
{
    return store_rows_change(
        c,
        "UPDATE apps SET name = $2, name_folded = $3, redirect_uris = $4, "
        "post_logout_redirect_uris = $5, allowed_domains = $6, updated_at = $7, "
        "token_endpoint_auth_method = $8, jwks = $9, "
        "dpop_bound_access_tokens = $10 WHERE id = $1 AND deleted_at IS NULL",
        STORE_PARAMS(STORE_TEXT(a->id), STORE_TEXT(a->name), STORE_TEXT(a->name_folded),
                     STORE_TEXT(a->redirect_uris ? a->redirect_uris : "[]"),
                     STORE_TEXT(a->post_logout_redirect_uris ? a->post_logout_redirect_uris : "[]"),
                     STORE_TEXT(a->allowed_domains ? a->allowed_domains : "[]"),
                     STORE_INT(a->updated_at), STORE_TEXT(apps_auth_method(a)), STORE_TEXT(a->jwks),
                     STORE_BOOL(a->dpop_bound_access_tokens)),
        NULL);
}

enum db_status store_app_set_enabled(struct db_conn *c, const char *app_id, bool enabled,
                                     int64_t now)
{
    return store_rows_change(c,
                             "UPDATE apps SET enabled = $2, updated_at = $3 "
                             "WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(app_id), STORE_BOOL(enabled), STORE_INT(now)),
                             NULL);
}

enum db_status store_app_set_secret(struct db_conn *c, const char *app_id, const char *secret_hash,
                                    int64_t now, int64_t keep_previous_until)
{
    /* SET expressions see the row as it was: previous_secret_hash takes the hash
     * being replaced. */
    return store_rows_change(
        c,
        "UPDATE apps SET previous_secret_hash = CASE WHEN $4 > $3 THEN secret_hash END, "
        "previous_secret_expires_at = CASE WHEN $4 > $3 THEN $4 END, secret_hash = $2, "
        "secret_rotated_at = $3, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL",
        STORE_PARAMS(STORE_TEXT(app_id), STORE_TEXT(secret_hash), STORE_INT(now),
                     STORE_INT(keep_previous_until)),
        NULL);
}

enum db_status store_app_end_previous_secret(struct db_conn *c, const char *app_id, int64_t now)
{
    return store_rows_change(c,
                             "UPDATE apps SET previous_secret_hash = NULL, "
                             "previous_secret_expires_at = NULL, updated_at = $2 "
                             "WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(app_id), STORE_INT(now)), NULL);
}

enum db_status store_app_set_plan(struct db_conn *c, const char *app_id, const char *plan_code,
                                  int64_t now)
{
    return store_rows_change(c,
                             "UPDATE apps SET plan_code = $2, updated_at = $3 "
                             "WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(app_id),
                                          STORE_TEXT(plan_code && *plan_code ? plan_code : NULL),
                                          STORE_INT(now)),
                             NULL);
}

enum db_status store_app_touch(struct db_conn *c, const char *app_id, int64_t now)
{
    return store_rows_change(c,
                             "UPDATE apps SET updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(app_id), STORE_INT(now)), NULL);
}

enum db_status store_app_soft_delete(struct db_conn *c, const char *app_id, int64_t now)
{
    /* RETURNING names the counters to decrement, and only when this call deleted it. */
    struct db_stmt *s = store_rows_prepare(c,
                                           "UPDATE apps SET deleted_at = $2, updated_at = $2 "
                                           "WHERE id = $1 AND deleted_at IS NULL "
                                           "RETURNING tenant_id, db_code",
                                           STORE_PARAMS(STORE_TEXT(app_id), STORE_INT(now)));
    if (!s)
        return DB_ERROR;
    char tenant_id[37] = "", db_code[APP_DB_CODE_SIZE] = "";
    int rc = db_step(s);
    if (rc == DB_ROW) {
        store_rows_copy_text(tenant_id, sizeof tenant_id, db_column_text(s, 0));
        store_rows_copy_text(db_code, sizeof db_code, db_column_text(s, 1));
        rc = db_step(s);
    }
    db_finalize(s);
    if (rc != DB_DONE || !tenant_id[0])
        return (enum db_status)rc;
    return apps_adjust_counts(c, tenant_id, db_code, -1);
}

struct apps_visit {
    store_app_each_fn each;
    void *ctx;
    struct app_row *row;
};

/* db_row_fn: one app row (with its storage) to the caller's callback. */
static enum db_status apps_visit_row(struct db_stmt *s, void *arg)
{
    struct apps_visit *v = arg;
    if (apps_read_row(s, v->row) != DB_OK)
        return DB_ERROR;
    return v->each(v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_app_list(struct db_conn *c, const char *tenant_id, const char *after_id,
                              int limit, store_app_each_fn each, void *ctx)
{
    struct apps_visit v = {each, ctx, calloc(1, sizeof(struct app_row))};
    if (!v.row)
        return DB_ERROR;
    enum db_status rc = store_rows_walk(
        c,
        "SELECT " APP_COLUMNS APP_FROM "WHERE a.tenant_id = $1 AND a.deleted_at IS NULL "
        "AND a.id > $2 ORDER BY a.id LIMIT $3",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(after_id ? after_id : ""), STORE_INT(limit)),
        apps_visit_row, &v);
    store_app_row_clear(v.row);
    free(v.row);
    return rc;
}
