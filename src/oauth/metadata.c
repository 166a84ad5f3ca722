/*
 * metadata.c — discovery documents: GET /.well-known/openid-configuration and
 * /.well-known/oauth-authorization-server (RFC 8414; the same document) and GET
 * /.well-known/jwks.json (RFC 7517, public members only).
 *
 * Caching: the metadata is public for 5 minutes. JWKS is public for
 * min(300 s, key publish lead): a verifier that honours max-age refetches within
 * the lead time, so it has a new key before that key signs (docs/OAUTH.md).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "oauth/introspect.h"
#include "oauth/jws.h"
#include "oauth/signing_keys.h"
#include "oauth/token.h"
#include "service.h"

/* "issuer" + path, as a new JSON string. */
static json_t *metadata_url(const char *issuer, const char *path)
{
    char url[1024];
    int n = snprintf(url, sizeof url, "%s%s", issuer, path);
    if (n < 0 || (size_t)n >= sizeof url)
        return NULL;
    return json_string(url);
}

/* The configured API scopes as a JSON array. */
static json_t *metadata_scopes(const char *scopes)
{
    json_t *list = json_array();
    char copy[sizeof(((struct config *)0)->scopes)];
    snprintf(copy, sizeof copy, "%s", scopes);
    char *save = NULL;
    for (char *tok = strtok_r(copy, " ", &save); list && tok; tok = strtok_r(NULL, " ", &save))
        json_array_append_new(list, json_string(tok));
    return list;
}

static void oauth_metadata(struct http_request *req, struct http_reply *reply)
{
    const struct config *cfg = &req->service->cfg;
    json_t *doc = json_object();
    json_t *methods =
        json_pack("[s,s,s]", "client_secret_basic", "client_secret_post", "private_key_jwt");
    /* private_key_jwt assertions: the algorithm follows the app's key type. */
    json_t *algs = json_array();
    for (size_t i = 0; jws_alg_names[i] != NULL; i++)
        json_array_append_new(algs, json_string(jws_alg_names[i]));
    json_t *members[][2] = {
        {json_string("issuer"), json_string(cfg->issuer)},
        {json_string("token_endpoint"), metadata_url(cfg->issuer, "/connect/token")},
        {json_string("introspection_endpoint"), metadata_url(cfg->issuer, "/connect/introspect")},
        {json_string("revocation_endpoint"), metadata_url(cfg->issuer, "/connect/revoke")},
        {json_string("jwks_uri"), metadata_url(cfg->issuer, "/.well-known/jwks.json")},
        {json_string("grant_types_supported"), json_pack("[s]", "client_credentials")},
        {json_string("token_endpoint_auth_methods_supported"), json_copy(methods)},
        {json_string("introspection_endpoint_auth_methods_supported"), json_copy(methods)},
        {json_string("revocation_endpoint_auth_methods_supported"), json_copy(methods)},
        {json_string("token_endpoint_auth_signing_alg_values_supported"), json_copy(algs)},
        {json_string("introspection_endpoint_auth_signing_alg_values_supported"), json_copy(algs)},
        {json_string("revocation_endpoint_auth_signing_alg_values_supported"), json_copy(algs)},
        /* RFC 9449 §5.1 (DPoP proofs take the same algorithms as assertions) */
        {json_string("dpop_signing_alg_values_supported"), json_copy(algs)},
        {json_string("scopes_supported"), metadata_scopes(cfg->scopes)},
        /* No authorization endpoint: client_credentials needs none. */
        {json_string("response_types_supported"), json_array()},
    };
    bool ok = doc && methods && algs;
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const char *name = json_string_value(members[i][0]);
        ok = ok && name && members[i][1] && json_object_set(doc, name, members[i][1]) == 0;
        json_decref(members[i][0]);
        json_decref(members[i][1]);
    }
    json_decref(methods);
    json_decref(algs);
    if (!ok) {
        json_decref(doc);
        reply_error(reply, 500, "internal", NULL, "cannot build the metadata");
        return;
    }
    reply_json(reply, 200, doc);
    reply_header(reply, "Cache-Control", "public, max-age=300");
}

static void oauth_jwks(struct http_request *req, struct http_reply *reply)
{
    size_t len = 0;
    char *text = signing_keys_jwks(req->service->signing_keys, &len);
    if (!text) {
        reply_error(reply, 500, "internal", NULL, "cannot build the key set");
        return;
    }
    reply_buffer(reply, 200, "application/jwk-set+json", text, len);
    int lead = req->service->cfg.key_publish_lead_seconds;
    char cache[48];
    snprintf(cache, sizeof cache, "public, max-age=%d", lead < 300 ? lead : 300);
    reply_header(reply, "Cache-Control", cache);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define OAUTH_ROUTES(ROUTE)                                                                        \
    ROUTE(HTTP_POST, "/connect/token", oauth_token_endpoint, ACCESS_ANONYMOUS)                     \
    ROUTE(HTTP_POST, "/connect/introspect", oauth_introspect_endpoint, ACCESS_ANONYMOUS)           \
    ROUTE(HTTP_POST, "/connect/revoke", oauth_revoke_endpoint, ACCESS_ANONYMOUS)                   \
    ROUTE(HTTP_GET, "/.well-known/jwks.json", oauth_jwks, ACCESS_ANONYMOUS)                        \
    ROUTE(HTTP_GET, "/.well-known/openid-configuration", oauth_metadata, ACCESS_ANONYMOUS)         \
    ROUTE(HTTP_GET, "/.well-known/oauth-authorization-server", oauth_metadata, ACCESS_ANONYMOUS)

ROUTE_TABLE(oauth, OAUTH_ROUTES);
