/*
 * test_oauth_scope.c — requested scope validation (oauth/scope.c): RFC 6749 §3.3
 * syntax, subset of the allowed list, no platform:* for tenant apps, granted form.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "oauth/scope.h"

static void test_nothing_requested(void **state)
{
    char out[64] = "junk";
    assert_true(scope_grant(NULL, "api", true, out, sizeof out));
    assert_string_equal(out, "");
    assert_true(scope_grant("", "api", true, out, sizeof out));
    assert_string_equal(out, "");
    assert_true(scope_grant("   ", "api", true, out, sizeof out));
    assert_string_equal(out, "");
}

static void test_subset_granted_in_requested_order(void **state)
{
    char out[64];
    assert_true(scope_grant("api", "api", true, out, sizeof out));
    assert_string_equal(out, "api");
    assert_true(scope_grant("write read", "read write admin", true, out, sizeof out));
    assert_string_equal(out, "write read");
    assert_true(scope_grant("read  read write read", "read write", true, out, sizeof out));
    assert_string_equal(out, "read write");
}

static void test_refusals(void **state)
{
    char out[64];
    const char *bad[] = {"admin", "api admin", "API",         "ap",    "apix", "api\tapi",
                         "a\"b",  "a\\b",      "caf\xc3\xa9", "api\n", "\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        out[0] = 'x';
        out[1] = 0;
        assert_false(scope_grant(bad[i], "api a\"b a\\b", true, out, sizeof out));
        assert_string_equal(out, "");
    }
    /* no allowed list at all */
    assert_false(scope_grant("api", NULL, true, out, sizeof out));
    assert_false(scope_grant("api", "", true, out, sizeof out));
}

static void test_platform_scopes(void **state)
{
    char out[64];
    /* a tenant app never gets platform:*, even if configured */
    assert_false(scope_grant("platform:storage", "api platform:storage", true, out, sizeof out));
    assert_true(scope_grant("api", "api platform:storage", true, out, sizeof out));
    /* platform clients may */
    assert_true(scope_grant("platform:storage", "platform:storage", false, out, sizeof out));
    assert_string_equal(out, "platform:storage");
    assert_false(scope_grant("platform:other", "platform:storage", false, out, sizeof out));
}

static void test_output_too_small(void **state)
{
    char out[8];
    assert_false(scope_grant("abcd efgh", "abcd efgh", true, out, sizeof out));
    assert_string_equal(out, "");
    assert_true(scope_grant("abcd", "abcd efgh", true, out, 5));
    assert_false(scope_grant("abcd", "abcd efgh", true, out, 4));
    assert_false(scope_grant("abcd", "abcd", true, out, 0));
}

static void test_list_contains(void **state)
{
    assert_true(scope_list_contains("a platform:storage b", "platform:storage"));
    assert_true(scope_list_contains("platform:storage", "platform:storage"));
    assert_false(scope_list_contains("platform:storagex", "platform:storage"));
    assert_false(scope_list_contains("xplatform:storage", "platform:storage"));
    assert_false(scope_list_contains("", "a"));
    assert_false(scope_list_contains(NULL, "a"));
    assert_false(scope_list_contains("a", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_requested),
        cmocka_unit_test(test_subset_granted_in_requested_order),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_platform_scopes),
        cmocka_unit_test(test_output_too_small),
        cmocka_unit_test(test_list_contains),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
