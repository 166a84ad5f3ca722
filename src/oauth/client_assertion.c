/*
 * client_assertion.c — private_key_jwt: app JWK sets and client assertions (see
 * client_assertion.h). Keys and signatures go through oauth/jws.c (OpenSSL EVP);
 * this file only decides which key and which claims.
 */
#include "oauth/client_assertion.h"

#include <ctype.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oauth/jws.h"

struct client_jwks {
    atomic_int refs;
    size_t count;
    struct jws_key *keys[CLIENT_JWKS_MAX_KEYS];
};

/* ---- the JWK set --------------------------------------------------------- */

/* Members that only a private (or symmetric) key has. */
static const char *const client_jwks_private_members[] = {"d",  "p",  "q",   "dp",
                                                          "dq", "qi", "oth", "k"};

/* A kid is 1..CLIENT_ASSERTION_ID_MAX printable ASCII characters. */
static bool client_jwks_kid_is_valid(const char *kid)
{
    size_t n = strlen(kid);
    if (n == 0 || n > CLIENT_ASSERTION_ID_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (kid[i] < 0x21 || kid[i] > 0x7e)
            return false;
    return true;
}

/* Checks one untrusted JWK up to the point where jws.c can load it. Fills p with
 * field "jwks.keys[i]" and returns false on the first problem. */
static bool client_jwks_check_member_rules(const json_t *jwk, const char *field, struct problem *p)
{
    if (!json_is_object(jwk)) {
        problem_set(p, 400, "invalid_jwk", field, "%s must be a JSON object (a JWK)", field);
        return false;
    }
    for (size_t i = 0; i < sizeof client_jwks_private_members / sizeof *client_jwks_private_members;
         i++)
        if (json_object_get(jwk, client_jwks_private_members[i])) {
            problem_set(p, 400, "private_key_material", field,
                        "%s holds private key material (\"%s\"): paste only the public key", field,
                        client_jwks_private_members[i]);
            return false;
        }
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *want_alg = NULL;
    if (!kty) {
        problem_set(p, 400, "invalid_jwk", field, "%s needs \"kty\"", field);
        return false;
    }
    if (strcmp(kty, "oct") == 0) {
        problem_set(p, 400, "private_key_material", field,
                    "%s is a symmetric key: private_key_jwt needs a public key", field);
        return false;
    }
    if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0) {
        want_alg = "ES256";
    } else if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0) {
        want_alg = "EdDSA";
    } else if (strcmp(kty, "RSA") == 0) {
        want_alg = "RS256";
        const char *n = json_string_value(json_object_get(jwk, "n"));
        size_t bits = n ? strlen(n) * 6 : 0; /* base64url: 6 bits per character */
        if (n && bits < 2048 - 6) {
            problem_set(p, 400, "weak_key", field,
                        "%s is an RSA key of about %zu bits: at least 2048 are required", field,
                        bits);
            return false;
        }
        if (n && bits > 4096 + 6) {
            problem_set(p, 400, "unsupported_key_type", field,
                        "%s is an RSA key over 4096 bits: use 2048 to 4096", field);
            return false;
        }
    } else {
        problem_set(p, 400, "unsupported_key_type", field,
                    "%s must be an EC P-256, RSA (2048-4096 bits) or Ed25519 (OKP) key", field);
        return false;
    }
    if (json_object_get(jwk, "alg") && !alg) {
        problem_set(p, 400, "invalid_jwk", field, "%s \"alg\" must be a string", field);
        return false;
    }
    if (alg) {
        enum jws_alg parsed;
        bool fits = jws_alg_parse(alg, &parsed) &&
                    ((strcmp(want_alg, "ES256") == 0 && parsed == JWS_ES256) ||
                     (strcmp(want_alg, "RS256") == 0 && parsed == JWS_RS256) ||
                     (strcmp(want_alg, "EdDSA") == 0 && parsed == JWS_EDDSA));
        if (!fits) {
            problem_set(p, 400, "invalid_jwk", field,
                        "%s \"alg\" does not fit the key: use %s%s (or leave it out)", field,
                        want_alg, strcmp(want_alg, "EdDSA") == 0 ? " or Ed25519" : "");
            return false;
        }
    }
    const json_t *use = json_object_get(jwk, "use");
    if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0)) {
        problem_set(p, 400, "invalid_jwk", field, "%s \"use\" must be \"sig\"", field);
        return false;
    }
    const json_t *ops = json_object_get(jwk, "key_ops");
    if (ops) {
        bool verify = false, ok = json_is_array(ops);
        size_t i;
        const json_t *op;
        json_array_foreach(ops, i, op)
        {
            const char *s = json_string_value(op);
            if (!s || (strcmp(s, "verify") != 0 && strcmp(s, "sign") != 0))
                ok = false;
            else if (strcmp(s, "verify") == 0)
                verify = true;
        }
        if (!ok || !verify) {
            problem_set(p, 400, "invalid_jwk", field, "%s \"key_ops\" must allow \"verify\"",
                        field);
            return false;
        }
    }
    const json_t *kid = json_object_get(jwk, "kid");
    if (kid && (!json_is_string(kid) || !client_jwks_kid_is_valid(json_string_value(kid)))) {
        problem_set(p, 400, "invalid_jwk", field,
                    "%s \"kid\" must be 1 to 128 printable ASCII characters", field);
        return false;
    }
    return true;
}

bool client_jwks_validate(const json_t *jwks, char **normalized, struct problem *p)
{
    *normalized = NULL;
    const json_t *keys = json_is_object(jwks) ? json_object_get(jwks, "keys") : NULL;
    if (!json_is_array(keys)) {
        problem_set(p, 400, "invalid_jwks", "jwks",
                    "jwks must be a JWK set: {\"keys\": [ ...public keys... ]}");
        return false;
    }
    size_t count = json_array_size(keys);
    if (count == 0) {
        problem_set(p, 400, "invalid_jwks", "jwks.keys", "jwks.keys must hold 1 to 3 keys");
        return false;
    }
    if (count > CLIENT_JWKS_MAX_KEYS) {
        problem_set(p, 400, "too_many_keys", "jwks.keys",
                    "jwks.keys holds %zu keys: at most 3 are allowed", count);
        return false;
    }
    char *sent = json_dumps(jwks, JSON_COMPACT);
    size_t sent_len = sent ? strlen(sent) : 0;
    free(sent);
    if (sent_len > CLIENT_JWKS_TEXT_MAX) {
        problem_set(p, 400, "jwks_too_large", "jwks", "jwks is %zu bytes: at most %d are accepted",
                    sent_len, CLIENT_JWKS_TEXT_MAX);
        return false;
    }
    struct jws_key *loaded[CLIENT_JWKS_MAX_KEYS] = {0};
    json_t *out_keys = json_array();
    bool ok = out_keys != NULL;
    for (size_t i = 0; ok && i < count; i++) {
        char field[32];
        snprintf(field, sizeof field, "jwks.keys[%zu]", i);
        const json_t *jwk = json_array_get(keys, i);
        if (!client_jwks_check_member_rules(jwk, field, p)) {
            ok = false;
            break;
        }
        loaded[i] = jws_key_from_public_jwk(jwk);
        if (!loaded[i]) {
            problem_set(p, 400, "invalid_jwk", field,
                        "%s is not a valid public key (check its members: x and y on the curve, "
                        "or n and e, unpadded base64url)",
                        field);
            ok = false;
            break;
        }
        char thumb[JWS_THUMBPRINT_SIZE], other[JWS_THUMBPRINT_SIZE];
        jws_key_thumbprint(loaded[i], thumb);
        for (size_t j = 0; j < i; j++) {
            jws_key_thumbprint(loaded[j], other);
            if (strcmp(jws_key_kid(loaded[j]), jws_key_kid(loaded[i])) == 0) {
                problem_set(p, 400, "duplicate_kid", field, "%s repeats the kid \"%s\"", field,
                            jws_key_kid(loaded[i]));
                ok = false;
            } else if (strcmp(thumb, other) == 0) {
                problem_set(p, 400, "duplicate_key", field, "%s repeats an earlier key", field);
                ok = false;
            }
            if (!ok)
                break;
        }
        json_t *pub =
            ok ? jws_key_public_jwk(loaded[i], json_string_value(json_object_get(jwk, "alg")))
               : NULL;
        if (ok && (!pub || json_array_append_new(out_keys, pub) != 0)) {
            problem_set(p, 500, "internal", NULL, "out of memory");
            ok = false;
        }
    }
    for (size_t i = 0; i < CLIENT_JWKS_MAX_KEYS; i++)
        jws_key_free(loaded[i]);
    if (ok) {
        json_t *doc = json_pack("{s:o}", "keys", out_keys);
        out_keys = NULL;
        *normalized = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        if (!*normalized) {
            problem_set(p, 500, "internal", NULL, "out of memory");
            ok = false;
        }
    }
    json_decref(out_keys);
    return ok;
}

struct client_jwks *client_jwks_load(const char *text)
{
    if (!text)
        return NULL;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    const json_t *keys = json_object_get(doc, "keys");
    size_t count = json_array_size(keys);
    struct client_jwks *set = NULL;
    if (json_is_array(keys) && count > 0 && count <= CLIENT_JWKS_MAX_KEYS)
        set = calloc(1, sizeof *set);
    for (size_t i = 0; set && i < count; i++) {
        set->keys[i] = jws_key_from_validated_jwk(json_array_get(keys, i));
        if (!set->keys[i]) {
            for (size_t j = 0; j < i; j++)
                jws_key_free(set->keys[j]);
            free(set);
            set = NULL;
        }
    }
    if (set) {
        set->count = count;
        atomic_init(&set->refs, 1);
    }
    json_decref(doc);
    return set;
}

void client_jwks_acquire(struct client_jwks *keys)
{
    if (keys)
        atomic_fetch_add_explicit(&keys->refs, 1, memory_order_relaxed);
}

void client_jwks_release(struct client_jwks *keys)
{
    if (!keys || atomic_fetch_sub_explicit(&keys->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < keys->count; i++)
        jws_key_free(keys->keys[i]);
    free(keys);
}

size_t client_jwks_count(const struct client_jwks *keys)
{
    return keys ? keys->count : 0;
}

/* ---- the assertion ------------------------------------------------------- */

/* Its parts are decoded by jws_part_object, whose buffer holds a whole assertion. */
_Static_assert(CLIENT_ASSERTION_MAX <= JWS_PART_MAX, "a part may be as long as the whole token");

/* Copies an optional string member into out (bounded); false when present but
 * not a string, empty, or too long. */
static bool client_assertion_string(const json_t *obj, const char *key, char *out, size_t size)
{
    out[0] = 0;
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return true;
    const char *s = json_string_value(v);
    if (!s || !*s || strlen(s) >= size)
        return false;
    memcpy(out, s, strlen(s) + 1);
    return true;
}

/* An optional NumericDate (integer, or a number with a fraction: floored). */
static bool client_assertion_time(const json_t *obj, const char *key, bool *has, int64_t *out)
{
    const json_t *v = json_object_get(obj, key);
    *has = v != NULL;
    if (!v)
        return true;
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!isfinite(d) || d < -9e15 || d > 9e15)
            return false;
        *out = (int64_t)floor(d);
        return true;
    }
    return false;
}

bool client_assertion_parse(const char *jwt, size_t len, struct client_assertion *out)
{
    memset(out, 0, sizeof *out);
    out->jwt = jwt;
    out->jwt_len = len;
    if (!jwt || len == 0 || len > CLIENT_ASSERTION_MAX)
        return false;
    const char *dot1 = memchr(jwt, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - jwt)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - jwt)) || dot2 + 1 == jwt + len)
        return false;
    json_t *header = jws_part_object(jwt, (size_t)(dot1 - jwt));
    json_t *claims = header ? jws_part_object(dot1 + 1, (size_t)(dot2 - dot1 - 1)) : NULL;
    bool ok = header && claims;
    if (ok) {
        const char *typ = json_string_value(json_object_get(header, "typ"));
        ok = client_assertion_string(header, "alg", out->alg, sizeof out->alg) && out->alg[0] &&
             client_assertion_string(header, "kid", out->kid, sizeof out->kid) &&
             /* no extension we would have to understand */
             !json_object_get(header, "crit") &&
             /* a JWT of another kind (access token, DPoP proof) is not an assertion */
             (!json_object_get(header, "typ") ||
              (typ &&
               (strcasecmp(typ, "JWT") == 0 || strcasecmp(typ, "client-authentication+jwt") == 0)));
    }
    if (ok) {
        const json_t *aud = json_object_get(claims, "aud");
        ok = client_assertion_string(claims, "iss", out->iss, sizeof out->iss) &&
             client_assertion_string(claims, "sub", out->sub, sizeof out->sub) &&
             client_assertion_string(claims, "jti", out->jti, sizeof out->jti) &&
             client_assertion_time(claims, "exp", &out->has_exp, &out->exp) &&
             client_assertion_time(claims, "iat", &out->has_iat, &out->iat) &&
             client_assertion_time(claims, "nbf", &out->has_nbf, &out->nbf) &&
             (!aud || json_is_string(aud) || json_is_array(aud));
        if (ok && aud)
            out->aud = json_incref((json_t *)aud);
    }
    json_decref(header);
    json_decref(claims);
    return ok;
}

void client_assertion_free(struct client_assertion *a)
{
    if (!a)
        return;
    json_decref(a->aud);
    a->aud = NULL;
}

/* Does aud (string or array of strings) name issuer or token_endpoint? */
static bool client_assertion_audience_ok(const json_t *aud, const char *issuer,
                                         const char *token_endpoint)
{
    if (json_is_string(aud)) {
        const char *s = json_string_value(aud);
        return strcmp(s, issuer) == 0 || strcmp(s, token_endpoint) == 0;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && client_assertion_audience_ok(v, issuer, token_endpoint))
            return true;
    }
    return false;
}

enum client_assertion_verdict client_assertion_verify(const struct client_assertion *a,
                                                      const struct client_jwks *keys,
                                                      const char *client_id, const char *issuer,
                                                      const char *token_endpoint, int64_t now,
                                                      const char **why)
{
    *why = NULL;
    enum jws_alg alg;
    if (!keys || !jws_alg_parse(a->alg, &alg)) /* refuses "none" and every MAC */
        return CLIENT_ASSERTION_BAD_SIGNATURE;
    bool verified = false;
    for (size_t i = 0; i < keys->count && !verified; i++) {
        const struct jws_key *k = keys->keys[i];
        if (a->kid[0] && strcmp(a->kid, jws_key_kid(k)) != 0)
            continue;
        if (jws_key_alg(k) != alg) /* alg from the key's type, never from the header alone */
            continue;
        verified = jws_verify_compact(k, a->jwt, a->jwt_len);
    }
    if (!verified)
        return CLIENT_ASSERTION_BAD_SIGNATURE;
    if (strcmp(a->iss, client_id) != 0 || strcmp(a->sub, client_id) != 0)
        *why = "assertion iss and sub must both be the client_id";
    else if (!a->aud || !client_assertion_audience_ok(a->aud, issuer, token_endpoint))
        *why = "assertion aud must be the token endpoint URL or the issuer";
    else if (!a->has_exp)
        *why = "assertion has no exp";
    else if (a->exp + CLIENT_ASSERTION_SKEW <= now)
        *why = "assertion has expired";
    else if (a->exp > now + CLIENT_ASSERTION_MAX_LIFETIME + CLIENT_ASSERTION_SKEW)
        *why = "assertion exp is more than 300 seconds ahead";
    else if (a->has_iat && a->iat > now + CLIENT_ASSERTION_SKEW)
        *why = "assertion iat is in the future";
    else if (a->has_nbf && a->nbf > now + CLIENT_ASSERTION_SKEW)
        *why = "assertion is not valid yet (nbf)";
    else if (!a->jti[0])
        *why = "assertion has no jti";
    return *why ? CLIENT_ASSERTION_BAD_CLAIMS : CLIENT_ASSERTION_OK;
}
