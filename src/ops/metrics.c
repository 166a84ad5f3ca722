/*
 * metrics.c — counters and the Prometheus text rendering (see metrics.h).
 */
#include "ops/metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_SLOTS 512

static const int64_t metrics_token_buckets_us[] = {100,  250,   500,   1000,  2500,
                                                   5000, 10000, 25000, 100000};
#define METRICS_BUCKETS (sizeof metrics_token_buckets_us / sizeof metrics_token_buckets_us[0])

struct metrics_slot {
    _Atomic(const char *) route;
    _Atomic int status;
    atomic_ullong count;
};

struct metrics {
    struct metrics_slot slots[METRICS_SLOTS];
    pthread_mutex_t claim;
    atomic_ullong token_buckets[METRICS_BUCKETS + 1];
    atomic_ullong token_count;
    atomic_ullong token_sum_us;
    atomic_ullong auth_failures;
    atomic_ullong previous_secret_auths;
    atomic_ullong private_key_jwt_auths;
    atomic_ullong assertion_replays;
};

struct metrics *metrics_new(void)
{
    struct metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->claim, NULL);
    return m;
}

void metrics_free(struct metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->claim);
    free(m);
}

void metrics_observe_request(struct metrics *m, const char *route, int status)
{
    if (!m)
        return;
    if (!route)
        route = "unmatched";
    size_t h = ((size_t)(uintptr_t)route >> 3) * 31u + (size_t)status;
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        struct metrics_slot *s = &m->slots[(h + i) % METRICS_SLOTS];
        const char *r = atomic_load(&s->route);
        if (r == route && atomic_load(&s->status) == status) {
            atomic_fetch_add(&s->count, 1);
            return;
        }
        if (r == NULL) {
            pthread_mutex_lock(&m->claim);
            if (atomic_load(&s->route) == NULL) {
                atomic_store(&s->status, status);
                atomic_store(&s->route, route);
            }
            pthread_mutex_unlock(&m->claim);
            if (atomic_load(&s->route) == route && atomic_load(&s->status) == status) {
                atomic_fetch_add(&s->count, 1);
                return;
            }
        }
    }
}

void metrics_observe_token(struct metrics *m, int64_t micros)
{
    if (!m)
        return;
    size_t b = 0;
    while (b < METRICS_BUCKETS && micros > metrics_token_buckets_us[b])
        b++;
    atomic_fetch_add(&m->token_buckets[b], 1);
    atomic_fetch_add(&m->token_count, 1);
    atomic_fetch_add(&m->token_sum_us, (unsigned long long)(micros > 0 ? micros : 0));
}

void metrics_count_auth_failure(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->auth_failures, 1);
}

void metrics_count_private_key_jwt_auth(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->private_key_jwt_auths, 1);
}

void metrics_count_assertion_replay(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->assertion_replays, 1);
}

void metrics_count_previous_secret_auth(struct metrics *m)
{
    if (m)
        atomic_fetch_add(&m->previous_secret_auths, 1);
}

/* The token path's series: one row each (the refusal counter has a label and is
 * written separately). */
static void metrics_render_token_path(FILE *f, const struct metrics_token_path *tp)
{
    const struct {
        const char *name, *type, *help;
        double value;
    } rows[] = {
        {"tenantd_app_cache_entries", "gauge", "Clients in the token-path cache.",
         (double)tp->cache_entries},
        {"tenantd_app_cache_negative_entries", "gauge",
         "Unknown client_ids remembered by the token-path cache.",
         (double)tp->cache_negative_entries},
        {"tenantd_app_cache_hits_total", "counter", "Token-path lookups answered from the cache.",
         (double)tp->cache_hits},
        {"tenantd_app_cache_misses_total", "counter", "Token-path lookups not in the cache.",
         (double)tp->cache_misses},
        {"tenantd_app_cache_negative_hits_total", "counter",
         "Unknown client_ids answered from the cache.", (double)tp->cache_negative_hits},
        {"tenantd_app_cache_evictions_total", "counter",
         "Clients evicted to stay within TENANTD_APP_CACHE_MAX.", (double)tp->cache_evictions},
        {"tenantd_token_path_db_queries_total", "counter",
         "Database round trips made by the token path (cache fills).",
         (double)tp->database_queries},
        {"tenantd_token_path_db_errors_total", "counter",
         "Token-path database round trips that failed.", (double)tp->database_errors},
        {"tenantd_database_reachable", "gauge",
         "1 while the change feed and cache fills reach the database.",
         tp->database_reachable ? 1 : 0},
        {"tenantd_serving_stale", "gauge",
         "1 while tokens are issued from the cache with the database unreachable.",
         !tp->database_reachable && !tp->failing_closed ? 1 : 0},
        {"tenantd_failing_closed", "gauge",
         "1 once the cache is older than TENANTD_STALE_MAX_SECONDS (every lookup 503).",
         tp->failing_closed ? 1 : 0},
        {"tenantd_change_feed_lag_seconds", "gauge",
         "Time since the last successful read of the change feed.", tp->feed_lag_seconds},
        {"tenantd_change_feed_delay_seconds", "gauge",
         "Commit to applied on this node, for the newest change applied.", tp->feed_delay_seconds},
        {"tenantd_change_feed_applied_sequence", "gauge",
         "Sequence number of the newest change applied.", (double)tp->feed_applied_seq},
        {"tenantd_change_feed_behind_sequences", "gauge",
         "Changes seen in the log but not yet applied.", (double)tp->feed_behind},
        {"tenantd_change_feed_applied_total", "counter", "Changes applied.",
         (double)tp->feed_applied},
        {"tenantd_change_feed_resets_total", "counter",
         "Whole-cache drops after falling behind the change-log retention.",
         (double)tp->feed_resets},
        {"tenantd_change_feed_errors_total", "counter", "Failed change-feed reads or connections.",
         (double)tp->feed_errors},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", rows[i].name, rows[i].help,
                rows[i].name, rows[i].type, rows[i].name, rows[i].value);
    fprintf(f,
            "# HELP tenantd_token_path_refusals_total Lookups refused with 503.\n"
            "# TYPE tenantd_token_path_refusals_total counter\n"
            "tenantd_token_path_refusals_total{reason=\"stale\"} %llu\n"
            "tenantd_token_path_refusals_total{reason=\"database_unreachable\"} %llu\n",
            (unsigned long long)tp->refused_stale, (unsigned long long)tp->refused_unreachable);
}

char *metrics_render(struct metrics *m, const struct metrics_token_path *tp, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f)
        return NULL;
    fprintf(f, "# HELP tenantd_http_requests_total HTTP requests by route and status.\n"
               "# TYPE tenantd_http_requests_total counter\n");
    for (size_t i = 0; i < METRICS_SLOTS; i++) {
        const char *r = atomic_load(&m->slots[i].route);
        if (r)
            fprintf(f, "tenantd_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", r,
                    atomic_load(&m->slots[i].status), atomic_load(&m->slots[i].count));
    }
    fprintf(f, "# HELP tenantd_token_issue_seconds Time to serve a successful token request.\n"
               "# TYPE tenantd_token_issue_seconds histogram\n");
    unsigned long long cumulative = 0;
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += atomic_load(&m->token_buckets[b]);
        fprintf(f, "tenantd_token_issue_seconds_bucket{le=\"%g\"} %llu\n",
                (double)metrics_token_buckets_us[b] / 1e6, cumulative);
    }
    cumulative += atomic_load(&m->token_buckets[METRICS_BUCKETS]);
    fprintf(f, "tenantd_token_issue_seconds_bucket{le=\"+Inf\"} %llu\n", cumulative);
    fprintf(f, "tenantd_token_issue_seconds_sum %.6f\n",
            (double)atomic_load(&m->token_sum_us) / 1e6);
    fprintf(f, "tenantd_token_issue_seconds_count %llu\n", atomic_load(&m->token_count));
    fprintf(f,
            "# HELP tenantd_tokens_issued_total Access tokens issued.\n"
            "# TYPE tenantd_tokens_issued_total counter\n"
            "tenantd_tokens_issued_total %llu\n",
            atomic_load(&m->token_count));
    fprintf(f,
            "# HELP tenantd_auth_failures_total Failed client authentications.\n"
            "# TYPE tenantd_auth_failures_total counter\n"
            "tenantd_auth_failures_total %llu\n",
            atomic_load(&m->auth_failures));
    fprintf(f,
            "# HELP tenantd_previous_secret_authentications_total Client authentications that "
            "succeeded with a previous secret during a grace rotation.\n"
            "# TYPE tenantd_previous_secret_authentications_total counter\n"
            "tenantd_previous_secret_authentications_total %llu\n",
            atomic_load(&m->previous_secret_auths));
    fprintf(f,
            "# HELP tenantd_private_key_jwt_authentications_total Clients authenticated with a "
            "private_key_jwt assertion.\n"
            "# TYPE tenantd_private_key_jwt_authentications_total counter\n"
            "tenantd_private_key_jwt_authentications_total %llu\n"
            "# HELP tenantd_assertion_replays_total Correctly signed client assertions refused "
            "because their jti was already used.\n"
            "# TYPE tenantd_assertion_replays_total counter\n"
            "tenantd_assertion_replays_total %llu\n",
            atomic_load(&m->private_key_jwt_auths), atomic_load(&m->assertion_replays));
    metrics_render_token_path(f, tp);
    fclose(f);
    *len = size;
    return buf;
}
