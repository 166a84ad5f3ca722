/*
 * db_sqlite.c — the embedded SQLite backend of db.h.
 *
 * WAL mode (readers never block the writer), synchronous=FULL (an accepted write
 * survives power loss), foreign keys on, a 5 s busy timeout. Write transactions
 * use BEGIN IMMEDIATE so concurrent writers queue on the database lock instead of
 * failing at commit — this is what serialises app creation per database.
 * Placeholders are PostgreSQL-style `$n`; SQLite accepts them as named
 * parameters and we resolve each by name, so `$2` may appear before `$1`.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "util/log.h"

struct sqlite_conn {
    struct db_conn base;
    sqlite3 *handle;
};

struct sqlite_stmt {
    struct db_stmt base;
    sqlite3_stmt *stmt;
    struct sqlite_conn *conn;
    int64_t changes;
};

#define SQLITE_CONN(c) ((struct sqlite_conn *)(c))
#define SQLITE_STMT(s) ((struct sqlite_stmt *)(s))

static int sqlite_map(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
        return DB_OK;
    case SQLITE_ROW:
        return DB_ROW;
    case SQLITE_DONE:
        return DB_DONE;
    case SQLITE_CONSTRAINT:
        return DB_CONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DB_BUSY;
    /* The database cannot serve until an operator acts (disk full, read-only mount,
     * file gone or unreadable, I/O error) — not a bug in the statement. */
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_NOMEM:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
        return DB_UNAVAILABLE;
    default:
        return DB_ERROR;
    }
}

static struct db_conn *sqlite_connect(const char *url, char *err, size_t err_size)
{
    const char *path = url + strlen("sqlite:");
    if (!*path) {
        snprintf(err, err_size, "sqlite: empty path");
        return NULL;
    }
    struct sqlite_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    c->base.driver = &db_sqlite_driver;
    int rc = sqlite3_open_v2(
        path, &c->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_size, "sqlite: cannot open %s: %s", path,
                 c->handle ? sqlite3_errmsg(c->handle) : "out of memory");
        sqlite3_close(c->handle);
        free(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->handle, 5000);
    char *msg = NULL;
    /* cache_size: 512 KiB per connection instead of SQLite's 2 MiB. A server holds a
     * dozen connections (HTTP threads, write workers, the change feed), the token path
     * reads none of them in steady state, and the kernel's page cache keeps the file
     * hot anyway; 2 MiB each let RSS creep up by ~20 MiB as the database grew
     * (bench/soak.sh, docs/RELIABILITY.md). */
    rc = sqlite3_exec(c->handle,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                      "PRAGMA secure_delete=ON; PRAGMA cache_size=-512;",
                      NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(err, err_size, "sqlite: %s", msg ? msg : "cannot configure");
        sqlite3_free(msg);
        sqlite3_close(c->handle);
        free(c);
        return NULL;
    }
    return &c->base;
}

static void sqlite_disconnect(struct db_conn *c)
{
    sqlite3_close(SQLITE_CONN(c)->handle);
    free(SQLITE_CONN(c));
}

static int sqlite_exec(struct db_conn *c, const char *sql)
{
    return sqlite_map(sqlite3_exec(SQLITE_CONN(c)->handle, sql, NULL, NULL, NULL));
}

static int sqlite_begin_write(struct db_conn *c)
{
    return sqlite_exec(c, "BEGIN IMMEDIATE");
}

static int sqlite_begin_read(struct db_conn *c)
{
    return sqlite_exec(c, "BEGIN");
}

static int sqlite_commit(struct db_conn *c)
{
    return sqlite_exec(c, "COMMIT");
}

static void sqlite_rollback(struct db_conn *c)
{
    sqlite3 *h = SQLITE_CONN(c)->handle;
    if (!sqlite3_get_autocommit(h))
        sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
}

static struct db_stmt *sqlite_prepare(struct db_conn *c, const char *sql)
{
    struct sqlite_stmt *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->base.driver = &db_sqlite_driver;
    s->conn = SQLITE_CONN(c);
    int rc = sqlite3_prepare_v2(s->conn->handle, sql, -1, &s->stmt, NULL);
    if (rc != SQLITE_OK) {
        log_event(LOG_ERROR, "sqlite prepare failed: %s", sqlite3_errmsg(s->conn->handle));
        c->prepare_failure = sqlite_map(rc); /* reading the schema can hit I/O errors */
        free(s);
        return NULL;
    }
    return &s->base;
}

static int sqlite_param_index(struct db_stmt *s, int index)
{
    char name[16];
    snprintf(name, sizeof name, "$%d", index);
    return sqlite3_bind_parameter_index(SQLITE_STMT(s)->stmt, name);
}

static void sqlite_bind_text(struct db_stmt *s, int index, const char *value)
{
    int i = sqlite_param_index(s, index);
    if (i > 0)
        sqlite3_bind_text(SQLITE_STMT(s)->stmt, i, value, -1, SQLITE_TRANSIENT);
}

static void sqlite_bind_int(struct db_stmt *s, int index, int64_t value)
{
    int i = sqlite_param_index(s, index);
    if (i > 0)
        sqlite3_bind_int64(SQLITE_STMT(s)->stmt, i, value);
}

static void sqlite_bind_null(struct db_stmt *s, int index)
{
    int i = sqlite_param_index(s, index);
    if (i > 0)
        sqlite3_bind_null(SQLITE_STMT(s)->stmt, i);
}

static int sqlite_step(struct db_stmt *base)
{
    struct sqlite_stmt *s = SQLITE_STMT(base);
    int rc = sqlite3_step(s->stmt);
    if (rc == SQLITE_DONE)
        s->changes = sqlite3_changes64(s->conn->handle);
    else if (rc != SQLITE_ROW && (rc & 0xff) != SQLITE_CONSTRAINT)
        log_event(LOG_ERROR, "sqlite step failed: %s", sqlite3_errmsg(s->conn->handle));
    return sqlite_map(rc);
}

static const char *sqlite_column_text(struct db_stmt *s, int col)
{
    return (const char *)sqlite3_column_text(SQLITE_STMT(s)->stmt, col);
}

static int64_t sqlite_column_int(struct db_stmt *s, int col)
{
    return sqlite3_column_int64(SQLITE_STMT(s)->stmt, col);
}

static bool sqlite_column_is_null(struct db_stmt *s, int col)
{
    return sqlite3_column_type(SQLITE_STMT(s)->stmt, col) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct db_stmt *s)
{
    return SQLITE_STMT(s)->changes;
}

static void sqlite_finalize(struct db_stmt *s)
{
    sqlite3_finalize(SQLITE_STMT(s)->stmt);
    free(SQLITE_STMT(s));
}

static const char *sqlite_error_message(struct db_conn *c)
{
    return sqlite3_errmsg(SQLITE_CONN(c)->handle);
}

const struct db_driver db_sqlite_driver = {
    .name = "sqlite",
    .connect = sqlite_connect,
    .disconnect = sqlite_disconnect,
    .exec = sqlite_exec,
    .begin_write = sqlite_begin_write,
    .begin_read = sqlite_begin_read,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .prepare = sqlite_prepare,
    .bind_text = sqlite_bind_text,
    .bind_int = sqlite_bind_int,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .column_text = sqlite_column_text,
    .column_int = sqlite_column_int,
    .column_is_null = sqlite_column_is_null,
    .changes = sqlite_changes,
    .finalize = sqlite_finalize,
    .error_message = sqlite_error_message,
    .lock_suffix = "",
};
