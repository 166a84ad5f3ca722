/*
 * routes.h — the whole URL space of tenantd, in one place.
 */
#ifndef TENANTD_ROUTES_H
#define TENANTD_ROUTES_H

#include "http/reply.h"
#include "http/request.h"

/* The http_dispatch_fn handed to the server. */
void routes_dispatch(struct http_request *req, struct http_reply *reply);
/* The http_observe_fn: request metrics. */
void routes_observe(const struct http_request *req, int status, int64_t micros);

#endif
