/*
 * readiness.c — degraded conditions reported by /readyz (see readiness.h).
 */
#include "ops/readiness.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service.h"
#include "store/db.h"
#include "store/migrations.h"
#include "util/timeutil.h"
#include "util/log.h"

struct readiness {
    struct db *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bool requested;       /* /readyz asked for a fresh probe */
    int64_t probed_at_ms; /* monotonic time of the last probe (0: never) */
    int write_status;     /* DB_OK, or the failure of the last conclusive probe */
    char write_detail[256];
};

/* One probe: a real write in a write transaction. DB_OK, DB_BUSY (inconclusive) or
 * the failure; detail receives the database's message on failure. */
static int readiness_probe_write(struct db *db, char *detail, size_t detail_size)
{
    struct db_conn *c = db_acquire(db);
    int rc = db_begin_write(c);
    if (rc == DB_OK) {
        /* A real write (store_schema_write_probe): refused on a full disk, a
         * read-only file system or a standby. */
        rc = store_schema_write_probe(c);
        if (rc == DB_DONE)
            rc = db_commit(c);
    }
    if (rc != DB_OK) {
        snprintf(detail, detail_size, "%s", db_error_message(c));
        db_rollback(c);
    }
    db_release(db, c);
    return db_failure_class(rc) == DB_BUSY ? DB_BUSY : rc;
}

/* Runs a probe and records a conclusive result. */
static void readiness_probe(struct readiness *r)
{
    char detail[sizeof r->write_detail] = "";
    db_thread_failure_reset();
    int rc = readiness_probe_write(r->db, detail, sizeof detail);
    pthread_mutex_lock(&r->lock);
    r->probed_at_ms = time_monotonic_ms();
    if (rc != DB_BUSY) {
        if (rc != DB_OK && r->write_status == DB_OK)
            log_event(LOG_WARN, "readiness: the database does not accept writes: %s", detail);
        else if (rc == DB_OK && r->write_status != DB_OK)
            log_event(LOG_WARN, "readiness: the database accepts writes again");
        r->write_status = rc;
        snprintf(r->write_detail, sizeof r->write_detail, "%s", detail);
    }
    pthread_mutex_unlock(&r->lock);
}

static void *readiness_thread(void *arg)
{
    struct readiness *r = arg;
    pthread_mutex_lock(&r->lock);
    for (;;) {
        while (!r->requested && !r->stopping)
            pthread_cond_wait(&r->wake, &r->lock);
        if (r->stopping)
            break;
        r->requested = false;
        pthread_mutex_unlock(&r->lock);
        readiness_probe(r);
        pthread_mutex_lock(&r->lock);
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

struct readiness *readiness_start(struct db *db)
{
    struct readiness *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->db = db;
    r->write_status = DB_OK;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->wake, NULL);
    readiness_probe(r);
    if (pthread_create(&r->thread, NULL, readiness_thread, r) != 0) {
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->wake);
        free(r);
        return NULL;
    }
    return r;
}

void readiness_stop(struct readiness *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stopping = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    free(r);
}

void readiness_add_reason(json_t *reasons, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    json_array_append_new(reasons, json_string(reason));
}

/* "database not writable": the last conclusive write probe failed. Asks for a fresh
 * probe when the result is older than READINESS_PROBE_MS. */
static void readiness_check_database_writable(struct service *svc, json_t *reasons)
{
    struct readiness *r = svc->readiness;
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    if (time_monotonic_ms() - r->probed_at_ms >= READINESS_PROBE_MS && !r->requested) {
        r->requested = true;
        pthread_cond_signal(&r->wake);
    }
    int status = r->write_status;
    char detail[sizeof r->write_detail];
    snprintf(detail, sizeof detail, "%s", r->write_detail);
    pthread_mutex_unlock(&r->lock);
    if (status != DB_OK)
        readiness_add_reason(reasons, "database not writable (disk full, read-only or failing): %s",
                             detail[0] ? detail : "no detail");
}

/* Every degraded condition, in the order /readyz lists them. */
static void (*const readiness_checks[])(struct service *svc, json_t *reasons) = {
    readiness_check_database_writable,
};

void readiness_degraded_reasons(struct service *svc, json_t *reasons)
{
    for (size_t i = 0; i < sizeof readiness_checks / sizeof readiness_checks[0]; i++)
        readiness_checks[i](svc, reasons);
}
