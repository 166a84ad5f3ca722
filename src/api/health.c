/*
 * health.c — operations endpoints: /healthz (process up), /readyz (database
 * reachable and migrated), /metrics (Prometheus text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/hash.h"

#include "oauth/app_cache.h"
#include "http/router.h"
#include "ops/metrics.h"
#include "service.h"
#include "store/db.h"
#include "store/migrations.h"

static void health_live(struct http_request *req, struct http_reply *reply)
{
    reply_json(reply, 200, json_pack("{s:s}", "status", "ok"));
}

static void health_ready(struct http_request *req, struct http_reply *reply)
{
    struct db_conn *c = db_acquire(req->service->db);
    struct db_stmt *s = db_prepare(c, "SELECT MAX(version) FROM schema_migrations");
    int version = -1;
    if (s && db_step(s) == DB_ROW)
        version = (int)db_column_int(s, 0);
    db_finalize(s);
    db_release(req->service->db, c);
    if (version != migrations_latest()) {
        reply_error(reply, 503, "not_ready", NULL, "database unreachable or not migrated");
        return;
    }
    reply_json(reply, 200,
               json_pack("{s:s,s:s,s:i}", "status", "ready", "database",
                         db_backend(req->service->db), "schema_version", version));
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
    size_t len = 0;
    char *text =
        metrics_render(req->service->metrics, app_cache_size(req->service->app_cache), &len);
    if (!text) {
        reply_error(reply, 500, "internal", NULL, "cannot render metrics");
        return;
    }
    reply_buffer(reply, 200, "text/plain; version=0.0.4", text, len);
}

const struct http_route api_health_routes[] = {
    {HTTP_GET, "/healthz", health_live},
    {HTTP_GET, "/readyz", health_ready},
    {HTTP_GET, "/metrics", health_metrics},
};
const size_t api_health_routes_count = sizeof api_health_routes / sizeof api_health_routes[0];
