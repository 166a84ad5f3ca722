/*
 * tests/fuzz/fuzz_client_assertion.c — libFuzzer harness for private_key_jwt
 * (src/oauth/client_assertion.c): the JWK set a tenant pastes and the assertion a
 * client sends, both untrusted.
 *
 * The first input byte picks the target; the rest is the input:
 *   0  the bytes are a JWK set (JSON text) for client_jwks_validate. When it is
 *      accepted: the normalised text loads (client_jwks_load) with 1..3 keys, has
 *      no private member, and validates again to the very same text;
 *   1  the bytes are an assertion (compact JWS) checked against a fixed Ed25519
 *      key: it must never verify (nobody but this harness holds the private key);
 *   2  the bytes are the assertion's claims JSON, signed with that fixed key under
 *      {"alg":"EdDSA"}: what happens after the signature. When accepted, iss = sub
 *      = the client, aud names the issuer or the token endpoint, exp is within the
 *      allowed window and jti is non-empty;
 *   3  the bytes are a DPoP proof (src/oauth/dpop.c dpop_proof_check, RFC 9449):
 *      an accepted one yields a 43-character thumbprint; a refusal always says why.
 * Abort on any violated invariant, besides memory safety (ASan/UBSan).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "crypto/base64url.h"
#include "oauth/client_assertion.h"
#include "oauth/dpop.h"

#define CLIENT "tdc_fuzzclient000000000000"
#define ISSUER "https://issuer.example"
#define TOKEN_ENDPOINT "https://issuer.example/connect/token"
#define NOW 1700000000

static EVP_PKEY *signer;
static struct client_jwks *keys;

static void setup(void)
{
    if (signer)
        return;
    unsigned char seed[32];
    for (size_t i = 0; i < sizeof seed; i++)
        seed[i] = (unsigned char)(i * 7 + 1);
    signer = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    unsigned char pub[32];
    size_t pub_len = sizeof pub;
    char x[64], jwks[256];
    if (!signer || EVP_PKEY_get_raw_public_key(signer, pub, &pub_len) != 1 ||
        base64url_encode(pub, pub_len, x, sizeof x) == 0)
        abort();
    snprintf(jwks, sizeof jwks, "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}]}",
             x);
    keys = client_jwks_load(jwks);
    if (!keys)
        abort();
}

static void check_set(const uint8_t *data, size_t size)
{
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!doc)
        return;
    struct problem p = {0};
    char *normalized = NULL;
    if (client_jwks_validate(doc, &normalized, &p)) {
        struct client_jwks *loaded = client_jwks_load(normalized);
        if (!loaded || client_jwks_count(loaded) < 1 || client_jwks_count(loaded) > 3)
            abort();
        client_jwks_release(loaded);
        json_t *again = json_loads(normalized, 0, NULL);
        size_t i;
        json_t *k;
        json_array_foreach(json_object_get(again, "keys"), i, k)
        {
            static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
            for (size_t m = 0; m < sizeof private_members / sizeof *private_members; m++)
                if (json_object_get(k, private_members[m]))
                    abort();
        }
        char *twice = NULL;
        struct problem p2 = {0};
        if (!client_jwks_validate(again, &twice, &p2) || strcmp(twice, normalized) != 0)
            abort();
        free(twice);
        json_decref(again);
    }
    free(normalized);
    json_decref(doc);
}

static void check_forged(const uint8_t *data, size_t size)
{
    struct client_assertion a;
    if (client_assertion_parse((const char *)data, size, &a)) {
        const char *why = NULL;
        if (client_assertion_verify(&a, keys, CLIENT, ISSUER, TOKEN_ENDPOINT, NOW, &why) ==
            CLIENT_ASSERTION_OK)
            abort();
    }
    client_assertion_free(&a);
}

static void check_signed_claims(const uint8_t *data, size_t size)
{
    static const char header[] = "{\"alg\":\"EdDSA\"}";
    size_t hlen = base64url_encoded_len(sizeof header - 1);
    size_t clen = base64url_encoded_len(size);
    size_t cap = hlen + 1 + clen + 1 + 90;
    if (cap > CLIENT_ASSERTION_MAX + 100)
        return;
    char *jwt = malloc(cap);
    if (!jwt)
        abort();
    size_t n = base64url_encode((const unsigned char *)header, sizeof header - 1, jwt, cap);
    jwt[n++] = '.';
    n += base64url_encode(data, size, jwt + n, cap - n);
    unsigned char sig[64];
    size_t sig_len = sizeof sig;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, NULL, NULL, signer) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)jwt, n) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    jwt[n++] = '.';
    n += base64url_encode(sig, sig_len, jwt + n, cap - n);
    struct client_assertion a;
    if (client_assertion_parse(jwt, n, &a)) {
        const char *why = NULL;
        enum client_assertion_verdict v =
            client_assertion_verify(&a, keys, CLIENT, ISSUER, TOKEN_ENDPOINT, NOW, &why);
        if (v == CLIENT_ASSERTION_BAD_SIGNATURE)
            abort(); /* it is correctly signed */
        if (v == CLIENT_ASSERTION_OK) {
            if (strcmp(a.iss, CLIENT) != 0 || strcmp(a.sub, CLIENT) != 0 || !a.jti[0] ||
                !a.has_exp || a.exp + CLIENT_ASSERTION_SKEW <= NOW ||
                a.exp > NOW + CLIENT_ASSERTION_MAX_LIFETIME + CLIENT_ASSERTION_SKEW || !a.aud)
                abort();
        } else if (!why) {
            abort();
        }
    }
    client_assertion_free(&a);
    free(jwt);
}

static void check_dpop(const uint8_t *data, size_t size)
{
    char jkt[DPOP_JKT_SIZE];
    const char *why =
        dpop_proof_check((const char *)data, size, "POST", TOKEN_ENDPOINT, NOW, NULL, jkt);
    if (why ? jkt[0] != 0 : strlen(jkt) != 43)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    if (size < 1)
        return 0;
    switch (data[0] % 4) {
    case 0:
        check_set(data + 1, size - 1);
        break;
    case 1:
        check_forged(data + 1, size - 1);
        break;
    case 2:
        check_signed_claims(data + 1, size - 1);
        break;
    default:
        check_dpop(data + 1, size - 1);
        break;
    }
    return 0;
}
