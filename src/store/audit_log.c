/*
 * audit_log.c — SQL for audit events (see audit_log.h).
 */
#include "store/audit_log.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

enum db_status store_audit_event_insert(struct db_conn *c, const struct audit_event_row *e)
{
    return store_rows_change(
        c,
        "INSERT INTO audit_events (id, tenant_id, actor_user_id, actor_email, action, "
        "target_type, target_id, detail, remote_addr, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        STORE_PARAMS(STORE_TEXT(e->id), STORE_TEXT(e->tenant_id), STORE_TEXT(e->actor_user_id),
                     STORE_TEXT(e->actor_email), STORE_TEXT(e->action), STORE_TEXT(e->target_type),
                     STORE_TEXT(e->target_id), STORE_TEXT(e->detail), STORE_TEXT(e->remote_addr),
                     STORE_INT(e->created_at)),
        NULL);
}

#define AUDIT_MAX_PARAMS 12

/* The query being built: its text and its parameters, in order. */
struct audit_query {
    char sql[1024];
    struct store_param params[AUDIT_MAX_PARAMS];
    size_t n;
    bool ok;
};

/* Appends " AND <condition>" and, when param is not NULL, "$<n>" bound to *param.
 * condition is one of the constants below, never input. */
static void audit_query_add(struct audit_query *q, const char *condition,
                            const struct store_param *param)
{
    size_t used = strlen(q->sql);
    int w = param
                ? snprintf(q->sql + used, sizeof q->sql - used, " AND %s$%zu", condition, q->n + 1)
                : snprintf(q->sql + used, sizeof q->sql - used, " AND %s", condition);
    if (w < 0 || (size_t)w >= sizeof q->sql - used || (param && q->n >= AUDIT_MAX_PARAMS)) {
        q->ok = false;
        return;
    }
    if (param)
        q->params[q->n++] = *param;
}

struct audit_visit {
    store_audit_each_fn each;
    void *ctx;
};

/* db_row_fn: one audit_events row to the caller's callback. */
static enum db_status audit_visit_row(struct db_stmt *s, void *arg)
{
    struct audit_visit *v = arg;
    struct audit_event_row e = {
        .id = db_column_text(s, 0),
        .actor_user_id = db_column_text(s, 1),
        .actor_email = db_column_text(s, 2),
        .action = db_column_text(s, 3),
        .target_type = db_column_text(s, 4),
        .target_id = db_column_text(s, 5),
        .detail = db_column_text(s, 6),
        .remote_addr = db_column_text(s, 7),
        .created_at = db_column_int(s, 8),
        .tenant_id = db_column_text(s, 9),
    };
    return v->each(&e, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_audit_list(struct db_conn *c, const struct audit_filter *f,
                                const char *before_id, int limit, store_audit_each_fn each,
                                void *ctx)
{
    struct audit_query q = {
        .sql = "SELECT id, actor_user_id, actor_email, action, target_type, target_id, "
               "detail, remote_addr, created_at, tenant_id FROM audit_events WHERE id < $1",
        .params = {STORE_TEXT(before_id && before_id[0] ? before_id : "~")},
        .n = 1,
        .ok = true,
    };
#define AUDIT_TEXT(cond, value) audit_query_add(&q, cond, &STORE_TEXT(value))
#define AUDIT_INT(cond, value) audit_query_add(&q, cond, &STORE_INT(value))
    if (f->scope == AUDIT_SCOPE_TENANT)
        AUDIT_TEXT("tenant_id = ", f->tenant_id);
    else if (f->scope == AUDIT_SCOPE_PLATFORM)
        audit_query_add(&q, "tenant_id IS NULL", NULL);
    if (f->action[0] && !f->action_prefix)
        AUDIT_TEXT("action = ", f->action);
    if (f->action_prefix) {
        AUDIT_TEXT("action >= ", f->action);
        AUDIT_TEXT("action < ", f->action_end);
    }
    if (f->actor[0])
        AUDIT_TEXT("lower(actor_email) = ", f->actor);
    if (f->target_type[0])
        AUDIT_TEXT("target_type = ", f->target_type);
    if (f->target_id[0])
        AUDIT_TEXT("target_id = ", f->target_id);
    if (f->has_since)
        AUDIT_INT("created_at >= ", f->since);
    if (f->has_until)
        AUDIT_INT("created_at < ", f->until);
#undef AUDIT_TEXT
#undef AUDIT_INT
    size_t used = strlen(q.sql);
    int w = snprintf(q.sql + used, sizeof q.sql - used, " ORDER BY id DESC LIMIT $%zu", q.n + 1);
    if (!q.ok || w < 0 || (size_t)w >= sizeof q.sql - used || q.n >= AUDIT_MAX_PARAMS)
        return DB_ERROR;
    q.params[q.n++] = STORE_INT(limit);
    struct audit_visit v = {each, ctx};
    return store_rows_walk(c, q.sql, q.params, q.n, audit_visit_row, &v);
}
