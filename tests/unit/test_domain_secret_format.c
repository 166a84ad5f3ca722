/*
 * tests/unit/test_domain_secret_format — CRC32 vectors, base62 fixed-width
 * encoding (known answers computed independently), well-formedness checks
 * and typo detection for secrets and client ids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/secret_format.h"

static const char BASE62_CHARS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static void fill_sequence(unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)i;
}

static void test_crc32_vectors(void **state)
{
    (void)state;
    assert_int_equal(secret_format_crc32("123456789", 9), 0xCBF43926u);
    assert_int_equal(secret_format_crc32("", 0), 0x00000000u);
    assert_int_equal(secret_format_crc32("a", 1), 0xE8B7BE43u);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(secret_format_crc32(fox, strlen(fox)), 0x414FA339u);
}

static void test_lengths(void **state)
{
    (void)state;
    assert_int_equal(CLIENT_SECRET_LEN, 54);
    assert_int_equal(API_KEY_LEN, 53);
    assert_int_equal(PLATFORM_SECRET_LEN, 54);
    assert_int_equal(CLIENT_ID_LEN, 26);
}

static void test_known_answers(void **state)
{
    (void)state;
    unsigned char r[32];
    char out[CLIENT_SECRET_LEN + 1];

    memset(r, 0, sizeof r);
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, sizeof out));
    assert_string_equal(out, "tdcs_000000000000000000000000000000000000000000016z137");

    memset(r, 0xFF, sizeof r);
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, sizeof out));
    assert_string_equal(out, "tdcs_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp12lnNID");

    fill_sequence(r, sizeof r);
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, sizeof out));
    assert_string_equal(out, "tdcs_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0KCljR");

    char api[API_KEY_LEN + 1];
    assert_true(secret_format_encode(API_KEY_PREFIX, r, api, sizeof api));
    assert_string_equal(api, "tdk_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf2Xe9P4");

    memset(r, 0xFF, sizeof r);
    assert_true(secret_format_encode(PLATFORM_SECRET_PREFIX, r, out, sizeof out));
    assert_string_equal(out, "tdps_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp12STHy8");
}

static void test_client_id_known_answers(void **state)
{
    (void)state;
    unsigned char r[16];
    char out[CLIENT_ID_LEN + 1];
    memset(r, 0, sizeof r);
    assert_true(client_id_encode(r, out, sizeof out));
    assert_string_equal(out, "tdc_0000000000000000000000");
    memset(r, 0xFF, sizeof r);
    assert_true(client_id_encode(r, out, sizeof out));
    assert_string_equal(out, "tdc_7n42DGM5Tflk9n8mt7Fhc7");
    fill_sequence(r, sizeof r);
    assert_true(client_id_encode(r, out, sizeof out));
    assert_string_equal(out, "tdc_000SYW7RiJxkEgOGusQGwp");
    assert_true(client_id_is_well_formed(out));
}

static void test_round_trip_many(void **state)
{
    (void)state;
    unsigned char r[32];
    char out[CLIENT_SECRET_LEN + 1];
    uint32_t x = 0x12345678u;
    for (int n = 0; n < 2000; n++) {
        for (size_t i = 0; i < sizeof r; i++) {
            x = x * 1103515245u + 12345u; /* deterministic filler, not a CSPRNG */
            r[i] = (unsigned char)(x >> 16);
        }
        assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, sizeof out));
        assert_int_equal(strlen(out), CLIENT_SECRET_LEN);
        assert_memory_equal(out, CLIENT_SECRET_PREFIX, 5);
        for (size_t i = 5; i < CLIENT_SECRET_LEN; i++)
            assert_non_null(strchr(BASE62_CHARS, out[i]));
        assert_true(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, out));
        /* Right format, wrong kind of credential. */
        assert_false(secret_format_is_well_formed(PLATFORM_SECRET_PREFIX, out));
        assert_false(secret_format_is_well_formed(API_KEY_PREFIX, out));

        char id[CLIENT_ID_LEN + 1];
        assert_true(client_id_encode(r, id, sizeof id));
        assert_true(client_id_is_well_formed(id));
    }
}

static void test_distinct_inputs_distinct_outputs(void **state)
{
    (void)state;
    unsigned char a[32] = {0}, b[32] = {0};
    b[31] = 1;
    char sa[CLIENT_SECRET_LEN + 1], sb[CLIENT_SECRET_LEN + 1];
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, a, sa, sizeof sa));
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, b, sb, sizeof sb));
    assert_string_not_equal(sa, sb);
    assert_int_equal(sb[CLIENT_SECRET_LEN - 7], '1'); /* last body digit */
}

static void test_every_single_char_typo_fails(void **state)
{
    (void)state;
    unsigned char r[32];
    fill_sequence(r, sizeof r);
    char good[CLIENT_SECRET_LEN + 1];
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, good, sizeof good));
    char bad[CLIENT_SECRET_LEN + 1];
    size_t tried = 0;
    for (size_t pos = 0; pos < CLIENT_SECRET_LEN; pos++) {
        for (size_t k = 0; k < sizeof BASE62_CHARS - 1; k++) {
            if (BASE62_CHARS[k] == good[pos])
                continue;
            memcpy(bad, good, sizeof good);
            bad[pos] = BASE62_CHARS[k];
            if (secret_format_is_well_formed(CLIENT_SECRET_PREFIX, bad))
                fail_msg("typo at %zu (%c) accepted: %s", pos, BASE62_CHARS[k], bad);
            tried++;
        }
    }
    assert_true(tried > 3000);
    /* Adjacent transpositions fail too. */
    for (size_t pos = 5; pos + 1 < CLIENT_SECRET_LEN; pos++) {
        if (good[pos] == good[pos + 1])
            continue;
        memcpy(bad, good, sizeof good);
        bad[pos] = good[pos + 1];
        bad[pos + 1] = good[pos];
        assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, bad));
    }
}

static void test_malformed_secrets(void **state)
{
    (void)state;
    const char *good = "tdcs_003aUlTJC7tjlCTQj2uNU3MFagCXG9LRKRcwGkBIDlf0KCljR";
    assert_true(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, good));
    char buf[128];
    /* Truncated and extended. */
    snprintf(buf, sizeof buf, "%.*s", CLIENT_SECRET_LEN - 1, good);
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    snprintf(buf, sizeof buf, "%sA", good);
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    snprintf(buf, sizeof buf, "%s\n", good);
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    /* Non-base62 characters. */
    snprintf(buf, sizeof buf, "%s", good);
    buf[20] = '-';
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    buf[20] = '\xc3';
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    /* Prefix case matters. */
    snprintf(buf, sizeof buf, "%s", good);
    buf[0] = 'T';
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, buf));
    /* Body above 2^256 with a matching checksum: well-formed shape, impossible value. */
    assert_false(secret_format_is_well_formed(
        CLIENT_SECRET_PREFIX, "tdcs_yhjskwdA6OZ1AL1YmHWZWm8LLG7HjnuCA2j5rOw8Xp20GDDMt"));
    assert_false(secret_format_is_well_formed(
        CLIENT_SECRET_PREFIX, "tdcs_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz1kgilw"));
    /* Edge inputs. */
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, ""));
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, NULL));
    assert_false(secret_format_is_well_formed(NULL, good));
    assert_false(secret_format_is_well_formed("", good));
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, CLIENT_SECRET_PREFIX));
    char *huge = malloc(100001);
    assert_non_null(huge);
    memset(huge, 'a', 100000);
    memcpy(huge, good, CLIENT_SECRET_LEN);
    huge[100000] = '\0';
    assert_false(secret_format_is_well_formed(CLIENT_SECRET_PREFIX, huge));
    free(huge);
}

static void test_encode_arguments(void **state)
{
    (void)state;
    unsigned char r[32] = {0};
    char out[CLIENT_SECRET_LEN + 1];
    /* Exact fit works; one byte less fails and leaves "". */
    assert_true(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, CLIENT_SECRET_LEN + 1));
    assert_false(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, CLIENT_SECRET_LEN));
    assert_string_equal(out, "");
    assert_false(secret_format_encode(CLIENT_SECRET_PREFIX, r, out, 0));
    assert_false(secret_format_encode(CLIENT_SECRET_PREFIX, NULL, out, sizeof out));
    assert_false(secret_format_encode(CLIENT_SECRET_PREFIX, r, NULL, sizeof out));
    assert_false(secret_format_encode(NULL, r, out, sizeof out));
    assert_false(secret_format_encode("", r, out, sizeof out));
    assert_false(secret_format_encode("Bad_", r, out, sizeof out));
    assert_false(secret_format_encode("bad-", r, out, sizeof out));
    assert_false(secret_format_encode("abcdefghijklmnopq", r, out, sizeof out)); /* 17 */
    char big[80];
    assert_true(secret_format_encode("abcdefghijklmnop", r, big, sizeof big)); /* 16 */
    assert_int_equal(strlen(big), 16 + 43 + 6);
    assert_true(secret_format_is_well_formed("abcdefghijklmnop", big));
}

static void test_client_id_checks(void **state)
{
    (void)state;
    unsigned char r[16] = {0};
    char out[CLIENT_ID_LEN + 1];
    assert_true(client_id_encode(r, out, CLIENT_ID_LEN + 1));
    assert_false(client_id_encode(r, out, CLIENT_ID_LEN));
    assert_string_equal(out, "");
    assert_false(client_id_encode(NULL, out, sizeof out));
    assert_false(client_id_encode(r, NULL, sizeof out));

    assert_true(client_id_is_well_formed("tdc_7n42DGM5Tflk9n8mt7Fhc7"));  /* 2^128 - 1 */
    assert_false(client_id_is_well_formed("tdc_7n42DGM5Tflk9n8mt7Fhc8")); /* 2^128 */
    assert_false(client_id_is_well_formed("tdc_zzzzzzzzzzzzzzzzzzzzzz"));
    assert_false(client_id_is_well_formed("tdc_000SYW7RiJxkEgOGusQGw"));
    assert_false(client_id_is_well_formed("tdc_000SYW7RiJxkEgOGusQGwpp"));
    assert_false(client_id_is_well_formed("tdcs000SYW7RiJxkEgOGusQGwp"));
    assert_false(client_id_is_well_formed("TDC_000SYW7RiJxkEgOGusQGwp"));
    assert_false(client_id_is_well_formed("tdc_000SYW7RiJxkEgOGusQG-p"));
    assert_false(client_id_is_well_formed("tdc_000SYW7RiJxkEgOGusQG p"));
    assert_false(client_id_is_well_formed(""));
    assert_false(client_id_is_well_formed(NULL));
    /* A client secret is not a client id. */
    assert_false(
        client_id_is_well_formed("tdcs_000000000000000000000000000000000000000000016z137"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vectors),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_client_id_known_answers),
        cmocka_unit_test(test_round_trip_many),
        cmocka_unit_test(test_distinct_inputs_distinct_outputs),
        cmocka_unit_test(test_every_single_char_typo_fails),
        cmocka_unit_test(test_malformed_secrets),
        cmocka_unit_test(test_encode_arguments),
        cmocka_unit_test(test_client_id_checks),
    };
    return cmocka_run_group_tests_name("domain_secret_format", tests, NULL, NULL);
}
