/*
 * access_token.h — checking an access token this server issued: the JWS
 * signature against the published key set, the RFC 9068 header and claims, the
 * revocation deny-list and the client's continued existence.
 *
 * Used by introspection and revocation (introspect.c) and by this server's own
 * resource endpoints (e.g. /internal/v1 presign, which needs a platform client
 * token with scope platform:storage).
 */
#ifndef TENANTD_OAUTH_ACCESS_TOKEN_H
#define TENANTD_OAUTH_ACCESS_TOKEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service;

/* Largest token accepted for checking (bytes): real tokens are < 2 KiB, and request
 * headers are capped at 32 KiB by the HTTP layer. */
#define ACCESS_TOKEN_MAX_LEN (16 * 1024)

struct access_token {
    json_t *claims;        /* the payload object (owned) */
    const char *client_id; /* into claims */
    const char *jti;       /* into claims */
    const char *tenant_id; /* "tenantid" claim, NULL for platform client tokens */
    const char *app_id;    /* "appId" claim, NULL for platform client tokens */
    const char *scope;     /* "scope" claim, NULL when none */
    int64_t exp;
    int64_t iat;
    bool platform; /* set by access_token_check_active: issued to a platform client */
};

/*
 * Verifies token[0..len) (untrusted): compact JWS with a header {"alg","typ":
 * "at+jwt","kid"} (no "crit"), a published key with that kid and algorithm, a
 * valid signature, and claims iss = our issuer, aud = our audience, sub =
 * client_id, string jti, integer iat/exp (and nbf when present). With
 * require_unexpired, exp must be in the future and nbf not more than 60 s in the
 * future (clock skew between nodes).
 * Returns true and fills *out (free with access_token_free), false otherwise.
 */
bool access_token_verify(struct service *svc, const char *token, size_t len, bool require_unexpired,
                         struct access_token *out);

/*
 * access_token_verify with require_unexpired, then: the jti is not revoked, and
 * the client still exists (not deleted) — for a tenant app also the same tenant
 * and app id as in the token. Returns 1 active (out filled), 0 inactive, -1 when
 * the store cannot be read (out empty). Must not be called while holding a
 * database connection.
 */
int access_token_check_active(struct service *svc, const char *token, size_t len,
                              struct access_token *out);

/* True when the token's scope claim contains scope. */
bool access_token_has_scope(const struct access_token *t, const char *scope);

void access_token_free(struct access_token *t);

#endif
