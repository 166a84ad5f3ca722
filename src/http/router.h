/*
 * router.h — method + path pattern to handler.
 *
 * Patterns are literal segments and `{}` placeholders, e.g.
 * "/api/v1/tenants/{}/apps/{}"; placeholders become req->params in order. A
 * placeholder matches one non-empty segment of at most 200 bytes.
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

/*
 * Finds the route for req->method and req->path among routes[0..count). On a match
 * fills req->params/param_count/route and returns the handler. Returns NULL when no
 * route matches; *path_known is then true when some route matched the path with
 * another method (the caller answers 405).
 */
http_handler router_match(const struct http_route *routes, size_t count, struct http_request *req,
                          bool *path_known);

#endif
