/*
 * change_feed.c — the follower thread and the commit hook (see change_feed.h).
 */
#include "oauth/change_feed.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "oauth/app_cache.h"
#include "store/change_log.h"
#include "store/db.h"
#include "util/timeutil.h"
#include "util/log.h"

struct change_feed {
    struct db *db;
    struct app_cache *cache;
    struct change_feed_config config;
    pthread_t thread;
    atomic_bool stop;
    /* Serialises applying (not reading): the follower and commit hooks may read
     * overlapping rows; whoever applies second skips what is already applied. */
    pthread_mutex_t apply_lock;
    int64_t applied_seq; /* guarded by apply_lock */
    atomic_int_fast64_t applied_seen;
    atomic_int_fast64_t head_seq;
    atomic_int_fast64_t last_delay_ms;
    atomic_uint_fast64_t applied;
    atomic_uint_fast64_t resets;
    atomic_uint_fast64_t read_errors;
    atomic_bool connected;
};

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t change_feed_apply_batch(struct app_cache *cache, int64_t applied,
                                const struct change_batch *batch, bool *reset)
{
    *reset = false;
    if (batch->pruned_through > applied) {
        /* Rows this node never saw are gone: nothing cached can be trusted. */
        app_cache_invalidate_all(cache);
        *reset = true;
        applied = batch->pruned_through;
    }
    for (size_t i = 0; i < batch->count; i++) {
        const struct change_row *row = &batch->rows[i];
        if (row->seq <= applied)
            continue;
        switch (row->kind) {
        case CHANGE_CLIENT:
            app_cache_invalidate_client(cache, row->key);
            break;
        case CHANGE_TENANT:
            app_cache_invalidate_tenant(cache, row->key);
            break;
        case CHANGE_PLAN:
            app_cache_invalidate_plan(cache, row->key);
            break;
        }
        applied = row->seq;
    }
    return applied;
}

/* Applies a batch read by either path; returns how many rows were new. */
static size_t change_feed_apply(struct change_feed *feed, const struct change_batch *batch)
{
    pthread_mutex_lock(&feed->apply_lock);
    int64_t before = feed->applied_seq;
    bool reset = false;
    int64_t after = change_feed_apply_batch(feed->cache, before, batch, &reset);
    feed->applied_seq = after;
    atomic_store(&feed->applied_seen, after);
    pthread_mutex_unlock(&feed->apply_lock);
    size_t fresh = 0;
    for (size_t i = 0; i < batch->count; i++)
        if (batch->rows[i].seq > before)
            fresh++;
    if (reset) {
        atomic_fetch_add(&feed->resets, 1);
        log_event(LOG_WARN,
                  "change feed: changes up to %lld were pruned before this node "
                  "read them; dropped the whole app cache",
                  (long long)batch->pruned_through);
    }
    if (fresh) {
        atomic_fetch_add(&feed->applied, fresh);
        atomic_store(&feed->last_delay_ms, wall_ms() - batch->rows[batch->count - 1].created_ms);
    }
    if (batch->count && batch->rows[batch->count - 1].seq > atomic_load(&feed->head_seq))
        atomic_store(&feed->head_seq, batch->rows[batch->count - 1].seq);
    return fresh;
}

/* Reads and applies everything after the applied seq on c. DB_OK or the failure.
 * *full is set when a batch came back full (more may be waiting). */
static int change_feed_catch_up(struct change_feed *feed, struct db_conn *c, bool *full)
{
    struct change_batch batch;
    int rc = store_change_log_read(c, atomic_load(&feed->applied_seen), CHANGE_FEED_BATCH, &batch);
    if (rc != DB_DONE)
        return rc;
    change_feed_apply(feed, &batch);
    if (full)
        *full = batch.count == CHANGE_FEED_BATCH;
    change_batch_free(&batch);
    return DB_OK;
}

/* db_commit_hook: the writer's node forgets what it just changed before answering.
 * A failed read here is left to the follower (at most one poll interval). */
static void change_feed_on_commit(void *arg, struct db_conn *c)
{
    struct change_feed *feed = arg;
    bool full = true;
    for (int rounds = 0; full && rounds < 8; rounds++)
        if (change_feed_catch_up(feed, c, &full) != DB_OK)
            break;
}

static void change_feed_sleep(int ms)
{
    struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static void change_feed_mark_down(struct change_feed *feed, const char *why)
{
    atomic_fetch_add(&feed->read_errors, 1);
    app_cache_feed_failed(feed->cache);
    if (atomic_exchange(&feed->connected, false))
        log_event(LOG_WARN,
                  "change feed: database unreachable (%s); serving cached apps "
                  "for at most the stale bound",
                  why);
}

static void *change_feed_main(void *arg)
{
    struct change_feed *feed = arg;
    struct db_conn *c = NULL;
    int64_t last_prune = time_monotonic_ms();
    while (!atomic_load(&feed->stop)) {
        if (!c) {
            char err[256];
            c = db_connect_dedicated(feed->db, err, sizeof err);
            if (c && db_listen(c, CHANGE_LOG_CHANNEL) != DB_OK) {
                snprintf(err, sizeof err, "LISTEN failed: %s", db_error_message(c));
                db_disconnect(c);
                c = NULL;
            }
            if (!c) {
                change_feed_mark_down(feed, err);
                change_feed_sleep(feed->config.poll_ms);
                continue;
            }
        }
        bool full = false;
        if (change_feed_catch_up(feed, c, &full) != DB_OK) {
            change_feed_mark_down(feed, db_error_message(c));
            db_disconnect(c);
            c = NULL;
            change_feed_sleep(feed->config.poll_ms);
            continue;
        }
        app_cache_feed_ok(feed->cache);
        if (!atomic_exchange(&feed->connected, true))
            log_event(LOG_INFO, "change feed: following the change log (seq %lld)",
                      (long long)atomic_load(&feed->applied_seen));
        if (full)
            continue;
        int64_t now = time_monotonic_ms();
        if (now - last_prune >= feed->config.prune_every_ms) {
            last_prune = now;
            if (store_change_log_prune(c, wall_ms() - feed->config.retention_ms) != DB_DONE)
                log_event(LOG_ERROR, "change feed: pruning failed: %s", db_error_message(c));
        }
        if (db_wait_notify(c, feed->config.poll_ms) < 0) {
            change_feed_mark_down(feed, "connection lost");
            db_disconnect(c);
            c = NULL;
        }
    }
    db_disconnect(c);
    return NULL;
}

struct change_feed *change_feed_start(struct db *db, struct app_cache *cache,
                                      const struct change_feed_config *config, char *err,
                                      size_t err_size)
{
    struct change_feed *feed = calloc(1, sizeof *feed);
    if (!feed) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    feed->db = db;
    feed->cache = cache;
    feed->config = *config;
    if (feed->config.poll_ms <= 0)
        feed->config.poll_ms = CHANGE_FEED_DEFAULT_POLL_MS;
    pthread_mutex_init(&feed->apply_lock, NULL);
    struct db_conn *c = db_acquire(db);
    int64_t head = 0, pruned = 0;
    int rc = store_change_log_head(c, &head, &pruned);
    db_release(db, c);
    if (rc != DB_DONE) {
        snprintf(err, err_size, "cannot read the change log");
        pthread_mutex_destroy(&feed->apply_lock);
        free(feed);
        return NULL;
    }
    feed->applied_seq = head;
    atomic_init(&feed->applied_seen, head);
    atomic_init(&feed->head_seq, head);
    atomic_init(&feed->connected, false);
    atomic_init(&feed->stop, false);
    if (pthread_create(&feed->thread, NULL, change_feed_main, feed) != 0) {
        snprintf(err, err_size, "cannot start the change feed thread");
        pthread_mutex_destroy(&feed->apply_lock);
        free(feed);
        return NULL;
    }
    db_set_commit_hook(db, change_feed_on_commit, feed);
    return feed;
}

void change_feed_stop(struct change_feed *feed)
{
    if (!feed)
        return;
    db_set_commit_hook(feed->db, NULL, NULL);
    atomic_store(&feed->stop, true);
    pthread_join(feed->thread, NULL);
    pthread_mutex_destroy(&feed->apply_lock);
    free(feed);
}

void change_feed_stats(struct change_feed *feed, struct change_feed_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!feed)
        return;
    out->applied_seq = atomic_load(&feed->applied_seen);
    out->head_seq = atomic_load(&feed->head_seq);
    out->last_delay_ms = atomic_load(&feed->last_delay_ms);
    out->applied = atomic_load(&feed->applied);
    out->resets = atomic_load(&feed->resets);
    out->read_errors = atomic_load(&feed->read_errors);
    out->connected = atomic_load(&feed->connected);
}
