/*
 * metrics.h — Prometheus counters: requests by route and status, token issuance
 * latency histogram, tokens issued, authentication failures. Rendered by
 * GET /metrics. Updates are lock-free atomics except the first sighting of a new
 * (route, status) pair.
 */
#ifndef TENANTD_OPS_METRICS_H
#define TENANTD_OPS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdint.h>

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* route is a static pattern string (or NULL for unmatched). */
void metrics_observe_request(struct metrics *m, const char *route, int status);
void metrics_observe_token(struct metrics *m, int64_t micros);
void metrics_count_auth_failure(struct metrics *m);
/* A client authenticated with its previous secret (grace rotation, SPEC §3.7). */
void metrics_count_previous_secret_auth(struct metrics *m);
/* private_key_jwt: a client authenticated with an assertion / a replayed jti. */
void metrics_count_private_key_jwt_auth(struct metrics *m);
void metrics_count_assertion_replay(struct metrics *m);
/* Renders the exposition text; extra gauges (cache size) passed in. malloc'd. */
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

char *metrics_render(struct metrics *m, const struct metrics_token_path *tp, size_t *len);

#endif
