/*
 * token.c — POST /connect/token: the client_credentials grant, the hot path.
 *
 * Per request: parse the form and the Basic header, one cache lookup that copies
 * the app's facts and its pre-encoded claims (no database), SHA-256 of the secret
 * compared in constant time, the SPEC §3.2 checks on the copied facts, then the
 * token is written straight into the response buffer:
 *
 *   {"access_token":"<b64 header>.<b64 constant claims><b64 tail>.<b64 sig>",
 *    "token_type":"Bearer","expires_in":900[,"scope":"..."]}
 *
 * The constant claims were encoded once per app (app_cache.c pads their JSON to a
 * multiple of 3 bytes so the encodings concatenate); only the ~100-byte tail
 * (iat, nbf, exp, jti, scope) is formatted and encoded per token. One malloc (the
 * body libmicrohttpd sends and frees), no JSON library, no lock held while
 * signing (the key set is reference-counted).
 */
#include "oauth/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oauth/app_cache.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "oauth/client_auth.h"
#include "oauth/dpop.h"
#include "oauth/jws.h"
#include "oauth/scope.h"
#include "oauth/signing_keys.h"
#include "ops/metrics.h"
#include "service.h"
#include "util/timeutil.h"

#define TOKEN_BODY_PREFIX "{\"access_token\":\""
#define TOKEN_JTI_BYTES 16

/* Per-thread copy of the app's claims prefix (up to ~28 KiB; typically <1 KiB). */
static _Thread_local char token_claims[APP_CACHE_CLAIMS_MAX + 1];

static int64_t token_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* SPEC §3.2 step 3, in order: the error_description, or NULL when issuance may go on. */
static const char *token_refusal(const struct app_facts *f)
{
    if (f->kind != APP_KIND_TENANT_APP)
        return NULL; /* platform clients are host-level: no tenant, region or plan */
    if (!f->enabled)
        return "app is disabled";
    if (!f->tenant_active)
        return "tenant is not active";
    if (!f->has_region)
        return "app has no license region";
    if (!f->has_db_code)
        return "app has no database";
    if (f->plan == APP_PLAN_RETIRED)
        return "assigned plan is retired";
    if (f->plan == APP_PLAN_UNAVAILABLE)
        return "assigned plan is not available";
    return NULL;
}

/* Per-thread pool of CSPRNG output for jti values: one RAND_bytes call per 64
 * tokens instead of one per token (measured: ~6.6k of ~25k non-signing
 * instructions per token). Bytes are handed out once and wiped when taken. */
#define TOKEN_JTI_POOL (64 * TOKEN_JTI_BYTES)
static _Thread_local unsigned char token_jti_pool[TOKEN_JTI_POOL];
static _Thread_local size_t token_jti_left;

static bool token_jti(char out[32])
{
    if (token_jti_left < TOKEN_JTI_BYTES) {
        if (crypto_random_bytes(token_jti_pool, sizeof token_jti_pool) != 0)
            return false;
        token_jti_left = sizeof token_jti_pool;
    }
    token_jti_left -= TOKEN_JTI_BYTES;
    unsigned char *random = token_jti_pool + token_jti_left;
    size_t n = base64url_encode(random, TOKEN_JTI_BYTES, out, 32);
    crypto_wipe(random, TOKEN_JTI_BYTES);
    return n > 0;
}

/* A bounded text writer: appends while there is room, remembers overflow. */
struct token_text {
    char *buf;
    size_t size, len;
    bool overflow;
};

static void token_put(struct token_text *t, const char *s, size_t n)
{
    if (t->overflow || t->size - t->len <= n) {
        t->overflow = true;
        return;
    }
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

#define TOKEN_PUT_LITERAL(t, lit) token_put((t), (lit), sizeof(lit) - 1)

static void token_put_int(struct token_text *t, long long v)
{
    char digits[24];
    size_t i = sizeof digits;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--i] = '-';
    token_put(t, digits + i, sizeof digits - i);
}

/* `,"scope":"..."` when a scope was granted. Scope tokens never need JSON
 * escaping: scope.c admits only %x21 / %x23-5B / %x5D-7E. */
static void token_put_scope(struct token_text *t, const char *scope)
{
    if (!scope[0])
        return;
    TOKEN_PUT_LITERAL(t, ",\"scope\":\"");
    token_put(t, scope, strlen(scope));
    TOKEN_PUT_LITERAL(t, "\"");
}

/* Signs and answers 200. claims is the client's base64url claims prefix; jkt the
 * DPoP key thumbprint (a DPoP-bound token: cnf.jkt, token_type DPoP) or NULL. */
static void token_issue(struct service *svc, const struct app_facts *facts, const char *claims,
                        const char *scope, const char *jkt, struct http_reply *reply)
{
    struct signing_key_ref key;
    if (!signing_keys_acquire_signer(svc->signing_keys, &key)) {
        oauth_reply_error(reply, 500, "server_error", "no signing key is available");
        return;
    }
    char jti[32];
    if (!token_jti(jti)) {
        signing_keys_release(&key);
        oauth_reply_error(reply, 500, "server_error", "cannot create a token id");
        return;
    }
    long long iat = (long long)time_now();
    int ttl = svc->cfg.token_ttl_seconds;

    /* The per-token tail of the claims object, and the response after the token. */
    char tail_buf[APP_CACHE_SCOPES_MAX + 192], suffix_buf[APP_CACHE_SCOPES_MAX + 96];
    struct token_text tail = {tail_buf, sizeof tail_buf, 0, false};
    struct token_text suffix = {suffix_buf, sizeof suffix_buf, 0, false};
    TOKEN_PUT_LITERAL(&tail, "\"iat\":");
    token_put_int(&tail, iat);
    TOKEN_PUT_LITERAL(&tail, ",\"nbf\":");
    token_put_int(&tail, iat);
    TOKEN_PUT_LITERAL(&tail, ",\"exp\":");
    token_put_int(&tail, iat + ttl);
    TOKEN_PUT_LITERAL(&tail, ",\"jti\":\"");
    token_put(&tail, jti, strlen(jti));
    TOKEN_PUT_LITERAL(&tail, "\"");
    if (jkt) { /* RFC 9449 §6.1; a thumbprint is base64url: nothing to escape */
        TOKEN_PUT_LITERAL(&tail, ",\"cnf\":{\"jkt\":\"");
        token_put(&tail, jkt, strlen(jkt));
        TOKEN_PUT_LITERAL(&tail, "\"}");
    }
    token_put_scope(&tail, scope);
    TOKEN_PUT_LITERAL(&tail, "}");
    if (jkt)
        TOKEN_PUT_LITERAL(&suffix, "\",\"token_type\":\"DPoP\",\"expires_in\":");
    else
        TOKEN_PUT_LITERAL(&suffix, "\",\"token_type\":\"Bearer\",\"expires_in\":");
    token_put_int(&suffix, ttl);
    token_put_scope(&suffix, scope);
    TOKEN_PUT_LITERAL(&suffix, "}");
    if (tail.overflow || suffix.overflow) {
        signing_keys_release(&key);
        oauth_reply_error(reply, 500, "server_error", "token too large");
        return;
    }
    size_t prefix_len = sizeof TOKEN_BODY_PREFIX - 1;
    size_t tail_b64 = base64url_encoded_len(tail.len);
    size_t input_len = key.header_b64_len + 1 + facts->claims_len + tail_b64;
    size_t room = input_len + jws_signature_suffix_len(key.key) + suffix.len + 1;
    char *body = malloc(prefix_len + room);
    if (!body) {
        signing_keys_release(&key);
        oauth_reply_error(reply, 500, "server_error", "out of memory");
        return;
    }
    memcpy(body, TOKEN_BODY_PREFIX, prefix_len);
    char *w = body + prefix_len;
    memcpy(w, key.header_b64, key.header_b64_len);
    w += key.header_b64_len;
    *w++ = '.';
    memcpy(w, claims, facts->claims_len);
    w += facts->claims_len;
    base64url_encode((const unsigned char *)tail.buf, tail.len, w,
                     room - (size_t)(w - (body + prefix_len)));
    size_t token_len = jws_sign_compact(key.key, body + prefix_len, input_len, room);
    signing_keys_release(&key);
    if (token_len == 0) {
        free(body);
        oauth_reply_error(reply, 500, "server_error", "cannot sign the token");
        return;
    }
    memcpy(body + prefix_len + token_len, suffix.buf, suffix.len + 1);
    reply_buffer(reply, 200, "application/json", body, prefix_len + token_len + suffix.len);
}

/* Steps 3 and 4 of SPEC §3.2 and the token, for a client that authenticated
 * (facts and token_claims filled by the authentication). */
static void token_grant_authenticated(struct service *svc, const struct app_facts *facts,
                                      const char *scope, const char *dpop_proof, int64_t started,
                                      struct http_reply *reply)
{
    const char *refusal = token_refusal(facts);
    if (refusal) {
        oauth_reply_error(reply, 400, "unauthorized_client", refusal);
        return;
    }
    /* DPoP (RFC 9449, SPEC §3.7): a proof binds the token to its key; an app with
     * dpop_bound_access_tokens gets no token without one. */
    char jkt[DPOP_JKT_SIZE] = "";
    if (dpop_proof) {
        char htu[sizeof svc->cfg.issuer + 32];
        snprintf(htu, sizeof htu, "%s/connect/token", svc->cfg.issuer);
        const char *why = dpop_proof_check(dpop_proof, strlen(dpop_proof), "POST", htu, time_now(),
                                           svc->assertion_replay, jkt);
        if (why) {
            oauth_reply_error(reply, 400, "invalid_dpop_proof", why);
            return;
        }
    } else if (facts->dpop_required) {
        oauth_reply_error(reply, 400, "invalid_dpop_proof",
                          "this client must send a DPoP proof (dpop_bound_access_tokens)");
        return;
    }
    char granted[APP_CACHE_SCOPES_MAX];
    bool scope_ok;
    if (facts->kind == APP_KIND_PLATFORM_CLIENT && (!scope || !*scope)) {
        snprintf(granted, sizeof granted, "%s", facts->scopes); /* all it holds */
        scope_ok = true;
    } else if (facts->kind == APP_KIND_PLATFORM_CLIENT) {
        scope_ok = scope_grant(scope, facts->scopes, false, granted, sizeof granted);
    } else {
        scope_ok = scope_grant(scope, svc->cfg.scopes, true, granted, sizeof granted);
    }
    if (!scope_ok) {
        oauth_reply_error(reply, 400, "invalid_scope", "the requested scope is not allowed");
        return;
    }
    token_issue(svc, facts, token_claims, granted, jkt[0] ? jkt : NULL, reply);
    if (reply->status == 200)
        metrics_observe_token(svc->metrics, token_clock_us() - started);
}

void oauth_token_grant(struct service *svc, const char *client_id, const char *client_secret,
                       const char *scope, const char *dpop_proof, const char *remote_addr,
                       bool basic, struct http_reply *reply)
{
    int64_t started = token_clock_us();
    struct app_facts facts;
    int retry_after = 0;
    enum client_auth_result auth =
        client_auth_verify(svc, remote_addr, client_id, client_secret, &facts, token_claims,
                           sizeof token_claims, &retry_after);
    if (auth != CLIENT_AUTH_OK) {
        client_auth_reply_failure(reply, auth, basic, retry_after);
        return;
    }
    token_grant_authenticated(svc, &facts, scope, dpop_proof, started, reply);
}

/* private_key_jwt (SPEC §3.7): the assertion instead of a secret; the rest is the same. */
static void token_grant_assertion(struct service *svc, const struct client_credentials *cred,
                                  const char *scope, const char *remote_addr,
                                  const char *dpop_proof, struct http_reply *reply)
{
    int64_t started = token_clock_us();
    struct app_facts facts;
    int retry_after = 0;
    const char *why = NULL;
    enum client_auth_result auth =
        client_auth_verify_assertion(svc, remote_addr, cred->client_id, cred->client_assertion,
                                     &facts, token_claims, sizeof token_claims, &retry_after, &why);
    if (auth != CLIENT_AUTH_OK) {
        client_auth_reply_refusal(reply, auth, false, retry_after, why);
        return;
    }
    token_grant_authenticated(svc, &facts, scope, dpop_proof, started, reply);
}

void oauth_token_endpoint(struct http_request *req, struct http_reply *reply)
{
    struct form form;
    if (!oauth_read_form(req, &form, reply))
        return;
    const char *grant = form_get(&form, "grant_type");
    if (!grant || !*grant) {
        oauth_reply_error(reply, 400, "invalid_request", "grant_type is required");
    } else if (strcmp(grant, "client_credentials") != 0) {
        oauth_reply_error(reply, 400, "unsupported_grant_type",
                          "only client_credentials is supported");
    } else {
        struct client_credentials cred;
        if (client_credentials_read(req, &form, &cred, reply)) {
            /* a client_id is public (RFC 6749 §2.2): it names the caller in the access
             * log (an assertion's client is known once it is parsed) */
            snprintf(req->client_id, sizeof req->client_id, "%s",
                     cred.client_id ? cred.client_id : "");
            if (cred.method == CLIENT_AUTH_JWT)
                token_grant_assertion(req->service, &cred, form_get(&form, "scope"),
                                      req->remote_addr, http_request_header(req, "DPoP"), reply);
            else
                oauth_token_grant(req->service, cred.client_id, cred.client_secret,
                                  form_get(&form, "scope"), http_request_header(req, "DPoP"),
                                  req->remote_addr, cred.method == CLIENT_AUTH_BASIC, reply);
        }
        client_credentials_free(&cred);
    }
    form_free(&form);
}
