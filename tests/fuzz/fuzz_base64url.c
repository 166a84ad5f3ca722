/*
 * tests/fuzz/fuzz_base64url.c — libFuzzer harness for the base64url and
 * base64 decoders (src/crypto/base64url.c), which parse untrusted JWS parts,
 * AEAD envelopes and Basic credentials.
 *
 * Properties checked on every input (abort() on violation):
 *   - decoding never writes past out_size (ASan) and reports a length within
 *     base64url_decoded_len();
 *   - whatever decodes is canonical: re-encoding gives back exactly the
 *     input (so every byte string has exactly one accepted encoding);
 *   - a decode into a buffer one byte too small fails;
 *   - any byte string survives encode -> decode unchanged, for both codecs.
 *
 * Build and run (clang's libFuzzer):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *       tests/fuzz/fuzz_base64url.c src/crypto/base64url.c -o build/fuzz_base64url
 *   ./build/fuzz_base64url -max_total_time=30 -max_len=4096
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64url.h"

#define FUZZ_MAX 8192

static void fuzz_check_decoder(bool (*decode)(const char *, size_t, unsigned char *, size_t,
                                              size_t *),
                               size_t (*encode)(const unsigned char *, size_t, char *, size_t),
                               const char *in, size_t len)
{
    static unsigned char out[FUZZ_MAX];
    static char again[2 * FUZZ_MAX];
    size_t out_len = 12345;

    size_t cap = base64url_decoded_len(len);
    if (cap > sizeof out)
        return;
    if (!decode(in, len, out, cap, &out_len)) {
        if (out_len != 0)
            abort();
        return;
    }
    if (out_len > cap)
        abort();
    /* Canonical: the decoded bytes encode back to exactly the input. */
    size_t n = encode(out, out_len, again, sizeof again);
    if (n != len || memcmp(again, in, len) != 0)
        abort();
    /* One byte less room must fail. */
    if (out_len > 0) {
        size_t short_len = 0;
        if (decode(in, len, out, out_len - 1, &short_len))
            abort();
    }
}

static void fuzz_check_round_trip(const uint8_t *data, size_t size)
{
    static char enc[2 * FUZZ_MAX];
    static unsigned char dec[FUZZ_MAX];
    size_t dec_len = 0;

    size_t n = base64url_encode(data, size, enc, sizeof enc);
    if (n != base64url_encoded_len(size) || strlen(enc) != n)
        abort();
    if (!base64url_decode(enc, n, dec, size, &dec_len) || dec_len != size ||
        (size > 0 && memcmp(dec, data, size) != 0))
        abort();

    n = base64_encode(data, size, enc, sizeof enc);
    if (n != base64_encoded_len(size) || strlen(enc) != n || n % 4 != 0)
        abort();
    if (!base64_decode(enc, n, dec, size, &dec_len) || dec_len != size ||
        (size > 0 && memcmp(dec, data, size) != 0))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX)
        return 0;
    /* Copy to an exact-size heap buffer so ASan catches any read past the
     * input length (the decoders must not rely on a NUL terminator). */
    char *in = malloc(size > 0 ? size : 1);
    if (in == NULL)
        return 0;
    if (size > 0)
        memcpy(in, data, size);
    fuzz_check_decoder(base64url_decode, base64url_encode, in, size);
    fuzz_check_decoder(base64_decode, base64_encode, in, size);
    fuzz_check_round_trip(data, size);
    free(in);
    return 0;
}
