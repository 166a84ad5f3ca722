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
 * -1 on allocation failure. */
static int apps_read_row(struct db_stmt *s, void *row)
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
        return -1;
    }
    out->created_at = db_column_int(s, 12);
    out->updated_at = db_column_int(s, 13);
    out->secret_rotated_at = db_column_int(s, 14);
    out->previous_secret_expires_at = db_column_is_null(s, 15) ? 0 : db_column_int(s, 15);
    store_rows_copy_text(out->token_endpoint_auth_method, sizeof out->token_endpoint_auth_method,
                         db_column_text(s, 16));
    if (!db_column_is_null(s, 17) && !(out->jwks = strdup(db_column_text(s, 17)))) {
        store_app_row_clear(out);
        return -1;
    }
    out->dpop_bound_access_tokens = db_column_bool(s, 18);
    out->has_storage = !db_column_is_null(s, 19);
    if (out->has_storage) {
        store_rows_copy_text(out->storage.app_id, sizeof out->storage.app_id, out->id);
        store_app_storage_read_columns(s, APP_STORAGE_FIRST_COLUMN, &out->storage);
    }
    return 0;
}

int store_app_get(struct db_conn *c, const char *tenant_id, const char *app_id, struct app_row *out)
{
    const char *p[] = {app_id, tenant_id};
    return store_rows_get_one(c,
                              "SELECT " APP_COLUMNS APP_FROM "WHERE a.id = $1 AND a.tenant_id = $2 "
                              "AND a.deleted_at IS NULL",
                              2, p, apps_read_row, out);
}

/* Runs a single-value COUNT query with text parameters; -1 on error. */
static int64_t apps_count(struct db_conn *c, const char *sql, int nparams,
                          const char *const *params)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    for (int i = 0; i < nparams; i++)
        db_bind_text(s, i + 1, params[i]);
    int64_t n = db_step(s) == DB_ROW ? db_column_int(s, 0) : -1;
    db_finalize(s);
    return n;
}

int64_t store_app_count(struct db_conn *c, const char *tenant_id)
{
    /* Kept by store_app_insert / store_app_soft_delete (migration 5): one row read
     * however many apps the tenant has (no row yet: none). */
    const char *p[] = {tenant_id};
    return apps_count(c,
                      "SELECT COALESCE((SELECT live_apps FROM tenant_app_counts "
                      "WHERE tenant_id = $1), 0)",
                      1, p);
}

int store_app_name_taken(struct db_conn *c, const char *tenant_id, const char *name_folded,
                         const char *except_app_id)
{
    const char *p[] = {tenant_id, name_folded, except_app_id ? except_app_id : ""};
    int64_t n = apps_count(c,
                           "SELECT COUNT(*) FROM apps WHERE tenant_id = $1 AND name_folded = $2 "
                           "AND deleted_at IS NULL AND id <> $3",
                           3, p);
    return n < 0 ? -1 : n > 0 ? 1 : 0;
}

int64_t store_app_count_on_free_plan(struct db_conn *c, const char *tenant_id,
                                     const char *except_app_id)
{
    const char *p[] = {tenant_id, except_app_id ? except_app_id : ""};
    /* Probes apps_tenant_plan once per free plan: the work is the number of free
     * plans plus the (at most one) app on them, not the tenant's apps. */
    return apps_count(c,
                      "SELECT COUNT(*) FROM apps WHERE tenant_id = $1 AND deleted_at IS NULL "
                      "AND id <> $2 AND plan_code IN (SELECT code FROM plans WHERE tier = 'free')",
                      2, p);
}

/* Adds one to (delta > 0) or takes one from the live-app counts of a tenant and a
 * region database; the first app of either creates its row. */
static int apps_adjust_counts(struct db_conn *c, const char *tenant_id, const char *db_code,
                              int delta)
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
        struct db_stmt *s = db_prepare(c, delta > 0 ? add[i] : take[i]);
        if (!s)
            return DB_ERROR;
        db_bind_text(s, 1, keys[i]);
        int rc = db_step(s);
        int64_t changed = rc == DB_DONE ? db_changes(s) : 0;
        db_finalize(s);
        /* A count that disagrees with the table (no row, or below zero: a CHECK
         * violation) fails the write rather than going wrong. */
        if (rc != DB_DONE)
            return rc == DB_CONSTRAINT ? DB_ERROR : rc;
        if (changed != 1)
            return DB_ERROR;
    }
    return DB_DONE;
}

int store_app_insert(struct db_conn *c, const struct app_row *a, const char *secret_hash)
{
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO apps (id, tenant_id, name, name_folded, client_id, secret_hash, "
           "license_region_code, db_code, enabled, plan_code, redirect_uris, "
           "post_logout_redirect_uris, allowed_domains, created_at, updated_at, "
           "secret_rotated_at, token_endpoint_auth_method, jwks, dpop_bound_access_tokens) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
           "$18, $19)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, a->id);
    db_bind_text(s, 2, a->tenant_id);
    db_bind_text(s, 3, a->name);
    db_bind_text(s, 4, a->name_folded);
    db_bind_text(s, 5, a->client_id);
    db_bind_text(s, 6, secret_hash);
    db_bind_text(s, 7, a->license_region_code);
    db_bind_text(s, 8, a->db_code);
    db_bind_bool(s, 9, a->enabled);
    db_bind_text(s, 10, a->plan_code[0] ? a->plan_code : NULL);
    db_bind_text(s, 11, a->redirect_uris ? a->redirect_uris : "[]");
    db_bind_text(s, 12, a->post_logout_redirect_uris ? a->post_logout_redirect_uris : "[]");
    db_bind_text(s, 13, a->allowed_domains ? a->allowed_domains : "[]");
    db_bind_int(s, 14, a->created_at);
    db_bind_int(s, 15, a->updated_at);
    db_bind_int(s, 16, a->secret_rotated_at);
    db_bind_text(s, 17,
                 a->token_endpoint_auth_method[0] ? a->token_endpoint_auth_method
                                                  : APP_AUTH_METHOD_SECRET);
    db_bind_text(s, 18, a->jwks);
    db_bind_bool(s, 19, a->dpop_bound_access_tokens);
    int rc = db_step(s);
    db_finalize(s);
    if (rc != DB_DONE)
        return rc;
    return apps_adjust_counts(c, a->tenant_id, a->db_code, 1);
}

int store_app_update(struct db_conn *c, const struct app_row *a)
{
    struct db_stmt *s =
        db_prepare(c, "UPDATE apps SET name = $2, name_folded = $3, redirect_uris = $4, "
                      "post_logout_redirect_uris = $5, allowed_domains = $6, updated_at = $7, "
                      "token_endpoint_auth_method = $8, jwks = $9, "
                      "dpop_bound_access_tokens = $10 WHERE id = $1 AND deleted_at IS NULL");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, a->id);
    db_bind_text(s, 2, a->name);
    db_bind_text(s, 3, a->name_folded);
    db_bind_text(s, 4, a->redirect_uris ? a->redirect_uris : "[]");
    db_bind_text(s, 5, a->post_logout_redirect_uris ? a->post_logout_redirect_uris : "[]");
    db_bind_text(s, 6, a->allowed_domains ? a->allowed_domains : "[]");
    db_bind_int(s, 7, a->updated_at);
    db_bind_text(s, 8,
                 a->token_endpoint_auth_method[0] ? a->token_endpoint_auth_method
                                                  : APP_AUTH_METHOD_SECRET);
    db_bind_text(s, 9, a->jwks);
    db_bind_bool(s, 10, a->dpop_bound_access_tokens);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

/* UPDATE with $1 = app id, $2 = the text value (may be NULL), $3 = now. */
static int apps_update_text(struct db_conn *c, const char *sql, const char *app_id,
                            const char *value, int64_t now)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_text(s, 2, value);
    db_bind_int(s, 3, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_app_set_enabled(struct db_conn *c, const char *app_id, bool enabled, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "UPDATE apps SET enabled = $2, updated_at = $3 "
                                      "WHERE id = $1 AND deleted_at IS NULL");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_bool(s, 2, enabled);
    db_bind_int(s, 3, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_app_set_secret(struct db_conn *c, const char *app_id, const char *secret_hash,
                         int64_t now, int64_t keep_previous_until)
{
    /* SET expressions see the row as it was: previous_secret_hash takes the hash
     * being replaced. */
    struct db_stmt *s = db_prepare(
        c, "UPDATE apps SET previous_secret_hash = CASE WHEN $4 > $3 THEN secret_hash END, "
           "previous_secret_expires_at = CASE WHEN $4 > $3 THEN $4 END, secret_hash = $2, "
           "secret_rotated_at = $3, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_text(s, 2, secret_hash);
    db_bind_int(s, 3, now);
    db_bind_int(s, 4, keep_previous_until);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_app_end_previous_secret(struct db_conn *c, const char *app_id, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "UPDATE apps SET previous_secret_hash = NULL, "
                                      "previous_secret_expires_at = NULL, updated_at = $2 "
                                      "WHERE id = $1 AND deleted_at IS NULL");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_int(s, 2, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_app_set_plan(struct db_conn *c, const char *app_id, const char *plan_code, int64_t now)
{
    return apps_update_text(c,
                            "UPDATE apps SET plan_code = $2, updated_at = $3 "
                            "WHERE id = $1 AND deleted_at IS NULL",
                            app_id, plan_code && *plan_code ? plan_code : NULL, now);
}

int store_app_touch(struct db_conn *c, const char *app_id, int64_t now)
{
    struct db_stmt *s =
        db_prepare(c, "UPDATE apps SET updated_at = $2 WHERE id = $1 AND deleted_at IS NULL");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_int(s, 2, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_app_soft_delete(struct db_conn *c, const char *app_id, int64_t now)
{
    /* RETURNING names the counters to decrement, and only when this call deleted it. */
    struct db_stmt *s = db_prepare(c, "UPDATE apps SET deleted_at = $2, updated_at = $2 "
                                      "WHERE id = $1 AND deleted_at IS NULL "
                                      "RETURNING tenant_id, db_code");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    db_bind_int(s, 2, now);
    char tenant_id[37] = "", db_code[APP_DB_CODE_SIZE] = "";
    int rc = db_step(s);
    if (rc == DB_ROW) {
        store_rows_copy_text(tenant_id, sizeof tenant_id, db_column_text(s, 0));
        store_rows_copy_text(db_code, sizeof db_code, db_column_text(s, 1));
        rc = db_step(s);
    }
    db_finalize(s);
    if (rc != DB_DONE || !tenant_id[0])
        return rc;
    return apps_adjust_counts(c, tenant_id, db_code, -1);
}

int store_app_list(struct db_conn *c, const char *tenant_id, const char *after_id, int limit,
                   store_app_each_fn each, void *ctx)
{
    struct db_stmt *s = db_prepare(c, "SELECT " APP_COLUMNS APP_FROM
                                      "WHERE a.tenant_id = $1 AND a.deleted_at IS NULL "
                                      "AND a.id > $2 ORDER BY a.id LIMIT $3");
    if (!s)
        return -1;
    db_bind_text(s, 1, tenant_id);
    db_bind_text(s, 2, after_id ? after_id : "");
    db_bind_int(s, 3, limit);
    struct app_row *row = calloc(1, sizeof *row);
    if (!row) {
        db_finalize(s);
        return -1;
    }
    int visited = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (apps_read_row(s, row) != 0) {
            rc = DB_ERROR;
            break;
        }
        visited++;
        if (each(row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    store_app_row_clear(row);
    free(row);
    return rc == DB_DONE ? visited : -1;
}
