/*
 * db.c — backend selection, the connection pool, and writer turns (see db.h).
 *
 * Writer turns: the writers of one process queue in arrival order in front of the
 * database's own write lock. SQLite's busy handler polls (sleep, retry), so with
 * many writers a waiting one could lose every race for the lock until its 5 s ran
 * out; PostgreSQL's advisory lock queues fairly but every waiter holds a server
 * backend. Here each waiter sleeps on its own condition variable and the finishing
 * writer hands the turn directly to the oldest waiter (no thundering herd, no
 * barging). A waiter that gives up (DB_WRITER_WAIT_MS) unlinks itself. The database
 * lock is still taken after the turn: it is what serialises writers of different
 * processes (other nodes, the CLI).
 */
#include "store/db.h"
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How long a writer waits for its turn before DB_BUSY (like the database lock). */
#define DB_WRITER_WAIT_MS 5000

struct db_writer_waiter {
    pthread_cond_t wake;
    bool granted; /* the turn was handed to this waiter */
    struct db_writer_waiter *next;
};

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
    /* Writer turns. Invariant: when writer_active is false the queue is empty. */
    pthread_mutex_t writer_lock;
    unsigned writer_wait_ms;
    bool writer_active; /* some connection holds the turn */
    struct db_writer_waiter *writer_head, *writer_tail;
    unsigned writers_waiting;
    /* /metrics: acquisitions, those that had to wait for a free connection, and the
     * total time they waited (under lock). */
    uint64_t acquires, waits, wait_ns;
};

/* The gravest failure of this thread since the last reset (see db.h). */
static _Thread_local int db_thread_seen = DB_OK;

static int db_failure_rank(int status)
{
    switch (status) {
    case DB_UNAVAILABLE:
        return 3;
    case DB_BUSY:
        return 2;
    case DB_ERROR:
        return 1;
    default:
        return 0;
    }
}

/* Remembers status when it is a failure; returns it unchanged. */
static int db_note(int status)
{
    if (db_failure_rank(status) > db_failure_rank(db_thread_seen))
        db_thread_seen = status;
    return status;
}

int db_thread_failure(void)
{
    return db_thread_seen;
}

void db_thread_failure_reset(void)
{
    db_thread_seen = DB_OK;
}

int db_failure_class(int status)
{
    if (status == DB_UNAVAILABLE || db_thread_seen == DB_UNAVAILABLE)
        return DB_UNAVAILABLE;
    if (status == DB_BUSY || db_thread_seen == DB_BUSY)
        return DB_BUSY;
    return DB_ERROR;
}

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
    pthread_mutex_init(&db->writer_lock, NULL);
    db->writer_wait_ms = DB_WRITER_WAIT_MS;
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
    pthread_mutex_destroy(&db->writer_lock);
    free(db);
}

const char *db_backend(const struct db *db)
{
    return db->driver->name;
}

/* Counts one acquisition (lock held); waited_since is set when it had to wait. */
static void db_pool_count(struct db *db, const struct timespec *waited_since)
{
    db->acquires++;
    if (waited_since->tv_sec || waited_since->tv_nsec) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t ns = (int64_t)(now.tv_sec - waited_since->tv_sec) * 1000000000 +
                     (now.tv_nsec - waited_since->tv_nsec);
        db->waits++;
        db->wait_ns += ns > 0 ? (uint64_t)ns : 0;
    }
}

void db_pool_stats(struct db *db, struct db_pool_stats *out)
{
    pthread_mutex_lock(&db->lock);
    out->size = db->pool_size;
    out->open = db->open_count;
    out->in_use = db->open_count - db->idle_count;
    out->acquires = db->acquires;
    out->waits = db->waits;
    out->wait_seconds = (double)db->wait_ns / 1e9;
    pthread_mutex_unlock(&db->lock);
    out->writers_waiting = db_writers_waiting(db);
}

struct db_conn *db_acquire(struct db *db)
{
    struct timespec waited_since = {0, 0};
    pthread_mutex_lock(&db->lock);
    for (;;) {
        if (db->idle_count > 0) {
            struct db_conn *c = db->idle[--db->idle_count];
            db_pool_count(db, &waited_since);
            pthread_mutex_unlock(&db->lock);
            if (c->driver->revive)
                c->driver->revive(c);
            return c;
        }
        if (db->open_count < db->pool_size) {
            db->open_count++;
            db_pool_count(db, &waited_since);
            pthread_mutex_unlock(&db->lock);
            char err[256];
            struct db_conn *c = db->driver->connect(db->url, err, sizeof err);
            if (c) {
                c->pool = db;
                return c;
            }
            log_event(LOG_WARN, "database: %s", err);
            pthread_mutex_lock(&db->lock);
            db->open_count--;
        }
        if (!waited_since.tv_sec && !waited_since.tv_nsec)
            clock_gettime(CLOCK_MONOTONIC, &waited_since);
        pthread_cond_wait(&db->available, &db->lock);
    }
}

/* Waits (FIFO) for the writer turn of db. DB_OK: the caller holds it; DB_BUSY after
 * writer_wait_ms. */
static int db_writer_turn_take(struct db *db)
{
    pthread_mutex_lock(&db->writer_lock);
    if (!db->writer_active) {
        db->writer_active = true;
        pthread_mutex_unlock(&db->writer_lock);
        return DB_OK;
    }
    struct db_writer_waiter me = {.granted = false, .next = NULL};
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&me.wake, &attr);
    pthread_condattr_destroy(&attr);
    if (db->writer_tail)
        db->writer_tail->next = &me;
    else
        db->writer_head = &me;
    db->writer_tail = &me;
    db->writers_waiting++;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += db->writer_wait_ms / 1000;
    deadline.tv_nsec += (long)(db->writer_wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc = DB_OK;
    while (!me.granted) {
        if (pthread_cond_timedwait(&me.wake, &db->writer_lock, &deadline) == ETIMEDOUT &&
            !me.granted) {
            /* Give up: unlink (the turn was not handed to us, so we are still queued). */
            struct db_writer_waiter **p = &db->writer_head, *prev = NULL;
            while (*p != &me) {
                prev = *p;
                p = &(*p)->next;
            }
            *p = me.next;
            if (db->writer_tail == &me)
                db->writer_tail = prev;
            db->writers_waiting--;
            rc = DB_BUSY;
            break;
        }
    }
    pthread_mutex_unlock(&db->writer_lock);
    pthread_cond_destroy(&me.wake);
    return rc;
}

/* Hands the turn to the oldest waiter, or frees it. */
static void db_writer_turn_give(struct db *db)
{
    pthread_mutex_lock(&db->writer_lock);
    struct db_writer_waiter *next = db->writer_head;
    if (next) {
        db->writer_head = next->next;
        if (!db->writer_head)
            db->writer_tail = NULL;
        db->writers_waiting--;
        next->granted = true; /* writer_active stays true: the turn passes directly */
        pthread_cond_signal(&next->wake);
    } else {
        db->writer_active = false;
    }
    pthread_mutex_unlock(&db->writer_lock);
}

/* Gives back c's turn if it holds one. */
static void db_write_turn_end(struct db_conn *c)
{
    if (c->holds_write_turn) {
        c->holds_write_turn = false;
        db_writer_turn_give(c->pool);
    }
}

void db_set_writer_wait_ms(struct db *db, unsigned ms)
{
    pthread_mutex_lock(&db->writer_lock);
    db->writer_wait_ms = ms;
    pthread_mutex_unlock(&db->writer_lock);
}

unsigned db_writers_waiting(struct db *db)
{
    pthread_mutex_lock(&db->writer_lock);
    unsigned n = db->writers_waiting;
    pthread_mutex_unlock(&db->writer_lock);
    return n;
}

void db_release(struct db *db, struct db_conn *c)
{
    if (!c)
        return;
    if (c->holds_write_turn) {
        /* A caller left its write transaction open: end it so the turn (and the
         * database lock) cannot leak with the connection. */
        log_event(LOG_WARN, "database: a connection came back inside a write "
                            "transaction; rolled back");
        db_rollback(c);
    }
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
    return db_note(c->driver->exec(c, sql));
}
int db_begin_write(struct db_conn *c)
{
    if (c->pool && !c->holds_write_turn) {
        int rc = db_writer_turn_take(c->pool);
        if (rc != DB_OK)
            return db_note(rc);
        c->holds_write_turn = true;
    }
    int rc = c->driver->begin_write(c);
    c->writing = rc == DB_OK;
    if (rc != DB_OK)
        db_write_turn_end(c); /* the backend left no transaction open */
    return db_note(rc);
}
int db_begin_read(struct db_conn *c)
{
    return db_note(c->driver->begin_read(c));
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
    /* After the hook: hooks see this node's commits in the order they were made. */
    if (rc == DB_OK)
        db_write_turn_end(c);
    return db_note(rc);
}

void db_rollback(struct db_conn *c)
{
    c->writing = false;
    c->driver->rollback(c);
    db_write_turn_end(c);
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
    c->prepare_failure = DB_OK;
    struct db_stmt *s = c->driver->prepare(c, sql);
    if (!s)
        db_note(c->prepare_failure != DB_OK ? c->prepare_failure : DB_ERROR);
    return s;
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
    return db_note(s->driver->step(s));
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

enum db_status db_each_row(struct db_stmt *s, db_row_fn each, void *ctx)
{
    int rc;
    while ((rc = db_step(s)) == DB_ROW) {
        enum db_status verdict = each(s, ctx);
        if (verdict == DB_DONE)
            return DB_DONE;
        if (verdict != DB_OK)
            return verdict;
    }
    return rc == DB_DONE ? DB_DONE : (enum db_status)rc;
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
