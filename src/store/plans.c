/*
 * plans.c — SQL for plans (see plans.h).
 */
#include "store/plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"

#define PLAN_COLUMNS "code, name, tier, status, entitlements, created_at, updated_at"

/* store_row_reader_fn for a row of PLAN_COLUMNS into a struct plan_row: -1 when a
 * stored value does not fit its buffer (never for rows this API wrote). */
static int plans_read_row(struct db_stmt *s, void *out)
{
    struct plan_row *p = out;
    memset(p, 0, sizeof *p);
    const char *text[5];
    for (int i = 0; i < 5; i++)
        text[i] = db_column_text(s, i);
    int n0 = snprintf(p->code, sizeof p->code, "%s", text[0] ? text[0] : "");
    int n1 = snprintf(p->name, sizeof p->name, "%s", text[1] ? text[1] : "");
    int n2 = snprintf(p->tier, sizeof p->tier, "%s", text[2] ? text[2] : "");
    int n3 = snprintf(p->status, sizeof p->status, "%s", text[3] ? text[3] : "");
    int n4 = snprintf(p->entitlements, sizeof p->entitlements, "%s", text[4] ? text[4] : "{}");
    p->created_at = db_column_int(s, 5);
    p->updated_at = db_column_int(s, 6);
    bool fits = n0 >= 0 && (size_t)n0 < sizeof p->code && n1 >= 0 && (size_t)n1 < sizeof p->name &&
                n2 >= 0 && (size_t)n2 < sizeof p->tier && n3 >= 0 &&
                (size_t)n3 < sizeof p->status && n4 >= 0 && (size_t)n4 < sizeof p->entitlements;
    return fits ? 0 : -1;
}

static int plans_get(struct db_conn *c, const char *code, bool lock, struct plan_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " PLAN_COLUMNS " FROM plans WHERE code = $1", lock, sql,
                              sizeof sql))
        return -1;
    const char *p[] = {code};
    return store_rows_get_one(c, sql, 1, p, plans_read_row, out);
}

int store_plan_get(struct db_conn *c, const char *code, struct plan_row *out)
{
    return plans_get(c, code, false, out);
}

int store_plan_get_for_update(struct db_conn *c, const char *code, struct plan_row *out)
{
    return plans_get(c, code, true, out);
}

int store_plan_insert(struct db_conn *c, const struct plan_row *p)
{
    struct db_stmt *s =
        db_prepare(c, "INSERT INTO plans (" PLAN_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, p->code);
    db_bind_text(s, 2, p->name);
    db_bind_text(s, 3, p->tier);
    db_bind_text(s, 4, p->status);
    db_bind_text(s, 5, p->entitlements);
    db_bind_int(s, 6, p->created_at);
    db_bind_int(s, 7, p->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_plan_update(struct db_conn *c, const struct plan_row *p)
{
    struct db_stmt *s = db_prepare(c, "UPDATE plans SET name = $2, status = $3, "
                                      "entitlements = $4, updated_at = $5 WHERE code = $1");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, p->code);
    db_bind_text(s, 2, p->name);
    db_bind_text(s, 3, p->status);
    db_bind_text(s, 4, p->entitlements);
    db_bind_int(s, 5, p->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_plan_list(struct db_conn *c, bool active_only, const char *after_code, int limit,
                    store_plan_each_fn each, void *ctx)
{
    struct db_stmt *s =
        db_prepare(c, active_only ? "SELECT " PLAN_COLUMNS " FROM plans WHERE code > $1 "
                                    "AND status = 'active' ORDER BY code LIMIT $2"
                                  : "SELECT " PLAN_COLUMNS " FROM plans WHERE code > $1 "
                                    "ORDER BY code LIMIT $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, after_code ? after_code : "");
    db_bind_int(s, 2, limit);
    /* A plan row carries a 16 KiB buffer: one on the heap, reused for every row. */
    struct plan_row *row = malloc(sizeof *row);
    if (!row) {
        db_finalize(s);
        return -1;
    }
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        if (plans_read_row(s, row) != 0) {
            rc = DB_ERROR;
            break;
        }
        n++;
        if (each(row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    free(row);
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}
