/*
 * metrics.h — Prometheus counters: requests by route and status, token issuance
 * latency histogram, tokens issued, authentication failures. Rendered by
 * GET /metrics. Updates are lock-free atomics except the first sighting of a new
 * (route, status) pair.
 */
#ifndef TENANTD_OPS_METRICS_H
#define TENANTD_OPS_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);
/* route is a static pattern string (or NULL for unmatched). */
void metrics_observe_request(struct metrics *m, const char *route, int status);
void metrics_observe_token(struct metrics *m, int64_t micros);
void metrics_count_auth_failure(struct metrics *m);
/* Renders the exposition text; extra gauges (cache size) passed in. malloc'd. */
char *metrics_render(struct metrics *m, size_t cache_entries, size_t *len);

#endif
