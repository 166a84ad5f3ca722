/*
 * db.h — the store's one database interface, with two backends behind it.
 *
 * Everything above store/ speaks portable SQL through this interface: `$1..$n`
 * placeholders, BIGINT unix times, INTEGER 0/1 booleans, TEXT JSON, partial
 * unique indexes, INSERT ... ON CONFLICT and RETURNING — all of which SQLite 3.40
 * and PostgreSQL both understand. A backend (db_sqlite.c, db_postgres.c) implements
 * struct db_driver; nothing above this file knows which one runs.
 *
 * Connections come from a small pool (db_acquire/db_release). Write transactions
 * (db_begin_write) are serialised against other writers by the backend (SQLite:
 * BEGIN IMMEDIATE; PostgreSQL: one transaction-scoped advisory lock shared by every
 * node), which is what makes app_limit and name uniqueness hold under concurrency.
 * In front of that database lock, the writers of one process take turns in a fair
 * FIFO (db.c, "writer turns"): a writer waits on a condition variable for its turn
 * instead of polling the database lock against every other writer of the process,
 * so no writer can lose every race. The database lock stays the guard between
 * processes. The turn is taken by db_begin_write and given back by db_commit (when
 * it succeeds), db_rollback, a failed db_begin_write, or at the latest by
 * db_release. Waiting for the turn and waiting for the database lock each give up
 * after about 5 s with DB_BUSY.
 *
 * Failures are classified so callers can answer truthfully (SPEC §4.5):
 * DB_BUSY — another writer held the lock too long (retry shortly); DB_UNAVAILABLE —
 * the database cannot serve at all (connection refused or lost, I/O error, disk
 * full, read-only, cannot open); DB_ERROR — anything else (a bug, a refused value).
 * Statuses often travel up through store functions that only say "failed", so each
 * thread also remembers the gravest failure it has seen (db_thread_failure).
 *
 * Store functions (the other store headers) speak the same enum: DB_DONE — it ran to completion
 * (a write, a walk over rows, a lookup that found its row); DB_NOT_FOUND — the row
 * looked up, or the one a targeted change names, does not exist; anything else is a
 * failure (DB_CONSTRAINT, DB_BUSY, DB_ERROR, DB_UNAVAILABLE). Counts travel in
 * out-parameters, never in the status.
 */
#ifndef TENANTD_STORE_DB_H
#define TENANTD_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum db_status {
    DB_STATUS_SIGNED = -1, /* never returned: keeps the enum's type int, so statuses mix
                              with plain int variables without sign conversions */
    DB_OK = 0,
    DB_ROW,         /* db_step: a row is available */
    DB_DONE,        /* db_step: statement finished */
    DB_CONSTRAINT,  /* unique / foreign key / check violation */
    DB_BUSY,        /* could not get the write lock (or the writer turn) in time, or the
                       statement was cancelled by a lock timeout: retry shortly */
    DB_ERROR,       /* anything else: bad SQL, a refused value, out of range */
    DB_UNAVAILABLE, /* the database cannot serve: connection refused or lost, I/O error,
                       disk full, read-only, cannot open, corrupt: retry later (appended
                       last so the values above keep their meaning) */
    DB_NOT_FOUND,   /* store functions: the row looked up (or to change) does not exist */
    DB_UNREADABLE   /* store functions: a stored value cannot be read back (a secret
                       envelope that does not open, a value that does not fit) */
};

struct db;
struct db_driver;

/* Backends embed these as their first member and add their own state after it
(zero-initialised: the members after driver belong to db.c, except prepare_failure,
 * which the backend sets). */
struct db_conn {
    const struct db_driver *driver;
    struct db *pool;       /* the pool it belongs to; NULL for a dedicated connection
                              (whose writes skip the writer turns) */
    bool writing;          /* inside a write transaction (db_begin_write succeeded) */
    bool holds_write_turn; /* between db_begin_write and commit/rollback */
    int prepare_failure;   /* backend: DB_* class of the last failed prepare */
};
struct db_stmt {
    const struct db_driver *driver;
};

struct db_driver {
    const char *name;
    struct db_conn *(*connect)(const char *url, char *err, size_t err_size);
    void (*disconnect)(struct db_conn *c);
    int (*exec)(struct db_conn *c, const char *sql);
    int (*begin_write)(struct db_conn *c);
    int (*begin_read)(struct db_conn *c);
    int (*commit)(struct db_conn *c);
    void (*rollback)(struct db_conn *c);
    struct db_stmt *(*prepare)(struct db_conn *c, const char *sql);
    void (*bind_text)(struct db_stmt *s, int index, const char *value);
    void (*bind_int)(struct db_stmt *s, int index, int64_t value);
    void (*bind_null)(struct db_stmt *s, int index);
    int (*step)(struct db_stmt *s);
    const char *(*column_text)(struct db_stmt *s, int col);
    int64_t (*column_int)(struct db_stmt *s, int col);
    bool (*column_is_null)(struct db_stmt *s, int col);
    int64_t (*changes)(struct db_stmt *s);
    void (*finalize)(struct db_stmt *s);
    const char *(*error_message)(struct db_conn *c);
    /* suffix that row-locks a SELECT inside a write transaction ("" when writers are
     * already serialised) */
    const char *lock_suffix;
    /* Called by db_acquire before a pooled connection is handed out: reconnects one
     * the server has dropped (restart, terminated backend). NULL when a connection
     * cannot go stale (SQLite). */
    void (*revive)(struct db_conn *c);
    /* Change notifications (PostgreSQL LISTEN/NOTIFY). NULL when the backend has
     * none (SQLite: one process writes at a time and followers poll). listen returns
     * a DB_* status; wait_notify waits at most timeout_ms and returns 1 when a
     * notification arrived, 0 on timeout, -1 when the connection failed. */
    int (*listen)(struct db_conn *c, const char *channel);
    int (*wait_notify)(struct db_conn *c, int timeout_ms);
};

/* Opens a pool for url ("sqlite:PATH" or "postgres://..."). NULL + err on failure. */
struct db *db_open(const char *url, unsigned pool_size, char *err, size_t err_size);
void db_close(struct db *db);
const char *db_backend(const struct db *db);

/* Blocks until a connection is free. Never NULL once db_open succeeded (connection
 * failures are retried by the next call; a connection the server dropped is
 * reconnected before it is handed out). */
struct db_conn *db_acquire(struct db *db);
/* Returns c to the pool. A connection still holding the writer turn (a caller that
 * forgot to end its transaction) is rolled back and its turn given back first. */
void db_release(struct db *db, struct db_conn *c);

/* The pool as /metrics reports it: connections in use now, writers queued for their
 * turn, and since start the acquisitions, those that waited for a free connection and
 * their total wait. */
struct db_pool_stats {
    unsigned size, open, in_use;
    unsigned writers_waiting; /* write transactions queued for the writer turn */
    uint64_t acquires, waits;
    double wait_seconds;
};
void db_pool_stats(struct db *db, struct db_pool_stats *out);

/* Name of the backend a connection talks to ("sqlite" or "postgres"). */
const char *db_conn_backend(const struct db_conn *c);

/*
 * Called after every successful commit of a write transaction, on the committing
 * thread and connection, before db_commit returns. The change feed uses it so the
 * node that made a change forgets its cached copy before the writer answers.
 */
typedef void (*db_commit_hook)(void *arg, struct db_conn *c);
void db_set_commit_hook(struct db *db, db_commit_hook hook, void *arg);

/*
 * A connection outside the pool, for a long-lived follower (LISTEN needs one
 * session for itself). NULL + err on failure. Close with db_disconnect.
 */
struct db_conn *db_connect_dedicated(struct db *db, char *err, size_t err_size);
void db_disconnect(struct db_conn *c);
/* DB_OK when notifications on channel will reach db_wait_notify; DB_OK and nothing
 * to wait for on a backend without notifications. */
int db_listen(struct db_conn *c, const char *channel);
/* Waits up to timeout_ms for a notification: 1 arrived, 0 none (or the backend has
 * no notifications: it then just sleeps), -1 the connection failed. */
int db_wait_notify(struct db_conn *c, int timeout_ms);
/*
 * The gravest failure (DB_UNAVAILABLE > DB_BUSY > DB_ERROR) any db_* call of the
 * calling thread returned since db_thread_failure_reset(); DB_OK when none. The HTTP
 * dispatcher resets it before each request, so a handler whose store call only says
 * "failed" can still answer 503 database_unavailable / database_busy rather than 500.
 */
int db_thread_failure(void);
void db_thread_failure_reset(void);
/* Classifies a failure for an answer from status and db_thread_failure():
 * DB_UNAVAILABLE when either is, else DB_BUSY when either is, else DB_ERROR. (Some
 * callers pass a fixed DB_BUSY or DB_ERROR for "the transaction could not start or
 * finish"; what the thread saw says why.) */
int db_failure_class(int status);

/* How many writers of this process wait for their turn right now (metrics, tests). */
unsigned db_writers_waiting(struct db *db);
/* How long db_begin_write waits for the turn before DB_BUSY (default 5000; tests). */
void db_set_writer_wait_ms(struct db *db, unsigned ms);

int db_exec(struct db_conn *c, const char *sql);
/* Waits for this process's writer turn (FIFO, at most ~5 s: DB_BUSY), then opens a
 * write transaction (which takes the database lock). On any failure the turn is
 * given back before returning. After DB_OK, end with db_commit or db_rollback. */
int db_begin_write(struct db_conn *c);
int db_begin_read(struct db_conn *c);
/* A successful commit gives the writer turn back; after a failed one the transaction
 * may still be open: db_rollback it (which gives the turn back). */
int db_commit(struct db_conn *c);
/* Rolls back an open transaction (nothing when none) and gives back the turn. */
void db_rollback(struct db_conn *c);
const char *db_error_message(struct db_conn *c);
const char *db_lock_suffix(struct db_conn *c);

/* Statements: prepare, bind ($1 is index 1), step until DB_DONE, finalize. NULL text
 * binds SQL NULL. */
struct db_stmt *db_prepare(struct db_conn *c, const char *sql);
void db_bind_text(struct db_stmt *s, int index, const char *value);
void db_bind_int(struct db_stmt *s, int index, int64_t value);
void db_bind_bool(struct db_stmt *s, int index, bool value);
void db_bind_null(struct db_stmt *s, int index);
int db_step(struct db_stmt *s);
/*
 * Called by db_each_row for the current row of s. Returns DB_OK to go on with the next
 * row, DB_DONE to stop early (not a failure), or a failure status (DB_ERROR, ...) to
 * stop with it (e.g. a row that cannot be represented).
 */
typedef enum db_status (*db_row_fn)(struct db_stmt *s, void *ctx);
/*
 * The one row loop: steps s and calls each(s, ctx) for every row until the statement
 * is done or each stops. Returns DB_DONE (all rows seen, or each stopped early) or the
 * failure of a step or of each. Does not finalize s.
 */
enum db_status db_each_row(struct db_stmt *s, db_row_fn each, void *ctx);
const char *db_column_text(struct db_stmt *s, int col); /* NULL for SQL NULL */
int64_t db_column_int(struct db_stmt *s, int col);
bool db_column_bool(struct db_stmt *s, int col);
bool db_column_is_null(struct db_stmt *s, int col);
int64_t db_changes(struct db_stmt *s);
void db_finalize(struct db_stmt *s);

/* Convenience: prepare + bind text params + step once; returns the DB_* of the step.
 * For statements without result rows. */
int db_run(struct db_conn *c, const char *sql, int nparams, const char *const *params);

/* A store function's status that is a failure: anything but DB_DONE and
 * DB_NOT_FOUND. */
static inline bool db_is_failure(int status)
{
    return status != DB_DONE && status != DB_NOT_FOUND;
}

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_postgres_driver;

#endif
