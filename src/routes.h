/*
 * routes.h — the whole URL space of tenantd, in one place.
 */
#ifndef TENANTD_ROUTES_H
#define TENANTD_ROUTES_H

#include "http/reply.h"
#include "http/router.h"
#include "http/request.h"

/* The http_dispatch_fn handed to the server. */
void routes_dispatch(struct http_request *req, struct http_reply *reply);
/* The route tables in dispatch order, for tools that need the whole URL space (the
 * router fuzz harness): module i's table, with its length in *count; NULL past the end. */
const struct http_route *routes_module(size_t i, size_t *count);
/* Who may call route `route` of module `module` (the index routes_module uses);
 * ACCESS_UNDECLARED past the end. */
enum route_access routes_access(size_t module, size_t route);

/* The http_offload_fn: admin API mutations (POST/PUT/PATCH/DELETE under /api/v1/)
 * run on the server's write workers. They are the requests that can wait — for the
 * writer turn and the database lock (up to 5 s each), or on Argon2id (sign-in,
 * sign-up, accepting an invitation) — and so must not hold an HTTP thread whose other
 * connections (token requests) would wait with them. Reads, the token endpoint and
 * everything else stay on the HTTP threads. */
bool routes_offload(const struct http_request *req);

/* The http_observe_fn: request metrics. */
void routes_observe(const struct http_request *req, int status, int64_t micros);

#endif
