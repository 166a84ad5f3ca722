/*
 * metrics.h — Prometheus counters: requests by method, route and status, request
 * latency histograms by method, route and status class, token issuance latency
 * histogram, tokens issued, authentication failures, the database pool and the
 * standard process metrics. Rendered by GET /metrics (docs/OPERATIONS.md lists every
 * series). Updates are lock-free atomics except the first sighting of a new
 * (method, route, status) key.
 */
#ifndef TENANTD_OPS_METRICS_H
#define TENANTD_OPS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* method ("GET", ...) and route (the matched pattern, NULL when none matched) are
 * static strings; micros is the time the request took. */
void metrics_observe_request(struct metrics *m, const char *method, const char *route, int status,
                             int64_t micros);
void metrics_observe_token(struct metrics *m, int64_t micros);
void metrics_count_auth_failure(struct metrics *m);
/* A client authenticated with its previous secret (grace rotation, SPEC §3.7). */
void metrics_count_previous_secret_auth(struct metrics *m);
/* private_key_jwt: a client authenticated with an assertion / a replayed jti. */
void metrics_count_private_key_jwt_auth(struct metrics *m);
void metrics_count_assertion_replay(struct metrics *m);
/* The token path's cache and change feed, as /metrics reports them (filled by the
 * caller from oauth/app_cache.h and oauth/change_feed.h, which ops/ does not use). */
struct metrics_token_path {
    size_t cache_entries;
    size_t cache_negative_entries;
    uint64_t cache_hits;
    uint64_t cache_misses;
    uint64_t cache_negative_hits;
    uint64_t cache_evictions;
    uint64_t database_queries; /* made by the token path (cache fills) */
    uint64_t database_errors;
    uint64_t refused_stale;
    uint64_t refused_unreachable;
    bool database_reachable;
    bool failing_closed;       /* past the stale bound */
    double feed_lag_seconds;   /* since the last successful change-feed read */
    double feed_delay_seconds; /* commit -> applied, newest change */
    int64_t feed_applied_seq;
    int64_t feed_behind; /* newest seq seen minus applied */
    uint64_t feed_applied;
    uint64_t feed_resets;
    uint64_t feed_errors;
};

/* The exposition text (malloc'd, length in *len); pool may be NULL (left out). */
char *metrics_render(struct metrics *m, const struct metrics_token_path *tp,
                     const struct db_pool_stats *pool, size_t *len);

#endif
