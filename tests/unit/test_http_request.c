/*
 * test_http_request.c — the request-side rules of the HTTP edge (http/request.h):
 * Basic credentials are decoded exactly (strict base64, no control character in
 * the decoded bytes — a NUL used to cut the secret short — then RFC 6749 §2.3.1
 * form-decoding, which refuses %00), and the table of fields that must not repeat
 * names the headers that carry meaning and the session cookie. The scan of a live
 * connection is tested end to end by tests/integration/exact_inputs.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/context.h"
#include "crypto/base64url.h"
#include "http/request.h"

/* "Basic " + base64 of raw[0..len) (raw may hold NULs). */
static void basic_of(const char *raw, size_t len, char *out, size_t size)
{
    assert_true(size > 6);
    memcpy(out, "Basic ", 6);
    assert_true(base64_encode((const unsigned char *)raw, len, out + 6, size - 6) > 0 || len == 0);
}

static int parse_raw(const char *raw, size_t len, char **user, char **pass)
{
    char header[600];
    basic_of(raw, len, header, sizeof header);
    return http_basic_credentials_parse(header, user, pass);
}

static void free_pair(char **user, char **pass)
{
    free(*user);
    free(*pass);
    *user = *pass = NULL;
}

static void test_basic_decodes_exactly(void **state)
{
    (void)state;
    char *user, *pass;
    assert_int_equal(parse_raw("tdc_id:tdcs_secret", 18, &user, &pass), 1);
    assert_string_equal(user, "tdc_id");
    assert_string_equal(pass, "tdcs_secret");
    free_pair(&user, &pass);
    /* split at the first colon; the password may hold more */
    assert_int_equal(parse_raw("id:pa:ss", 8, &user, &pass), 1);
    assert_string_equal(user, "id");
    assert_string_equal(pass, "pa:ss");
    free_pair(&user, &pass);
    /* RFC 6749 §2.3.1: form-decoded inside */
    assert_int_equal(parse_raw("a%3Ab:s%2Bx+y%5F", 16, &user, &pass), 1);
    assert_string_equal(user, "a:b");
    assert_string_equal(pass, "s+x y_");
    free_pair(&user, &pass);
    /* empty halves are well-formed (and fail authentication later) */
    assert_int_equal(parse_raw(":", 1, &user, &pass), 1);
    assert_string_equal(user, "");
    assert_string_equal(pass, "");
    free_pair(&user, &pass);
    /* bytes above 0x7f are not control characters here */
    assert_int_equal(parse_raw("id:s\xc3\xa9", 6, &user, &pass), 1);
    assert_string_equal(pass, "s\xc3\xa9");
    free_pair(&user, &pass);
    /* scheme is case-insensitive; several spaces may follow it */
    char header[128];
    basic_of("id:s", 4, header, sizeof header);
    char variant[140];
    snprintf(variant, sizeof variant, "bAsIc   %s", header + 6);
    assert_int_equal(http_basic_credentials_parse(variant, &user, &pass), 1);
    assert_string_equal(pass, "s");
    free_pair(&user, &pass);
}

static void test_basic_refuses_nul_and_control_characters(void **state)
{
    (void)state;
    char *user = (char *)1, *pass = (char *)1;
    /* the issue: base64("ID:SECRET\0anything") was read as ID / SECRET */
    const char nul_tail[] = "id:secret\0anything";
    assert_int_equal(parse_raw(nul_tail, sizeof nul_tail - 1, &user, &pass), -1);
    assert_null(user);
    assert_null(pass);
    const char nul_end[] = "id:secret\0";
    assert_int_equal(parse_raw(nul_end, sizeof nul_end - 1, &user, &pass), -1);
    const char nul_id[] = "i\0d:secret";
    assert_int_equal(parse_raw(nul_id, sizeof nul_id - 1, &user, &pass), -1);
    const char *controls[] = {"id:sec\x01", "id:sec\n",   "id:sec\r",
                              "id:sec\t",   "id:sec\x7f", "i\x1b:sec"};
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        assert_int_equal(parse_raw(controls[i], strlen(controls[i]), &user, &pass), -1);
        assert_null(user);
        assert_null(pass);
    }
    /* percent-encoded NUL is refused by the form decoding */
    assert_int_equal(parse_raw("id:secret%00x", 13, &user, &pass), -1);
    assert_int_equal(parse_raw("id%00:secret", 12, &user, &pass), -1);
    assert_int_equal(parse_raw("id:secret%0", 11, &user, &pass), -1);
}

static void test_basic_malformed_and_other_schemes(void **state)
{
    (void)state;
    char *user, *pass;
    assert_int_equal(http_basic_credentials_parse(NULL, &user, &pass), 0);
    assert_int_equal(http_basic_credentials_parse("Bearer abc", &user, &pass), 0);
    assert_int_equal(http_basic_credentials_parse("Basic", &user, &pass), 0);
    assert_int_equal(http_basic_credentials_parse("BasicaWQ6cw==", &user, &pass), 0);
    assert_null(user);
    assert_null(pass);
    const char *bad[] = {
        "Basic ",           "Basic    ",       "Basic aWQ6cw", /* padding missing */
        "Basic aWQ6cw===",  "Basic aWQ6 cw==", "Basic aWQ6c*==",
        "Basic aWQ6cw==\t", "Basic aWQ=", /* "id": no colon */
        "Basic aWQ6cx==",                 /* non-canonical trailing bits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        user = pass = (char *)1;
        assert_int_equal(http_basic_credentials_parse(bad[i], &user, &pass), -1);
        assert_null(user);
        assert_null(pass);
    }
}

static void test_single_valued_fields_table(void **state)
{
    (void)state;
    const char *single[] = {"Authorization", "authorization", "Content-Type",   "COOKIE",
                            "X-CSRF-Token",  "Host",          "Content-Length", "Transfer-Encoding",
                            "DPoP",          "dpop"};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        assert_true(http_header_is_single(single[i]));
    /* list-valued headers may repeat (RFC 9110 §5.3) */
    const char *lists[] = {"Accept", "X-Forwarded-For", "Forwarded", "If-None-Match",
                           "Via",    "Authorization2",  ""};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        assert_false(http_header_is_single(lists[i]));
    assert_false(http_header_is_single(NULL));
    /* the table's cookie is the one the API reads */
    assert_true(http_cookie_is_single(SESSION_COOKIE));
    assert_false(http_cookie_is_single("TENANTD_SESSION"));
    assert_false(http_cookie_is_single("other"));
    assert_false(http_cookie_is_single(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_decodes_exactly),
        cmocka_unit_test(test_basic_refuses_nul_and_control_characters),
        cmocka_unit_test(test_basic_malformed_and_other_schemes),
        cmocka_unit_test(test_single_valued_fields_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
