/*
 * tests/unit/test_domain_names — names (trim, UTF-8, control characters,
 * length in code points), case folding, codes, UUIDs, emails, passwords.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/names.h"

static void expect_name(const char *input, size_t max, const char *want)
{
    char out[512];
    const char *reason = NULL;
    if (!name_normalize(input, max, out, sizeof out, &reason))
        fail_msg("\"%s\" rejected: %s", input, reason);
    assert_string_equal(out, want);
}

static void expect_bad_name(const char *input, size_t max, const char *reason_part)
{
    char out[512];
    memset(out, 'X', sizeof out);
    const char *reason = NULL;
    if (name_normalize(input, max, out, sizeof out, &reason))
        fail_msg("\"%s\" accepted as \"%s\"", input ? input : "(null)", out);
    assert_string_equal(out, "");
    assert_non_null(reason);
    if (strstr(reason, reason_part) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", reason, reason_part);
}

static void test_name_trim(void **state)
{
    (void)state;
    expect_name("Acme", 100, "Acme");
    expect_name("  Acme Corp  ", 100, "Acme Corp");
    expect_name("\t\n\r\v\fAcme\t\n", 100, "Acme");
    expect_name("a", 100, "a");
    expect_name(" Inner  spaces kept ", 100, "Inner  spaces kept"); /* only the ends are trimmed */
    expect_bad_name("inner\ttab", 100, "control");                  /* HT inside is a control */
    /* Non-ASCII space (NBSP) is not trimmed. */
    expect_name("\xc2\xa0x\xc2\xa0", 100, "\xc2\xa0x\xc2\xa0");
}

static void test_name_empty(void **state)
{
    (void)state;
    expect_bad_name(NULL, 100, "required");
    expect_bad_name("", 100, "empty");
    expect_bad_name("   ", 100, "empty");
    expect_bad_name("\t\n", 100, "empty");
}

static void test_name_length_in_code_points(void **state)
{
    (void)state;
    char buf[1024];
    memset(buf, 'a', 100);
    buf[100] = '\0';
    expect_name(buf, 100, buf);
    buf[100] = 'a';
    buf[101] = '\0';
    expect_bad_name(buf, 100, "too long");
    /* 100 two-byte characters (200 bytes) are 100 characters. */
    for (size_t i = 0; i < 100; i++)
        memcpy(buf + 2 * i, "\xc3\xa9", 2);
    buf[200] = '\0';
    expect_name(buf, 100, buf);
    memcpy(buf + 200, "\xc3\xa9", 3);
    expect_bad_name(buf, 100, "too long");
    /* 4-byte characters. */
    for (size_t i = 0; i < 100; i++)
        memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
    buf[400] = '\0';
    expect_name(buf, 100, buf);
    /* Trimmed whitespace does not count. */
    memset(buf, ' ', 50);
    memset(buf + 50, 'b', 100);
    memset(buf + 150, ' ', 50);
    buf[200] = '\0';
    char want[101];
    memset(want, 'b', 100);
    want[100] = '\0';
    expect_name(buf, 100, want);
    expect_bad_name("abc", 2, "too long");
    expect_bad_name("a", 0, "too long");
}

static void test_name_utf8(void **state)
{
    (void)state;
    expect_name("Caf\xc3\xa9 M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac", 100,
                "Caf\xc3\xa9 M\xc3\xbcller \xe6\x97\xa5\xe6\x9c\xac");
    expect_bad_name("bad \xff byte", 100, "UTF-8");
    expect_bad_name("overlong \xc0\xaf", 100, "UTF-8");
    expect_bad_name("surrogate \xed\xa0\x80", 100, "UTF-8");
    expect_bad_name("truncated \xe6\x97", 100, "UTF-8");
    expect_bad_name("\xf4\x90\x80\x80", 100, "UTF-8");
}

static void test_name_control_characters(void **state)
{
    (void)state;
    expect_bad_name("a\x01z", 100, "control");
    expect_bad_name("a\x1fz", 100, "control");
    expect_bad_name("a\x7fz", 100, "control");
    expect_bad_name("a\xc2\x80z", 100, "control");        /* U+0080 */
    expect_bad_name("a\xc2\x9fz", 100, "control");        /* U+009F */
    expect_bad_name("a\xe2\x80\xa8z", 100, "control");    /* U+2028 */
    expect_bad_name("a\xe2\x80\xa9z", 100, "control");    /* U+2029 */
    expect_bad_name("a\xe2\x80\xaez", 100, "control");    /* U+202E RLO */
    expect_bad_name("a\xe2\x81\xa6z", 100, "control");    /* U+2066 LRI */
    expect_bad_name("a\nz", 100, "control");              /* inner LF */
    expect_name("a\xc2\xa0z", 100, "a\xc2\xa0z");         /* U+00A0 is fine */
    expect_name("a\xe2\x80\xa7z", 100, "a\xe2\x80\xa7z"); /* U+2027 is fine */
}

static void test_name_output_buffer(void **state)
{
    (void)state;
    char out[4];
    const char *reason = NULL;
    assert_true(name_normalize(" abc ", 100, out, sizeof out, &reason));
    assert_string_equal(out, "abc");
    assert_false(name_normalize("abcd", 100, out, sizeof out, &reason));
    assert_string_equal(out, "");
    assert_false(name_normalize("abcd", 100, NULL, 0, &reason));
    assert_false(name_normalize("abcd", 100, out, 0, NULL));
}

static void test_fold_case(void **state)
{
    (void)state;
    char out[64];
    name_fold_case("My App", out, sizeof out);
    assert_string_equal(out, "my app");
    name_fold_case("ABC-xyz_09", out, sizeof out);
    assert_string_equal(out, "abc-xyz_09");
    name_fold_case("\xc3\x89T\xc3\x89", out, sizeof out); /* ÉTÉ: only ASCII changes */
    assert_string_equal(out, "\xc3\x89t\xc3\x89");
    name_fold_case(NULL, out, sizeof out);
    assert_string_equal(out, "");
    char small[4];
    name_fold_case("ABCDEF", small, sizeof small);
    assert_string_equal(small, "abc");
    name_fold_case("X", small, 0); /* must not write */
    assert_string_equal(small, "abc");
    name_fold_case("X", NULL, 10);
}

static void test_region_code(void **state)
{
    (void)state;
    assert_true(region_code_is_valid("eu-west"));
    assert_true(region_code_is_valid("us"));
    assert_true(region_code_is_valid("a1"));
    assert_true(region_code_is_valid("--"));
    assert_true(region_code_is_valid("abcdefghijklmnopqrstuvwxyz012345"));   /* 32 */
    assert_false(region_code_is_valid("abcdefghijklmnopqrstuvwxyz0123456")); /* 33 */
    assert_false(region_code_is_valid("e"));
    assert_false(region_code_is_valid(""));
    assert_false(region_code_is_valid(NULL));
    assert_false(region_code_is_valid("EU-west"));
    assert_false(region_code_is_valid("eu_west"));
    assert_false(region_code_is_valid("eu west"));
    assert_false(region_code_is_valid("eu.west"));
    assert_false(region_code_is_valid("eu-west\n"));
}

static void test_db_code(void **state)
{
    (void)state;
    char buf[80];
    assert_true(db_code_is_valid("eu-west-db1"));
    assert_true(db_code_is_valid("db"));
    memset(buf, 'd', 64);
    buf[64] = '\0';
    assert_true(db_code_is_valid(buf));
    buf[64] = 'd';
    buf[65] = '\0';
    assert_false(db_code_is_valid(buf));
    assert_false(db_code_is_valid("d"));
    assert_false(db_code_is_valid(NULL));
    assert_false(db_code_is_valid("Db1"));
    assert_false(db_code_is_valid("db_1"));
}

static void test_plan_code(void **state)
{
    (void)state;
    char buf[80];
    assert_true(plan_code_is_valid("free"));
    assert_true(plan_code_is_valid("pro_2024-v2"));
    assert_true(plan_code_is_valid("0a"));
    assert_true(plan_code_is_valid("a_"));
    memset(buf, 'p', 64);
    buf[64] = '\0';
    assert_true(plan_code_is_valid(buf));
    buf[64] = 'p';
    buf[65] = '\0';
    assert_false(plan_code_is_valid(buf));
    assert_false(plan_code_is_valid("a"));
    assert_false(plan_code_is_valid(""));
    assert_false(plan_code_is_valid(NULL));
    assert_false(plan_code_is_valid("_free"));
    assert_false(plan_code_is_valid("-free"));
    assert_false(plan_code_is_valid("Free"));
    assert_false(plan_code_is_valid("free plan"));
    assert_false(plan_code_is_valid("free.plan"));
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(uuid_is_valid("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(uuid_is_valid("00000000-0000-0000-0000-000000000000"));
    assert_true(uuid_is_valid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
    assert_false(uuid_is_valid("123E4567-e89b-12d3-a456-426614174000")); /* upper case */
    assert_false(uuid_is_valid("123e4567e89b12d3a456426614174000"));     /* no dashes */
    assert_false(uuid_is_valid("{123e4567-e89b-12d3-a456-426614174000}"));
    assert_false(uuid_is_valid("123e4567-e89b-12d3-a456-42661417400"));   /* short */
    assert_false(uuid_is_valid("123e4567-e89b-12d3-a456-4266141740000")); /* long */
    assert_false(uuid_is_valid("123e4567-e89b-12d3-a456_426614174000"));
    assert_false(uuid_is_valid("123e4567-e89b-12d3-a4560426614174000-"));
    assert_false(uuid_is_valid("g23e4567-e89b-12d3-a456-426614174000"));
    assert_false(uuid_is_valid(""));
    assert_false(uuid_is_valid(NULL));
}

static void expect_email(const char *input, const char *want)
{
    char out[300];
    if (!email_normalize(input, out, sizeof out))
        fail_msg("email \"%s\" rejected", input);
    assert_string_equal(out, want);
}

static void expect_bad_email(const char *input)
{
    char out[300];
    memset(out, 'X', sizeof out);
    if (email_normalize(input, out, sizeof out))
        fail_msg("email \"%s\" accepted as \"%s\"", input ? input : "(null)", out);
    assert_string_equal(out, "");
}

static void test_email(void **state)
{
    (void)state;
    expect_email("alice@example.com", "alice@example.com");
    expect_email("  Alice.Smith@Example.COM \n", "alice.smith@example.com");
    expect_email("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk");
    expect_email("o'brien@example.ie", "o'brien@example.ie");
    expect_email("x_y-z!#$%&*/=?^`{|}~@example.org", "x_y-z!#$%&*/=?^`{|}~@example.org");
    expect_email("a@b.c", "a@b.c");
    expect_bad_email(NULL);
    expect_bad_email("");
    expect_bad_email("   ");
    expect_bad_email("alice");
    expect_bad_email("alice@");
    expect_bad_email("@example.com");
    expect_bad_email("alice@example"); /* no dot in domain */
    expect_bad_email("alice@localhost");
    expect_bad_email("a@b@example.com"); /* two '@' */
    expect_bad_email("al ice@example.com");
    expect_bad_email("alice@exa mple.com");
    expect_bad_email("alice@example.com\x01");
    expect_bad_email("al\tice@example.com");
    expect_bad_email(".alice@example.com");
    expect_bad_email("alice.@example.com");
    expect_bad_email("al..ice@example.com");
    expect_bad_email("alice@.example.com");
    expect_bad_email("alice@example..com");
    expect_bad_email("alice@example.com.");
    expect_bad_email("alice@-example.com");
    expect_bad_email("alice@example-.com");
    expect_bad_email("alice@exa_mple.com");
    expect_bad_email("\"alice\"@example.com");
    expect_bad_email("alice(comment)@example.com");
    expect_bad_email("al,ice@example.com");
    expect_bad_email("j\xc3\xb6rg@example.com");
    expect_bad_email("jorg@b\xc3\xbc"
                     "cher.de");
    expect_bad_email("alice@[127.0.0.1]");
}

static void test_email_lengths(void **state)
{
    (void)state;
    char in[400], out[300];
    /* Local part: 64 ok, 65 not. */
    memset(in, 'l', 64);
    snprintf(in + 64, sizeof in - 64, "@example.com");
    assert_true(email_normalize(in, out, sizeof out));
    memset(in, 'l', 65);
    snprintf(in + 65, sizeof in - 65, "@example.com");
    assert_false(email_normalize(in, out, sizeof out));
    /* Total 254 ok, 255 not: 64 + 1 + domain(189 = 63.63.61) */
    char d63[64], d61[62], d62[63];
    memset(d63, 'a', 63);
    d63[63] = '\0';
    memset(d61, 'b', 61);
    d61[61] = '\0';
    memset(d62, 'c', 62);
    d62[62] = '\0';
    memset(in, 'l', 64);
    snprintf(in + 64, sizeof in - 64, "@%s.%s.%s", d63, d63, d61);
    assert_int_equal(strlen(in), 254);
    assert_true(email_normalize(in, out, sizeof out));
    assert_int_equal(strlen(out), 254);
    snprintf(in + 64, sizeof in - 64, "@%s.%s.%s", d63, d63, d62);
    assert_int_equal(strlen(in), 255);
    assert_false(email_normalize(in, out, sizeof out));
    /* Whitespace around a 254-byte address does not count. */
    snprintf(in, sizeof in, "   ");
    memset(in + 3, 'l', 64);
    snprintf(in + 67, sizeof in - 67, "@%s.%s.%s   ", d63, d63, d61);
    assert_true(email_normalize(in, out, sizeof out));
    /* Label over 63 in the domain. */
    snprintf(in, sizeof in, "a@%s%s.com", d63, "x");
    assert_false(email_normalize(in, out, sizeof out));
    /* Output buffer too small. */
    char tiny[8];
    assert_false(email_normalize("alice@example.com", tiny, sizeof tiny));
    assert_string_equal(tiny, "");
    assert_true(email_normalize("a@b.co", tiny, 7));
    assert_false(email_normalize("a@b.com", tiny, 7));
    assert_false(email_normalize("a@b.com", NULL, 100));
}

static void test_password(void **state)
{
    (void)state;
    const char *reason = NULL;
    char buf[300];
    assert_true(password_is_acceptable("0123456789", &reason));
    assert_true(password_is_acceptable("correct horse battery staple", &reason));
    assert_true(password_is_acceptable("  spaces at ends  ", &reason));
    assert_true(password_is_acceptable("p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac!", &reason));
    assert_false(password_is_acceptable("012345678", &reason));
    assert_non_null(strstr(reason, "at least 10"));
    assert_false(password_is_acceptable("", &reason));
    assert_false(password_is_acceptable(NULL, &reason));
    assert_non_null(strstr(reason, "required"));
    memset(buf, 'p', 256);
    buf[256] = '\0';
    assert_true(password_is_acceptable(buf, &reason));
    buf[256] = 'p';
    buf[257] = '\0';
    assert_false(password_is_acceptable(buf, &reason));
    assert_non_null(strstr(reason, "at most 256"));
    assert_false(password_is_acceptable("0123456789\xff", &reason));
    assert_non_null(strstr(reason, "UTF-8"));
    assert_false(password_is_acceptable("0123456789\xc0\x80", NULL));
    /* Length is in bytes: five 2-byte characters are 10 bytes. */
    assert_true(password_is_acceptable("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_trim),
        cmocka_unit_test(test_name_empty),
        cmocka_unit_test(test_name_length_in_code_points),
        cmocka_unit_test(test_name_utf8),
        cmocka_unit_test(test_name_control_characters),
        cmocka_unit_test(test_name_output_buffer),
        cmocka_unit_test(test_fold_case),
        cmocka_unit_test(test_region_code),
        cmocka_unit_test(test_db_code),
        cmocka_unit_test(test_plan_code),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_email_lengths),
        cmocka_unit_test(test_password),
    };
    return cmocka_run_group_tests_name("domain_names", tests, NULL, NULL);
}
