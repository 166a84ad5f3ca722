/*
 * change_log.h — the change feed's table: one row per committed change that can
 * affect token issuance, written by database triggers in the same transaction as
 * the change itself, so no write path can forget it (SPEC §3.2).
 *
 * A row says *what* to forget, never the new value: (kind, key) with kind
 *   "client" — key is a client_id (apps and platform_clients: insert, update, delete)
 *   "tenant" — key is a tenant id (status and every other tenant update)
 *   "plan"   — key is a plan code (status, entitlements, deletion)
 * Readers drop their cached copy and load the truth on the next use, which keeps
 * the feed idempotent: applying a row twice, or out of order, is harmless.
 *
 * Sequence numbers grow in commit order: SQLite has one writer at a time, and on
 * PostgreSQL the trigger takes the writers' advisory lock (re-entrant for the
 * usual writer, which already holds it) before it draws a number, so a row with a
 * higher seq can never become visible before a lower one. A reader that has seen
 * seq N therefore needs exactly the rows with seq > N.
 *
 * Pruning deletes rows older than a retention window and records the highest
 * pruned seq in change_log_state.pruned_through; a reader whose last seen seq is
 * below it has missed rows and must drop everything it caches.
 */
#ifndef TENANTD_STORE_CHANGE_LOG_H
#define TENANTD_STORE_CHANGE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Migration 4 (store/migrations.c): portable part, then each backend's table and
 * triggers. */
extern const char change_log_schema_sql[];
extern const char change_log_schema_sqlite[];
extern const char change_log_schema_postgres[];

/* The PostgreSQL NOTIFY channel the triggers signal on commit. */
#define CHANGE_LOG_CHANNEL "tenantd_change_log"
/* Longest key stored (client_id, tenant id, plan code); longer keys are cut. */
#define CHANGE_LOG_KEY_MAX 128

enum change_kind {
    CHANGE_CLIENT = 1,
    CHANGE_TENANT,
    CHANGE_PLAN,
};

struct change_row {
    int64_t seq;
    enum change_kind kind;
    char key[CHANGE_LOG_KEY_MAX + 1];
    int64_t created_ms; /* database clock, unix milliseconds */
};

/* What one read of the feed returned. */
struct change_batch {
    int64_t pruned_through; /* rows with seq <= this are gone */
    size_t count;           /* rows in rows[], ascending seq */
    struct change_row *rows;
};

/*
 * The newest seq (0 for an empty log) and pruned_through, in one query.
 * Returns DB_DONE or the failing DB_* status.
 */
enum db_status store_change_log_head(struct db_conn *c, int64_t *head, int64_t *pruned_through);

/*
 * Reads at most `limit` rows with seq > after, ascending, and pruned_through, in
 * one query, into batch (rows malloc'd: free with change_batch_free). Rows of a
 * kind this binary does not know are skipped. Returns DB_DONE or a DB_* failure
 * (batch is then empty).
 */
enum db_status store_change_log_read(struct db_conn *c, int64_t after, size_t limit,
                                     struct change_batch *batch);
void change_batch_free(struct change_batch *batch);

/*
 * Deletes rows created before cutoff_ms (database clock) and advances
 * pruned_through, in one write transaction. Returns DB_DONE or the DB_* failure.
 */
enum db_status store_change_log_prune(struct db_conn *c, int64_t cutoff_ms);

#endif
