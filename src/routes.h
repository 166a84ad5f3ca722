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

/* The http_observe_fn: request metrics. */
void routes_observe(const struct http_request *req, int status, int64_t micros);

#endif
