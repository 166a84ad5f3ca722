/*
 * db.c — backend selection and the connection pool (see db.h).
 */
#include "store/db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct db {
    const struct db_driver *driver;
    char *url;
    pthread_mutex_t lock;
    pthread_cond_t available;
    struct db_conn **idle;
    unsigned idle_count;
    unsigned open_count;
    unsigned pool_size;
    db_commit_hook commit_hook;
    void *commit_hook_arg;
};

struct db *db_open(const char *url, unsigned pool_size, char *err, size_t err_size)
{
    const struct db_driver *driver = NULL;
    if (strncmp(url, "sqlite:", 7) == 0)
        driver = &db_sqlite_driver;
    else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0)
        driver = &db_postgres_driver;
    else {
        snprintf(err, err_size, "unsupported database URL (want sqlite:PATH or postgres://...)");
        return NULL;
    }
    struct db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    db->driver = driver;
    db->url = strdup(url);
    db->pool_size = pool_size ? pool_size : 4;
    db->idle = calloc(db->pool_size, sizeof *db->idle);
    pthread_mutex_init(&db->lock, NULL);
    pthread_cond_init(&db->available, NULL);
    /* Open one connection now so a bad URL fails at start-up, not on first use. */
    struct db_conn *c = driver->connect(url, err, err_size);
    if (!c) {
        db_close(db);
        return NULL;
    }
    c->pool = db;
    db->idle[db->idle_count++] = c;
    db->open_count = 1;
    return db;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    for (unsigned i = 0; i < db->idle_count; i++)
        db->driver->disconnect(db->idle[i]);
    free(db->idle);
    free(db->url);
    pthread_mutex_destroy(&db->lock);
    pthread_cond_destroy(&db->available);
    free(db);
}

const char *db_backend(const struct db *db)
{
    return db->driver->name;
}

struct db_conn *db_acquire(struct db *db)
{
    pthread_mutex_lock(&db->lock);
    for (;;) {
        if (db->idle_count > 0) {
            struct db_conn *c = db->idle[--db->idle_count];
            pthread_mutex_unlock(&db->lock);
            if (c->driver->revive)
                c->driver->revive(c);
            return c;
        }
        if (db->open_count < db->pool_size) {
            db->open_count++;
            pthread_mutex_unlock(&db->lock);
            char err[256];
            struct db_conn *c = db->driver->connect(db->url, err, sizeof err);
            if (c) {
                c->pool = db;
                return c;
            }
            fprintf(stderr, "tenantd: database: %s\n", err);
            pthread_mutex_lock(&db->lock);
            db->open_count--;
        }
        pthread_cond_wait(&db->available, &db->lock);
    }
}

void db_release(struct db *db, struct db_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&db->lock);
    db->idle[db->idle_count++] = c;
    pthread_cond_signal(&db->available);
    pthread_mutex_unlock(&db->lock);
}

const char *db_conn_backend(const struct db_conn *c)
{
    return c->driver->name;
}

void db_set_commit_hook(struct db *db, db_commit_hook hook, void *arg)
{
    pthread_mutex_lock(&db->lock);
    db->commit_hook = hook;
    db->commit_hook_arg = arg;
    pthread_mutex_unlock(&db->lock);
}

struct db_conn *db_connect_dedicated(struct db *db, char *err, size_t err_size)
{
    struct db_conn *c = db->driver->connect(db->url, err, err_size);
    if (c)
        c->pool = NULL;
    return c;
}

void db_disconnect(struct db_conn *c)
{
    if (c)
        c->driver->disconnect(c);
}

int db_listen(struct db_conn *c, const char *channel)
{
    return c->driver->listen ? c->driver->listen(c, channel) : DB_OK;
}

int db_wait_notify(struct db_conn *c, int timeout_ms)
{
    if (c->driver->wait_notify)
        return c->driver->wait_notify(c, timeout_ms);
    struct timespec pause = {.tv_sec = timeout_ms / 1000,
                             .tv_nsec = (timeout_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
    return 0;
}

int db_exec(struct db_conn *c, const char *sql)
{
    return c->driver->exec(c, sql);
}
int db_begin_write(struct db_conn *c)
{
    int rc = c->driver->begin_write(c);
    c->writing = rc == DB_OK;
    return rc;
}
int db_begin_read(struct db_conn *c)
{
    return c->driver->begin_read(c);
}
int db_commit(struct db_conn *c)
{
    int rc = c->driver->commit(c);
    bool wrote = c->writing && rc == DB_OK;
    if (rc == DB_OK)
        c->writing = false;
    if (wrote && c->pool) {
        pthread_mutex_lock(&c->pool->lock);
        db_commit_hook hook = c->pool->commit_hook;
        void *arg = c->pool->commit_hook_arg;
        pthread_mutex_unlock(&c->pool->lock);
        if (hook)
            hook(arg, c);
    }
    return rc;
}

void db_rollback(struct db_conn *c)
{
    c->writing = false;
    c->driver->rollback(c);
}

const char *db_error_message(struct db_conn *c)
{
    return c->driver->error_message(c);
}
const char *db_lock_suffix(struct db_conn *c)
{
    return c->driver->lock_suffix;
}
struct db_stmt *db_prepare(struct db_conn *c, const char *sql)
{
    return c->driver->prepare(c, sql);
}
void db_bind_text(struct db_stmt *s, int index, const char *value)
{
    if (!value)
        s->driver->bind_null(s, index);
    else
        s->driver->bind_text(s, index, value);
}
void db_bind_int(struct db_stmt *s, int index, int64_t value)
{
    s->driver->bind_int(s, index, value);
}
void db_bind_bool(struct db_stmt *s, int index, bool value)
{
    s->driver->bind_int(s, index, value ? 1 : 0);
}
void db_bind_null(struct db_stmt *s, int index)
{
    s->driver->bind_null(s, index);
}
int db_step(struct db_stmt *s)
{
    return s->driver->step(s);
}
const char *db_column_text(struct db_stmt *s, int col)
{
    return s->driver->column_text(s, col);
}
int64_t db_column_int(struct db_stmt *s, int col)
{
    return s->driver->column_int(s, col);
}
bool db_column_bool(struct db_stmt *s, int col)
{
    return s->driver->column_int(s, col) != 0;
}
bool db_column_is_null(struct db_stmt *s, int col)
{
    return s->driver->column_is_null(s, col);
}
int64_t db_changes(struct db_stmt *s)
{
    return s->driver->changes(s);
}
void db_finalize(struct db_stmt *s)
{
    if (s)
        s->driver->finalize(s);
}

int db_run(struct db_conn *c, const char *sql, int nparams, const char *const *params)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return DB_ERROR;
    for (int i = 0; i < nparams; i++)
        db_bind_text(s, i + 1, params[i]);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_ROW ? DB_DONE : rc;
}
