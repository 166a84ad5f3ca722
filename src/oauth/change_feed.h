/*
 * change_feed.h — how a node learns of changes that affect token issuance
 * (SPEC §3.2): it follows the store's change log (store/change_log.h) and tells
 * the app cache what to forget.
 *
 * One follower thread per server holds a dedicated database connection. On
 * PostgreSQL it LISTENs, so a commit on any node wakes it at once; on every
 * backend it reads "seq > last applied" at least every poll interval as the
 * backstop. The node that made a change does not wait for its follower: a commit
 * hook on the pool (db_set_commit_hook) applies the new rows on the committing
 * thread, before the writer answers.
 *
 * Each successful read tells the cache it is fresh (app_cache_feed_ok); a failed
 * read or connection tells it the database is unreachable. A follower that finds
 * the rows it needs pruned (it fell behind the retention window) drops the whole
 * cache. The follower also prunes rows older than the retention window.
 *
 * Database load: one small indexed query per node per poll interval, whatever the
 * number of apps.
 */
#ifndef TENANTD_OAUTH_CHANGE_FEED_H
#define TENANTD_OAUTH_CHANGE_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct app_cache;
struct change_batch;
struct change_feed;

#define CHANGE_FEED_DEFAULT_POLL_MS 100
#define CHANGE_FEED_DEFAULT_RETENTION_SECONDS 3600
/* Rows read per query; a longer backlog is read in several rounds. */
#define CHANGE_FEED_BATCH 1000

struct change_feed_config {
    int poll_ms;          /* backstop poll interval (<= 100 per SPEC) */
    int64_t retention_ms; /* rows older than this are pruned */
    int64_t prune_every_ms;
};

struct change_feed_stats {
    int64_t applied_seq;   /* newest change applied */
    int64_t head_seq;      /* newest change seen in the log */
    int64_t last_delay_ms; /* commit -> applied, for the newest applied change */
    uint64_t applied;      /* changes applied (by the follower or commit hook) */
    uint64_t resets;       /* whole-cache drops after falling behind */
    uint64_t read_errors;  /* failed feed reads or connections */
    bool connected;        /* the follower's connection is up */
};

/*
 * Reads the log's head (the node starts with an empty cache, so older changes
 * do not matter), starts the follower thread and installs the commit hook.
 * NULL + err when the head cannot be read or the thread cannot start.
 */
struct change_feed *change_feed_start(struct db *db, struct app_cache *cache,
                                      const struct change_feed_config *config, char *err,
                                      size_t err_size);
/* Stops the thread (within one poll interval), removes the hook, frees. NULL is fine. */
void change_feed_stop(struct change_feed *feed);
void change_feed_stats(struct change_feed *feed, struct change_feed_stats *out);

/*
 * The rule for one batch, exposed for tests: when the batch says rows after
 * `applied` were pruned, the whole cache is dropped (*reset set); then every row
 * newer than `applied` invalidates its client, tenant or plan, in order. Returns
 * the new applied seq.
 */
int64_t change_feed_apply_batch(struct app_cache *cache, int64_t applied,
                                const struct change_batch *batch, bool *reset);

#endif
