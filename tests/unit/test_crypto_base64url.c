/*
 * tests/unit/test_crypto_base64url.c — base64url and base64 codecs
 * (src/crypto/base64url.c): RFC 4648 §10 vectors, the url-safe alphabet,
 * strict rejection of padding, foreign characters, impossible lengths and
 * non-canonical trailing bits, buffer-size contracts and round trips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "crypto/base64url.h"
#include "crypto/random.h"

struct vector {
    const char *plain;
    const char *url;
    const char *std;
};

/* RFC 4648 §10 test vectors. */
static const struct vector rfc4648[] = {
    {"", "", ""},
    {"f", "Zg", "Zg=="},
    {"fo", "Zm8", "Zm8="},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg", "Zm9vYg=="},
    {"fooba", "Zm9vYmE", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static bool url_decodes(const char *in, unsigned char *out, size_t out_size, size_t *out_len)
{
    return base64url_decode(in, strlen(in), out, out_size, out_len);
}

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        const struct vector *v = &rfc4648[i];
        size_t plain_len = strlen(v->plain);
        char enc[32];
        unsigned char dec[32];
        size_t dec_len = 99;

        assert_int_equal(base64url_encoded_len(plain_len), strlen(v->url));
        assert_int_equal(
            base64url_encode((const unsigned char *)v->plain, plain_len, enc, sizeof enc),
            strlen(v->url));
        assert_string_equal(enc, v->url);
        assert_true(url_decodes(v->url, dec, sizeof dec, &dec_len));
        assert_int_equal(dec_len, plain_len);
        assert_memory_equal(dec, v->plain, plain_len);
        assert_int_equal(base64url_decoded_len(strlen(v->url)), plain_len);

        assert_int_equal(base64_encoded_len(plain_len), strlen(v->std));
        assert_int_equal(base64_encode((const unsigned char *)v->plain, plain_len, enc, sizeof enc),
                         strlen(v->std));
        assert_string_equal(enc, v->std);
        dec_len = 99;
        assert_true(base64_decode(v->std, strlen(v->std), dec, sizeof dec, &dec_len));
        assert_int_equal(dec_len, plain_len);
        assert_memory_equal(dec, v->plain, plain_len);
    }
}

static void test_url_alphabet(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0xfb, 0xff};
    char enc[8];
    unsigned char dec[4];
    size_t dec_len = 0;

    assert_int_equal(base64url_encode(bytes, sizeof bytes, enc, sizeof enc), 3);
    assert_string_equal(enc, "-_8");
    assert_int_equal(base64_encode(bytes, sizeof bytes, enc, sizeof enc), 4);
    assert_string_equal(enc, "+/8=");
    assert_true(url_decodes("-_8", dec, sizeof dec, &dec_len));
    assert_int_equal(dec_len, 2);
    assert_memory_equal(dec, bytes, 2);
    /* Each alphabet's special characters are foreign to the other. */
    assert_false(url_decodes("+/8", dec, sizeof dec, &dec_len));
    assert_false(base64_decode("-_8=", 4, dec, sizeof dec, &dec_len));

    /* All 64 symbols decode to their index. */
    const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char all[48];
    assert_true(base64url_decode(alphabet, 64, all, sizeof all, &dec_len));
    assert_int_equal(dec_len, 48);
    char back[65];
    assert_int_equal(base64url_encode(all, 48, back, sizeof back), 64);
    assert_string_equal(back, alphabet);
}

static void test_url_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg==",        /* padding */
        "Zm8=",        /* padding */
        "Zg=",         /* padding, odd shape */
        "=",           /* padding only */
        "Z",           /* length % 4 == 1 */
        "Zm9vY",       /* length % 4 == 1 */
        "Zh",          /* non-canonical: low 4 bits of 'h' set */
        "Zm9",         /* non-canonical: low 2 bits of '9' set */
        "Zm9v\n",      /* whitespace */
        " Zm9v",       /* whitespace */
        "Zm9 v",       /* whitespace */
        "Zm+v",        /* standard alphabet */
        "Zm/v",        /* standard alphabet */
        "Zm9v.",       /* JWS separator */
        "Zm\xc3\xa9v", /* non-ASCII */
    };
    unsigned char out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t out_len = 77;
        memset(out, 0xAA, sizeof out);
        assert_false(url_decodes(bad[i], out, sizeof out, &out_len));
        assert_int_equal(out_len, 0);
    }
    /* An embedded NUL is just another foreign character. */
    size_t out_len = 0;
    assert_false(base64url_decode("Zm\0v", 4, out, sizeof out, &out_len));

    /* Every byte outside the alphabet is rejected in every position. */
    for (int c = 0; c < 256; c++) {
        bool in_alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (in_alphabet)
            continue;
        for (size_t pos = 0; pos < 4; pos++) {
            char in[4] = {'A', 'A', 'A', 'A'};
            in[pos] = (char)c;
            assert_false(base64url_decode(in, 4, out, sizeof out, &out_len));
        }
    }
}

static void test_url_wipes_partial_output_on_failure(void **state)
{
    (void)state;
    unsigned char out[16];
    size_t out_len = 0;
    memset(out, 0xAA, sizeof out);
    /* Valid first quantum, bad second: the 3 bytes already written are wiped. */
    assert_false(url_decodes("Zm9vYm!y", out, sizeof out, &out_len));
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(out[i], 0);
}

static void test_url_buffer_contracts(void **state)
{
    (void)state;
    const unsigned char in[] = "foobar";
    char enc[16];
    unsigned char dec[8];
    size_t dec_len = 0;

    /* "Zm9vYmFy" needs 8 chars + NUL. */
    memset(enc, 'x', sizeof enc);
    assert_int_equal(base64url_encode(in, 6, enc, 8), 0);
    assert_string_equal(enc, "");
    assert_int_equal(base64url_encode(in, 6, enc, 0), 0);
    assert_int_equal(enc[0], '\0');
    assert_int_equal(base64url_encode(in, 6, enc, 9), 8);
    assert_string_equal(enc, "Zm9vYmFy");
    assert_int_equal(base64_encode(in, 4, enc, 8), 0); /* "Zm9vYg==" + NUL */
    assert_int_equal(base64_encode(in, 4, enc, 9), 8);

    /* Zero-length input. */
    memset(enc, 'x', sizeof enc);
    assert_int_equal(base64url_encode(NULL, 0, enc, 1), 0);
    assert_string_equal(enc, "");
    assert_true(base64url_decode(NULL, 0, dec, 0, &dec_len));
    assert_int_equal(dec_len, 0);

    /* Decoded output must fit exactly. */
    assert_false(url_decodes("Zm9vYmFy", dec, 5, &dec_len));
    assert_true(url_decodes("Zm9vYmFy", dec, 6, &dec_len));
    assert_int_equal(dec_len, 6);

    /* Lengths near SIZE_MAX are reported, not wrapped. */
    assert_int_equal(base64url_encoded_len(SIZE_MAX), SIZE_MAX);
    assert_int_equal(base64_encoded_len(SIZE_MAX), SIZE_MAX);
}

static void test_std_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg",           /* missing padding */
        "Zg=",          /* short padding */
        "Zg===",        /* too much padding */
        "Z===",         /* three '=' */
        "====",         /* only padding */
        "Zm=v",         /* '=' inside */
        "=m9v",         /* '=' first */
        "Zh==",         /* non-canonical trailing bits */
        "Zm9=",         /* non-canonical trailing bits */
        "Zm9v\r\n",     /* whitespace */
        "Zm9vYg==Zm9v", /* padding in the middle */
    };
    unsigned char out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t out_len = 77;
        assert_false(base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &out_len));
        assert_int_equal(out_len, 0);
    }
}

static void test_round_trip_random(void **state)
{
    (void)state;
    unsigned char in[300], dec[300];
    char enc[401], std[401];
    for (size_t len = 0; len <= sizeof in; len++) {
        size_t dec_len = 0;
        assert_int_equal(crypto_random_bytes(in, len), 0);
        size_t n = base64url_encode(in, len, enc, sizeof enc);
        assert_int_equal(n, base64url_encoded_len(len));
        assert_int_equal(strlen(enc), n);
        assert_int_equal(base64url_decoded_len(n), len);
        assert_true(base64url_decode(enc, n, dec, len, &dec_len));
        assert_int_equal(dec_len, len);
        assert_memory_equal(dec, in, len);

        size_t m = base64_encode(in, len, std, sizeof std);
        assert_int_equal(m, base64_encoded_len(len));
        assert_int_equal(m % 4, 0);
        assert_true(base64_decode(std, m, dec, len, &dec_len));
        assert_int_equal(dec_len, len);
        assert_memory_equal(dec, in, len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_url_rejects),
        cmocka_unit_test(test_url_wipes_partial_output_on_failure),
        cmocka_unit_test(test_url_buffer_contracts),
        cmocka_unit_test(test_std_rejects),
        cmocka_unit_test(test_round_trip_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
