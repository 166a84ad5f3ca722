/*
 * test_http_client_address.c — TENANTD_TRUSTED_PROXIES and the client address
 * behind proxies (http/client_address.h, SPEC §3.6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/client_address.h"

static struct trusted_proxies parse_ok(const char *text)
{
    struct trusted_proxies tp;
    char err[160];
    if (trusted_proxies_parse(text, &tp, err, sizeof err) != 0)
        fail_msg("refused %s: %s", text, err);
    return tp;
}

static void test_parse(void **state)
{
    struct trusted_proxies tp = parse_ok("10.0.0.0/8, 192.168.1.7  fd00::/8,::1");
    assert_int_equal(tp.count, 4);
    tp = parse_ok("");
    assert_int_equal(tp.count, 0);
    const char *bad[] = {"10.0.0.1/8",  "10.0.0.0/33",  "fd00::/129",
                         "10.0.0.0/",   "10.0.0.0/x",   "999.1.1.1",
                         "example.com", "10.0.0.0/8/8", "::ffff:10.0.0.0/8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct trusted_proxies out;
        char err[160] = "";
        if (trusted_proxies_parse(bad[i], &out, err, sizeof err) == 0)
            fail_msg("accepted %s", bad[i]);
        assert_non_null(strstr(err, "TENANTD_TRUSTED_PROXIES"));
    }
    char many[1024] = "";
    for (int i = 0; i <= TRUSTED_PROXIES_MAX; i++)
        strcat(many, "10.0.0.1,");
    struct trusted_proxies out;
    char err[160];
    assert_int_equal(trusted_proxies_parse(many, &out, err, sizeof err), -1);
}

static void test_contains(void **state)
{
    struct trusted_proxies tp = parse_ok("10.0.0.0/8,192.168.1.7,fd00::/8,172.16.0.0/12");
    assert_true(trusted_proxies_contains(&tp, "10.1.2.3"));
    assert_true(trusted_proxies_contains(&tp, "192.168.1.7"));
    assert_false(trusted_proxies_contains(&tp, "192.168.1.8"));
    assert_true(trusted_proxies_contains(&tp, "172.31.255.255"));
    assert_false(trusted_proxies_contains(&tp, "172.32.0.0"));
    assert_true(trusted_proxies_contains(&tp, "fd12::1"));
    assert_false(trusted_proxies_contains(&tp, "fe80::1"));
    assert_true(trusted_proxies_contains(&tp, "::ffff:10.9.9.9")); /* dual-stack peer */
    assert_false(trusted_proxies_contains(&tp, "unknown"));
    assert_false(trusted_proxies_contains(&tp, ""));
}

static const char *resolve(const struct trusted_proxies *tp, const char *peer, const char *fwd,
                           const char *xff)
{
    static char out[64];
    client_address_resolve(tp, peer, fwd, xff, out, sizeof out);
    return out;
}

static void test_resolve(void **state)
{
    struct trusted_proxies tp = parse_ok("10.0.0.0/8, fd00::/8");
    struct trusted_proxies none = parse_ok("");
    /* nobody trusted, or an untrusted peer: the headers are ignored */
    assert_string_equal(resolve(&none, "10.0.0.5", NULL, "203.0.113.9"), "10.0.0.5");
    assert_string_equal(resolve(&tp, "198.51.100.1", "for=203.0.113.9", "203.0.113.9"),
                        "198.51.100.1");
    /* X-Forwarded-For: the rightmost untrusted hop */
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "203.0.113.9"), "203.0.113.9");
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "1.1.1.1, 203.0.113.9, 10.0.0.7"),
                        "203.0.113.9");
    /* a client cannot push itself further left than the first untrusted hop */
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "10.0.0.1, 203.0.113.9"), "203.0.113.9");
    /* every hop trusted: the leftmost one */
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "10.0.0.1,10.0.0.2"), "10.0.0.1");
    /* Forwarded wins over X-Forwarded-For; quotes, brackets, ports, case */
    assert_string_equal(
        resolve(&tp, "10.0.0.5", "for=192.0.2.60;proto=http;by=10.0.0.5", "203.0.113.9"),
        "192.0.2.60");
    assert_string_equal(
        resolve(&tp, "10.0.0.5", "For=\"[2001:db8:cafe::17]:4711\", for=10.0.0.9", NULL),
        "2001:db8:cafe::17");
    assert_string_equal(resolve(&tp, "10.0.0.5", "for=192.0.2.43:8080", NULL), "192.0.2.43");
    assert_string_equal(resolve(&tp, "fd00::1", NULL, "[2001:db8::1]:443"), "2001:db8::1");
    /* a hop that names no address stops at the proxy that reported it */
    assert_string_equal(resolve(&tp, "10.0.0.5", "for=unknown", NULL), "10.0.0.5");
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "203.0.113.9, garbage, 10.0.0.7"),
                        "10.0.0.7");
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, ""), "10.0.0.5");
    assert_string_equal(resolve(&tp, "10.0.0.5", "proto=https", NULL), "10.0.0.5");
    /* IPv4 written as IPv4-mapped IPv6 comes out as IPv4 */
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, "::ffff:203.0.113.9"), "203.0.113.9");
    /* a very long chain: only the rightmost hops are examined */
    char chain[1024] = "";
    for (int i = 0; i < 40; i++)
        strcat(chain, "10.0.0.1,");
    strcat(chain, "10.0.0.2");
    assert_string_equal(resolve(&tp, "10.0.0.5", NULL, chain), "10.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_resolve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
