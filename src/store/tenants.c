/*
 * tenants.c — SQL for tenants (see tenants.h).
 */
#include "store/tenants.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

#define TENANT_COLUMNS "id, name, status, app_limit, created_at, updated_at"

bool tenant_status_is_valid(const char *status)
{
    return status && (strcmp(status, "pending_activation") == 0 || strcmp(status, "active") == 0 ||
                      strcmp(status, "suspended") == 0);
}

/* store_row_reader_fn for a row of TENANT_COLUMNS into a struct tenant_row. */
static enum db_status tenants_read_row(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct tenant_row, id),
        STORE_COLUMN(TEXT, struct tenant_row, name),
        STORE_COLUMN(TEXT, struct tenant_row, status),
        STORE_COLUMN(INT, struct tenant_row, app_limit),
        STORE_COLUMN(INT, struct tenant_row, created_at),
        STORE_COLUMN(INT, struct tenant_row, updated_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct tenant_row));
    return DB_OK;
}

static enum db_status tenants_lookup(struct db_conn *c, const char *id, bool lock,
                                     struct tenant_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = $1", lock, sql,
                              sizeof sql))
        return DB_ERROR;
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(id)), tenants_read_row, out);
}

enum db_status store_tenant_get(struct db_conn *c, const char *id, struct tenant_row *out)
{
    return tenants_lookup(c, id, false, out);
}

enum db_status store_tenant_get_for_update(struct db_conn *c, const char *id,
                                           struct tenant_row *out)
{
    return tenants_lookup(c, id, true, out);
}

enum db_status store_tenant_exists(struct db_conn *c, const char *id)
{
    return store_rows_exists(c, "SELECT 1 FROM tenants WHERE id = $1",
                             STORE_PARAMS(STORE_TEXT(id)));
}

enum db_status store_tenant_insert(struct db_conn *c, const struct tenant_row *t)
{
    return store_rows_change(
        c, "INSERT INTO tenants (" TENANT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)",
        STORE_PARAMS(STORE_TEXT(t->id), STORE_TEXT(t->name), STORE_TEXT(t->status),
                     STORE_INT(t->app_limit), STORE_INT(t->created_at), STORE_INT(t->updated_at)),
        NULL);
}

enum db_status store_tenant_update(struct db_conn *c, const struct tenant_row *t)
{
    return store_rows_change(c,
                             "UPDATE tenants SET name = $2, status = $3, "
                             "app_limit = $4, updated_at = $5 WHERE id = $1",
                             STORE_PARAMS(STORE_TEXT(t->id), STORE_TEXT(t->name),
                                          STORE_TEXT(t->status), STORE_INT(t->app_limit),
                                          STORE_INT(t->updated_at)),
                             NULL);
}

struct tenants_visit {
    store_tenant_each_fn each;
    void *ctx;
    struct tenant_row row;
};

/* db_row_fn: one tenant row to the caller's callback. */
static enum db_status tenants_visit_row(struct db_stmt *s, void *arg)
{
    struct tenants_visit *v = arg;
    tenants_read_row(s, &v->row);
    return v->each(&v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_tenant_list(struct db_conn *c, const char *status, const char *after_id,
                                 int limit, store_tenant_each_fn each, void *ctx)
{
    bool filtered = status && *status;
    struct tenants_visit v = {.each = each, .ctx = ctx};
    const struct store_param params[] = {STORE_TEXT(after_id ? after_id : ""), STORE_INT(limit),
                                         STORE_TEXT(status)};
    return store_rows_walk(c,
                           filtered ? "SELECT " TENANT_COLUMNS
                                      " FROM tenants WHERE id > $1 AND status = $3 "
                                      "ORDER BY id LIMIT $2"
                                    : "SELECT " TENANT_COLUMNS " FROM tenants WHERE id > $1 "
                                      "ORDER BY id LIMIT $2",
                           params, filtered ? 3 : 2, tenants_visit_row, &v);
}

struct tenants_email_visit {
    store_tenant_email_fn each;
    void *ctx;
};

/* db_row_fn: one owner email to the caller's callback. */
static enum db_status tenants_visit_email(struct db_stmt *s, void *arg)
{
    struct tenants_email_visit *v = arg;
    const char *email = db_column_text(s, 0);
    return email && v->each(email, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_tenant_owner_emails(struct db_conn *c, const char *tenant_id,
                                         store_tenant_email_fn each, void *ctx)
{
    struct tenants_email_visit v = {each, ctx};
    return store_rows_walk(c,
                           "SELECT email FROM users WHERE tenant_id = $1 "
                           "AND role = 'owner' ORDER BY id",
                           STORE_PARAMS(STORE_TEXT(tenant_id)), tenants_visit_email, &v);
}
