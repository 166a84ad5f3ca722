/*
 * crypto/hash.c — SHA-256, HMAC-SHA-256, constant-time equality, hex, wipe
 * (see hash.h). Algorithms are fetched from the default provider once per
 * process; the fetched objects live for the whole process.
 */
#include "crypto/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

static pthread_once_t hash_once = PTHREAD_ONCE_INIT;
static EVP_MD *hash_sha256_md; /* fetched once, never freed */
static EVP_MAC *hash_hmac_mac; /* fetched once, never freed */

static void hash_fetch_algorithms(void)
{
    hash_sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    hash_hmac_mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
}

void crypto_sha256(const void *data, size_t len, unsigned char out[32])
{
    static const unsigned char empty = 0;
    unsigned int out_len = 0;

    pthread_once(&hash_once, hash_fetch_algorithms);
    if (hash_sha256_md == NULL ||
        EVP_Digest(len > 0 ? data : &empty, len, out, &out_len, hash_sha256_md, NULL) != 1 ||
        out_len != CRYPTO_SHA256_LEN)
        abort(); /* invariant: SHA-256 from the default provider cannot fail */
}

void crypto_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char digest[CRYPTO_SHA256_LEN];
    crypto_sha256(data, len, digest);
    crypto_hex_encode(digest, sizeof digest, out);
}

void crypto_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                        unsigned char out[32])
{
    static const unsigned char empty = 0;
    char digest_name[] = "SHA256";
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    size_t out_len = 0;
    bool ok = false;

    pthread_once(&hash_once, hash_fetch_algorithms);
    EVP_MAC_CTX *ctx = hash_hmac_mac != NULL ? EVP_MAC_CTX_new(hash_hmac_mac) : NULL;
    if (ctx != NULL && EVP_MAC_init(ctx, key_len > 0 ? key : &empty, key_len, params) == 1 &&
        EVP_MAC_update(ctx, len > 0 ? data : &empty, len) == 1 &&
        EVP_MAC_final(ctx, out, &out_len, CRYPTO_SHA256_LEN) == 1 && out_len == CRYPTO_SHA256_LEN)
        ok = true;
    EVP_MAC_CTX_free(ctx); /* cleanses the keyed state */
    if (!ok)
        abort(); /* invariant: HMAC-SHA-256 from the default provider cannot fail */
}

bool crypto_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

void crypto_hex_encode(const unsigned char *in, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int hash_hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool crypto_hex_decode(const char *in, size_t in_len, unsigned char *out, size_t out_size)
{
    if (in_len % 2 != 0 || in_len / 2 > out_size)
        return false;
    for (size_t i = 0; i < in_len / 2; i++) {
        int hi = hash_hex_value((unsigned char)in[2 * i]);
        int lo = hash_hex_value((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            crypto_wipe(out, i);
            return false;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

void crypto_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}
