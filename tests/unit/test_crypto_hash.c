/*
 * tests/unit/test_crypto_hash.c — SHA-256 (FIPS 180-2 examples), HMAC-SHA-256
 * (RFC 4231 test cases 1, 2 and 6), constant-time equality, hex, wiping,
 * and the CSPRNG / v4 UUID helpers (src/crypto/hash.c, random.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include "crypto/hash.h"
#include "crypto/random.h"

static void test_sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    crypto_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    crypto_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    crypto_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    unsigned char raw[32];
    crypto_sha256("abc", 3, raw);
    assert_int_equal(raw[0], 0xba);
    assert_int_equal(raw[31], 0xad);
}

static void hex_of(const unsigned char *in, size_t len, char *out)
{
    crypto_hex_encode(in, len, out);
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    unsigned char mac[32];
    char hex[65];

    /* Test case 2: key "Jefe". */
    const char *data2 = "what do ya want for nothing?";
    crypto_hmac_sha256("Jefe", 4, data2, strlen(data2), mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

    /* Test case 1: 20 bytes of 0x0b. */
    unsigned char key1[20];
    memset(key1, 0x0b, sizeof key1);
    crypto_hmac_sha256(key1, sizeof key1, "Hi There", 8, mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");

    /* Test case 6: a key longer than the block size is hashed first. */
    unsigned char key6[131];
    memset(key6, 0xaa, sizeof key6);
    const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    crypto_hmac_sha256(key6, sizeof key6, data6, strlen(data6), mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

    /* Empty key and empty message are valid HMAC inputs. */
    crypto_hmac_sha256(NULL, 0, NULL, 0, mac);
    hex_of(mac, sizeof mac, hex);
    assert_string_equal(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_equal(void **state)
{
    (void)state;
    unsigned char a[64], b[64];
    assert_int_equal(crypto_random_bytes(a, sizeof a), 0);
    memcpy(b, a, sizeof a);
    assert_true(crypto_equal(a, b, sizeof a));
    assert_true(crypto_equal(a, b, 0));
    b[0] ^= 1;
    assert_false(crypto_equal(a, b, sizeof a));
    assert_true(crypto_equal(a + 1, b + 1, sizeof a - 1));
    b[0] ^= 1;
    b[63] ^= 0x80;
    assert_false(crypto_equal(a, b, sizeof a));
    assert_true(crypto_equal(a, b, 63));
}

static void test_hex(void **state)
{
    (void)state;
    const unsigned char bytes[] = {0x00, 0x01, 0xab, 0xff, 0x7f};
    char hex[11];
    unsigned char back[5];

    crypto_hex_encode(bytes, sizeof bytes, hex);
    assert_string_equal(hex, "0001abff7f");
    assert_true(crypto_hex_decode(hex, 10, back, sizeof back));
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_true(crypto_hex_decode("0001ABFF7F", 10, back, sizeof back));
    assert_memory_equal(back, bytes, sizeof bytes);
    assert_true(crypto_hex_decode("", 0, back, 0));

    assert_false(crypto_hex_decode("0001abff7", 9, back, sizeof back)); /* odd */
    assert_false(crypto_hex_decode("0001abff7f", 10, back, 4));         /* too small */
    memset(back, 0x55, sizeof back);
    assert_false(crypto_hex_decode("0001zbff7f", 10, back, sizeof back)); /* non-hex */
    assert_int_equal(back[0], 0);                                         /* partial output wiped */
    assert_int_equal(back[1], 0);
    assert_false(crypto_hex_decode("00 1", 4, back, sizeof back));
    assert_false(crypto_hex_decode("0x01", 4, back, sizeof back));
}

static void test_wipe(void **state)
{
    (void)state;
    unsigned char secret[40];
    memset(secret, 0x5a, sizeof secret);
    crypto_wipe(secret, sizeof secret);
    for (size_t i = 0; i < sizeof secret; i++)
        assert_int_equal(secret[i], 0);
    crypto_wipe(NULL, 10); /* tolerated */
    crypto_wipe(secret, 0);
}

static void test_random_bytes(void **state)
{
    (void)state;
    unsigned char a[32], b[32], zero[32] = {0};
    assert_int_equal(crypto_random_bytes(a, sizeof a), 0);
    assert_int_equal(crypto_random_bytes(b, sizeof b), 0);
    assert_false(crypto_equal(a, b, sizeof a));
    assert_false(crypto_equal(a, zero, sizeof a));
    assert_int_equal(crypto_random_bytes(a, 0), 0);
}

static void assert_uuid_v4(const char *u)
{
    assert_int_equal(strlen(u), 36);
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            assert_int_equal(u[i], '-');
        } else {
            assert_true(isxdigit((unsigned char)u[i]));
            assert_false(isupper((unsigned char)u[i]));
        }
    }
    assert_int_equal(u[14], '4');
    assert_non_null(strchr("89ab", u[19]));
}

static void test_uuid(void **state)
{
    (void)state;
    char seen[64][37];
    for (size_t i = 0; i < 64; i++) {
        assert_int_equal(crypto_random_uuid(seen[i]), 0);
        assert_uuid_v4(seen[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
}

/* Hashing from several threads at once gives the same answers (the
 * fetched-once algorithms are shared). */
static void *hash_worker(void *arg)
{
    int *failures = arg;
    for (int i = 0; i < 2000; i++) {
        char hex[65];
        crypto_sha256_hex("abc", 3, hex);
        if (strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") != 0)
            (*failures)++;
        unsigned char mac[32];
        crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
        if (mac[0] != 0x5b || mac[31] != 0x43)
            (*failures)++;
    }
    return NULL;
}

static void test_hash_threads(void **state)
{
    (void)state;
    pthread_t t[4];
    int failures[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hash_worker, &failures[i]), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(failures[i], 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_equal),          cmocka_unit_test(test_hex),
        cmocka_unit_test(test_wipe),           cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_uuid),           cmocka_unit_test(test_hash_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
