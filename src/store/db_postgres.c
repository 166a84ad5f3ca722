/*
 * db_postgres.c — the PostgreSQL backend of db.h (libpq), for many stateless
 * tenantd nodes sharing one database.
 *
 * Statements are sent with PQexecParams on the first db_step (text protocol);
 * later steps walk the result rows. Integers are bound with an explicit int8 type
 * so expressions such as `$1 - 60` resolve; text parameters are left untyped so
 * the server infers them from context, exactly as SQLite's dynamic typing does.
 *
 * Write transactions take one transaction-scoped advisory lock, which serialises
 * admin writers across all nodes the way SQLite's BEGIN IMMEDIATE serialises them
 * within one file: the checks inside a write transaction (app_limit, one free app
 * per tenant, name uniqueness) therefore see a stable database. Admin writes are
 * rare; the token path never writes. Like SQLite's 5 s busy timeout, a writer waits
 * at most PG_LOCK_TIMEOUT for the lock and then gets DB_BUSY. db_lock_suffix() is
 * " FOR UPDATE" so code that also row-locks stays correct if the global lock is
 * ever relaxed.
 *
 * Connection loss: a pooled connection outlives the server process it talks to
 * (database restart, failover, pg_terminate_backend). Before a connection is handed
 * out, pg_revive() reads whatever the server sent while it sat idle — a terminated
 * backend says FATAL and closes — and re-establishes a dead connection with
 * PQreset. A BEGIN that fails because the connection died is retried once on a
 * fresh one (nothing has run yet). A statement that fails mid-way is not retried
 * (it may have committed); it reports DB_UNAVAILABLE, the caller answers 503, and
 * the next acquire reconnects.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/log.h"

#define PG_MAX_PARAMS 32
#define PG_INT8_OID 20
/* An arbitrary constant naming tenantd's writer lock. */
#define PG_WRITER_LOCK_KEY 7414301
/* How long a writer waits for the lock before DB_BUSY (SQLite: busy_timeout). */
#define PG_LOCK_TIMEOUT "5s"
#define PG_STR2(x) #x
#define PG_STR(x) PG_STR2(x)

struct pg_conn {
    struct db_conn base;
    PGconn *handle;
    bool server_gone; /* the server sent FATAL/PANIC: it is closing this connection */
    char error[256];
};

struct pg_stmt {
    struct db_stmt base;
    struct pg_conn *conn;
    char *sql;
    char *values[PG_MAX_PARAMS];
    unsigned int types[PG_MAX_PARAMS];
    int nparams;
    PGresult *result;
    int row; /* next row to return */
    int rows;
    int64_t changes;
    int executed;
};

#define PG_CONN(c) ((struct pg_conn *)(c))
#define PG_STMT(s) ((struct pg_stmt *)(s))

/* Notices ("relation already exists, skipping" and friends) are not worth a log
 * line. A FATAL one arriving on an idle connection is the server saying goodbye
 * (terminated backend, shutdown): remember it so pg_revive reconnects. */
static void pg_notice(void *arg, const PGresult *r)
{
    struct pg_conn *c = arg;
    const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    if (severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0))
        c->server_gone = true;
}

/* Per-session settings, after every (re)connect. */
static void pg_session_setup(struct pg_conn *c)
{
    c->server_gone = false;
    PGresult *r = PQexec(c->handle, "SET TIME ZONE 'UTC'");
    PQclear(r);
}

static struct db_conn *pg_connect(const char *url, char *err, size_t err_size)
{
    struct pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    c->base.driver = &db_postgres_driver;
    c->handle = PQconnectdb(url);
    if (!c->handle || PQstatus(c->handle) != CONNECTION_OK) {
        /* libpq's message never contains the password. */
        snprintf(err, err_size, "postgres: %s",
                 c->handle ? PQerrorMessage(c->handle) : "out of memory");
        err[strcspn(err, "\n")] = 0;
        PQfinish(c->handle);
        free(c);
        return NULL;
    }
    PQsetNoticeReceiver(c->handle, pg_notice, c);
    pg_session_setup(c);
    return &c->base;
}

/* Re-establishes a connection the server dropped (same parameters). True when the
 * connection is usable afterwards. */
static bool pg_reconnect(struct pg_conn *c)
{
    PQreset(c->handle);
    if (PQstatus(c->handle) != CONNECTION_OK) {
        snprintf(c->error, sizeof c->error, "reconnect failed: %s", PQerrorMessage(c->handle));
        c->error[strcspn(c->error, "\n")] = 0;
        log_event(LOG_WARN, "postgres: %s", c->error);
        return false;
    }
    log_event(LOG_WARN, "postgres: reconnected a dropped database connection");
    pg_session_setup(c);
    return true;
}

/* True when the connection must be re-established before use. */
static bool pg_is_dead(struct pg_conn *c)
{
    return c->server_gone || PQstatus(c->handle) != CONNECTION_OK;
}

/* db_driver.revive: reads what the server sent while the connection sat in the pool
 * (nothing, normally: one poll() with no wait), then reconnects a dead connection.
 * A connection handed back inside a transaction is rolled back. */
static void pg_revive(struct db_conn *base)
{
    struct pg_conn *c = PG_CONN(base);
    c->error[0] = 0;
    /* A terminated backend sends FATAL and then closes: read both (a few rounds at
     * most; an idle connection has nothing else to say). */
    for (int round = 0; round < 4 && !pg_is_dead(c); round++) {
        struct pollfd p = {.fd = PQsocket(c->handle), .events = POLLIN};
        if (p.fd < 0 || poll(&p, 1, 0) <= 0)
            break;
        if (!PQconsumeInput(c->handle))
            break; /* EOF or a socket error: PQstatus says CONNECTION_BAD now */
        PGnotify *n;
        while ((n = PQnotifies(c->handle)) != NULL)
            PQfreemem(n);
    }
    if (pg_is_dead(c)) {
        pg_reconnect(c);
        return;
    }
    if (PQtransactionStatus(c->handle) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->handle, "ROLLBACK");
        PQclear(r);
    }
}

static void pg_disconnect(struct db_conn *c)
{
    PQfinish(PG_CONN(c)->handle);
    free(PG_CONN(c));
}

/* True when SQLSTATE state says the database cannot serve (rather than that this
 * statement is wrong): connection exceptions (08), operator intervention such as
 * shutdown or a dropped database (57, except 57014 query_canceled), insufficient
 * resources such as disk full or too many connections (53), system/I/O errors (58),
 * a read-only transaction on a standby (25006), corrupted data (XX001, XX002). */
static bool pg_state_unavailable(const char *state)
{
    return strncmp(state, "08", 2) == 0 ||
           (strncmp(state, "57", 2) == 0 && strcmp(state, "57014") != 0) ||
           strncmp(state, "53", 2) == 0 || strncmp(state, "58", 2) == 0 ||
           strcmp(state, "25006") == 0 || strcmp(state, "XX001") == 0 ||
           strcmp(state, "XX002") == 0;
}

/* Maps a failed result to a DB_* status, remembering the message. Serialisation
 * failures, deadlocks, lock timeouts and cancelled statements are DB_BUSY (retry
 * shortly). A lost connection (libpq's own "server closed the connection" with no
 * SQLSTATE, or a dead handle) and the states of pg_state_unavailable are
 * DB_UNAVAILABLE; the next db_acquire re-establishes a lost connection. */
static int pg_failure(struct pg_conn *c, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *message = r ? PQresultErrorMessage(r) : "";
    snprintf(c->error, sizeof c->error, "%s", *message ? message : PQerrorMessage(c->handle));
    c->error[strcspn(c->error, "\n")] = 0;
    if (state && strncmp(state, "23", 2) == 0)
        return DB_CONSTRAINT;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0))
        return DB_BUSY;
    log_event(LOG_WARN, "postgres: %s", c->error);
    if (pg_is_dead(c) || (state && pg_state_unavailable(state)))
        return DB_UNAVAILABLE;
    return DB_ERROR;
}

static int pg_exec(struct db_conn *base, const char *sql)
{
    struct pg_conn *c = PG_CONN(base);
    PGresult *r = PQexec(c->handle, sql);
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? DB_OK : pg_failure(c, r);
    PQclear(r);
    return rc;
}

/* Runs the statements that open a transaction. Nothing has happened yet when they
 * fail, so a connection found dead here is re-established and they run once more. */
static int pg_begin(struct db_conn *base, const char *sql)
{
    struct pg_conn *c = PG_CONN(base);
    int rc = pg_exec(base, sql);
    if (rc != DB_OK && pg_is_dead(c) && pg_reconnect(c))
        rc = pg_exec(base, sql);
    if (rc != DB_OK && !pg_is_dead(c) && PQtransactionStatus(c->handle) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->handle, "ROLLBACK");
        PQclear(r);
    }
    return rc;
}

/* One round trip: BEGIN, the lock timeout, the writer lock (55P03 after the timeout
 * -> DB_BUSY). */
static int pg_begin_write(struct db_conn *c)
{
    return pg_begin(c, "BEGIN; SET LOCAL lock_timeout = '" PG_LOCK_TIMEOUT "'; "
                       "SELECT pg_advisory_xact_lock(" PG_STR(PG_WRITER_LOCK_KEY) ")");
}

static int pg_begin_read(struct db_conn *c)
{
    return pg_begin(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

static int pg_commit(struct db_conn *c)
{
    return pg_exec(c, "COMMIT");
}

static void pg_rollback(struct db_conn *c)
{
    PGTransactionStatusType st = PQtransactionStatus(PG_CONN(c)->handle);
    /* PQTRANS_UNKNOWN: the connection is gone, and the server rolled back for us. */
    if (st == PQTRANS_INTRANS || st == PQTRANS_INERROR)
        pg_exec(c, "ROLLBACK");
}

/* Highest $n in sql (string literals are not scanned for placeholders). */
static int pg_count_params(const char *sql)
{
    int max = 0, quoted = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        else if (!quoted && *p == '$' && p[1] >= '0' && p[1] <= '9') {
            int n = atoi(p + 1);
            if (n > max)
                max = n;
        }
    }
    return max;
}

static struct db_stmt *pg_prepare(struct db_conn *c, const char *sql)
{
    int n = pg_count_params(sql);
    if (n > PG_MAX_PARAMS) {
        log_event(LOG_WARN, "postgres: too many parameters in a statement");
        return NULL;
    }
    struct pg_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.driver = &db_postgres_driver;
    s->conn = PG_CONN(c);
    s->sql = strdup(sql);
    s->nparams = n;
    if (!s->sql) {
        free(s);
        return NULL;
    }
    return &s->base;
}

static void pg_set_param(struct pg_stmt *s, int index, char *value, unsigned int type)
{
    if (index < 1 || index > s->nparams) {
        free(value);
        return;
    }
    free(s->values[index - 1]);
    s->values[index - 1] = value;
    s->types[index - 1] = type;
}

static void pg_bind_text(struct db_stmt *s, int index, const char *value)
{
    pg_set_param(PG_STMT(s), index, strdup(value), 0);
}

static void pg_bind_int(struct db_stmt *s, int index, int64_t value)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    pg_set_param(PG_STMT(s), index, strdup(buf), PG_INT8_OID);
}

static void pg_bind_null(struct db_stmt *s, int index)
{
    pg_set_param(PG_STMT(s), index, NULL, 0);
}

static int pg_step(struct db_stmt *base)
{
    struct pg_stmt *s = PG_STMT(base);
    if (!s->executed) {
        s->executed = 1;
        s->result = PQexecParams(s->conn->handle, s->sql, s->nparams, s->types,
                                 (const char *const *)s->values, NULL, NULL, 0);
        ExecStatusType st = s->result ? PQresultStatus(s->result) : PGRES_FATAL_ERROR;
        if (st == PGRES_TUPLES_OK) {
            s->rows = PQntuples(s->result);
            s->changes = s->rows;
        } else if (st == PGRES_COMMAND_OK) {
            s->rows = 0;
            s->changes = atoll(PQcmdTuples(s->result));
        } else {
            return pg_failure(s->conn, s->result);
        }
        s->row = 0;
    } else {
        s->row++;
    }
    return s->row < s->rows ? DB_ROW : DB_DONE;
}

static const char *pg_column_text(struct db_stmt *base, int col)
{
    struct pg_stmt *s = PG_STMT(base);
    if (!s->result || s->row >= s->rows || col >= PQnfields(s->result) ||
        PQgetisnull(s->result, s->row, col))
        return NULL;
    return PQgetvalue(s->result, s->row, col);
}

static int64_t pg_column_int(struct db_stmt *s, int col)
{
    const char *v = pg_column_text(s, col);
    if (!v)
        return 0;
    if (v[0] == 't' && v[1] == 0) /* boolean true from expressions */
        return 1;
    return strtoll(v, NULL, 10);
}

static bool pg_column_is_null(struct db_stmt *s, int col)
{
    return pg_column_text(s, col) == NULL;
}

static int64_t pg_changes(struct db_stmt *s)
{
    return PG_STMT(s)->changes;
}

static void pg_finalize(struct db_stmt *base)
{
    struct pg_stmt *s = PG_STMT(base);
    for (int i = 0; i < s->nparams; i++) {
        if (s->values[i]) {
            /* Parameters can carry secrets' hashes or envelopes; wipe anyway. */
            memset(s->values[i], 0, strlen(s->values[i]));
            free(s->values[i]);
        }
    }
    PQclear(s->result);
    free(s->sql);
    free(s);
}

/* LISTEN on a dedicated connection. The channel name is a compile-time constant
 * of ours, never outside input; it is still quoted as an identifier. */
static int pg_listen(struct db_conn *base, const char *channel)
{
    struct pg_conn *c = PG_CONN(base);
    char *quoted = PQescapeIdentifier(c->handle, channel, strlen(channel));
    if (!quoted)
        return DB_ERROR;
    char sql[160];
    int n = snprintf(sql, sizeof sql, "LISTEN %s", quoted);
    PQfreemem(quoted);
    if (n < 0 || (size_t)n >= sizeof sql)
        return DB_ERROR;
    return pg_exec(base, sql);
}

/* Drains pending notifications; true when there was at least one. */
static bool pg_drain_notifies(struct pg_conn *c)
{
    bool any = false;
    PGnotify *n;
    while ((n = PQnotifies(c->handle)) != NULL) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

static int pg_wait_notify(struct db_conn *base, int timeout_ms)
{
    struct pg_conn *c = PG_CONN(base);
    if (pg_is_dead(c))
        return -1;
    if (pg_drain_notifies(c))
        return 1;
    struct pollfd p = {.fd = PQsocket(c->handle), .events = POLLIN};
    if (p.fd < 0)
        return -1;
    int ready = poll(&p, 1, timeout_ms);
    if (ready < 0)
        return 0; /* EINTR: the caller polls the feed anyway */
    if (ready == 0)
        return 0;
    if (!PQconsumeInput(c->handle) || pg_is_dead(c))
        return -1;
    return pg_drain_notifies(c) ? 1 : 0;
}

static const char *pg_error_message(struct db_conn *c)
{
    return PG_CONN(c)->error[0] ? PG_CONN(c)->error : PQerrorMessage(PG_CONN(c)->handle);
}

const struct db_driver db_postgres_driver = {
    .name = "postgres",
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .exec = pg_exec,
    .begin_write = pg_begin_write,
    .begin_read = pg_begin_read,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .column_text = pg_column_text,
    .column_int = pg_column_int,
    .column_is_null = pg_column_is_null,
    .changes = pg_changes,
    .finalize = pg_finalize,
    .error_message = pg_error_message,
    .lock_suffix = " FOR UPDATE",
    .revive = pg_revive,
    .listen = pg_listen,
    .wait_notify = pg_wait_notify,
};
