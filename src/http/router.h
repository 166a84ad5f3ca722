/*
 * router.h — method + path pattern to handler, and who may call each route.
 *
 * Patterns are literal segments and `{}` placeholders, e.g.
 * "/api/v1/tenants/{}/apps/{}"; placeholders become req->params in order. A
 * placeholder matches one non-empty segment of at most 200 bytes.
 *
 * Each module states its routes once, with their access level, in a ROUTE_TABLE;
 * routes_dispatch (routes.c) checks the level before calling the handler (the
 * checks themselves live in api/access.c).
 */
#ifndef TENANTD_HTTP_ROUTER_H
#define TENANTD_HTTP_ROUTER_H

#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"

typedef void (*http_handler)(struct http_request *req, struct http_reply *reply);

struct http_route {
    enum http_method method;
    const char *pattern;
    http_handler handler;
};

/* Who may call a route (checked by api/access.c: access_check). */
enum route_access {
    /* Never valid: a route without a level is refused (500) and fails
     * tests/unit/test_route_access.c. */
    ACCESS_UNDECLARED = 0,
    /* No check before the handler: public, or the handler verifies its own credential
     * (OAuth client authentication, the metrics token, a password, an invitation). */
    ACCESS_ANONYMOUS,
    /* Any authenticated user (host admin or tenant member, any role). */
    ACCESS_SIGNED_IN,
    /* A member of the tenant named by the route's first parameter with at least this
     * role, or a host admin (the tenant must exist). */
    ACCESS_TENANT_VIEWER,
    ACCESS_TENANT_ADMIN,
    ACCESS_TENANT_OWNER,
    /* Host admins, on an existing tenant named by the first parameter; a member gets
     * 404 for another tenant's id and 403 on its own. */
    ACCESS_TENANT_HOST,
    /* Host admins only (403 forbidden for every member). */
    ACCESS_HOST,
    /* A platform client's access token carrying the scope platform:storage (401
     * invalid_token / 403 insufficient_scope, RFC 6750 §3). */
    ACCESS_PLATFORM_STORAGE,
};

/*
 * One module's route table: LIST(ROUTE) expands ROUTE(method, pattern, handler,
 * access) once per route. Defines <module>_routes (what the router matches),
 * <module>_routes_count and <module>_routes_access (each route's level, same order)
 * from that one list, so a route and its level cannot drift apart.
 */
#define ROUTE_TABLE_ENTRY(method, pattern, handler, access) {method, pattern, handler},
#define ROUTE_TABLE_ACCESS(method, pattern, handler, access) access,
#define ROUTE_TABLE(module, LIST)                                                                  \
    const struct http_route module##_routes[] = {LIST(ROUTE_TABLE_ENTRY)};                         \
    const size_t module##_routes_count = sizeof module##_routes / sizeof module##_routes[0];       \
    const enum route_access module##_routes_access[] = {LIST(ROUTE_TABLE_ACCESS)}

/*
 * Finds the route for req->method and req->path among routes[0..count). On a match
 * fills req->params/param_count/route and returns its index. Returns count when no
 * route matches; *path_known is then true when some route matched the path with
 * another method (the caller answers 405).
 */
size_t router_find(const struct http_route *routes, size_t count, struct http_request *req,
                   bool *path_known);

/* router_find, answering the matched route's handler (NULL when none matches). */
http_handler router_match(const struct http_route *routes, size_t count, struct http_request *req,
                          bool *path_known);

#endif
