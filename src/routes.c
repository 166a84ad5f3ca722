/*
 * routes.c — maps every request to its module's handler.
 *
 * Each module exports a route table (`<module>_routes`, `<module>_routes_count`,
 * `<module>_routes_access`: one ROUTE_TABLE, http/router.h); this file only lists the
 * modules. The token endpoint is matched before anything else because it carries
 * almost all traffic. Paths that no API claims fall to the dashboard (ui/), which
 * serves its assets or the app shell.
 *
 * Who may call a route is checked here, once, before its handler runs
 * (api/access.c); handlers find the authorised user in req->principal. An anonymous
 * route (the token endpoint among them) costs one comparison.
 */
#include "routes.h"

#include <string.h>

#include "api/access.h"
#include "crypto/hash.h"
#include "http/router.h"
#include "ops/metrics.h"
#include "service.h"
#include "store/db.h"
#include "util/log.h"

#define ROUTE_MODULE(name)                                                                         \
    extern const struct http_route name##_routes[];                                                \
    extern const size_t name##_routes_count;                                                       \
    extern const enum route_access name##_routes_access[];

ROUTE_MODULE(oauth)
ROUTE_MODULE(api_health)
ROUTE_MODULE(api_openapi)
ROUTE_MODULE(api_auth)
ROUTE_MODULE(api_members)
ROUTE_MODULE(api_tenants)
ROUTE_MODULE(api_regions)
ROUTE_MODULE(api_plans)
ROUTE_MODULE(api_platform_clients)
ROUTE_MODULE(api_apps)
ROUTE_MODULE(api_app_storage)
ROUTE_MODULE(api_storage_test)
ROUTE_MODULE(api_audit)
ROUTE_MODULE(api_workspaces)
ROUTE_MODULE(internal)
extern const struct http_route ui_routes[];
extern const size_t ui_routes_count;

#define ROUTES_OF(name)                                                                            \
    {                                                                                              \
        name##_routes, &name##_routes_count, name##_routes_access                                  \
    }

static const struct {
    const struct http_route *routes;
    const size_t *count;
    const enum route_access *access; /* per route; NULL: every route is anonymous */
} route_modules[] = {
    ROUTES_OF(oauth),
    ROUTES_OF(api_health),
    ROUTES_OF(api_openapi),
    ROUTES_OF(api_auth),
    ROUTES_OF(api_members),
    ROUTES_OF(api_tenants),
    ROUTES_OF(api_regions),
    ROUTES_OF(api_plans),
    ROUTES_OF(api_platform_clients),
    ROUTES_OF(api_apps),
    ROUTES_OF(api_app_storage),
    ROUTES_OF(api_storage_test),
    ROUTES_OF(api_audit),
    ROUTES_OF(api_workspaces),
    ROUTES_OF(internal),
    /* last: it claims what nobody else does; the shell and assets are public */
    {ui_routes, &ui_routes_count, NULL},
};

/* Checks the route's access level, then runs its handler with the authorised
 * principal in req->principal (only for as long as the handler runs). */
static void routes_call(struct http_request *req, struct http_reply *reply,
                        const struct http_route *route, enum route_access access)
{
    if (access == ACCESS_ANONYMOUS) {
        route->handler(req, reply);
        return;
    }
    struct principal who;
    memset(&who, 0, sizeof who);
    if (access_check(req, reply, access, &who)) {
        req->principal = &who;
        route->handler(req, reply);
        req->principal = NULL;
    }
    crypto_wipe(&who, sizeof who);
}

void routes_dispatch(struct http_request *req, struct http_reply *reply)
{
    /* A handler's database failures are classified per request (api_reply_db_error). */
    db_thread_failure_reset();
    bool path_known = false;
    for (size_t m = 0; m < sizeof route_modules / sizeof route_modules[0]; m++) {
        bool known = false;
        size_t count = *route_modules[m].count;
        size_t i = router_find(route_modules[m].routes, count, req, &known);
        if (i < count) {
            routes_call(req, reply, &route_modules[m].routes[i],
                        route_modules[m].access ? route_modules[m].access[i] : ACCESS_ANONYMOUS);
            return;
        }
        path_known = path_known || known;
    }
    if (path_known) {
        reply_error(reply, 405, "method_not_allowed", NULL, "method not allowed on this path");
        return;
    }
    reply_error(reply, 404, "not_found", NULL, "no such endpoint");
}

bool routes_offload(const struct http_request *req)
{
    bool mutation = req->method == HTTP_POST || req->method == HTTP_PUT ||
                    req->method == HTTP_PATCH || req->method == HTTP_DELETE;
    return mutation && strncmp(req->path, "/api/v1/", 8) == 0;
}

const struct http_route *routes_module(size_t i, size_t *count)
{
    if (i >= sizeof route_modules / sizeof route_modules[0])
        return NULL;
    *count = *route_modules[i].count;
    return route_modules[i].routes;
}

enum route_access routes_access(size_t module, size_t route)
{
    if (module >= sizeof route_modules / sizeof route_modules[0] ||
        route >= *route_modules[module].count)
        return ACCESS_UNDECLARED;
    return route_modules[module].access ? route_modules[module].access[route] : ACCESS_ANONYMOUS;
}

/* The path parameter that follows `segment` ("/tenants/") in the matched route
 * (patterns write parameters as "{}"), or NULL. */
static const char *routes_param(const struct http_request *req, const char *segment)
{
    const char *at = req->route ? strstr(req->route, segment) : NULL;
    if (!at || strncmp(at + strlen(segment), "{}", 2) != 0)
        return NULL;
    size_t index = 0;
    for (const char *p = req->route; (p = strchr(p, '{')) && p < at + strlen(segment); p++)
        index++;
    return index < req->param_count ? req->params[index] : NULL;
}

/* The method as a static string: metrics key on its address. */
static const char *routes_method_name(enum http_method method)
{
    switch (method) {
    case HTTP_GET:
        return "GET";
    case HTTP_HEAD:
        return "HEAD";
    case HTTP_POST:
        return "POST";
    case HTTP_PUT:
        return "PUT";
    case HTTP_PATCH:
        return "PATCH";
    case HTTP_DELETE:
        return "DELETE";
    case HTTP_OPTIONS:
        return "OPTIONS";
    default:
        return "OTHER";
    }
}

void routes_observe(const struct http_request *req, int status, int64_t micros)
{
    const char *method = routes_method_name(req->method);
    metrics_observe_request(req->service->metrics, method, req->route, status, micros);
    struct log_access entry = {
        .method = method,
        .route = req->route,
        .status = status,
        .micros = micros,
        .client = req->remote_addr,
        .request_id = req->request_id,
        .trace_id = req->trace_id,
        .tenant_id = routes_param(req, "/tenants/"),
        .app_id = routes_param(req, "/apps/"),
        .client_id = req->client_id,
    };
    log_access(&entry);
}
