/*
 * tests/unit/test_crypto_password.c — Argon2id password hashing
 * (src/crypto/password.c): encoded format and parameters, verify true/false,
 * salts differ, bad encodings, the dummy verification's cost. Argon2 is slow
 * by design, so this file keeps to a handful of hash computations.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "crypto/password.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_hash_and_verify(void **state)
{
    (void)state;
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    const char *pw = "correct horse battery staple";

    assert_int_equal(password_hash(pw, h1, sizeof h1), 0);
    assert_int_equal(strncmp(h1, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
    assert_null(strstr(h1, pw));
    assert_true(password_verify(h1, pw));
    assert_false(password_verify(h1, "correct horse battery stapl"));
    assert_false(password_verify(h1, ""));

    /* Same password, fresh salt: a different encoding that also verifies. */
    assert_int_equal(password_hash(pw, h2, sizeof h2), 0);
    assert_string_not_equal(h1, h2);
    assert_true(password_verify(h2, pw));
}

static void test_hash_edge_cases(void **state)
{
    (void)state;
    char small[40];
    assert_int_equal(password_hash("x", small, sizeof small), -1);
    assert_string_equal(small, "");
    assert_int_equal(password_hash(NULL, small, sizeof small), -1);
    assert_int_equal(password_hash("x", NULL, 0), -1);
}

static void test_verify_rejects_bad_encodings(void **state)
{
    (void)state;
    assert_false(password_verify(NULL, "x"));
    assert_false(password_verify("", "x"));
    assert_false(password_verify("plaintext", "plaintext"));
    /* Other Argon2 variants are not accepted as stored hashes. */
    assert_false(password_verify("$argon2i$v=19$m=19456,t=2,p=1$kw6jEhlbTqWVNxpl75VO+A$"
                                 "Wdsyj1vqwMdKJx5rOlywSKDwhCGKKTIhIZEKyrBDyCQ",
                                 "x"));
    assert_false(password_verify("$argon2id$v=19$m=19456,t=2,p=1$garbage", "x"));
    assert_false(password_verify("$argon2id$", "x"));
    assert_false(password_verify("$argon2id$v=19$m=19456,t=2,p=1$kw6jEhlbTqWVNxpl75VO+A$"
                                 "Wdsyj1vqwMdKJx5rOlywSKDwhCGKKTIhIZEKyrBDyCQ",
                                 NULL));
}

/* The dummy verification must cost about what a real one costs, or timing
 * reveals which emails have accounts. Loose bounds: machines are noisy. */
static void test_dummy_verify_costs_like_real(void **state)
{
    (void)state;
    char h[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash("some password", h, sizeof h), 0);

    double t0 = now_seconds();
    assert_false(password_verify(h, "wrong guess"));
    double real = now_seconds() - t0;

    t0 = now_seconds();
    password_dummy_verify("wrong guess");
    double dummy = now_seconds() - t0;

    password_dummy_verify(NULL); /* tolerated */
    assert_true(dummy > real * 0.3);
    assert_true(dummy < real * 3.0 + 0.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_hash_edge_cases),
        cmocka_unit_test(test_verify_rejects_bad_encodings),
        cmocka_unit_test(test_dummy_verify_costs_like_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
