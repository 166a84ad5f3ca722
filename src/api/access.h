/*
 * access.h — who may call a route, stated once in the route table and checked once by
 * routes_dispatch (routes.c) before the handler runs.
 *
 * Every route table entry names one access level (enum route_access and ROUTE_TABLE
 * in http/router.h). The dispatcher
 * authenticates the caller (session cookie + CSRF header on mutations, or a personal
 * API key as Bearer: api_authenticate in context.h; a platform client's access token
 * for /internal/v1) and decides with access_decide(); the handler then finds the
 * authorised principal in req->principal and keeps only its finer rules (an admin
 * may not grant owner, self-service on one's own user, ...).
 *
 * Tenant scoping is the isolation boundary: a caller naming another tenant's id gets
 * 404 tenant_not_found — exactly what a malformed or unknown id gets — so ids cannot
 * be probed; a member whose role is too weak on its own tenant gets 403 forbidden.
 */
#ifndef TENANTD_API_ACCESS_H
#define TENANTD_API_ACCESS_H

#include <stdbool.h>

#include "api/context.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/router.h"

/* The scope a platform client's token needs for /internal/v1/apps/{aid}/storage/... */
#define PLATFORM_STORAGE_SCOPE "platform:storage"

/* The level's name ("tenant_admin", ...), for messages and tests. */
const char *access_name(enum route_access level);

/* What the dispatcher knows about a caller when it decides. */
struct access_caller {
    const struct principal *user; /* an authenticated user, or NULL */
    bool access_token;            /* presented an active access token */
    bool platform_scope;          /* ... issued to a platform client, with the scope */
};

enum access_verdict {
    ACCESS_ALLOW,
    /* A host admin on a tenant route: allowed when the tenant exists (404 otherwise). */
    ACCESS_ALLOW_IF_TENANT_EXISTS,
    ACCESS_DENY_UNAUTHENTICATED,    /* 401 */
    ACCESS_DENY_TENANT_NOT_FOUND,   /* 404 tenant_not_found */
    ACCESS_DENY_ROLE,               /* 403 forbidden: role too weak on the own tenant */
    ACCESS_DENY_HOST_ONLY,          /* 403 forbidden: only host admins */
    ACCESS_DENY_INSUFFICIENT_SCOPE, /* 403 insufficient_scope */
    ACCESS_DENY_UNDECLARED,         /* 500: the route declares no level */
};

/*
 * The pure decision: may `caller` call a route of `level` whose first path parameter
 * is path_tenant_id (NULL when the route has none)? No I/O; the tenant's existence
 * for host admins is left to the caller (ACCESS_ALLOW_IF_TENANT_EXISTS).
 */
enum access_verdict access_decide(enum route_access level, const struct access_caller *caller,
                                  const char *path_tenant_id);

/* The least role a tenant level needs (ROLE_NONE for the other levels). */
enum role access_min_role(enum route_access level);

/*
 * The dispatcher's check, run once per request before the handler: authenticates the
 * caller as `level` requires (nothing for ACCESS_ANONYMOUS), fills *who for the
 * user levels and decides. Returns true when the handler may run; otherwise the reply
 * (401, 403, 404, 503, ...) is written. The order is observable and fixed:
 * authentication (401, then 403 csrf_failed), tenant id (404), role (403).
 */
bool access_check(struct http_request *req, struct http_reply *reply, enum route_access level,
                  struct principal *who);

#endif
