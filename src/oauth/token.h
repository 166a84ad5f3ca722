/*
 * token.h — the client_credentials grant (POST /connect/token, SPEC §3.2–3.3).
 *
 * The handler lives in token.c and is exported through oauth_routes; the grant
 * itself is also callable in-process so that the Demo UI workspaces can show
 * "exactly what /connect/token answered" without an HTTP round trip.
 */
#ifndef TENANTD_OAUTH_TOKEN_H
#define TENANTD_OAUTH_TOKEN_H

#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"

struct service;

/* POST /connect/token. */
void oauth_token_endpoint(struct http_request *req, struct http_reply *reply);

/*
 * Runs the grant for already-extracted credentials (untrusted strings) exactly as
 * the endpoint does after reading the request: client authentication (throttled
 * per remote_addr + client_id), the issuance preconditions of SPEC §3.2 in order,
 * scope, and signing. Writes the endpoint's status, JSON body and headers into
 * reply: 200 {"access_token","token_type","expires_in"[,"scope"]} or an RFC 6749
 * error. scope may be NULL (none requested); dpop_proof is the DPoP header's value
 * (RFC 9449) or NULL. basic selects the WWW-Authenticate challenge on 401.
 */
void oauth_token_grant(struct service *svc, const char *client_id, const char *client_secret,
                       const char *scope, const char *dpop_proof, const char *remote_addr,
                       bool basic, struct http_reply *reply);

#endif
