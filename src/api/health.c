/*
 * health.c — operations endpoints: /healthz (process up), /readyz (database
 * reachable and migrated; "status":"ok" or "degraded" with the reasons, those of
 * ops/readiness.h included; ?strict=1 makes degraded a 503), /metrics (Prometheus
 * text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/hash.h"

#include "oauth/app_cache.h"
#include "oauth/change_feed.h"
#include "http/router.h"
#include "ops/metrics.h"
#include "ops/readiness.h"
#include "service.h"
#include "store/db.h"
#include "store/migrations.h"

static void health_live(struct http_request *req, struct http_reply *reply)
{
    reply_json(reply, 200, json_pack("{s:s}", "status", "ok"));
}

/* A change feed read older than this is reported as "behind" (the follower
 * normally reads every 100 ms). */
#define HEALTH_FEED_BEHIND_MS 2000

/*
 * SPEC §4.5: 200 while the node can issue tokens, with "status":"ok" or
 * "degraded" and the reasons; 503 when it cannot (cache past the stale bound, or
 * a reachable database that is not migrated). ?strict=1 answers 503 whenever
 * anything is degraded. The database is only queried while the change feed
 * reaches it, so a dead database never stalls /readyz.
 */
static void health_ready(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    const char *strict_param = http_request_query(req, "strict");
    bool strict =
        strict_param && (strcmp(strict_param, "1") == 0 || strcmp(strict_param, "true") == 0);
    struct app_cache_stats cache;
    app_cache_stats(svc->app_cache, &cache);
    struct change_feed_stats feed;
    change_feed_stats(svc->change_feed, &feed);
    json_t *reasons = json_array();
    int version = -1;
    if (cache.database_reachable) {
        struct db_conn *c = db_acquire(svc->db);
        int64_t current = 0;
        if (store_schema_version(c, &current) == DB_DONE)
            version = (int)current;
        db_release(svc->db, c);
    }
    bool can_issue = !cache.stale;
    if (version < 0) {
        json_array_append_new(reasons,
                              json_string(cache.stale ? "database unreachable beyond the stale "
                                                        "bound: refusing tokens"
                                                      : "database unreachable: serving cached "
                                                        "apps"));
    } else if (version != migrations_latest()) {
        can_issue = false;
        json_array_append_new(reasons, json_string("database not migrated to this version"));
    }
    if (version >= 0 && cache.since_feed_ok_ms > HEALTH_FEED_BEHIND_MS)
        json_array_append_new(reasons, json_string("change feed behind"));
    if (version >= 0) /* reachable: can it also take writes? (ops/readiness.h) */
        readiness_degraded_reasons(svc, reasons);
    bool degraded = json_array_size(reasons) > 0;
    json_t *doc =
        json_pack("{s:s,s:o,s:s,s:i,s:{s:b,s:I,s:f,s:I}}", "status", degraded ? "degraded" : "ok",
                  "reasons", reasons, "database", db_backend(svc->db), "schema_version", version,
                  "token_path", "issuing", can_issue, "cached_apps", (json_int_t)cache.entries,
                  "feed_lag_seconds", (double)cache.since_feed_ok_ms / 1000.0,
                  "feed_applied_sequence", (json_int_t)feed.applied_seq);
    if (!doc) {
        reply_error(reply, 500, "internal", NULL, "cannot build the readiness report");
        return;
    }
    int status = !can_issue || (strict && degraded) ? 503 : 200;
    if (status == 503)
        reply_header(reply, "Retry-After", "1");
    reply_json(reply, status, doc);
}

/* /metrics is open unless TENANTD_METRICS_TOKEN is set; then it needs that token as a
 * Bearer credential (compared in constant time). */
static bool health_metrics_allowed(struct http_request *req, struct http_reply *reply)
{
    const char *want = req->service->cfg.metrics_token;
    if (!want[0])
        return true;
    const char *auth = http_request_header(req, "Authorization");
    size_t n = strlen(want);
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && strlen(auth + 7) == n &&
        crypto_equal(auth + 7, want, n))
        return true;
    reply_error(reply, 401, "unauthenticated", NULL, "/metrics needs the metrics bearer token");
    reply_header(reply, "WWW-Authenticate", "Bearer realm=\"tenantd-metrics\"");
    return false;
}

static void health_metrics(struct http_request *req, struct http_reply *reply)
{
    if (!health_metrics_allowed(req, reply))
        return;
    struct app_cache_stats cache;
    app_cache_stats(req->service->app_cache, &cache);
    struct change_feed_stats feed;
    change_feed_stats(req->service->change_feed, &feed);
    struct metrics_token_path tp = {
        .cache_entries = cache.entries,
        .cache_negative_entries = cache.negatives,
        .cache_hits = cache.hits,
        .cache_misses = cache.misses,
        .cache_negative_hits = cache.negative_hits,
        .cache_evictions = cache.evictions,
        .database_queries = cache.fills,
        .database_errors = cache.fill_errors,
        .refused_stale = cache.refused_stale,
        .refused_unreachable = cache.refused_unreachable,
        .database_reachable = cache.database_reachable,
        .failing_closed = cache.stale,
        .feed_lag_seconds = (double)cache.since_feed_ok_ms / 1000.0,
        .feed_delay_seconds = (double)feed.last_delay_ms / 1000.0,
        .feed_applied_seq = feed.applied_seq,
        .feed_behind = feed.head_seq - feed.applied_seq,
        .feed_applied = feed.applied,
        .feed_resets = feed.resets,
        .feed_errors = feed.read_errors,
    };
    struct db_pool_stats pool;
    db_pool_stats(req->service->db, &pool);
    size_t len = 0;
    char *text = metrics_render(req->service->metrics, &tp, &pool, &len);
    if (!text) {
        reply_error(reply, 500, "internal", NULL, "cannot render metrics");
        return;
    }
    reply_buffer(reply, 200, "text/plain; version=0.0.4", text, len);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_HEALTH_ROUTES(ROUTE)                                                                   \
    ROUTE(HTTP_GET, "/healthz", health_live, ACCESS_ANONYMOUS)                                     \
    ROUTE(HTTP_GET, "/readyz", health_ready, ACCESS_ANONYMOUS)                                     \
    ROUTE(HTTP_GET, "/metrics", health_metrics, ACCESS_ANONYMOUS)

ROUTE_TABLE(api_health, API_HEALTH_ROUTES);
