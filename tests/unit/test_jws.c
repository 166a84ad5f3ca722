/*
 * tests/unit/test_jws.c — JWS compact signing and verification
 * (src/oauth/jws.c) against the published examples:
 *   RFC 7515 A.2 (RS256, deterministic: exact signature),
 *   RFC 7515 A.3 (ES256: verify the RFC's token; our signatures are raw R||S),
 *   RFC 8037 A.4/A.5 (Ed25519, deterministic: exact signature; verify),
 *   RFC 7638 §3.1 and RFC 8037 A.3 (JWK thumbprints),
 * plus tamper, wrong-key, PEM and JWK round trips, JWK import rejects,
 * buffer contracts, context-cache eviction and concurrent signing.
 *
 * The RFC private keys are JWKs; the test turns them into PKCS#8 PEM with
 * OpenSSL directly and loads them through jws_key_from_private_pem, so the
 * production PEM path is what signs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "crypto/base64url.h"
#include "oauth/jws.h"

/* ---- RFC material ---------------------------------------------------- */

/* RFC 7515 A.1-A.3 payload, base64url. */
#define RFC7515_PAYLOAD                                                                            \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0"     \
    "cnVlfQ"

/* RFC 7515 A.2: RS256 key and result. */
static const char *const a2_n =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-"
    "4qPCJrcS2mJPMEzP1Pt0Bm4d4Ql"
    "L-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-"
    "bSf63kpaSHSXndS5z5rexMdbBYUs"
    "LA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-"
    "DWNmoud"
    "F8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
static const char *const a2_e = "AQAB";
static const char *const a2_d =
    "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-"
    "7YwVol2NXOoAJe"
    "46sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_"
    "V51gfpRLI9J"
    "YanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_"
    "jTj3ccPDVZFD9pIuh"
    "LhBOneufuBiB4cS98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ";
static const char *const a2_p =
    "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_"
    "Py5PJdTJ"
    "NPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc";
static const char *const a2_q =
    "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_"
    "Yw"
    "D66t62wDmpe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc";
static const char *const a2_dp =
    "BwKfV3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9YkxvuxdBfpT_PI7Yz-"
    "FOKnu1R6HsJ"
    "eDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vneTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0";
static const char *const a2_dq =
    "h_96-mK1R_"
    "7glhsum81dZxjTnYynPbZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-N"
    "KJnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0tIiTHU";
static const char *const a2_qi =
    "IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjVk2oy26F0EmpScGLq2MowX7fhd_"
    "QJQ3ydy5cY7YIBi8"
    "7w93IKLEdfnbJtoOPLUW0ITrJReOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U";
static const char *const a2_input = "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD;
static const char *const a2_signature =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_"
    "O8W2Fp5jujG"
    "bds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_"
    "nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-"
    "eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6"
    "LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

/* RFC 7515 A.3: ES256 key and the RFC's token. */
static const char *const a3_x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char *const a3_y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char *const a3_d = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
static const char *const a3_token =
    "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* RFC 8037 A.1-A.5: Ed25519. */
static const char *const ed_d = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char *const ed_x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
static const char *const ed_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
static const char *const ed_signature =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
static const char *const ed_thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

/* RFC 7638 §3.1. */
static const char *const t_n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1"
                               "RK7aPFFxuhDR1L6tSoc_BJECPebWK"
                               "RXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_"
                               "RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMi"
                               "cAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
                               "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr"
                               "3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
static const char *const t_thumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

/* ---- helpers: RFC JWK private keys -> PKCS#8 PEM ------------------------ */

static BIGNUM *bn_b64(const char *s)
{
    unsigned char buf[512];
    size_t len = 0;
    assert_true(base64url_decode(s, strlen(s), buf, sizeof buf, &len));
    BIGNUM *bn = BN_bin2bn(buf, (int)len, NULL);
    assert_non_null(bn);
    return bn;
}

static char *pem_of(EVP_PKEY *pkey)
{
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
    char *data = NULL;
    long len = BIO_get_mem_data(bio, &data);
    assert_true(len > 0);
    char *pem = strndup(data, (size_t)len);
    assert_non_null(pem);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    return pem;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *pkey = NULL;
    assert_non_null(params);
    assert_non_null(ctx);
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return pkey;
}

static char *rfc7515_a2_pem(void)
{
    const char *names[] = {OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
                           OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
                           OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
                           OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    const char *values[] = {a2_n, a2_e, a2_d, a2_p, a2_q, a2_dp, a2_dq, a2_qi};
    BIGNUM *bns[8];
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    for (size_t i = 0; i < 8; i++) {
        bns[i] = bn_b64(values[i]);
        assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]), 1);
    }
    EVP_PKEY *pkey = pkey_from_params("RSA", bld);
    for (size_t i = 0; i < 8; i++)
        BN_free(bns[i]);
    return pem_of(pkey);
}

static char *rfc7515_a3_pem(void)
{
    unsigned char point[65];
    size_t len = 0;
    point[0] = 0x04;
    assert_true(base64url_decode(a3_x, strlen(a3_x), point + 1, 32, &len));
    assert_true(base64url_decode(a3_y, strlen(a3_y), point + 33, 32, &len));
    BIGNUM *d = bn_b64(a3_d);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    assert_int_equal(
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 65), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d), 1);
    EVP_PKEY *pkey = pkey_from_params("EC", bld);
    BN_free(d);
    return pem_of(pkey);
}

static char *rfc8037_pem(void)
{
    unsigned char seed[32];
    size_t len = 0;
    assert_true(base64url_decode(ed_d, strlen(ed_d), seed, sizeof seed, &len));
    assert_int_equal(len, 32);
    EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, 32);
    assert_non_null(pkey);
    return pem_of(pkey);
}

static json_t *parse_json(const char *text)
{
    json_error_t error;
    json_t *j = json_loads(text, 0, &error);
    if (j == NULL)
        fail_msg("bad test JSON: %s", error.text);
    return j;
}

static struct jws_key *key_from_jwk_text(const char *text)
{
    json_t *j = parse_json(text);
    struct jws_key *k = jws_key_from_public_jwk(j);
    json_decref(j);
    return k;
}

static struct jws_key *a3_public_key(void)
{
    char text[256];
    snprintf(text, sizeof text, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
             a3_x, a3_y);
    struct jws_key *k = key_from_jwk_text(text);
    assert_non_null(k);
    return k;
}

/* Signs input with k into a fresh buffer; returns the malloc'd token. */
static char *sign_string(const struct jws_key *k, const char *input)
{
    size_t in_len = strlen(input);
    size_t size = in_len + jws_signature_suffix_len(k) + 1;
    char *buf = malloc(size);
    assert_non_null(buf);
    memcpy(buf, input, in_len);
    size_t n = jws_sign_compact(k, buf, in_len, size);
    assert_int_equal(n, size - 1);
    assert_int_equal(strlen(buf), n);
    return buf;
}

static bool verify_string(const struct jws_key *k, const char *token)
{
    return jws_verify_compact(k, token, strlen(token));
}

static size_t signature_bytes(const char *token)
{
    const char *dot = strrchr(token, '.');
    unsigned char sig[JWS_SIGNATURE_MAX];
    size_t len = 0;
    assert_non_null(dot);
    assert_true(base64url_decode(dot + 1, strlen(dot + 1), sig, sizeof sig, &len));
    return len;
}

/* ---- tests ------------------------------------------------------------ */

static void test_alg_parse(void **state)
{
    (void)state;
    enum jws_alg alg = JWS_RS256;
    assert_true(jws_alg_parse("ES256", &alg));
    assert_int_equal(alg, JWS_ES256);
    assert_true(jws_alg_parse("RS256", &alg));
    assert_int_equal(alg, JWS_RS256);
    assert_true(jws_alg_parse("Ed25519", &alg));
    assert_int_equal(alg, JWS_EDDSA);
    alg = JWS_ES256;
    assert_true(jws_alg_parse("EdDSA", &alg));
    assert_int_equal(alg, JWS_EDDSA);
    static const char *const bad[] = {"none", "HS256", "es256", "ES256 ",
                                      "",     "PS256", "ES384", "ed25519"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(jws_alg_parse(bad[i], &alg));
    assert_false(jws_alg_parse(NULL, &alg));
    assert_string_equal(jws_alg_name(JWS_ES256), "ES256");
    assert_string_equal(jws_alg_name(JWS_RS256), "RS256");
    assert_string_equal(jws_alg_name(JWS_EDDSA), "Ed25519");
}

static void test_rfc7515_a2_rs256_exact(void **state)
{
    (void)state;
    char *pem = rfc7515_a2_pem();
    struct jws_key *k = jws_key_from_private_pem(pem, JWS_RS256, "2011-04-29");
    free(pem);
    assert_non_null(k);
    assert_string_equal(jws_key_kid(k), "2011-04-29");
    assert_int_equal(jws_key_alg(k), JWS_RS256);

    char *token = sign_string(k, a2_input);
    char expected[1024];
    snprintf(expected, sizeof expected, "%s.%s", a2_input, a2_signature);
    assert_string_equal(token, expected);
    assert_true(verify_string(k, token));

    /* The public JWK alone verifies it too. */
    char text[1024];
    snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\",\"alg\":\"RS256\"}",
             a2_n, a2_e);
    struct jws_key *pub = key_from_jwk_text(text);
    assert_non_null(pub);
    assert_true(verify_string(pub, expected));
    assert_false(jws_key_can_sign(pub));

    free(token);
    jws_key_free(pub);
    jws_key_free(k);
}

static void test_rfc7515_a3_es256(void **state)
{
    (void)state;
    struct jws_key *pub = a3_public_key();
    assert_int_equal(jws_key_alg(pub), JWS_ES256);
    assert_true(verify_string(pub, a3_token));

    /* Sign with the RFC's private key: a valid, raw 64-byte R||S signature
     * (ECDSA is randomised, so no exact comparison is possible). */
    char *pem = rfc7515_a3_pem();
    struct jws_key *k = jws_key_from_private_pem(pem, JWS_ES256, NULL);
    free(pem);
    assert_non_null(k);
    char tp_priv[44], tp_pub[44];
    assert_true(jws_key_thumbprint(k, tp_priv));
    assert_true(jws_key_thumbprint(pub, tp_pub));
    assert_string_equal(tp_priv, tp_pub);
    assert_string_equal(jws_key_kid(k), tp_priv);

    const char *input = "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD;
    for (int i = 0; i < 20; i++) {
        char *token = sign_string(k, input);
        assert_int_equal(signature_bytes(token), 64);
        assert_int_equal(strlen(token), strlen(input) + 1 + 86);
        assert_true(verify_string(pub, token));
        assert_true(verify_string(k, token));
        free(token);
    }
    jws_key_free(k);
    jws_key_free(pub);
}

static void test_rfc8037_ed25519(void **state)
{
    (void)state;
    char *pem = rfc8037_pem();
    struct jws_key *k = jws_key_from_private_pem(pem, JWS_EDDSA, NULL);
    free(pem);
    assert_non_null(k);

    /* A.3 thumbprint, A.4 exact signature. */
    char tp[44];
    assert_true(jws_key_thumbprint(k, tp));
    assert_string_equal(tp, ed_thumbprint);
    assert_string_equal(jws_key_kid(k), ed_thumbprint);
    char *token = sign_string(k, ed_input);
    char expected[256];
    snprintf(expected, sizeof expected, "%s.%s", ed_input, ed_signature);
    assert_string_equal(token, expected);
    free(token);
    /* Deterministic, and the cached context re-arms between signatures. */
    token = sign_string(k, ed_input);
    assert_string_equal(token, expected);
    free(token);

    /* A.5: verify with the public key only. */
    char text[256];
    snprintf(text, sizeof text, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", ed_x);
    struct jws_key *pub = key_from_jwk_text(text);
    assert_non_null(pub);
    assert_int_equal(jws_key_alg(pub), JWS_EDDSA);
    assert_true(verify_string(pub, expected));
    assert_true(verify_string(pub, expected)); /* again, through the cache */
    expected[strlen(expected) - 3] ^= 1;
    assert_false(verify_string(pub, expected));

    jws_key_free(pub);
    jws_key_free(k);
}

static void test_rfc7638_thumbprint(void **state)
{
    (void)state;
    char text[1024];
    snprintf(text, sizeof text, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", t_n);
    struct jws_key *k = key_from_jwk_text(text);
    assert_non_null(k);
    char tp[44];
    assert_true(jws_key_thumbprint(k, tp));
    assert_string_equal(tp, t_thumbprint);
    assert_string_equal(jws_key_kid(k), t_thumbprint);
    jws_key_free(k);

    /* Optional members do not change the thumbprint; "kid" sets the kid. */
    snprintf(
        text, sizeof text,
        "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\",\"alg\":\"RS256\",\"kid\":\"2011-04-29\","
        "\"use\":\"sig\"}",
        t_n);
    k = key_from_jwk_text(text);
    assert_non_null(k);
    assert_true(jws_key_thumbprint(k, tp));
    assert_string_equal(tp, t_thumbprint);
    assert_string_equal(jws_key_kid(k), "2011-04-29");
    jws_key_set_kid(k, NULL);
    assert_string_equal(jws_key_kid(k), t_thumbprint);
    jws_key_set_kid(k, "custom");
    assert_string_equal(jws_key_kid(k), "custom");
    jws_key_free(k);
    assert_false(jws_key_thumbprint(NULL, tp));
}

static const enum jws_alg all_algs[] = {JWS_ES256, JWS_RS256, JWS_EDDSA};

static void test_tamper(void **state)
{
    (void)state;
    const char *input = "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJhcHAiLCJleHAiOjF9";
    for (size_t a = 0; a < 3; a++) {
        struct jws_key *k = jws_key_generate(all_algs[a]);
        assert_non_null(k);
        char *token = sign_string(k, input);
        size_t len = strlen(token);
        assert_true(jws_verify_compact(k, token, len));

        /* Flip one bit in a sample of positions across header, payload and
         * signature (skipping the dots). */
        for (size_t i = 0; i < len; i += (i < strlen(input) ? 5 : 3)) {
            if (token[i] == '.')
                continue;
            token[i] ^= 0x01;
            assert_false(jws_verify_compact(k, token, len));
            token[i] ^= 0x01;
        }
        assert_true(jws_verify_compact(k, token, len));

        /* Shape violations. */
        assert_false(jws_verify_compact(k, token, len - 1));     /* truncated signature */
        assert_false(jws_verify_compact(k, token + 1, len - 1)); /* truncated header */
        assert_false(jws_verify_compact(k, "", 0));
        assert_false(jws_verify_compact(k, "a.b", 3));
        assert_false(jws_verify_compact(k, "..", 2));
        assert_false(jws_verify_compact(k, NULL, 0));
        char *extra = malloc(len + 3);
        assert_non_null(extra);
        snprintf(extra, len + 3, "%s.x", token);
        assert_false(jws_verify_compact(k, extra, len + 2)); /* four parts */
        snprintf(extra, len + 3, "%s=", token);
        assert_false(jws_verify_compact(k, extra, len + 1)); /* padded signature */
        free(extra);
        /* Signature moved onto other content. */
        char *swapped = strdup(token);
        assert_non_null(swapped);
        swapped[0] = swapped[0] == 'e' ? 'f' : 'e';
        assert_false(jws_verify_compact(k, swapped, len));
        free(swapped);

        /* Only token[0..len) is read: trailing bytes are ignored. */
        char *trailing = malloc(len + 5);
        assert_non_null(trailing);
        memcpy(trailing, token, len);
        memcpy(trailing + len, "XXXX", 5);
        assert_true(jws_verify_compact(k, trailing, len));
        free(trailing);

        free(token);
        jws_key_free(k);
    }
}

static void test_non_canonical_signature_rejected(void **state)
{
    (void)state;
    /* ES256: 64 bytes -> 86 chars; the last char carries 4 unused bits. A
     * variant with those bits set decodes to the same bytes in lenient
     * decoders; we must reject it so tokens have one encoding. */
    struct jws_key *k = jws_key_generate(JWS_ES256);
    assert_non_null(k);
    char *token = sign_string(k, "e30.e30");
    size_t len = strlen(token);
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *pos = strchr(alphabet, token[len - 1]);
    assert_non_null(pos);
    size_t v = (size_t)(pos - alphabet);
    assert_int_equal(v & 0x0f, 0);
    token[len - 1] = alphabet[v | 0x01];
    assert_false(jws_verify_compact(k, token, len));
    free(token);
    jws_key_free(k);
}

static void test_wrong_key(void **state)
{
    (void)state;
    struct jws_key *keys[3][2];
    for (size_t a = 0; a < 3; a++)
        for (size_t j = 0; j < 2; j++) {
            keys[a][j] = jws_key_generate(all_algs[a]);
            assert_non_null(keys[a][j]);
        }
    for (size_t a = 0; a < 3; a++) {
        char *token = sign_string(keys[a][0], "e30.e30");
        assert_true(verify_string(keys[a][0], token));
        /* Another key of the same algorithm. */
        assert_false(verify_string(keys[a][1], token));
        /* Keys of the other algorithms. */
        for (size_t b = 0; b < 3; b++)
            if (b != a)
                assert_false(verify_string(keys[b][0], token));
        free(token);
    }
    /* Distinct keys have distinct default kids. */
    assert_string_not_equal(jws_key_kid(keys[0][0]), jws_key_kid(keys[0][1]));
    for (size_t a = 0; a < 3; a++)
        for (size_t j = 0; j < 2; j++)
            jws_key_free(keys[a][j]);
}

static void test_pem_round_trip(void **state)
{
    (void)state;
    for (size_t a = 0; a < 3; a++) {
        struct jws_key *k = jws_key_generate(all_algs[a]);
        assert_non_null(k);
        char *pem = jws_key_private_pem(k);
        assert_non_null(pem);
        assert_int_equal(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28), 0);

        struct jws_key *loaded = jws_key_from_private_pem(pem, all_algs[a], "kid-1");
        assert_non_null(loaded);
        assert_string_equal(jws_key_kid(loaded), "kid-1");
        char tp1[44], tp2[44];
        assert_true(jws_key_thumbprint(k, tp1));
        assert_true(jws_key_thumbprint(loaded, tp2));
        assert_string_equal(tp1, tp2);
        char *token = sign_string(loaded, "e30.e30");
        assert_true(verify_string(k, token));
        free(token);

        /* The PEM does not load as another algorithm's key. */
        for (size_t b = 0; b < 3; b++)
            if (b != a)
                assert_null(jws_key_from_private_pem(pem, all_algs[b], NULL));

        /* Damaged PEM. */
        pem[40] = pem[40] == 'A' ? 'B' : 'A';
        struct jws_key *damaged = jws_key_from_private_pem(pem, all_algs[a], NULL);
        if (damaged != NULL) {
            /* A flipped base64 char may still decode to a well-formed key of
             * the right type, but never to the same key. */
            char tp3[44];
            assert_true(jws_key_thumbprint(damaged, tp3));
            assert_string_not_equal(tp1, tp3);
            jws_key_free(damaged);
        }

        free(pem);
        jws_key_free(loaded);
        jws_key_free(k);
    }
    assert_null(jws_key_from_private_pem("", JWS_ES256, NULL));
    assert_null(jws_key_from_private_pem("not a pem", JWS_ES256, NULL));
    assert_null(jws_key_from_private_pem(NULL, JWS_ES256, NULL));

    /* An encrypted PEM is refused without prompting for a passphrase. */
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(pkey);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    assert_non_null(aes);
    assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, pkey, aes, "pw", 2, NULL, NULL), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *enc = strndup(data, (size_t)n);
    assert_non_null(enc);
    assert_non_null(strstr(enc, "ENCRYPTED"));
    assert_null(jws_key_from_private_pem(enc, JWS_ES256, NULL));
    free(enc);
    EVP_CIPHER_free(aes);
    BIO_free(bio);

    /* A P-384 key is not an ES256 key. */
    EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    assert_non_null(p384);
    char *p384_pem = pem_of(p384);
    assert_null(jws_key_from_private_pem(p384_pem, JWS_ES256, NULL));
    free(p384_pem);
    EVP_PKEY_free(pkey);
}

static void test_public_only_key_cannot_sign(void **state)
{
    (void)state;
    struct jws_key *pub = a3_public_key();
    char buf[256] = "e30.e30";
    assert_int_equal(jws_sign_compact(pub, buf, 7, sizeof buf), 0);
    assert_null(jws_key_private_pem(pub));
    jws_key_free(pub);
}

static void test_public_jwk_export(void **state)
{
    (void)state;
    static const char *const kty[] = {"EC", "RSA", "OKP"};
    for (size_t a = 0; a < 3; a++) {
        struct jws_key *k = jws_key_generate(all_algs[a]);
        assert_non_null(k);
        json_t *jwk = jws_key_public_jwk(k, NULL);
        assert_non_null(jwk);
        assert_string_equal(json_string_value(json_object_get(jwk, "kty")), kty[a]);
        assert_string_equal(json_string_value(json_object_get(jwk, "kid")), jws_key_kid(k));
        assert_string_equal(json_string_value(json_object_get(jwk, "alg")),
                            jws_alg_name(all_algs[a]));
        assert_string_equal(json_string_value(json_object_get(jwk, "use")), "sig");
        /* No private members, ever. */
        static const char *const priv[] = {"d", "p", "q", "dp", "dq", "qi", "k"};
        for (size_t i = 0; i < sizeof priv / sizeof priv[0]; i++)
            assert_null(json_object_get(jwk, priv[i]));
        if (all_algs[a] == JWS_ES256) {
            assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "P-256");
            assert_int_equal(json_string_length(json_object_get(jwk, "x")), 43);
            assert_int_equal(json_string_length(json_object_get(jwk, "y")), 43);
        } else if (all_algs[a] == JWS_RS256) {
            assert_int_equal(json_string_length(json_object_get(jwk, "n")), 342);
            assert_string_equal(json_string_value(json_object_get(jwk, "e")), "AQAB");
        } else {
            assert_string_equal(json_string_value(json_object_get(jwk, "crv")), "Ed25519");
            assert_int_equal(json_string_length(json_object_get(jwk, "x")), 43);
        }

        /* Import the export: same thumbprint, verifies our signature. */
        struct jws_key *back = jws_key_from_public_jwk(jwk);
        assert_non_null(back);
        char tp1[44], tp2[44];
        assert_true(jws_key_thumbprint(k, tp1));
        assert_true(jws_key_thumbprint(back, tp2));
        assert_string_equal(tp1, tp2);
        char *token = sign_string(k, "e30.e30");
        assert_true(verify_string(back, token));
        free(token);
        json_decref(jwk);

        /* Header-name variants. */
        if (all_algs[a] == JWS_EDDSA) {
            jwk = jws_key_public_jwk(k, "EdDSA");
            assert_non_null(jwk);
            assert_string_equal(json_string_value(json_object_get(jwk, "alg")), "EdDSA");
            struct jws_key *again = jws_key_from_public_jwk(jwk);
            assert_non_null(again);
            jws_key_free(again);
            json_decref(jwk);
        }
        assert_null(jws_key_public_jwk(k, all_algs[a] == JWS_ES256 ? "RS256" : "ES256"));
        assert_null(jws_key_public_jwk(k, "none"));

        jws_key_free(back);
        jws_key_free(k);
    }
}

static void test_public_jwk_rejects(void **state)
{
    (void)state;
    char x_short[64];
    snprintf(x_short, sizeof x_short, "%.42s", a3_x);
    char bad_point_y[64];
    snprintf(bad_point_y, sizeof bad_point_y, "%s", a3_y);
    bad_point_y[10] = bad_point_y[10] == 'A' ? 'B' : 'A'; /* almost surely off the curve */

    char texts[24][1024];
    size_t n = 0;
    snprintf(texts[n++], 1024, "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"%s\",\"y\":\"%s\"}", a3_x,
             a3_y);
    snprintf(texts[n++], 1024, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}",
             x_short, a3_y);
    snprintf(texts[n++], 1024, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\"}", a3_x,
             bad_point_y);
    snprintf(texts[n++], 1024, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s=\",\"y\":\"%s\"}",
             a3_x, a3_y);
    snprintf(texts[n++], 1024, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\"}", a3_x);
    snprintf(texts[n++], 1024,
             "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"alg\":\"RS256\"}", a3_x,
             a3_y);
    snprintf(texts[n++], 1024,
             "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"use\":\"enc\"}", a3_x,
             a3_y);
    snprintf(texts[n++], 1024,
             "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"%s\",\"y\":\"%s\",\"kid\":7}", a3_x, a3_y);
    snprintf(texts[n++], 1024, "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"%s\"}", ed_x);
    snprintf(texts[n++], 1024, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}", a3_d + 1);
    snprintf(texts[n++], 1024, "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMko\"}");
    /* RSA: a real 1024-bit key is too small. */
    char n1024[200];
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    assert_non_null(small);
    BIGNUM *bn = NULL;
    assert_int_equal(EVP_PKEY_get_bn_param(small, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
    unsigned char n_bytes[128];
    assert_int_equal(BN_bn2bin(bn, n_bytes), 128);
    assert_int_equal(base64url_encode(n_bytes, 128, n1024, sizeof n1024), 171);
    BN_free(bn);
    EVP_PKEY_free(small);
    snprintf(texts[n++], 1024, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AQAB\"}", n1024);
    snprintf(texts[n++], 1024, "{\"kty\":\"RSA\",\"n\":\"AA%s\",\"e\":\"AQAB\"}", t_n + 2);
    snprintf(texts[n++], 1024, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"AAEAAQ\"}", t_n);
    snprintf(texts[n++], 1024, "{\"kty\":\"RSA\",\"n\":\"%s\"}", t_n);
    snprintf(texts[n++], 1024, "[\"kty\",\"EC\"]");
    for (size_t i = 0; i < n; i++) {
        json_t *j = parse_json(texts[i]);
        struct jws_key *k = jws_key_from_public_jwk(j);
        if (k != NULL)
            fail_msg("accepted bad JWK #%zu: %s", i, texts[i]);
        json_decref(j);
    }
    assert_null(jws_key_from_public_jwk(NULL));
}

static void test_buffer_contracts(void **state)
{
    (void)state;
    for (size_t a = 0; a < 3; a++) {
        struct jws_key *k = jws_key_generate(all_algs[a]);
        assert_non_null(k);
        size_t suffix = jws_signature_suffix_len(k);
        assert_int_equal(suffix, all_algs[a] == JWS_RS256 ? 1 + 342 : 1 + 86);
        char buf[600];
        memcpy(buf, "e30.e30", 7);
        /* One byte short (no room for the NUL). */
        assert_int_equal(jws_sign_compact(k, buf, 7, 7 + suffix), 0);
        assert_int_equal(jws_sign_compact(k, buf, 7, 7), 0);
        assert_int_equal(jws_sign_compact(k, buf, 8, 7), 0);
        assert_int_equal(jws_sign_compact(k, buf, 7, 7 + suffix + 1), 7 + suffix);
        assert_int_equal(buf[7 + suffix], '\0');
        assert_true(jws_verify_compact(k, buf, 7 + suffix));
        assert_int_equal(jws_sign_compact(NULL, buf, 7, sizeof buf), 0);
        jws_key_free(k);
    }
}

/* More keys than the per-thread context cache has slots, used in turn. */
static void test_context_cache_eviction(void **state)
{
    (void)state;
    struct jws_key *keys[7];
    for (size_t i = 0; i < 7; i++) {
        keys[i] = jws_key_generate(i % 2 == 0 ? JWS_ES256 : JWS_EDDSA);
        assert_non_null(keys[i]);
    }
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < 7; i++) {
            char *token = sign_string(keys[i], "e30.e30");
            assert_true(verify_string(keys[i], token));
            assert_false(verify_string(keys[(i + 2) % 7], token));
            free(token);
        }
    /* Free a key and allocate another (possibly at the same address): the
     * new key must not reuse the old key's cached context. */
    char tp_old[44];
    assert_true(jws_key_thumbprint(keys[0], tp_old));
    jws_key_free(keys[0]);
    keys[0] = jws_key_generate(JWS_ES256);
    assert_non_null(keys[0]);
    char *token = sign_string(keys[0], "e30.e30");
    assert_true(verify_string(keys[0], token));
    free(token);
    for (size_t i = 0; i < 7; i++)
        jws_key_free(keys[i]);
}

struct sign_job {
    const struct jws_key *key;
    int id;
    int iterations;
    int failures;
};

static void *sign_worker(void *arg)
{
    struct sign_job *job = arg;
    char buf[1024];
    for (int i = 0; i < job->iterations; i++) {
        int n =
            snprintf(buf, sizeof buf, "eyJhbGciOiJFUzI1NiJ9.thread-%d-iteration-%d", job->id, i);
        size_t len = jws_sign_compact(job->key, buf, (size_t)n, sizeof buf);
        if (len == 0 || !jws_verify_compact(job->key, buf, len))
            job->failures++;
    }
    return NULL;
}

static void test_concurrent_signing(void **state)
{
    (void)state;
    for (size_t a = 0; a < 3; a++) {
        struct jws_key *k = jws_key_generate(all_algs[a]);
        assert_non_null(k);
        pthread_t threads[4];
        struct sign_job jobs[4];
        int iterations = all_algs[a] == JWS_RS256 ? 40 : 300;
        for (int i = 0; i < 4; i++) {
            jobs[i] = (struct sign_job){.key = k, .id = i, .iterations = iterations};
            assert_int_equal(pthread_create(&threads[i], NULL, sign_worker, &jobs[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            assert_int_equal(pthread_join(threads[i], NULL), 0);
            assert_int_equal(jobs[i].failures, 0);
        }
        /* The threads' cached contexts were released when they exited (ASan
         * would report a leak otherwise); the key still works here. */
        char *token = sign_string(k, "e30.e30");
        assert_true(verify_string(k, token));
        free(token);
        jws_key_free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alg_parse),
        cmocka_unit_test(test_rfc7515_a2_rs256_exact),
        cmocka_unit_test(test_rfc7515_a3_es256),
        cmocka_unit_test(test_rfc8037_ed25519),
        cmocka_unit_test(test_rfc7638_thumbprint),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_non_canonical_signature_rejected),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_pem_round_trip),
        cmocka_unit_test(test_public_only_key_cannot_sign),
        cmocka_unit_test(test_public_jwk_export),
        cmocka_unit_test(test_public_jwk_rejects),
        cmocka_unit_test(test_buffer_contracts),
        cmocka_unit_test(test_context_cache_eviction),
        cmocka_unit_test(test_concurrent_signing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
