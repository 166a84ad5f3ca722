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
 * rare; the token path never writes. db_lock_suffix() is " FOR UPDATE" so code
 * that also row-locks stays correct if the global lock is ever relaxed.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

#define PG_MAX_PARAMS 32
#define PG_INT8_OID 20
/* An arbitrary constant naming tenantd's writer lock. */
#define PG_WRITER_LOCK_KEY 7414301

struct pg_conn {
    struct db_conn base;
    PGconn *handle;
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
    int row;  /* next row to return */
    int rows;
    int64_t changes;
    int executed;
};

#define PG_CONN(c) ((struct pg_conn *)(c))
#define PG_STMT(s) ((struct pg_stmt *)(s))

static void pg_notice(void *arg, const char *message)
{
    /* "relation already exists, skipping" and friends are not worth a log line. */
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
    PQsetNoticeProcessor(c->handle, pg_notice, NULL);
    PGresult *r = PQexec(c->handle, "SET TIME ZONE 'UTC'");
    PQclear(r);
    return &c->base;
}

static void pg_disconnect(struct db_conn *c)
{
    PQfinish(PG_CONN(c)->handle);
    free(PG_CONN(c));
}

/* Maps a failed result to a DB_* status, remembering the message. */
static int pg_failure(struct pg_conn *c, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->error, sizeof c->error, "%s",
             r ? PQresultErrorMessage(r) : PQerrorMessage(c->handle));
    c->error[strcspn(c->error, "\n")] = 0;
    if (state && strncmp(state, "23", 2) == 0)
        return DB_CONSTRAINT;
    if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
                  strcmp(state, "55P03") == 0))
        return DB_BUSY;
    fprintf(stderr, "tenantd: postgres: %s\n", c->error);
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

static int pg_begin_write(struct db_conn *c)
{
    int rc = pg_exec(c, "BEGIN");
    if (rc != DB_OK)
        return rc;
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)", PG_WRITER_LOCK_KEY);
    rc = pg_exec(c, sql);
    if (rc != DB_OK)
        pg_exec(c, "ROLLBACK");
    return rc;
}

static int pg_begin_read(struct db_conn *c)
{
    return pg_exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
}

static int pg_commit(struct db_conn *c)
{
    return pg_exec(c, "COMMIT");
}

static void pg_rollback(struct db_conn *c)
{
    if (PQtransactionStatus(PG_CONN(c)->handle) != PQTRANS_IDLE)
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
        fprintf(stderr, "tenantd: postgres: too many parameters in a statement\n");
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
};
