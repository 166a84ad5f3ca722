/*
 * tests/unit/test_domain_allowed_domains — SPEC §2 allowed-domain rules:
 * every normalisation step, every error code, SPEC examples and edge cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/allowed_domains.h"

/* Checks one input; on mismatch names the input so a table row is findable. */
static void check_domain(const char *input, enum domain_error want, const char *want_out)
{
    char out[DOMAIN_MAX_LEN];
    memset(out, 'X', sizeof out);
    enum domain_error got = domain_normalize_allowed(input, out);
    if (got != want)
        fail_msg("input \"%s\": got %s, want %s", input ? input : "(null)", domain_error_code(got),
                 domain_error_code(want));
    if (want == DOMAIN_OK) {
        if (strcmp(out, want_out) != 0)
            fail_msg("input \"%s\": got \"%s\", want \"%s\"", input, out, want_out);
    } else {
        assert_string_equal(out, "");
    }
}

static void test_error_codes(void **state)
{
    (void)state;
    assert_string_equal(domain_error_code(DOMAIN_OK), "ok");
    assert_string_equal(domain_error_code(DOMAIN_INVALID), "invalid_domain");
    assert_string_equal(domain_error_code(DOMAIN_WILDCARD), "wildcard_domain");
    assert_string_equal(domain_error_code(DOMAIN_INVALID_PORT), "invalid_port");
    assert_string_equal(domain_error_code(DOMAIN_DUPLICATE), "duplicate_domain");
    assert_string_equal(domain_error_code(DOMAIN_TOO_MANY), "too_many_domains");
    assert_string_equal(domain_error_code((enum domain_error)99), "invalid_domain");
}

static void test_spec_examples(void **state)
{
    (void)state;
    check_domain("https://app.example.com/", DOMAIN_OK, "app.example.com");
    check_domain("http://localhost:3000/", DOMAIN_OK, "localhost:3000");
    check_domain("*.example.com", DOMAIN_WILDCARD, NULL);
    check_domain("localhost:70000", DOMAIN_INVALID_PORT, NULL);
}

static void test_step1_trim_and_scheme(void **state)
{
    (void)state;
    check_domain("  example.com  ", DOMAIN_OK, "example.com");
    check_domain("\t\r\n example.com \v\f", DOMAIN_OK, "example.com");
    check_domain("https://example.com", DOMAIN_OK, "example.com");
    check_domain("http://example.com", DOMAIN_OK, "example.com");
    check_domain("HTTPS://Example.COM", DOMAIN_OK, "example.com");
    check_domain("HtTp://example.com", DOMAIN_OK, "example.com");
    check_domain("  https://example.com/  ", DOMAIN_OK, "example.com");
    /* Only one scheme is stripped, and only http(s). */
    check_domain("https://https://example.com", DOMAIN_INVALID, NULL);
    check_domain("ftp://example.com", DOMAIN_INVALID, NULL);
    check_domain("ws://example.com", DOMAIN_INVALID, NULL);
    check_domain("https:/example.com", DOMAIN_INVALID, NULL);
    check_domain("//example.com", DOMAIN_INVALID, NULL);
    check_domain("https:example.com", DOMAIN_INVALID, NULL);
    /* Whitespace between scheme and host is not trimmed (step 1 trims the ends). */
    check_domain("https:// example.com", DOMAIN_INVALID, NULL);
}

static void test_step2_trailing_slashes_and_case(void **state)
{
    (void)state;
    check_domain("example.com/", DOMAIN_OK, "example.com");
    check_domain("example.com///", DOMAIN_OK, "example.com");
    check_domain("https://example.com////", DOMAIN_OK, "example.com");
    check_domain("example.com:8080/", DOMAIN_OK, "example.com:8080");
    check_domain("APP.Example.Com", DOMAIN_OK, "app.example.com");
    check_domain("LOCALHOST:3000", DOMAIN_OK, "localhost:3000");
    check_domain("LocalHost", DOMAIN_OK, "localhost");
    /* A space before the slashes survives trimming and is rejected. */
    check_domain("example.com /", DOMAIN_INVALID, NULL);
}

static void test_step3_structure(void **state)
{
    (void)state;
    check_domain("example.com/x", DOMAIN_INVALID, NULL);
    check_domain("https://example.com/x/", DOMAIN_INVALID, NULL);
    check_domain("example.com?a", DOMAIN_INVALID, NULL);
    check_domain("example.com/?a", DOMAIN_INVALID, NULL);
    check_domain("example.com#a", DOMAIN_INVALID, NULL);
    check_domain("example.com/#", DOMAIN_INVALID, NULL);
    check_domain("user@example.com", DOMAIN_INVALID, NULL);
    check_domain("https://user:pw@example.com/", DOMAIN_INVALID, NULL);
    check_domain("exa mple.com", DOMAIN_INVALID, NULL);
    check_domain("example.com\t:80", DOMAIN_INVALID, NULL);
    check_domain("example\n.com", DOMAIN_INVALID, NULL);
    /* Step 3 runs before step 4: a wildcard with a path is invalid_domain. */
    check_domain("*.example.com/x", DOMAIN_INVALID, NULL);
}

static void test_step4_wildcards(void **state)
{
    (void)state;
    check_domain("*", DOMAIN_WILDCARD, NULL);
    check_domain("*.example.com", DOMAIN_WILDCARD, NULL);
    check_domain("https://*.example.com/", DOMAIN_WILDCARD, NULL);
    check_domain("app.*.com", DOMAIN_WILDCARD, NULL);
    check_domain("example.com*", DOMAIN_WILDCARD, NULL);
    check_domain("example.com:*", DOMAIN_WILDCARD, NULL);
    check_domain("ex*ample.com:99999", DOMAIN_WILDCARD, NULL);
}

static void test_step5_empty_and_blank(void **state)
{
    (void)state;
    check_domain(NULL, DOMAIN_INVALID, NULL);
    check_domain("", DOMAIN_INVALID, NULL);
    check_domain("   ", DOMAIN_INVALID, NULL);
    check_domain(" \t\n ", DOMAIN_INVALID, NULL);
    check_domain("https://", DOMAIN_INVALID, NULL);
    check_domain("http://", DOMAIN_INVALID, NULL);
    check_domain("https:///", DOMAIN_INVALID, NULL);
    check_domain("/", DOMAIN_INVALID, NULL);
    check_domain(":80", DOMAIN_INVALID, NULL);
    check_domain("https://:443/", DOMAIN_INVALID, NULL);
}

static void test_step5_dns_names(void **state)
{
    (void)state;
    check_domain("a.b", DOMAIN_OK, "a.b");
    check_domain("a-b.example.com", DOMAIN_OK, "a-b.example.com");
    check_domain("xn--bcher-kva.example", DOMAIN_OK, "xn--bcher-kva.example");
    check_domain("123.example.com", DOMAIN_OK, "123.example.com");
    check_domain("a1.b2.c3", DOMAIN_OK, "a1.b2.c3");
    /* Labels must not start or end with '-'. */
    check_domain("-app.example.com", DOMAIN_INVALID, NULL);
    check_domain("app-.example.com", DOMAIN_INVALID, NULL);
    check_domain("app.-example.com", DOMAIN_INVALID, NULL);
    check_domain("app.example.com-", DOMAIN_INVALID, NULL);
    /* Only [a-z0-9-]. */
    check_domain("my_app.example.com", DOMAIN_INVALID, NULL);
    check_domain("app!.example.com", DOMAIN_INVALID, NULL);
    check_domain("app%41.example.com", DOMAIN_INVALID, NULL);
    check_domain("[::1]", DOMAIN_INVALID, NULL);
    /* Empty labels, leading / trailing / doubled dots. */
    check_domain(".example.com", DOMAIN_INVALID, NULL);
    check_domain("example..com", DOMAIN_INVALID, NULL);
    check_domain("example.com.", DOMAIN_INVALID, NULL);
    check_domain("example.com.:443", DOMAIN_INVALID, NULL);
    check_domain(".", DOMAIN_INVALID, NULL);
    /* Single-label names other than localhost. */
    check_domain("example", DOMAIN_INVALID, NULL);
    check_domain("intranet:8080", DOMAIN_INVALID, NULL);
    check_domain("localhost.", DOMAIN_INVALID, NULL);
    check_domain("localhostx", DOMAIN_INVALID, NULL);
    check_domain("localhost", DOMAIN_OK, "localhost");
    check_domain("app.localhost", DOMAIN_OK, "app.localhost");
}

static void test_step5_label_and_total_lengths(void **state)
{
    (void)state;
    char label63[64], label64[65], input[400], want[400];
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'b', 64);
    label64[64] = '\0';

    snprintf(input, sizeof input, "%s.com", label63);
    check_domain(input, DOMAIN_OK, input);
    snprintf(input, sizeof input, "%s.com", label64);
    check_domain(input, DOMAIN_INVALID, NULL);
    snprintf(input, sizeof input, "x.%s", label64);
    check_domain(input, DOMAIN_INVALID, NULL);

    /* 63+1+63+1+63+1+61 = 253 bytes: the longest acceptable name. */
    char label61[62];
    memset(label61, 'c', 61);
    label61[61] = '\0';
    snprintf(input, sizeof input, "%s.%s.%s.%s", label63, label63, label63, label61);
    assert_int_equal(strlen(input), 253);
    check_domain(input, DOMAIN_OK, input);
    snprintf(input, sizeof input, "https://%s.%s.%s.%s:65535/", label63, label63, label63, label61);
    snprintf(want, sizeof want, "%s.%s.%s.%s:65535", label63, label63, label63, label61);
    check_domain(input, DOMAIN_OK, want);
    assert_int_equal(strlen(want) + 1, 260); /* fits DOMAIN_MAX_LEN */

    /* 254 bytes is one too many. */
    char label62[63];
    memset(label62, 'd', 62);
    label62[62] = '\0';
    snprintf(input, sizeof input, "%s.%s.%s.%s", label63, label63, label63, label62);
    assert_int_equal(strlen(input), 254);
    check_domain(input, DOMAIN_INVALID, NULL);
    /* Upper case is lowered, so it counts the same. */
    snprintf(input, sizeof input, "%s.%s.%s.%s", label63, label63, label63, label61);
    for (size_t i = 0; i < 10; i++)
        input[i] = 'A';
    snprintf(want, sizeof want, "%s", input);
    for (size_t i = 0; i < 10; i++)
        want[i] = 'a';
    check_domain(input, DOMAIN_OK, want);
}

static void test_step5_ipv4(void **state)
{
    (void)state;
    check_domain("10.0.0.1", DOMAIN_OK, "10.0.0.1");
    check_domain("10.0.0.1:8080", DOMAIN_OK, "10.0.0.1:8080");
    check_domain("http://127.0.0.1:3000/", DOMAIN_OK, "127.0.0.1:3000");
    check_domain("0.0.0.0", DOMAIN_OK, "0.0.0.0");
    check_domain("255.255.255.255", DOMAIN_OK, "255.255.255.255");
    check_domain("256.1.1.1", DOMAIN_INVALID, NULL);
    check_domain("1.1.1.256", DOMAIN_INVALID, NULL);
    check_domain("1.2.3", DOMAIN_INVALID, NULL);
    check_domain("1.2.3.4.5", DOMAIN_INVALID, NULL);
    check_domain("010.0.0.1", DOMAIN_INVALID, NULL); /* leading zero: ambiguous */
    check_domain("10.0.0.01", DOMAIN_INVALID, NULL);
    check_domain("1.2.3.", DOMAIN_INVALID, NULL);
    check_domain("1..2.3", DOMAIN_INVALID, NULL);
    check_domain("1234.1.1.1", DOMAIN_INVALID, NULL);
    check_domain("example.123", DOMAIN_INVALID, NULL); /* numeric TLD = IPv4 attempt */
    /* Browsers read these as IPv4 (WHATWG "ends in a number"): not dotted-quad, rejected. */
    check_domain("0x7f.0.0.1", DOMAIN_INVALID, NULL);
    check_domain("1.2.3.0x4", DOMAIN_INVALID, NULL);
    check_domain("example.0x", DOMAIN_INVALID, NULL);
    check_domain("2130706433", DOMAIN_INVALID, NULL);
    /* A hex-looking label elsewhere is an ordinary DNS label. */
    check_domain("0x7f.example.com", DOMAIN_OK, "0x7f.example.com");
    check_domain("example.0xg", DOMAIN_OK, "example.0xg");
}

static void test_step5_ipv6_rejected(void **state)
{
    (void)state;
    check_domain("[::1]:8080", DOMAIN_INVALID, NULL);
    check_domain("::1", DOMAIN_INVALID, NULL);
    check_domain("2001:db8::1", DOMAIN_INVALID, NULL);
    check_domain("https://[2001:db8::1]/", DOMAIN_INVALID, NULL);
    check_domain("example.com:80:90", DOMAIN_INVALID, NULL);
}

static void test_step5_non_ascii(void **state)
{
    (void)state;
    check_domain("b\xc3\xbc"
                 "cher.example",
                 DOMAIN_INVALID, NULL);
    check_domain("\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", DOMAIN_INVALID,
                 NULL);
    check_domain("example.com\xc2\xa0", DOMAIN_INVALID, NULL); /* NBSP is not ASCII whitespace */
    check_domain("\xff\xfe.com", DOMAIN_INVALID, NULL);
    check_domain("exa\x01mple.com", DOMAIN_INVALID, NULL);
    check_domain("example.com\x7f", DOMAIN_INVALID, NULL);
}

static void test_step6_ports(void **state)
{
    (void)state;
    check_domain("example.com:1", DOMAIN_OK, "example.com:1");
    check_domain("example.com:80", DOMAIN_OK, "example.com:80");
    check_domain("example.com:65535", DOMAIN_OK, "example.com:65535");
    check_domain("localhost:1", DOMAIN_OK, "localhost:1");
    check_domain("example.com:0", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:65536", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:70000", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:99999999999999999999", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:+80", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:-80", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:", DOMAIN_INVALID_PORT, NULL);
    check_domain("localhost:", DOMAIN_INVALID_PORT, NULL);
    check_domain("https://example.com:/", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:080", DOMAIN_INVALID_PORT, NULL); /* leading zero */
    check_domain("example.com:00", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:8o", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:0x50", DOMAIN_INVALID_PORT, NULL);
    check_domain("example.com:8 0", DOMAIN_INVALID, NULL); /* whitespace: step 3 */
    /* An invalid host is reported before an invalid port (step 5 before 6). */
    check_domain("example:70000", DOMAIN_INVALID, NULL);
}

static void test_very_long_input(void **state)
{
    (void)state;
    size_t n = 10000;
    char *input = malloc(n + 1);
    assert_non_null(input);
    memset(input, 'a', n);
    input[n] = '\0';
    check_domain(input, DOMAIN_INVALID, NULL);
    /* Long dotted name made of valid labels. */
    for (size_t i = 10; i < n; i += 11)
        input[i] = '.';
    check_domain(input, DOMAIN_INVALID, NULL);
    /* A wildcard far away is still a wildcard (step 4 scans everything). */
    memset(input, 'a', n);
    input[n - 1] = '*';
    check_domain(input, DOMAIN_WILDCARD, NULL);
    /* Long port. */
    memset(input, '9', n);
    memcpy(input, "example.com:", 12);
    check_domain(input, DOMAIN_INVALID_PORT, NULL);
    /* Long whitespace padding is trimmed. */
    memset(input, ' ', n);
    memcpy(input + 5000, "example.com", 11);
    check_domain(input, DOMAIN_OK, "example.com");
    free(input);
}

/* ---- lists ---- */

static void test_list_ok_and_order(void **state)
{
    (void)state;
    const char *in[] = {"https://B.example.com/", "localhost:3000", "10.0.0.1"};
    char out[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    size_t bad = 99;
    assert_int_equal(domain_normalize_allowed_list(in, 3, out, &bad), DOMAIN_OK);
    assert_string_equal(out[0], "b.example.com");
    assert_string_equal(out[1], "localhost:3000");
    assert_string_equal(out[2], "10.0.0.1");
    assert_int_equal(bad, 0);
    assert_int_equal(domain_normalize_allowed_list(in, 0, out, &bad), DOMAIN_OK);
    assert_int_equal(domain_normalize_allowed_list(NULL, 0, out, &bad), DOMAIN_OK);
    assert_int_equal(domain_normalize_allowed_list(in, 1, out, NULL), DOMAIN_OK);
    assert_int_equal(domain_normalize_allowed_list(in, 3, NULL, &bad), DOMAIN_OK);
}

static void test_list_item_errors(void **state)
{
    (void)state;
    char out[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    size_t bad = 99;
    const char *in1[] = {"a.com", "*.b.com", "c.com"};
    assert_int_equal(domain_normalize_allowed_list(in1, 3, out, &bad), DOMAIN_WILDCARD);
    assert_int_equal(bad, 1);
    const char *in2[] = {"a.com", "b.com", "localhost:0"};
    assert_int_equal(domain_normalize_allowed_list(in2, 3, out, &bad), DOMAIN_INVALID_PORT);
    assert_int_equal(bad, 2);
    const char *in3[] = {NULL};
    assert_int_equal(domain_normalize_allowed_list(in3, 1, out, &bad), DOMAIN_INVALID);
    assert_int_equal(bad, 0);
    assert_int_equal(domain_normalize_allowed_list(NULL, 2, out, &bad), DOMAIN_INVALID);
    assert_int_equal(bad, 0);
}

static void test_list_duplicates_after_normalisation(void **state)
{
    (void)state;
    char out[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    size_t bad = 99;
    const char *in[] = {"A.com", "https://a.com/"};
    assert_int_equal(domain_normalize_allowed_list(in, 2, out, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 1);
    const char *in2[] = {"x.com", "LOCALHOST:3000", "http://localhost:3000///"};
    assert_int_equal(domain_normalize_allowed_list(in2, 3, out, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 2);
    /* Different ports are different entries. */
    const char *in3[] = {"localhost:3000", "localhost:3001", "localhost"};
    assert_int_equal(domain_normalize_allowed_list(in3, 3, out, &bad), DOMAIN_OK);
}

static void test_list_order_of_checks(void **state)
{
    (void)state;
    /* out has only DOMAIN_LIST_MAX rows: longer lists must never write past them. */
    struct {
        char rows[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
        char canary[64];
    } buf;
    memset(buf.canary, 0x5A, sizeof buf.canary);
    size_t bad = 99;

    const char *four[] = {"a.com", "b.com", "c.com", "d.com"};
    assert_int_equal(domain_normalize_allowed_list(four, 4, buf.rows, &bad), DOMAIN_TOO_MANY);
    assert_int_equal(bad, 4);

    /* Item errors come before duplicates and count. */
    const char *bad_item[] = {"a.com", "a.com", "c.com", "d.com", "e.com", "nodot"};
    assert_int_equal(domain_normalize_allowed_list(bad_item, 6, buf.rows, &bad), DOMAIN_INVALID);
    assert_int_equal(bad, 5);
    /* Duplicates come before count. */
    const char *dup[] = {"a.com", "b.com", "c.com", "d.com", "B.COM"};
    assert_int_equal(domain_normalize_allowed_list(dup, 5, buf.rows, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 4);

    for (size_t i = 0; i < sizeof buf.canary; i++)
        assert_int_equal((unsigned char)buf.canary[i], 0x5A);
}

static void test_list_long_duplicates_use_first_repeat(void **state)
{
    (void)state;
    enum { N = 500 };
    char *storage = calloc(N, 32);
    const char **in = calloc(N, sizeof *in);
    assert_non_null(storage);
    assert_non_null(in);
    for (size_t i = 0; i < N; i++) {
        snprintf(storage + i * 32, 32, "host%zu.example.com", i);
        in[i] = storage + i * 32;
    }
    char out[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    size_t bad = 0;
    assert_int_equal(domain_normalize_allowed_list(in, N, out, &bad), DOMAIN_TOO_MANY);
    assert_int_equal(bad, N);
    /* Two repeated pairs: the first index that repeats an earlier one wins. */
    in[400] = "HOST7.example.com";            /* repeats 7 */
    in[300] = "https://host250.example.com/"; /* repeats 250 */
    assert_int_equal(domain_normalize_allowed_list(in, N, out, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 300);
    /* Three equal entries: the second one is reported. */
    in[300] = "host300.example.com";
    in[450] = "host7.example.com";
    assert_int_equal(domain_normalize_allowed_list(in, N, out, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 400);
    /* Same with a short (pairwise) list above the maximum. */
    const char *short_list[] = {"a.com", "b.com", "c.com", "d.com", "e.com", "c.com", "a.com"};
    assert_int_equal(domain_normalize_allowed_list(short_list, 7, out, &bad), DOMAIN_DUPLICATE);
    assert_int_equal(bad, 5);
    free(in);
    free(storage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_codes),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_step1_trim_and_scheme),
        cmocka_unit_test(test_step2_trailing_slashes_and_case),
        cmocka_unit_test(test_step3_structure),
        cmocka_unit_test(test_step4_wildcards),
        cmocka_unit_test(test_step5_empty_and_blank),
        cmocka_unit_test(test_step5_dns_names),
        cmocka_unit_test(test_step5_label_and_total_lengths),
        cmocka_unit_test(test_step5_ipv4),
        cmocka_unit_test(test_step5_ipv6_rejected),
        cmocka_unit_test(test_step5_non_ascii),
        cmocka_unit_test(test_step6_ports),
        cmocka_unit_test(test_very_long_input),
        cmocka_unit_test(test_list_ok_and_order),
        cmocka_unit_test(test_list_item_errors),
        cmocka_unit_test(test_list_duplicates_after_normalisation),
        cmocka_unit_test(test_list_order_of_checks),
        cmocka_unit_test(test_list_long_duplicates_use_first_repeat),
    };
    return cmocka_run_group_tests_name("domain_allowed_domains", tests, NULL, NULL);
}
