/*
 * tests/fuzz/fuzz_s3_parsers.c — libFuzzer harness for the s3/ layer's
 * handling of outside input: S3 error bodies (from tenant-chosen endpoints),
 * endpoint URLs (tenant storage configuration), object keys
 * (platform callers) and the SigV4 URI encoder. The first input byte picks
 * the target; the rest is the input. Checks invariants, not just crashes:
 * encoded output only holds unreserved bytes, '%XX' and (when allowed) '/';
 * a presigned URL never holds a control byte, a space or the secret.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *          tests/fuzz/fuzz_s3_parsers.c src/s3/sigv4.c src/s3/location.c \
 *          src/s3/presign.c src/s3/bucket_test.c \
 *          $(pkg-config --cflags --libs openssl libcurl) -o build/fuzz/fuzz_s3_parsers
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3/location.h"
#include "s3/s3.h"

#define FUZZ_SECRET "fuzz-secret-value"

static char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* input is the fuzzed text that went into the URL; the secret may appear only
 * if the input itself carried it (hosts are lower-cased, hence strcasestr). */
static void fuzz_check_url(const char *url, const char *input)
{
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f)
            abort();
    if (strstr(url, FUZZ_SECRET) != NULL && strcasestr(input, FUZZ_SECRET) == NULL)
        abort();
}

static void fuzz_check_encoded(const char *out, bool encode_slash)
{
    for (const char *p = out; *p != '\0'; p++) {
        char c = *p;
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved || (c == '/' && !encode_slash))
            continue;
        if (c != '%' || p[1] == '\0' || p[2] == '\0')
            abort();
        p += 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t selector = data[0];
    data++;
    size--;

    switch (selector % 5) {
    case 0: { /* S3 error body: not NUL-terminated on purpose */
        uint8_t *copy = malloc(size ? size : 1);
        if (copy == NULL)
            abort();
        memcpy(copy, data, size);
        char code[64];
        if (s3_error_code_parse((const char *)copy, size, code, sizeof code) &&
            strlen(code) >= sizeof code)
            abort();
        (void)s3_test_classify_http(403, (const char *)copy, size);
        free(copy);
        break;
    }
    case 1:
    case 2: { /* endpoint URL; style from the selector */
        char *endpoint = fuzz_cstring(data, size);
        struct s3_target t = {endpoint,          "us-east-1", "bucket",
                              selector % 5 == 1, "AKID",      FUZZ_SECRET};
        struct s3_location loc;
        (void)s3_location_build(&t, NULL, &loc);
        char *url = NULL;
        if (s3_presign_url(&t, "GET", "dir/key", 60, (time_t)1700000000, &url) == 0) {
            fuzz_check_url(url, endpoint);
            free(url);
        }
        free(endpoint);
        break;
    }
    case 3: { /* object key */
        char *key = fuzz_cstring(data, size);
        struct s3_target t = {
            "https://s3.amazonaws.com", "us-east-1", "bucket", false, "AKID", FUZZ_SECRET};
        char *url = NULL;
        if (s3_presign_url(&t, (selector & 8) ? "PUT" : "GET", key, 900, (time_t)1700000000,
                           &url) == 0) {
            fuzz_check_url(url, key);
            free(url);
        }
        free(key);
        break;
    }
    default: { /* URI encoder with a fuzzed output size */
        char *in = fuzz_cstring(data, size);
        size_t out_size = (size_t)(selector >> 3) * 4 + 1;
        char *out = malloc(out_size);
        if (out == NULL)
            abort();
        bool encode_slash = (selector & 4) != 0;
        if (s3_uri_encode(in, encode_slash, out, out_size))
            fuzz_check_encoded(out, encode_slash);
        else if (out[0] != '\0')
            abort();
        free(out);
        free(in);
        break;
    }
    }
    return 0;
}
