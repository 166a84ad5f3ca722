/*
 * s3/sigv4.c — AWS Signature Version 4 primitives: SigV4 URI encoding, the
 * canonical request, the credential scope, the string to sign, the signing
 * key and the signature. Pure functions over OpenSSL's SHA-256 and
 * HMAC-SHA256 one-shots; no I/O. Used by s3/presign.c and unit-tested against
 * AWS's published S3 examples.
 */
#include "s3/s3.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

static const char hex_upper[] = "0123456789ABCDEF";
static const char hex_lower[] = "0123456789abcdef";

static bool sigv4_is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool s3_uri_encode(const char *in, bool encode_slash, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return false;
    out[0] = '\0';
    if (in == NULL)
        return false;

    size_t used = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0'; p++) {
        if (sigv4_is_unreserved(*p) || (*p == '/' && !encode_slash)) {
            if (out_size - used < 2)
                goto too_small;
            out[used++] = (char)*p;
        } else {
            if (out_size - used < 4)
                goto too_small;
            out[used++] = '%';
            out[used++] = hex_upper[*p >> 4];
            out[used++] = hex_upper[*p & 0x0f];
        }
    }
    out[used] = '\0';
    return true;

too_small:
    out[0] = '\0';
    return false;
}

char *s3_sigv4_canonical_request_new(const struct s3_canonical_request *req)
{
    if (req == NULL || req->method == NULL || req->canonical_uri == NULL ||
        req->canonical_query == NULL || req->canonical_headers == NULL ||
        req->signed_headers == NULL || req->payload_hash == NULL)
        return NULL;

    const char *parts[] = {req->method,          req->canonical_uri,
                           req->canonical_query, req->canonical_headers,
                           req->signed_headers,  req->payload_hash};
    size_t total = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t len = strlen(parts[i]);
        if (len > SIZE_MAX / 2 - total - 8)
            return NULL;
        total += len + 1; /* part plus its '\n' separator (or the NUL) */
    }

    char *text = malloc(total);
    if (text == NULL)
        return NULL;
    int written = snprintf(text, total, "%s\n%s\n%s\n%s\n%s\n%s", req->method, req->canonical_uri,
                           req->canonical_query, req->canonical_headers, req->signed_headers,
                           req->payload_hash);
    if (written < 0 || (size_t)written >= total) {
        free(text);
        return NULL;
    }
    return text;
}

static bool sigv4_is_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool sigv4_is_scope_part(const char *s)
{
    if (s == NULL || *s == '\0')
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '/')
            return false;
    return true;
}

bool s3_sigv4_scope(const char *date8, const char *region, const char *service, char *out,
                    size_t out_size)
{
    if (out == NULL || out_size == 0)
        return false;
    out[0] = '\0';
    if (date8 == NULL || strlen(date8) != 8 || !sigv4_is_digits(date8, 8) ||
        !sigv4_is_scope_part(region) || !sigv4_is_scope_part(service))
        return false;
    int written = snprintf(out, out_size, "%s/%s/%s/aws4_request", date8, region, service);
    if (written < 0 || (size_t)written >= out_size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

static bool sigv4_is_amz_date(const char *s)
{
    return s != NULL && strlen(s) == 16 && sigv4_is_digits(s, 8) && s[8] == 'T' &&
           sigv4_is_digits(s + 9, 6) && s[15] == 'Z';
}

bool s3_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
                             char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return false;
    out[0] = '\0';
    if (!sigv4_is_amz_date(amz_date) || scope == NULL || canonical_request == NULL)
        return false;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    if (EVP_Digest(canonical_request, strlen(canonical_request), digest, &digest_len, EVP_sha256(),
                   NULL) != 1 ||
        digest_len != 32)
        return false;
    char digest_hex[65];
    for (unsigned int i = 0; i < 32; i++) {
        digest_hex[2 * i] = hex_lower[digest[i] >> 4];
        digest_hex[2 * i + 1] = hex_lower[digest[i] & 0x0f];
    }
    digest_hex[64] = '\0';

    int written =
        snprintf(out, out_size, "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, digest_hex);
    if (written < 0 || (size_t)written >= out_size) {
        out[0] = '\0';
        return false;
    }
    return true;
}

/* out = HMAC-SHA256(key, data); false on failure or oversize input. */
static bool sigv4_hmac(const unsigned char *key, size_t key_len, const char *data,
                       unsigned char out[32])
{
    size_t data_len = strlen(data);
    unsigned int out_len = 0;
    if (key_len > INT_MAX)
        return false;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)data, data_len, out,
             &out_len) == NULL ||
        out_len != 32)
        return false;
    return true;
}

void s3_sigv4_signing_key(const char *secret, const char *date8, const char *region,
                          const char *service, unsigned char out[32])
{
    unsigned char k_date[32], k_region[32], k_service[32];
    unsigned char *k_secret = NULL;
    size_t secret_len = 0;
    bool ok = false;

    if (secret == NULL || date8 == NULL || region == NULL || service == NULL)
        goto done;
    secret_len = strlen(secret);
    if (secret_len > (size_t)INT_MAX - 4)
        goto done;
    k_secret = malloc(secret_len + 4);
    if (k_secret == NULL)
        goto done;
    memcpy(k_secret, "AWS4", 4);
    memcpy(k_secret + 4, secret, secret_len);

    ok = sigv4_hmac(k_secret, secret_len + 4, date8, k_date) &&
         sigv4_hmac(k_date, sizeof k_date, region, k_region) &&
         sigv4_hmac(k_region, sizeof k_region, service, k_service) &&
         sigv4_hmac(k_service, sizeof k_service, "aws4_request", out);

done:
    if (k_secret != NULL) {
        OPENSSL_cleanse(k_secret, secret_len + 4);
        free(k_secret);
    }
    OPENSSL_cleanse(k_date, sizeof k_date);
    OPENSSL_cleanse(k_region, sizeof k_region);
    OPENSSL_cleanse(k_service, sizeof k_service);
    if (!ok)
        OPENSSL_cleanse(out, 32);
}

void s3_sigv4_signature_hex(const unsigned char signing_key[32], const char *string_to_sign,
                            char out[65])
{
    unsigned char mac[32];
    out[0] = '\0';
    if (signing_key == NULL || string_to_sign == NULL ||
        !sigv4_hmac(signing_key, 32, string_to_sign, mac))
        return;
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex_lower[mac[i] >> 4];
        out[2 * i + 1] = hex_lower[mac[i] & 0x0f];
    }
    out[64] = '\0';
    OPENSSL_cleanse(mac, sizeof mac);
}

bool s3_sigv4_format_time(time_t now, char amz_date[17], char date8[9])
{
    struct tm tm;
    amz_date[0] = '\0';
    date8[0] = '\0';
    if (gmtime_r(&now, &tm) == NULL || tm.tm_year < 0 || tm.tm_year > 9999 - 1900)
        return false;
    if (strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
        amz_date[0] = '\0';
        return false;
    }
    memcpy(date8, amz_date, 8);
    date8[8] = '\0';
    return true;
}
