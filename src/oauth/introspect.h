/*
 * introspect.h — token introspection (RFC 7662) and revocation (RFC 7009).
 * Semantics in introspect.c and docs/OAUTH.md.
 */
#ifndef TENANTD_OAUTH_INTROSPECT_H
#define TENANTD_OAUTH_INTROSPECT_H

#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"

struct service;

/* POST /connect/introspect. */
void oauth_introspect_endpoint(struct http_request *req, struct http_reply *reply);

/* POST /connect/revoke. */
void oauth_revoke_endpoint(struct http_request *req, struct http_reply *reply);

/*
 * Introspects token (untrusted; NULL/"" -> 400 invalid_request) for a caller
 * authenticating with client_id/client_secret (untrusted) from remote_addr, writing
 * exactly what POST /connect/introspect would answer into reply (for the Demo UI
 * workspaces). basic selects the WWW-Authenticate challenge on 401.
 */
void oauth_introspect_as(struct service *svc, const char *client_id, const char *client_secret,
                         const char *token, const char *remote_addr, bool basic,
                         struct http_reply *reply);

#endif
