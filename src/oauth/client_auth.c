/*
 * client_auth.c — OAuth request reading and client authentication (see
 * client_auth.h).
 */
#include "oauth/client_auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "oauth/client_assertion.h"
#include "oauth/replay_cache.h"
#include "ops/metrics.h"
#include "service.h"
#include "util/log.h"
#include "util/throttle.h"
#include "util/timeutil.h"

/* Compared against when the client_id is unknown, so that an unknown id costs
 * what a wrong secret costs. No secret hashes to it (it is not a SHA-256 output
 * anyone knows a preimage of). */
static const unsigned char client_auth_dummy_hash[32] = {
    0x6b, 0x86, 0xb2, 0x73, 0xff, 0x34, 0xfc, 0xe1, 0x9d, 0x6b, 0x80, 0x4e, 0xff, 0x5a, 0x3f, 0x57,
    0x47, 0xad, 0xa4, 0xea, 0xa2, 0x2f, 0x1d, 0x49, 0xc0, 0x1e, 0x52, 0xdd, 0xb7, 0x87, 0x5b, 0x4b,
};

void oauth_reply_error(struct http_reply *reply, int status, const char *error,
                       const char *description)
{
    char text[512];
    char safe[256];
    size_t o = 0;
    /* Descriptions are constants; keep the body valid JSON whatever they hold. */
    for (const char *p = description ? description : ""; *p && o + 1 < sizeof safe; p++)
        safe[o++] = (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) ? '\'' : *p;
    safe[o] = 0;
    int n =
        snprintf(text, sizeof text, "{\"error\":\"%s\",\"error_description\":\"%s\"}", error, safe);
    if (n < 0 || (size_t)n >= sizeof text)
        n = snprintf(text, sizeof text, "{\"error\":\"server_error\"}");
    char *body = malloc((size_t)n + 1);
    if (!body) {
        reply_static(reply, 500, "application/json", "{\"error\":\"server_error\"}", 24);
        return;
    }
    memcpy(body, text, (size_t)n + 1);
    reply_buffer(reply, status, "application/json", body, (size_t)n);
}

bool oauth_read_form(struct http_request *req, struct form *form, struct http_reply *reply)
{
    memset(form, 0, sizeof *form);
    if (!http_request_content_type_is(req, "application/x-www-form-urlencoded")) {
        oauth_reply_error(reply, 400, "invalid_request",
                          "the body must be application/x-www-form-urlencoded");
        return false;
    }
    if (form_parse(form, req->body, req->body_len) != 0) {
        oauth_reply_error(reply, 400, "invalid_request", "malformed form body");
        return false;
    }
    if (form->too_many) {
        form_free(form);
        oauth_reply_error(reply, 400, "invalid_request", "too many parameters");
        return false;
    }
    if (form->duplicate) {
        form_free(form);
        oauth_reply_error(reply, 400, "invalid_request", "a parameter was repeated");
        return false;
    }
    return true;
}

void client_credentials_free(struct client_credentials *cred)
{
    free(cred->basic_user);
    if (cred->basic_pass) {
        crypto_wipe(cred->basic_pass, strlen(cred->basic_pass));
        free(cred->basic_pass);
    }
    memset(cred, 0, sizeof *cred);
}

static void client_auth_challenge(struct http_reply *reply)
{
    reply_header(reply, "WWW-Authenticate", "Basic realm=\"tenantd\"");
}

/* SPEC §3.6: credentials are compared byte for byte, and no client_id or secret we
 * issue holds a control character (C0 or DEL): one that does was mangled or forged
 * (a NUL would cut a C string short of what was sent) and is refused outright. */
static bool client_auth_text_is_clean(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

bool client_credentials_read(struct http_request *req, const struct form *form,
                             struct client_credentials *cred, struct http_reply *reply)
{
    memset(cred, 0, sizeof *cred);
    int basic = http_request_basic_auth(req, &cred->basic_user, &cred->basic_pass);
    const char *body_id = form_get(form, "client_id");
    const char *body_secret = form_get(form, "client_secret");
    const char *assertion_type = form_get(form, "client_assertion_type");
    const char *assertion = form_get(form, "client_assertion");
    if (assertion_type || assertion) {
        /* private_key_jwt (RFC 7521 §4.2, RFC 7523 §2.2): one method per request. */
        const char *problem = NULL;
        if (basic != 0 || body_secret)
            problem = "use exactly one client authentication method";
        else if (!assertion_type || !assertion || !*assertion)
            problem = "client_assertion and client_assertion_type go together";
        else if (strcmp(assertion_type, CLIENT_ASSERTION_TYPE_JWT) != 0)
            problem = "unsupported client_assertion_type";
        if (problem) {
            oauth_reply_error(reply, 400, "invalid_request", problem);
            return false;
        }
        if ((body_id && (!*body_id || !client_auth_text_is_clean(body_id))) ||
            !client_auth_text_is_clean(assertion)) {
            oauth_reply_error(reply, 401, "invalid_client", "client authentication failed");
            return false;
        }
        cred->method = CLIENT_AUTH_JWT;
        cred->client_id = body_id;
        cred->client_assertion = assertion;
        return true;
    }
    if (basic > 0 && (!client_auth_text_is_clean(cred->basic_user) ||
                      !client_auth_text_is_clean(cred->basic_pass)))
        basic = -1;
    if (basic < 0) {
        oauth_reply_error(reply, 401, "invalid_client", "malformed Basic credentials");
        client_auth_challenge(reply);
        return false;
    }
    if (basic > 0) {
        if (body_secret) {
            oauth_reply_error(reply, 400, "invalid_request",
                              "use exactly one client authentication method");
            return false;
        }
        if (body_id && strcmp(body_id, cred->basic_user) != 0) {
            oauth_reply_error(reply, 400, "invalid_request",
                              "client_id does not match the Basic credentials");
            return false;
        }
        cred->method = CLIENT_AUTH_BASIC;
        cred->client_id = cred->basic_user;
        cred->client_secret = cred->basic_pass;
        return true;
    }
    if (!body_id || !*body_id) {
        oauth_reply_error(reply, 401, "invalid_client", "client authentication is required");
        client_auth_challenge(reply);
        return false;
    }
    if (!body_secret || !client_auth_text_is_clean(body_id) ||
        !client_auth_text_is_clean(body_secret)) {
        /* Every app is a confidential client: no secret, no token. */
        oauth_reply_error(reply, 401, "invalid_client", "client authentication failed");
        return false;
    }
    cred->method = CLIENT_AUTH_POST;
    cred->client_id = body_id;
    cred->client_secret = body_secret;
    return true;
}

/* Throttle key: address first (at most 63 bytes) so that truncating a long
 * client_id never merges two addresses. */
static void client_auth_key(char *key, size_t size, const char *remote_addr, const char *client_id)
{
    snprintf(key, size, "%s|%s", remote_addr ? remote_addr : "", client_id);
}

/* Counts a failed attempt for (remote_addr, client_id) and picks 401 (failure) or
 * 429: one rule for a wrong secret and a refused assertion alike. */
static enum client_auth_result client_auth_failed(struct service *svc, const char *remote_addr,
                                                  const char *client_id,
                                                  enum client_auth_result failure,
                                                  struct app_facts *facts, int *retry_after)
{
    char key[256];
    client_auth_key(key, sizeof key, remote_addr, client_id);
    int wait = throttle_check(svc->client_throttle, key);
    throttle_record_failure(svc->client_throttle, key);
    metrics_count_auth_failure(svc->metrics);
    memset(facts, 0, sizeof *facts);
    if (wait > 0) {
        *retry_after = wait;
        return CLIENT_AUTH_THROTTLED;
    }
    return failure;
}

enum client_auth_result client_auth_verify(struct service *svc, const char *remote_addr,
                                           const char *client_id, const char *client_secret,
                                           struct app_facts *facts, char *claims, size_t claims_cap,
                                           int *retry_after)
{
    *retry_after = 0;
    /* Verify first (SPEC §3.6): the correct secret is never refused by the
     * throttle, so the throttle is consulted only once the attempt has failed. */
    int found = app_cache_lookup(svc->app_cache, client_id, facts, claims, claims_cap);
    if (found < 0)
        return CLIENT_AUTH_UNAVAILABLE;
    unsigned char digest[CRYPTO_SHA256_LEN];
    crypto_sha256(client_secret, strlen(client_secret), digest);
    bool match =
        crypto_equal(digest, found ? facts->secret_sha256 : client_auth_dummy_hash, sizeof digest);
    /* Grace rotation (SPEC §3.7): only when the current secret failed, the previous
     * one, while its grace period runs — checked against the clock now, because the
     * cached entry may be older than the expiry. The current secret's path pays one
     * branch on a false flag. */
    if (!match && found && facts->has_previous && time_now() < facts->previous_expires_at &&
        crypto_equal(digest, facts->previous_sha256, sizeof digest)) {
        match = true;
        metrics_count_previous_secret_auth(svc->metrics);
    }
    crypto_wipe(digest, sizeof digest);
    if (facts->has_previous)
        crypto_wipe(facts->previous_sha256, sizeof facts->previous_sha256);
    /* A private_key_jwt app's shared secret is not accepted (SPEC §3.7). */
    if (found && match && !facts->private_key_jwt)
        return CLIENT_AUTH_OK;
    /* Unknown client and wrong secret reach this point alike (same work, same key
     * shape), so a 401 or 429 says nothing about existence. Checked before the
     * failure is recorded: the first 20 failures of a window answer 401. */
    return client_auth_failed(svc, remote_addr, client_id, CLIENT_AUTH_FAILED, facts, retry_after);
}

enum client_auth_result client_auth_verify_assertion(struct service *svc, const char *remote_addr,
                                                     const char *client_id, const char *assertion,
                                                     struct app_facts *facts, char *claims,
                                                     size_t claims_cap, int *retry_after,
                                                     const char **why)
{
    *retry_after = 0;
    *why = NULL;
    memset(facts, 0, sizeof *facts);
    struct client_assertion parsed;
    bool well_formed = client_assertion_parse(assertion, strlen(assertion), &parsed);
    /* Whom the assertion speaks for: its iss (= sub, checked once it is verified);
     * a body client_id must name the same client. */
    const char *who = parsed.iss[0] ? parsed.iss : (client_id ? client_id : "");
    if (!well_formed || !parsed.iss[0] || (client_id && strcmp(client_id, parsed.iss) != 0)) {
        client_assertion_free(&parsed);
        return client_auth_failed(svc, remote_addr, who, CLIENT_AUTH_FAILED, facts, retry_after);
    }
    struct client_jwks *keys = NULL;
    int found = app_cache_lookup_keys(svc->app_cache, parsed.iss, facts, claims, claims_cap, &keys);
    if (found < 0) {
        client_assertion_free(&parsed);
        return CLIENT_AUTH_UNAVAILABLE;
    }
    enum client_auth_result result = CLIENT_AUTH_FAILED;
    if (found && facts->private_key_jwt && keys) {
        char token_endpoint[sizeof svc->cfg.issuer + 32];
        snprintf(token_endpoint, sizeof token_endpoint, "%s/connect/token", svc->cfg.issuer);
        int64_t now = time_now();
        enum client_assertion_verdict verdict = client_assertion_verify(
            &parsed, keys, parsed.iss, svc->cfg.issuer, token_endpoint, now, why);
        if (verdict == CLIENT_ASSERTION_BAD_CLAIMS) {
            result = CLIENT_AUTH_REFUSED;
        } else if (verdict == CLIENT_ASSERTION_OK) {
            /* Only a correctly signed assertion reaches the replay cache, so nobody
             * else can fill it or burn a client's jti. */
            unsigned char key[REPLAY_CACHE_KEY_LEN];
            replay_cache_key(parsed.iss, parsed.jti, key);
            switch (replay_cache_check_and_remember(svc->assertion_replay, key,
                                                    parsed.exp + CLIENT_ASSERTION_SKEW, now)) {
            case REPLAY_FRESH:
                result = CLIENT_AUTH_OK;
                break;
            case REPLAY_SEEN:
                *why = "assertion jti was already used";
                metrics_count_assertion_replay(svc->metrics);
                result = CLIENT_AUTH_REFUSED;
                break;
            case REPLAY_FULL:
            default:
                log_event(LOG_ERROR, "assertion replay cache is full "
                                     "(TENANTD_ASSERTION_REPLAY_MAX); refusing private_key_jwt");
                result = CLIENT_AUTH_UNAVAILABLE;
                break;
            }
        }
    }
    client_jwks_release(keys);
    if (result == CLIENT_AUTH_OK) {
        metrics_count_private_key_jwt_auth(svc->metrics);
        client_assertion_free(&parsed);
        return result;
    }
    if (result == CLIENT_AUTH_UNAVAILABLE) {
        memset(facts, 0, sizeof *facts);
        client_assertion_free(&parsed);
        return result;
    }
    result = client_auth_failed(svc, remote_addr, parsed.iss, result, facts, retry_after);
    client_assertion_free(&parsed);
    return result;
}

enum client_auth_result client_auth_authenticate(struct service *svc, const char *remote_addr,
                                                 const struct client_credentials *cred,
                                                 struct app_facts *facts, char *claims,
                                                 size_t claims_cap, int *retry_after,
                                                 const char **why)
{
    *why = NULL;
    if (cred->method == CLIENT_AUTH_JWT)
        return client_auth_verify_assertion(svc, remote_addr, cred->client_id,
                                            cred->client_assertion, facts, claims, claims_cap,
                                            retry_after, why);
    return client_auth_verify(svc, remote_addr, cred->client_id, cred->client_secret, facts, claims,
                              claims_cap, retry_after);
}

void client_auth_reply_refusal(struct http_reply *reply, enum client_auth_result result, bool basic,
                               int retry_after, const char *why)
{
    if (result == CLIENT_AUTH_REFUSED) {
        oauth_reply_error(reply, 401, "invalid_client", why ? why : "client authentication failed");
        return;
    }
    client_auth_reply_failure(reply, result, basic, retry_after);
}

void client_auth_reply_failure(struct http_reply *reply, enum client_auth_result result, bool basic,
                               int retry_after)
{
    switch (result) {
    case CLIENT_AUTH_THROTTLED: {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%d", retry_after > 0 ? retry_after : 1);
        oauth_reply_error(reply, 429, "too_many_requests",
                          "too many failed client authentications; retry later");
        reply_header(reply, "Retry-After", seconds);
        return;
    }
    case CLIENT_AUTH_UNAVAILABLE:
        oauth_reply_error(reply, 503, "temporarily_unavailable",
                          "the service cannot check clients right now");
        reply_header(reply, "Retry-After", "1");
        return;
    case CLIENT_AUTH_FAILED:
    case CLIENT_AUTH_REFUSED:
    default:
        oauth_reply_error(reply, 401, "invalid_client", "client authentication failed");
        if (basic)
            client_auth_challenge(reply);
        return;
    }
}
