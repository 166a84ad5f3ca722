/*
 * plans.c — SQL for plans (see plans.h).
 */
#include "store/plans.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"

#define PLAN_COLUMNS "code, name, tier, status, entitlements, created_at, updated_at"

/* store_row_reader_fn for a row of PLAN_COLUMNS into a struct plan_row: DB_ERROR when a
 * stored value does not fit its buffer (never for rows this API wrote). */
static enum db_status plans_read_row(struct db_stmt *s, void *out)
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
    return fits ? DB_OK : DB_ERROR;
}

static enum db_status plans_get(struct db_conn *c, const char *code, bool lock,
                                struct plan_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " PLAN_COLUMNS " FROM plans WHERE code = $1", lock, sql,
                              sizeof sql))
        return DB_ERROR;
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(code)), plans_read_row, out);
}

enum db_status store_plan_get(struct db_conn *c, const char *code, struct plan_row *out)
{
    return plans_get(c, code, false, out);
}

enum db_status store_plan_get_for_update(struct db_conn *c, const char *code, struct plan_row *out)
{
    return plans_get(c, code, true, out);
}

enum db_status store_plan_insert(struct db_conn *c, const struct plan_row *p)
{
    return store_rows_change(
        c, "INSERT INTO plans (" PLAN_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
        STORE_PARAMS(STORE_TEXT(p->code), STORE_TEXT(p->name), STORE_TEXT(p->tier),
                     STORE_TEXT(p->status), STORE_TEXT(p->entitlements), STORE_INT(p->created_at),
                     STORE_INT(p->updated_at)),
        NULL);
}

enum db_status store_plan_update(struct db_conn *c, const struct plan_row *p)
{
    return store_rows_change(c,
                             "UPDATE plans SET name = $2, status = $3, "
                             "entitlements = $4, updated_at = $5 WHERE code = $1",
                             STORE_PARAMS(STORE_TEXT(p->code), STORE_TEXT(p->name),
                                          STORE_TEXT(p->status), STORE_TEXT(p->entitlements),
                                          STORE_INT(p->updated_at)),
                             NULL);
}

struct plans_visit {
    store_plan_each_fn each;
    void *ctx;
    struct plan_row *row;
};

/* db_row_fn: one plan row to the caller's callback. */
static enum db_status plans_visit_row(struct db_stmt *s, void *arg)
{
    struct plans_visit *v = arg;
    if (plans_read_row(s, v->row) != DB_OK)
        return DB_ERROR;
    return v->each(v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_plan_list(struct db_conn *c, bool active_only, const char *after_code,
                               int limit, store_plan_each_fn each, void *ctx)
{
    /* A plan row carries a 16 KiB buffer: one on the heap, reused for every row. */
    struct plans_visit v = {each, ctx, malloc(sizeof(struct plan_row))};
    if (!v.row)
        return DB_ERROR;
    enum db_status rc =
        store_rows_walk(c,
                        active_only ? "SELECT " PLAN_COLUMNS " FROM plans WHERE code > $1 "
                                      "AND status = 'active' ORDER BY code LIMIT $2"
                                    : "SELECT " PLAN_COLUMNS " FROM plans WHERE code > $1 "
                                      "ORDER BY code LIMIT $2",
                        STORE_PARAMS(STORE_TEXT(after_code ? after_code : ""), STORE_INT(limit)),
                        plans_visit_row, &v);
    free(v.row);
    return rc;
}
