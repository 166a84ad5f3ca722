/*
 * change_log.c — the change feed's table, triggers and queries (see change_log.h).
 */
#include "store/change_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/rows.h"

/* Migration 1 created an unused change_log placeholder; it never held rows. */
const char change_log_schema_sql[] =
    "DROP TABLE IF EXISTS change_log;"
    "CREATE TABLE change_log_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  pruned_through BIGINT NOT NULL);"
    "INSERT INTO change_log_state (id, pruned_through) VALUES (1, 0);";

/* SQLite: AUTOINCREMENT never reuses a number, even after pruning empties the
 * table. The current time in milliseconds comes from julianday('now'). */
#define SQLITE_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"
#define SQLITE_APPEND(kind, value)                                                                 \
    "INSERT INTO change_log (kind, key, created_ms) VALUES ('" kind "', " value ", " SQLITE_NOW_MS \
    ");"
/* Insert, update (old key, and the new one when it changed) and delete triggers. */
#define SQLITE_TRIGGERS(table, kind, column)                                                       \
    "CREATE TRIGGER " table "_change_ins AFTER INSERT ON " table " BEGIN " SQLITE_APPEND(          \
        kind, "NEW." column) " END;"                                                               \
                             "CREATE TRIGGER " table "_change_upd AFTER UPDATE ON " table          \
                             " BEGIN " SQLITE_APPEND(                                              \
                                 kind, "OLD." column) "INSERT INTO change_log (kind, key, "        \
                                                      "created_ms) SELECT '" kind "', NEW." column \
                                                      ", " SQLITE_NOW_MS " WHERE NEW." column      \
                                                      " IS NOT OLD." column "; END;"               \
                                                      "CREATE TRIGGER " table                      \
                                                      "_change_del AFTER DELETE ON " table         \
                                                      " BEGIN " SQLITE_APPEND(                     \
                                                          kind, "OLD." column) " END;"

const char change_log_schema_sqlite[] =
    "CREATE TABLE change_log ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL);" SQLITE_TRIGGERS("apps", "client", "client_id")
        SQLITE_TRIGGERS("platform_clients", "client", "client_id")
            SQLITE_TRIGGERS("tenants", "tenant", "id") SQLITE_TRIGGERS("plans", "plan", "code");

/* PostgreSQL: one trigger function; TG_ARGV names the kind and the key column. It
 * takes the writers' advisory lock (store/db_postgres.c PG_WRITER_LOCK_KEY; a no-op
 * for a writer that holds it already) before drawing a sequence number, so numbers
 * are handed out in commit order, and NOTIFY wakes every node at commit. */
#define POSTGRES_TRIGGER(table, kind, column)                                                      \
    "CREATE TRIGGER " table "_change_log AFTER INSERT OR UPDATE OR DELETE ON " table               \
    " FOR EACH ROW EXECUTE FUNCTION tenantd_change_log_append('" kind "', '" column "');"

const char change_log_schema_postgres[] =
    "CREATE TABLE change_log ("
    "  seq BIGSERIAL PRIMARY KEY,"
    "  kind TEXT NOT NULL,"
    "  key TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL);"
    "CREATE FUNCTION tenantd_change_log_append() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
    "DECLARE\n"
    "  old_key TEXT;\n"
    "  new_key TEXT;\n"
    "  now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::bigint;\n"
    "BEGIN\n"
    "  PERFORM pg_advisory_xact_lock(7414301);\n"
    "  IF TG_OP <> 'INSERT' THEN old_key := to_jsonb(OLD) ->> TG_ARGV[1]; END IF;\n"
    "  IF TG_OP <> 'DELETE' THEN new_key := to_jsonb(NEW) ->> TG_ARGV[1]; END IF;\n"
    "  IF old_key IS NOT NULL THEN\n"
    "    INSERT INTO change_log (kind, key, created_ms) VALUES (TG_ARGV[0], old_key, now_ms);\n"
    "  END IF;\n"
    "  IF new_key IS NOT NULL AND new_key IS DISTINCT FROM old_key THEN\n"
    "    INSERT INTO change_log (kind, key, created_ms) VALUES (TG_ARGV[0], new_key, now_ms);\n"
    "  END IF;\n"
    "  PERFORM pg_notify('" CHANGE_LOG_CHANNEL "', '');\n"
    "  RETURN NULL;\n"
    "END\n"
    "$fn$;" POSTGRES_TRIGGER("apps", "client", "client_id")
        POSTGRES_TRIGGER("platform_clients", "client", "client_id")
            POSTGRES_TRIGGER("tenants", "tenant", "id") POSTGRES_TRIGGER("plans", "plan", "code");

enum db_status store_change_log_head(struct db_conn *c, int64_t *head, int64_t *pruned_through)
{
    *head = 0;
    *pruned_through = 0;
    struct db_stmt *s =
        db_prepare(c, "SELECT COALESCE((SELECT MAX(seq) FROM change_log), 0), pruned_through"
                      "  FROM change_log_state WHERE id = 1");
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    if (rc == DB_ROW) {
        *pruned_through = db_column_int(s, 1);
        int64_t max = db_column_int(s, 0);
        *head = max > *pruned_through ? max : *pruned_through;
        rc = DB_DONE;
    } else if (rc == DB_DONE) {
        rc = DB_ERROR; /* the state row is missing: not migrated */
    }
    db_finalize(s);
    return (enum db_status)rc;
}

void change_batch_free(struct change_batch *batch)
{
    if (!batch)
        return;
    free(batch->rows);
    memset(batch, 0, sizeof *batch);
}

static bool change_kind_parse(const char *text, enum change_kind *kind)
{
    if (!text)
        return false;
    if (strcmp(text, "client") == 0)
        *kind = CHANGE_CLIENT;
    else if (strcmp(text, "tenant") == 0)
        *kind = CHANGE_TENANT;
    else if (strcmp(text, "plan") == 0)
        *kind = CHANGE_PLAN;
    else
        return false;
    return true;
}

struct change_log_fill {
    struct change_batch *batch;
    size_t limit, capacity;
    bool state_seen;
};

/* db_row_fn: the state row (seq -1) or one change into the batch. */
static enum db_status change_log_fill_row(struct db_stmt *s, void *arg)
{
    struct change_log_fill *f = arg;
    struct change_batch *batch = f->batch;
    int64_t seq = db_column_int(s, 0);
    if (seq < 0) {
        batch->pruned_through = db_column_int(s, 3);
        f->state_seen = true;
        return DB_OK;
    }
    enum change_kind kind;
    if (batch->count >= f->limit || !change_kind_parse(db_column_text(s, 1), &kind))
        return DB_OK;
    if (batch->count == f->capacity) {
        size_t grown = f->capacity ? f->capacity * 2 : 4;
        struct change_row *rows = realloc(batch->rows, grown * sizeof *rows);
        if (!rows)
            return DB_ERROR;
        batch->rows = rows;
        f->capacity = grown;
    }
    struct change_row *row = &batch->rows[batch->count];
    row->kind = kind;
    const char *key = db_column_text(s, 2);
    snprintf(row->key, sizeof row->key, "%s", key ? key : "");
    row->seq = seq;
    row->created_ms = db_column_int(s, 3);
    batch->count++;
    return DB_OK;
}

enum db_status store_change_log_read(struct db_conn *c, int64_t after, size_t limit,
                                     struct change_batch *batch)
{
    memset(batch, 0, sizeof *batch);
    if (limit == 0)
        limit = 1;
    /* The state row sorts first (seq -1), then up to `limit` changes. */
    struct db_stmt *s = db_prepare(
        c, "SELECT seq, kind, key, created_ms FROM ("
           "  SELECT -1 AS seq, 'pruned' AS kind, '' AS key, pruned_through AS created_ms"
           "    FROM change_log_state WHERE id = 1"
           "  UNION ALL"
           "  SELECT * FROM (SELECT seq, kind, key, created_ms FROM change_log"
           "                  WHERE seq > $1 ORDER BY seq LIMIT $2) AS newer"
           ") AS feed ORDER BY seq");
    if (!s)
        return DB_ERROR;
    db_bind_int(s, 1, after);
    db_bind_int(s, 2, (int64_t)limit);
    /* Rows are allocated as they come: almost every read returns none or one, and a
     * large buffer per read (the follower reads every 100 ms, the commit hook after
     * every write) only churns the allocator. */
    struct change_log_fill f = {batch, limit, 0, false};
    enum db_status rc = db_each_row(s, change_log_fill_row, &f);
    db_finalize(s);
    if (rc != DB_DONE || !f.state_seen) {
        change_batch_free(batch);
        return rc == DB_DONE ? DB_ERROR : rc;
    }
    return DB_DONE;
}

enum db_status store_change_log_prune(struct db_conn *c, int64_t cutoff_ms)
{
    int begun = db_begin_write(c);
    if (begun != DB_OK)
        return (enum db_status)begun;
    enum db_status rc = store_rows_change(
        c,
        "UPDATE change_log_state SET pruned_through = COALESCE("
        "  (SELECT MAX(seq) FROM change_log WHERE created_ms < $1 AND seq > pruned_through),"
        "  pruned_through) WHERE id = 1",
        STORE_PARAMS(STORE_INT(cutoff_ms)), NULL);
    if (rc == DB_DONE)
        rc = store_rows_change(c,
                               "DELETE FROM change_log WHERE seq <= "
                               "(SELECT pruned_through FROM change_log_state WHERE id = 1)",
                               NULL, 0, NULL);
    int committed = rc == DB_DONE ? db_commit(c) : DB_OK;
    if (rc != DB_DONE || committed != DB_OK) {
        db_rollback(c);
        return rc != DB_DONE ? rc : (enum db_status)committed;
    }
    return DB_DONE;
}
