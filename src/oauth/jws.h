/*
 * oauth/jws.h — JWS compact serialization (RFC 7515) signing and
 * verification for JWT access tokens, with the three algorithms tenantd
 * offers: ES256 (P-256, default), RS256 (RSA >= 2048) and Ed25519 (RFC 8037
 * OKP key; header name "Ed25519" per RFC 9864, or the older "EdDSA").
 *
 * This is the signing step of the token hot path: jws_sign_compact does no
 * JSON work and no heap allocation once a thread has signed with a key; it
 * reuses per-thread OpenSSL contexts (see jws.c). Keys are immutable after
 * setup and may be shared by any number of threads.
 *
 * Key ids default to the RFC 7638 JWK thumbprint (SHA-256, base64url).
 */
#ifndef TENANTD_OAUTH_JWS_H
#define TENANTD_OAUTH_JWS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

enum jws_alg {
    JWS_ES256,
    JWS_RS256,
    JWS_EDDSA, /* Ed25519 key; header name "Ed25519" (RFC 9864) or "EdDSA" (RFC 8037) */
};

/* Largest signature any supported key produces (RSA-4096), in bytes. */
#define JWS_SIGNATURE_MAX 512
/* Thumbprint buffer: 43 base64url chars + NUL. */
#define JWS_THUMBPRINT_SIZE 44

/* Every "alg" name this server knows, NULL-terminated, in the order the metadata
 * lists them: "ES256", "RS256", "EdDSA", "Ed25519" (the last two both name Ed25519).
 * The one list: TENANTD_SIGNING_ALG (config.c), the metadata's *_alg_values_supported
 * (metadata.c) and every "alg" accepted on input (jws_alg_parse) come from it. */
extern const char *const jws_alg_names[];

/* Parses an "alg" name: one of jws_alg_names (exact, case-sensitive; untrusted
 * input is fine). Returns false for anything else (including "none" and HMAC
 * algorithms). */
bool jws_alg_parse(const char *s, enum jws_alg *out);

/* The default header/JWK name of alg: "ES256", "RS256" or "Ed25519". */
const char *jws_alg_name(enum jws_alg alg);

struct jws_key; /* opaque: EVP_PKEY + alg + kid + cached public JWK members */

/* Generates a fresh key: P-256 for ES256, RSA-2048 (e=65537) for RS256,
 * Ed25519 for EdDSA. kid = its thumbprint. NULL on failure. Free with
 * jws_key_free. */
struct jws_key *jws_key_generate(enum jws_alg alg);

/* Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of the private key,
 * malloc'd and NUL-terminated; the caller encrypts it at rest (aead_seal),
 * then wipes and frees it (crypto_wipe(p, strlen(p)); free(p)). NULL for a
 * public-only key or on failure. */
char *jws_key_private_pem(const struct jws_key *k);

/* Loads a private key from PEM (PKCS#8, or a traditional EC/RSA PEM; never an
 * encrypted one — no passphrase prompt). The key type must fit alg: a P-256
 * EC key for ES256, RSA 2048..4096 bits for RS256, Ed25519 for EdDSA;
 * anything else returns NULL. kid NULL or "" means the thumbprint. The PEM
 * comes from our own store after aead_open, but is still checked. */
struct jws_key *jws_key_from_private_pem(const char *pem, enum jws_alg alg, const char *kid);

/* Builds a verification-only key from a public JWK (untrusted JSON):
 * {"kty":"EC","crv":"P-256","x","y"}, {"kty":"RSA","n","e"} (2048..4096
 * bits) or {"kty":"OKP","crv":"Ed25519","x"}. Members are strict unpadded
 * base64url of the exact sizes; EC points must be on the curve. Optional
 * "alg" must name an algorithm that fits the key (it selects "EdDSA" vs
 * "Ed25519" only cosmetically: both verify the same); optional "use" must be
 * "sig"; "kid" (string) becomes the kid, else the thumbprint. Private members
 * ("d", ...) are ignored. NULL on any violation. */
struct jws_key *jws_key_from_public_jwk(const json_t *jwk);

/* The same for a JWK that jws_key_from_public_jwk already accepted (an app's stored,
 * normalized JWK set), without OpenSSL's public-key check. That check is
 * probabilistic for RSA (Miller-Rabin with random bases may expose a factor of an
 * odd modulus), so running it again on load could refuse a key that was accepted:
 * found by fuzz_client_assertion. The member rules still apply; EC points are still
 * decoded onto the curve. */
struct jws_key *jws_key_from_validated_jwk(const json_t *jwk);

/* Replaces the key id (copied; NULL or "" means the thumbprint). Call it
 * before the key is shared between threads. */
void jws_key_set_kid(struct jws_key *k, const char *kid);

/* The key id; valid until the next jws_key_set_kid or jws_key_free. */
const char *jws_key_kid(const struct jws_key *k);

enum jws_alg jws_key_alg(const struct jws_key *k);

/* True when the key holds private material (can sign). */
bool jws_key_can_sign(const struct jws_key *k);

/* RFC 7638 JWK thumbprint: base64url(SHA-256(canonical public JWK)), 43
 * chars + NUL into out. Returns true (false only for a NULL key). */
bool jws_key_thumbprint(const struct jws_key *k, char out[44]);

/* The public JWK as a new jansson object (caller owns the reference):
 * kty, crv+x+y (EC), n+e (RSA), crv+x (OKP), kid, alg, use:"sig".
 * alg_name NULL means jws_alg_name(alg); otherwise it must parse (jws_alg_parse)
 * to the key's algorithm, e.g. "EdDSA" for an Ed25519 key. NULL on mismatch
 * or allocation failure. Never contains private members. */
json_t *jws_key_public_jwk(const struct jws_key *k, const char *alg_name);

/* Frees the key (NULL is fine). The private key is wiped when the last
 * reference drops: per-thread signing contexts of other threads may keep it
 * alive until those threads sign with another key or exit. */
void jws_key_free(struct jws_key *k);

/* Characters jws_sign_compact appends for this key: "." + base64url
 * signature (not counting the NUL). Size out with input_len + this + 1. */
size_t jws_signature_suffix_len(const struct jws_key *k);

/* Signs out[0..input_len) (the JWS signing input "b64(header).b64(payload)",
 * already in the buffer) and appends "." + base64url(signature) and a NUL.
 * ES256 signatures are raw R||S (64 bytes) as JWA requires, not DER.
 * Returns the token length (excluding NUL), or 0 on failure (out too small:
 * it needs input_len + jws_signature_suffix_len(k) + 1 bytes; a
 * public-only key; OpenSSL failure). Thread-safe, including concurrent use
 * of the same key. */
size_t jws_sign_compact(const struct jws_key *k, char *out, size_t input_len, size_t out_size);

/* Verifies the compact JWS token[0..token_len) ("h.p.s", untrusted; need not
 * be NUL-terminated) against this key using the key's algorithm. Checks only
 * the shape (exactly two dots, strict base64url signature of the right size)
 * and the signature: it does not decode the header or claims, so the caller
 * must still check the header's alg/kid/typ and the claims. Thread-safe. */
bool jws_verify_compact(const struct jws_key *k, const char *token, size_t token_len);

/* Largest decoded header or claims part jws_part_object reads. */
#define JWS_PART_MAX 8192

/* Decodes one base64url part of an untrusted compact JWS (its header or claims) as a
 * JSON object (new reference), or NULL when the part is empty, not strict base64url,
 * over JWS_PART_MAX bytes decoded, not JSON, or not an object (duplicate names are
 * refused). Shared by the client assertion and DPoP proof readers. */
json_t *jws_part_object(const char *b64, size_t len);

#endif
