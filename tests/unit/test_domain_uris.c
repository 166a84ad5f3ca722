/*
 * tests/unit/test_domain_uris — SPEC §2 redirect / post-logout URI rules:
 * schemes, authority, fragments, length, characters, lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/uris.h"

static void expect_valid(const char *uri)
{
    const char *reason = "unset";
    if (!uri_redirect_is_valid(uri, &reason))
        fail_msg("\"%s\" rejected: %s", uri, reason);
}

/* Rejected, and the reason contains want_reason_part. */
static void expect_invalid(const char *uri, const char *want_reason_part)
{
    const char *reason = NULL;
    if (uri_redirect_is_valid(uri, &reason))
        fail_msg("\"%s\" accepted", uri ? uri : "(null)");
    assert_non_null(reason);
    if (strstr(reason, want_reason_part) == NULL)
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", uri ? uri : "(null)", reason,
                 want_reason_part);
}

static void test_http_and_https(void **state)
{
    (void)state;
    expect_valid("https://app.example.com/callback");
    expect_valid("https://app.example.com");
    expect_valid("https://app.example.com/");
    expect_valid("http://localhost:3000/cb");
    expect_valid("http://127.0.0.1:8080/cb?x=1&y=2");
    expect_valid("http://[::1]:8080/cb");
    expect_valid("https://[2001:db8::1]/cb");
    expect_valid("https://example.com:443/a/b;c=d/e?f=g/h?i");
    expect_valid("https://example.com/a%20b%2Fc");
    expect_valid("https://example.com/~user/!$&'()*+,;=:@");
    expect_valid("HTTPS://EXAMPLE.COM/CB");
    expect_valid("https://my_host.internal/cb");
    expect_valid("https://example.com?only=query");
    expect_valid("https://localhost:65535/");
    expect_valid("https://a.b:1");
}

static void test_authority_rules(void **state)
{
    (void)state;
    expect_invalid("https://", "host");
    expect_invalid("https:///cb", "host");
    expect_invalid("https://?q", "host");
    expect_invalid("https://:443/cb", "host");
    expect_invalid("https:/example.com/cb", "authority");
    expect_invalid("https:example.com", "authority");
    expect_invalid("http:", "authority");
    expect_invalid("https://user@example.com/cb", "user information");
    expect_invalid("https://user:pass@example.com/cb", "user information");
    expect_invalid("https://@example.com/", "user information");
    expect_invalid("https://example.com:0/", "port");
    expect_invalid("https://example.com:65536/", "port");
    expect_invalid("https://example.com:/", "port");
    expect_invalid("https://example.com:+1/", "port");
    expect_invalid("https://example.com:08/", "port");
    expect_invalid("https://example.com:80:80/", "port");
    expect_invalid("https://256.0.0.1/", "host");
    expect_invalid("https://1.2.3/", "host");
    expect_invalid("https://[::1/", "host");
    expect_invalid("https://[not-ipv6]/", "host");
    expect_invalid("https://[]/", "host");
    expect_invalid("https://[fe80::1%25eth0]/", "host");
    expect_invalid("https://exa%41mple.com/", "host");
    expect_invalid("https://example!.com/", "host");
    expect_invalid("https://example.com/[x]", "not allowed");
    expect_invalid("https://example.com]/", "host");
}

static void test_fragment_rejected(void **state)
{
    (void)state;
    expect_invalid("https://example.com/cb#", "fragment");
    expect_invalid("https://example.com/cb#frag", "fragment");
    expect_invalid("com.example.app:/cb#x", "fragment");
}

static void test_custom_schemes(void **state)
{
    (void)state;
    expect_valid("com.example.app:/cb");
    expect_valid("com.example.app:/oauth2redirect/provider");
    expect_valid("com.example.app://callback");
    expect_valid("com.example.app:cb");
    expect_valid("com.example-1.app+x:/cb");
    expect_valid("Com.Example.App:/cb");
    expect_invalid("myapp:/cb", "scheme not allowed");
    expect_invalid("javascript:alert(1)", "scheme not allowed");
    expect_invalid("JavaScript:alert(1)", "scheme not allowed");
    expect_invalid("data:text/html,x", "scheme not allowed");
    expect_invalid("file:///etc/passwd", "scheme not allowed");
    expect_invalid("mailto:a@b.c", "scheme not allowed");
    expect_invalid("ftp://example.com/", "scheme not allowed");
    expect_invalid("https+x://example.com/", "scheme not allowed");
    expect_invalid("com.example.app:", "after the scheme");
    expect_invalid("com.example.app://user@cb", "user information");
    expect_invalid("com.example.app:/[x]", "not allowed");
}

static void test_scheme_syntax(void **state)
{
    (void)state;
    expect_invalid("example.com/cb", "scheme");
    expect_invalid("/relative/path", "scheme");
    expect_invalid("//example.com/cb", "scheme");
    expect_invalid("1com.example:/cb", "scheme");
    expect_invalid(".com.example:/cb", "scheme");
    expect_invalid(":/cb", "scheme");
    expect_invalid("com_example.app:/cb", "scheme");
    expect_invalid("no-colon-at-all", "scheme");
}

static void test_characters(void **state)
{
    (void)state;
    expect_invalid(NULL, "empty");
    expect_invalid("", "empty");
    expect_invalid(" https://example.com/", "whitespace");
    expect_invalid("https://example.com/ ", "whitespace");
    expect_invalid("https://exa mple.com/", "whitespace");
    expect_invalid("https://example.com/\tcb", "whitespace");
    expect_invalid("https://example.com/\ncb", "whitespace");
    expect_invalid("https://example.com/\x01", "control");
    expect_invalid("https://example.com/\x7f", "control");
    expect_invalid("https://b\xc3\xbc"
                   "cher.example/",
                   "non-ASCII");
    expect_invalid("https://example.com/caf\xc3\xa9", "non-ASCII");
    expect_valid("https://example.com/caf%C3%A9");
    expect_invalid("https://example.com/%", "percent");
    expect_invalid("https://example.com/%4", "percent");
    expect_invalid("https://example.com/%zz", "percent");
    expect_invalid("https://example.com/%4g", "percent");
    expect_invalid("https://example.com/a<b", "not allowed");
    expect_invalid("https://example.com/a\"b", "not allowed");
    expect_invalid("https://example.com/a\\b", "not allowed");
    expect_invalid("https://example.com/a{b}", "not allowed");
    expect_invalid("https://example.com/a|b", "not allowed");
    expect_invalid("https://example.com/a^b", "not allowed");
    expect_invalid("https://example.com/a`b", "not allowed");
}

static void test_length_limit(void **state)
{
    (void)state;
    char *uri = malloc(URI_MAX_LEN + 2);
    assert_non_null(uri);
    const char *head = "https://example.com/";
    size_t head_len = strlen(head);
    memcpy(uri, head, head_len);
    memset(uri + head_len, 'a', URI_MAX_LEN - head_len);
    uri[URI_MAX_LEN] = '\0';
    assert_int_equal(strlen(uri), 2048);
    expect_valid(uri);
    uri[URI_MAX_LEN] = 'a';
    uri[URI_MAX_LEN + 1] = '\0';
    expect_invalid(uri, "2048");
    free(uri);

    /* Far longer input must be rejected without reading past the limit check. */
    size_t big = 100000;
    uri = malloc(big + 1);
    assert_non_null(uri);
    memset(uri, 'a', big);
    memcpy(uri, head, head_len);
    uri[big] = '\0';
    expect_invalid(uri, "2048");
    free(uri);
}

static void test_reason_may_be_null(void **state)
{
    (void)state;
    assert_false(uri_redirect_is_valid("javascript:x", NULL));
    assert_true(uri_redirect_is_valid("https://a.example/", NULL));
}

/* ---- lists ---- */

static void test_list_valid(void **state)
{
    (void)state;
    const char *uris[] = {"https://a.example/cb", "https://a.example/cb2", "com.example.app:/cb"};
    size_t bad = 99;
    const char *reason = NULL;
    assert_true(uri_redirect_list_is_valid(uris, 3, &bad, &reason));
    assert_true(uri_redirect_list_is_valid(uris, 0, &bad, &reason));
    assert_true(uri_redirect_list_is_valid(NULL, 0, &bad, &reason));
    assert_true(uri_redirect_list_is_valid(uris, 3, NULL, NULL));
}

static void test_list_invalid_item(void **state)
{
    (void)state;
    const char *uris[] = {"https://a.example/cb", "https://a.example/cb#x", "javascript:1"};
    size_t bad = 99;
    const char *reason = NULL;
    assert_false(uri_redirect_list_is_valid(uris, 3, &bad, &reason));
    assert_int_equal(bad, 1);
    assert_non_null(strstr(reason, "fragment"));
    const char *with_null[] = {"https://a.example/", NULL};
    assert_false(uri_redirect_list_is_valid(with_null, 2, &bad, &reason));
    assert_int_equal(bad, 1);
    assert_false(uri_redirect_list_is_valid(NULL, 1, &bad, &reason));
    assert_int_equal(bad, 0);
}

static void test_list_duplicates_exact(void **state)
{
    (void)state;
    size_t bad = 99;
    const char *reason = NULL;
    const char *dup[] = {"https://a.example/cb", "https://b.example/cb", "https://a.example/cb"};
    assert_false(uri_redirect_list_is_valid(dup, 3, &bad, &reason));
    assert_int_equal(bad, 2);
    assert_string_equal(reason, "duplicate URI");
    /* Exact byte comparison: these differ. */
    const char *distinct[] = {"https://a.example/cb", "https://A.example/cb",
                              "https://a.example/cb/", "https://a.example/cb?"};
    assert_true(uri_redirect_list_is_valid(distinct, 4, &bad, &reason));
}

static void test_list_count_and_order(void **state)
{
    (void)state;
    char storage[12][64];
    const char *uris[12];
    for (size_t i = 0; i < 12; i++) {
        snprintf(storage[i], sizeof storage[i], "https://app.example/cb%zu", i);
        uris[i] = storage[i];
    }
    size_t bad = 99;
    const char *reason = NULL;
    assert_true(uri_redirect_list_is_valid(uris, 10, &bad, &reason));
    assert_false(uri_redirect_list_is_valid(uris, 11, &bad, &reason));
    assert_int_equal(bad, 11);
    assert_non_null(strstr(reason, "10"));
    /* Duplicates are reported before the count. */
    uris[11] = uris[3];
    assert_false(uri_redirect_list_is_valid(uris, 12, &bad, &reason));
    assert_int_equal(bad, 11);
    assert_string_equal(reason, "duplicate URI");
    /* Invalid items are reported before duplicates. */
    uris[10] = "bad uri";
    assert_false(uri_redirect_list_is_valid(uris, 12, &bad, &reason));
    assert_int_equal(bad, 10);
}

static void test_list_long_uses_first_repeat(void **state)
{
    (void)state;
    enum { N = 300 };
    char *storage = calloc(N, 48);
    const char **uris = calloc(N, sizeof *uris);
    assert_non_null(storage);
    assert_non_null(uris);
    for (size_t i = 0; i < N; i++) {
        snprintf(storage + i * 48, 48, "https://app.example/cb%zu", i);
        uris[i] = storage + i * 48;
    }
    size_t bad = 0;
    const char *reason = NULL;
    assert_false(uri_redirect_list_is_valid(uris, N, &bad, &reason));
    assert_int_equal(bad, N);
    uris[250] = uris[1];
    uris[200] = uris[150];
    assert_false(uri_redirect_list_is_valid(uris, N, &bad, &reason));
    assert_int_equal(bad, 200);
    assert_string_equal(reason, "duplicate URI");
    uris[200] = storage + 200 * 48;
    uris[100] = uris[1];
    assert_false(uri_redirect_list_is_valid(uris, N, &bad, &reason));
    assert_int_equal(bad, 100);
    free(uris);
    free(storage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_and_https),
        cmocka_unit_test(test_authority_rules),
        cmocka_unit_test(test_fragment_rejected),
        cmocka_unit_test(test_custom_schemes),
        cmocka_unit_test(test_scheme_syntax),
        cmocka_unit_test(test_characters),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_reason_may_be_null),
        cmocka_unit_test(test_list_valid),
        cmocka_unit_test(test_list_invalid_item),
        cmocka_unit_test(test_list_duplicates_exact),
        cmocka_unit_test(test_list_count_and_order),
        cmocka_unit_test(test_list_long_uses_first_repeat),
    };
    return cmocka_run_group_tests_name("domain_uris", tests, NULL, NULL);
}
