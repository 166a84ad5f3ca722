/*
 * client_assertion.h — private_key_jwt client authentication (RFC 7523 §2.2,
 * OIDC Core §9, SPEC §3.7): an app's public JWK set, and the JWT assertions its
 * backend signs with the matching private keys instead of sending a shared secret.
 *
 * Two halves:
 *
 *  - The JWK set (admin edge and app cache). client_jwks_validate checks a set a
 *    tenant pasted — 1..3 public keys, EC P-256 / RSA 2048..4096 / Ed25519, no
 *    private members, no duplicate kid or key, alg (when given) fitting the key —
 *    and returns its normalised text (every key with kty, its public members, kid
 *    — the RFC 7638 thumbprint when none was given — alg and use "sig"), which is
 *    what the store keeps. client_jwks_load turns stored text into verification
 *    keys (OpenSSL EVP via oauth/jws.h) shared, reference-counted, by the cache.
 *
 *  - The assertion (token path). client_assertion_parse decodes an untrusted
 *    compact JWS's header and claims once; client_assertion_verify checks it
 *    against an app's keys: alg from the key's type only (never "none", never a
 *    MAC), the signature, then iss = sub = client_id, aud = the token endpoint URL
 *    or the issuer, exp required and at most CLIENT_ASSERTION_MAX_LIFETIME ahead,
 *    iat and nbf not in the future beyond CLIENT_ASSERTION_SKEW, jti required.
 *    Replay of a jti is the caller's check (oauth/replay_cache.h), made only once
 *    the signature is good.
 */
#ifndef TENANTD_OAUTH_CLIENT_ASSERTION_H
#define TENANTD_OAUTH_CLIENT_ASSERTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/problem.h"

#define CLIENT_JWKS_MAX_KEYS 3
/* Largest JWK set accepted (serialised as sent): three RSA-4096 keys fit twice over. */
#define CLIENT_JWKS_TEXT_MAX 8192
/* Largest assertion read (the compact JWS text). */
#define CLIENT_ASSERTION_MAX 8192
/* exp may be at most this far ahead of now (SPEC §3.7). */
#define CLIENT_ASSERTION_MAX_LIFETIME 300
/* Clock difference tolerated between a client and this server, seconds. */
#define CLIENT_ASSERTION_SKEW 30
#define CLIENT_ASSERTION_JTI_MAX 256
#define CLIENT_ASSERTION_ID_MAX 128

#define CLIENT_ASSERTION_TYPE_JWT "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* An app's verification keys: immutable once loaded, shared by reference. */
struct client_jwks;

/*
 * Contract: jwks is untrusted (the body's "jwks" member). On success returns true
 * and *normalized is the malloc'd compact JSON text {"keys":[...]} to store. On
 * failure fills p (400) naming the field "jwks" or "jwks.keys[i]" with one of:
 * invalid_jwks (not {"keys":[...]}), too_many_keys (0 or more than 3),
 * jwks_too_large, invalid_jwk, private_key_material, unsupported_key_type,
 * weak_key (RSA under 2048 bits), duplicate_kid, duplicate_key.
 */
bool client_jwks_validate(const json_t *jwks, char **normalized, struct problem *p);

/* Loads stored (normalised) JWKS text into verification keys, one reference;
 * NULL when it does not parse. Release with client_jwks_release. */
struct client_jwks *client_jwks_load(const char *text);
void client_jwks_acquire(struct client_jwks *keys);
void client_jwks_release(struct client_jwks *keys);
size_t client_jwks_count(const struct client_jwks *keys);

/* An assertion's header and claims, decoded once (strings copied). */
struct client_assertion {
    const char *jwt; /* the compact JWS (borrowed) */
    size_t jwt_len;
    char alg[16];
    char kid[CLIENT_ASSERTION_ID_MAX + 1]; /* "" when absent */
    char iss[CLIENT_ASSERTION_ID_MAX + 1];
    char sub[CLIENT_ASSERTION_ID_MAX + 1];
    char jti[CLIENT_ASSERTION_JTI_MAX + 1];
    json_t *aud; /* string or array (owned), NULL when absent */
    bool has_exp, has_iat, has_nbf;
    int64_t exp, iat, nbf;
};

/*
 * Contract: jwt is untrusted (the client_assertion form field). Decodes the three
 * parts (strict base64url, header and claims JSON objects, at most
 * CLIENT_ASSERTION_MAX bytes) into *out. Claims of the wrong type (iss not a
 * string, exp not an integer, ...) fail here. false when malformed; always call
 * client_assertion_free.
 */
bool client_assertion_parse(const char *jwt, size_t len, struct client_assertion *out);
void client_assertion_free(struct client_assertion *a);

enum client_assertion_verdict {
    CLIENT_ASSERTION_OK = 0,
    CLIENT_ASSERTION_BAD_SIGNATURE, /* no key verifies it (or alg unusable): say nothing */
    CLIENT_ASSERTION_BAD_CLAIMS,    /* signed by the client, but refused: *why says why */
};

/*
 * Verifies a parsed assertion for client_id against keys: the header's alg must
 * be the algorithm of the key that verifies it ("ES256" for P-256, "RS256" for
 * RSA, "EdDSA" or "Ed25519" for Ed25519; a kid, when given, selects the key),
 * then the claims against issuer, token_endpoint and now (unix seconds). *why
 * gets a constant description for CLIENT_ASSERTION_BAD_CLAIMS.
 */
enum client_assertion_verdict client_assertion_verify(const struct client_assertion *a,
                                                      const struct client_jwks *keys,
                                                      const char *client_id, const char *issuer,
                                                      const char *token_endpoint, int64_t now,
                                                      const char **why);

#endif
