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
static int tenants_read_row(struct db_stmt *s, void *out)
{
    struct tenant_row *t = out;
    memset(t, 0, sizeof *t);
    store_rows_copy_text(t->id, sizeof t->id, db_column_text(s, 0));
    store_rows_copy_text(t->name, sizeof t->name, db_column_text(s, 1));
    store_rows_copy_text(t->status, sizeof t->status, db_column_text(s, 2));
    t->app_limit = db_column_int(s, 3);
    t->created_at = db_column_int(s, 4);
    t->updated_at = db_column_int(s, 5);
    return 0;
}

static int tenants_lookup(struct db_conn *c, const char *id, bool lock, struct tenant_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " TENANT_COLUMNS " FROM tenants WHERE id = $1", lock, sql,
                              sizeof sql))
        return -1;
    const char *p[] = {id};
    return store_rows_get_one(c, sql, 1, p, tenants_read_row, out);
}

int store_tenant_get(struct db_conn *c, const char *id, struct tenant_row *out)
{
    return tenants_lookup(c, id, false, out);
}

int store_tenant_get_for_update(struct db_conn *c, const char *id, struct tenant_row *out)
{
    return tenants_lookup(c, id, true, out);
}

int store_tenant_insert(struct db_conn *c, const struct tenant_row *t)
{
    struct db_stmt *s =
        db_prepare(c, "INSERT INTO tenants (" TENANT_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, t->id);
    db_bind_text(s, 2, t->name);
    db_bind_text(s, 3, t->status);
    db_bind_int(s, 4, t->app_limit);
    db_bind_int(s, 5, t->created_at);
    db_bind_int(s, 6, t->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_tenant_update(struct db_conn *c, const struct tenant_row *t)
{
    struct db_stmt *s = db_prepare(c, "UPDATE tenants SET name = $2, status = $3, "
                                      "app_limit = $4, updated_at = $5 WHERE id = $1");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, t->id);
    db_bind_text(s, 2, t->name);
    db_bind_text(s, 3, t->status);
    db_bind_int(s, 4, t->app_limit);
    db_bind_int(s, 5, t->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_tenant_list(struct db_conn *c, const char *status, const char *after_id, int limit,
                      store_tenant_each_fn each, void *ctx)
{
    bool filtered = status && *status;
    struct db_stmt *s = db_prepare(
        c, filtered ? "SELECT " TENANT_COLUMNS " FROM tenants WHERE id > $1 AND status = $3 "
                      "ORDER BY id LIMIT $2"
                    : "SELECT " TENANT_COLUMNS " FROM tenants WHERE id > $1 "
                      "ORDER BY id LIMIT $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, after_id ? after_id : "");
    db_bind_int(s, 2, limit);
    if (filtered)
        db_bind_text(s, 3, status);
    int n = 0, rc;
    struct tenant_row row;
    while ((rc = db_step(s)) == DB_ROW) {
        tenants_read_row(s, &row);
        n++;
        if (each(&row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

int store_tenant_owner_emails(struct db_conn *c, const char *tenant_id, store_tenant_email_fn each,
                              void *ctx)
{
    struct db_stmt *s = db_prepare(c, "SELECT email FROM users WHERE tenant_id = $1 "
                                      "AND role = 'owner' ORDER BY id");
    if (!s)
        return -1;
    db_bind_text(s, 1, tenant_id);
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        const char *email = db_column_text(s, 0);
        n++;
        if (email && each(email, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}
