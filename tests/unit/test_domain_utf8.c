/*
 * tests/unit/test_domain_utf8 — strict UTF-8 validation: known vectors
 * (overlongs, surrogates, > U+10FFFF, truncation), utf8_next decoding, code
 * point counting, and an exhaustive comparison with an independent
 * reference decoder over every 1-, 2- and 3-byte sequence and a sweep of
 * 4-byte ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/utf8.h"

#define V(lit) utf8_is_valid(lit, sizeof(lit) - 1)

/*
 * Reference: decode by the generic bit pattern, then reject what RFC 3629
 * forbids (wrong continuation, overlong for the length, surrogate, too big).
 * Deliberately written differently from the table-driven implementation.
 */
static bool reference_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

static void test_valid_vectors(void **state)
{
    (void)state;
    assert_true(utf8_is_valid("", 0));
    assert_true(utf8_is_valid(NULL, 0));
    assert_true(V("plain ascii"));
    assert_true(V("\x00"));             /* U+0000 is valid UTF-8 */
    assert_true(V("\x7f"));             /* U+007F */
    assert_true(V("\xc2\x80"));         /* U+0080 */
    assert_true(V("\xdf\xbf"));         /* U+07FF */
    assert_true(V("\xe0\xa0\x80"));     /* U+0800 */
    assert_true(V("\xed\x9f\xbf"));     /* U+D7FF */
    assert_true(V("\xee\x80\x80"));     /* U+E000 */
    assert_true(V("\xef\xbf\xbd"));     /* U+FFFD */
    assert_true(V("\xef\xbf\xbf"));     /* U+FFFF (noncharacter, still valid) */
    assert_true(V("\xf0\x90\x80\x80")); /* U+10000 */
    assert_true(V("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(V("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5")); /* Greek "kosme" */
}

static void test_invalid_vectors(void **state)
{
    (void)state;
    assert_false(utf8_is_valid(NULL, 1));
    assert_false(V("\x80")); /* lone continuation */
    assert_false(V("\xbf"));
    assert_false(V("\xc0\x80"));                 /* overlong NUL */
    assert_false(V("\xc1\xbf"));                 /* overlong */
    assert_false(V("\xe0\x80\x80"));             /* overlong */
    assert_false(V("\xe0\x9f\xbf"));             /* overlong U+07FF */
    assert_false(V("\xf0\x80\x80\x80"));         /* overlong */
    assert_false(V("\xf0\x8f\xbf\xbf"));         /* overlong U+FFFF */
    assert_false(V("\xed\xa0\x80"));             /* U+D800 */
    assert_false(V("\xed\xbf\xbf"));             /* U+DFFF */
    assert_false(V("\xed\xa0\xbd\xed\xb2\xa9")); /* CESU-8 surrogate pair */
    assert_false(V("\xf4\x90\x80\x80"));         /* U+110000 */
    assert_false(V("\xf5\x80\x80\x80"));
    assert_false(V("\xf8\x88\x80\x80\x80")); /* 5-byte form */
    assert_false(V("\xfc\x84\x80\x80\x80\x80"));
    assert_false(V("\xfe"));
    assert_false(V("\xff"));
    assert_false(V("\xc2")); /* truncated */
    assert_false(V("\xe0\xa0"));
    assert_false(V("\xf0\x90\x80"));
    assert_false(V("\xc2\x41")); /* bad continuation */
    assert_false(V("\xe1\x80\x41"));
    assert_false(V("\xf1\x80\x80\xc0"));
    assert_false(V("ok\xc3")); /* truncated at the end */
    /* The length bounds what is read: a valid sequence cut by len is invalid. */
    assert_false(utf8_is_valid("\xc3\xa9", 1));
    assert_true(utf8_is_valid("\xc3\xa9zzz", 2));
}

static void test_next(void **state)
{
    (void)state;
    const char *s = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    size_t len = strlen(s), pos = 0;
    uint32_t cp = 0;
    assert_true(utf8_next(s, len, &pos, &cp));
    assert_int_equal(cp, 0x41);
    assert_int_equal(pos, 1);
    assert_true(utf8_next(s, len, &pos, &cp));
    assert_int_equal(cp, 0xE9);
    assert_int_equal(pos, 3);
    assert_true(utf8_next(s, len, &pos, &cp));
    assert_int_equal(cp, 0x20AC);
    assert_int_equal(pos, 6);
    assert_true(utf8_next(s, len, &pos, &cp));
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(pos, 10);
    assert_false(utf8_next(s, len, &pos, &cp)); /* at end */
    assert_int_equal(pos, 10);

    pos = 0;
    assert_false(utf8_next("\xed\xa0\x80", 3, &pos, &cp));
    assert_int_equal(pos, 0); /* unchanged on failure */
    assert_false(utf8_next("\xf0\x9f\x98", 3, &pos, &cp));
    assert_false(utf8_next(NULL, 3, &pos, &cp));
    assert_false(utf8_next("a", 1, NULL, &cp));
    assert_false(utf8_next("a", 1, &pos, NULL));
}

static void test_count(void **state)
{
    (void)state;
    assert_int_equal(utf8_count(NULL), 0);
    assert_int_equal(utf8_count(""), 0);
    assert_int_equal(utf8_count("abc"), 3);
    assert_int_equal(utf8_count("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 4);
    assert_int_equal(utf8_count("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"), 3);
}

static void test_exhaustive_short_sequences(void **state)
{
    (void)state;
    unsigned char b[4];
    size_t accepted = 0;
    for (unsigned a = 0; a < 256; a++) {
        b[0] = (unsigned char)a;
        assert_int_equal(utf8_is_valid((const char *)b, 1), reference_valid(b, 1));
        for (unsigned c = 0; c < 256; c++) {
            b[1] = (unsigned char)c;
            bool want = reference_valid(b, 2);
            if (utf8_is_valid((const char *)b, 2) != want)
                fail_msg("2-byte %02x %02x: want %d", a, c, want);
        }
    }
    for (unsigned a = 0xC0; a < 0x100; a++) {
        for (unsigned c = 0; c < 256; c++) {
            for (unsigned d = 0; d < 256; d++) {
                b[0] = (unsigned char)a;
                b[1] = (unsigned char)c;
                b[2] = (unsigned char)d;
                bool want = reference_valid(b, 3);
                if (utf8_is_valid((const char *)b, 3) != want)
                    fail_msg("3-byte %02x %02x %02x: want %d", a, c, d, want);
                accepted += want;
            }
        }
    }
    assert_true(accepted > 0);
}

static void test_four_byte_sweep(void **state)
{
    (void)state;
    unsigned char b[4];
    /* Every lead byte F0..FF with every second byte, and third/fourth bytes
     * from a set that covers each boundary class. */
    static const unsigned char tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                          0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF};
    for (unsigned a = 0xF0; a < 0x100; a++) {
        for (unsigned c = 0; c < 256; c++) {
            for (size_t x = 0; x < sizeof tails; x++) {
                for (size_t y = 0; y < sizeof tails; y++) {
                    b[0] = (unsigned char)a;
                    b[1] = (unsigned char)c;
                    b[2] = tails[x];
                    b[3] = tails[y];
                    bool want = reference_valid(b, 4);
                    if (utf8_is_valid((const char *)b, 4) != want)
                        fail_msg("4-byte %02x %02x %02x %02x: want %d", a, c, tails[x], tails[y],
                                 want);
                }
            }
        }
    }
}

static void test_every_code_point_round_trips(void **state)
{
    (void)state;
    unsigned char b[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n;
        if (cp < 0x80) {
            b[0] = (unsigned char)cp;
            n = 1;
        } else if (cp < 0x800) {
            b[0] = (unsigned char)(0xC0 | (cp >> 6));
            b[1] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 2;
        } else if (cp < 0x10000) {
            b[0] = (unsigned char)(0xE0 | (cp >> 12));
            b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[2] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 3;
        } else {
            b[0] = (unsigned char)(0xF0 | (cp >> 18));
            b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            b[3] = (unsigned char)(0x80 | (cp & 0x3F));
            n = 4;
        }
        bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        size_t pos = 0;
        uint32_t got = 0;
        bool ok = utf8_next((const char *)b, n, &pos, &got);
        if (ok == surrogate)
            fail_msg("U+%04X: utf8_next returned %d", cp, ok);
        if (ok && (got != cp || pos != n))
            fail_msg("U+%04X decoded as U+%04X (%zu bytes)", cp, got, pos);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_vectors),
        cmocka_unit_test(test_invalid_vectors),
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_exhaustive_short_sequences),
        cmocka_unit_test(test_four_byte_sweep),
        cmocka_unit_test(test_every_code_point_round_trips),
    };
    return cmocka_run_group_tests_name("domain_utf8", tests, NULL, NULL);
}
