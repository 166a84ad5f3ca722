/*
 * access_token.c — verification of our own JWT access tokens (see access_token.h).
 *
 * Not on the issuance hot path: introspection and revocation are rare next to
 * token requests, so this uses jansson for the header and claims. The signature
 * is checked before the claims are parsed, and the kid must name a key we
 * publish, so unauthenticated input never reaches the JSON parser beyond the
 * small header.
 */
#include "oauth/access_token.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/app_cache.h"
#include "crypto/base64url.h"
#include "oauth/jws.h"
#include "oauth/scope.h"
#include "oauth/signing_keys.h"
#include "service.h"
#include "store/db.h"
#include "store/revocations.h"
#include "util/timeutil.h"

#define ACCESS_TOKEN_HEADER_MAX 1024 /* base64url characters */
/* Tolerated clock difference between the node that issued a token and the one
 * checking it, for "nbf" only: expiry is never extended. */
#define ACCESS_TOKEN_NBF_SKEW 60

/* Decodes a base64url JSON object (untrusted). NULL when it is not one. */
static json_t *access_token_object(const char *b64, size_t n)
{
    size_t cap = base64url_decoded_len(n) + 1;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return NULL;
    size_t len = 0;
    json_t *obj = NULL;
    if (base64url_decode(b64, n, buf, cap, &len)) {
        json_error_t err;
        obj = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &err);
    }
    free(buf);
    if (obj && !json_is_object(obj)) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

static const char *access_token_string(const json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

/* An integer claim; false when absent or not an integer. */
static bool access_token_integer(const json_t *obj, const char *name, int64_t *out)
{
    const json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v))
        return false;
    *out = (int64_t)json_integer_value(v);
    return true;
}

static bool access_token_audience_ok(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    if (!json_is_array(aud))
        return false;
    for (size_t i = 0; i < json_array_size(aud); i++) {
        const char *s = json_string_value(json_array_get(aud, i));
        if (s && strcmp(s, want) == 0)
            return true;
    }
    return false;
}

void access_token_free(struct access_token *t)
{
    if (!t)
        return;
    json_decref(t->claims);
    memset(t, 0, sizeof *t);
}

bool access_token_verify(struct service *svc, const char *token, size_t len, bool require_unexpired,
                         struct access_token *out)
{
    memset(out, 0, sizeof *out);
    if (!token || len == 0 || len > ACCESS_TOKEN_MAX_LEN)
        return false;
    const char *dot1 = memchr(token, '.', len);
    if (!dot1)
        return false;
    const char *dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
        return false;
    size_t header_len = (size_t)(dot1 - token);
    if (header_len == 0 || header_len > ACCESS_TOKEN_HEADER_MAX)
        return false;

    json_t *header = access_token_object(token, header_len);
    if (!header)
        return false;
    const char *alg = access_token_string(header, "alg");
    const char *kid = access_token_string(header, "kid");
    const char *typ = access_token_string(header, "typ");
    bool header_ok = alg && kid && typ && !json_object_get(header, "crit") &&
                     (strcasecmp(typ, "at+jwt") == 0 || strcasecmp(typ, "application/at+jwt") == 0);
    struct signing_key_ref key;
    bool signed_ok = header_ok && signing_keys_acquire_verifier(svc->signing_keys, kid, alg, &key);
    json_decref(header);
    if (!signed_ok)
        return false;
    signed_ok = jws_verify_compact(key.key, token, len);
    signing_keys_release(&key);
    if (!signed_ok)
        return false;

    json_t *claims = access_token_object(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    if (!claims)
        return false;
    out->claims = claims;
    out->client_id = access_token_string(claims, "client_id");
    out->jti = access_token_string(claims, "jti");
    out->tenant_id = access_token_string(claims, "tenantid");
    out->app_id = access_token_string(claims, "appId");
    out->scope = access_token_string(claims, "scope");
    const char *iss = access_token_string(claims, "iss");
    const char *sub = access_token_string(claims, "sub");
    int64_t nbf = 0, now = time_now();
    bool ok = out->client_id && out->jti && *out->jti && iss && sub &&
              strcmp(iss, svc->cfg.issuer) == 0 && strcmp(sub, out->client_id) == 0 &&
              access_token_audience_ok(json_object_get(claims, "aud"), svc->cfg.audience) &&
              access_token_integer(claims, "exp", &out->exp) &&
              access_token_integer(claims, "iat", &out->iat);
    if (ok && json_object_get(claims, "nbf"))
        ok = access_token_integer(claims, "nbf", &nbf);
    if (ok && require_unexpired)
        ok = out->exp > now && nbf <= now + ACCESS_TOKEN_NBF_SKEW;
    if (!ok) {
        access_token_free(out);
        return false;
    }
    return true;
}

int access_token_check_active(struct service *svc, const char *token, size_t len,
                              struct access_token *out)
{
    if (!access_token_verify(svc, token, len, true, out))
        return 0;
    struct db_conn *c = db_acquire(svc->db);
    enum db_status revoked = store_revocation_exists(c, out->jti, time_now());
    db_release(svc->db, c);
    if (revoked != DB_NOT_FOUND) {
        access_token_free(out);
        return db_is_failure(revoked) ? -1 : 0;
    }
    struct app_facts facts;
    int found = app_cache_lookup(svc->app_cache, out->client_id, &facts, NULL, 0);
    if (found <= 0) {
        access_token_free(out);
        return found < 0 ? -1 : 0;
    }
    bool same;
    if (facts.kind == APP_KIND_TENANT_APP)
        same = out->tenant_id && out->app_id && strcmp(out->tenant_id, facts.tenant_id) == 0 &&
               strcmp(out->app_id, facts.id) == 0;
    else
        same = !out->tenant_id && !out->app_id;
    if (!same) {
        access_token_free(out);
        return 0;
    }
    out->platform = facts.kind == APP_KIND_PLATFORM_CLIENT;
    return 1;
}

bool access_token_has_scope(const struct access_token *t, const char *scope)
{
    return t && t->scope && scope_list_contains(t->scope, scope);
}
