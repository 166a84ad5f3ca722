/*
 * test_oauth_replay_cache.c — the bounded one-time-value memory behind
 * private_key_jwt replay protection (oauth/replay_cache.h): fresh then seen, forgotten
 * after expiry, scoped keys, and failing closed (never forgetting a live value)
 * when full; plus the client_assertion parser's refusals that need no key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "oauth/client_assertion.h"
#include "oauth/replay_cache.h"

static void key_of(const char *scope, int n, unsigned char key[REPLAY_CACHE_KEY_LEN])
{
    char value[32];
    snprintf(value, sizeof value, "jti-%d", n);
    replay_cache_key(scope, value, key);
}

static void test_fresh_then_seen_then_forgotten(void **state)
{
    struct replay_cache *c = replay_cache_new(64);
    assert_non_null(c);
    unsigned char k[REPLAY_CACHE_KEY_LEN];
    key_of("client-a", 1, k);
    assert_int_equal(replay_cache_check_and_remember(c, k, 1030, 1000), REPLAY_FRESH);
    assert_int_equal(replay_cache_check_and_remember(c, k, 1030, 1001), REPLAY_SEEN);
    assert_int_equal(replay_cache_check_and_remember(c, k, 1030, 1030), REPLAY_SEEN);
    /* after its expiry the value is gone (and may be used again: exp bounds it) */
    assert_int_equal(replay_cache_check_and_remember(c, k, 1100, 1031), REPLAY_FRESH);
    assert_int_equal(replay_cache_size(c), 1);
    replay_cache_free(c);
}

static void test_scopes_are_separate(void **state)
{
    struct replay_cache *c = replay_cache_new(64);
    unsigned char a[REPLAY_CACHE_KEY_LEN], b[REPLAY_CACHE_KEY_LEN], ab[REPLAY_CACHE_KEY_LEN];
    key_of("client-a", 7, a);
    key_of("client-b", 7, b);
    assert_memory_not_equal(a, b, sizeof a);
    /* "a" + "bc" and "ab" + "c" are different pairs */
    replay_cache_key("a", "bc", ab);
    replay_cache_key("ab", "c", b);
    assert_memory_not_equal(ab, b, sizeof ab);
    key_of("client-b", 7, b);
    assert_int_equal(replay_cache_check_and_remember(c, a, 2000, 1000), REPLAY_FRESH);
    assert_int_equal(replay_cache_check_and_remember(c, b, 2000, 1000), REPLAY_FRESH);
    replay_cache_free(c);
}

static void test_full_fails_closed_then_recovers(void **state)
{
    /* 16 shards x 1 slot: fill every shard with live values */
    struct replay_cache *c = replay_cache_new(16);
    int fresh = 0, full = 0;
    unsigned char k[REPLAY_CACHE_KEY_LEN];
    for (int i = 0; i < 400; i++) {
        key_of("client", i, k);
        enum replay_result r = replay_cache_check_and_remember(c, k, 1300, 1000);
        assert_true(r == REPLAY_FRESH || r == REPLAY_FULL);
        fresh += r == REPLAY_FRESH;
        full += r == REPLAY_FULL;
    }
    assert_int_equal(fresh, 16);
    assert_int_equal(full, 400 - 16);
    assert_int_equal(replay_cache_size(c), 16);
    /* every remembered value is still refused: nothing live was forgotten */
    int seen = 0;
    for (int i = 0; i < 400; i++) {
        key_of("client", i, k);
        seen += replay_cache_check_and_remember(c, k, 1300, 1001) == REPLAY_SEEN;
    }
    assert_int_equal(seen, 16);
    /* once they expire there is room again */
    key_of("client", 1000, k);
    assert_int_equal(replay_cache_check_and_remember(c, k, 1700, 1301), REPLAY_FRESH);
    replay_cache_free(c);
}

static void test_assertion_parser_refusals(void **state)
{
    static const char *const bad[] = {
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        /* {"alg":"ES256"} . {"iss":"x"} . (empty signature) */
        "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.",
        /* header with crit */
        "eyJhbGciOiJFUzI1NiIsImNyaXQiOlsiYiJdfQ.eyJpc3MiOiJ4In0.AAAA",
        /* typ at+jwt */
        "eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJpc3MiOiJ4In0.AAAA",
        /* exp as a string */
        "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4IiwiZXhwIjoiMSJ9.AAAA",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct client_assertion a;
        assert_false(client_assertion_parse(bad[i], strlen(bad[i]), &a));
        client_assertion_free(&a);
    }
    struct client_assertion a;
    const char *ok = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJ4IiwiZXhwIjoxLjV9.AAAA";
    assert_true(client_assertion_parse(ok, strlen(ok), &a));
    assert_string_equal(a.alg, "ES256");
    assert_string_equal(a.iss, "x");
    assert_true(a.has_exp);
    assert_int_equal(a.exp, 1);
    const char *why = NULL;
    /* no keys: never verified */
    assert_int_equal(client_assertion_verify(&a, NULL, "x", "i", "t", 0, &why),
                     CLIENT_ASSERTION_BAD_SIGNATURE);
    client_assertion_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_then_seen_then_forgotten),
        cmocka_unit_test(test_scopes_are_separate),
        cmocka_unit_test(test_full_fails_closed_then_recovers),
        cmocka_unit_test(test_assertion_parser_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
