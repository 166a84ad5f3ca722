/*
 * routes.c — maps every request to its module's handler.
 *
 * Each module exports a route table (`<module>_routes`, `<module>_routes_count`);
 * this file only lists the modules. The token endpoint is matched before anything
 * else because it carries almost all traffic. Paths that no API claims fall to the
 * dashboard (ui/), which serves its assets or the app shell.
 */
#include "routes.h"

#include <string.h>

#include "http/router.h"
#include "ops/metrics.h"
#include "service.h"
#include "store/db.h"
#include "util/log.h"

#define ROUTE_MODULE(name)                                                                         \
    extern const struct http_route name##_routes[];                                                \
    extern const size_t name##_routes_count;

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
ROUTE_MODULE(ui)

static const struct {
    const struct http_route *routes;
    const size_t *count;
} route_modules[] = {
    {oauth_routes, &oauth_routes_count},
    {api_health_routes, &api_health_routes_count},
    {api_openapi_routes, &api_openapi_routes_count},
    {api_auth_routes, &api_auth_routes_count},
    {api_members_routes, &api_members_routes_count},
    {api_tenants_routes, &api_tenants_routes_count},
    {api_regions_routes, &api_regions_routes_count},
    {api_plans_routes, &api_plans_routes_count},
    {api_platform_clients_routes, &api_platform_clients_routes_count},
    {api_apps_routes, &api_apps_routes_count},
    {api_app_storage_routes, &api_app_storage_routes_count},
    {api_storage_test_routes, &api_storage_test_routes_count},
    {api_audit_routes, &api_audit_routes_count},
    {api_workspaces_routes, &api_workspaces_routes_count},
    {internal_routes, &internal_routes_count},
    {ui_routes, &ui_routes_count}, /* last: it claims what nobody else does */
};

void routes_dispatch(struct http_request *req, struct http_reply *reply)
{
    /* A handler's database failures are classified per request (api_reply_db_error). */
    db_thread_failure_reset();
    bool path_known = false;
    for (size_t m = 0; m < sizeof route_modules / sizeof route_modules[0]; m++) {
        bool known = false;
        http_handler h =
            router_match(route_modules[m].routes, *route_modules[m].count, req, &known);
        if (h) {
            h(req, reply);
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
