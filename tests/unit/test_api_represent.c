/*
 * tests/unit/test_api_represent — the shared host-resource representations: DSN
 * password redaction (URI userinfo, query parameters, libpq keyword/value strings,
 * scheme-less user:pass@host, fail-closed on unparsable input, output bounds) and
 * the JSON shapes of tenants, regions, databases, plans and platform clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/represent.h"

static void expect_redacted(const char *dsn, const char *want)
{
    char out[2 * 1025];
    memset(out, 'X', sizeof out);
    if (!represent_redact_dsn(dsn, out, sizeof out))
        fail_msg("redaction of \"%s\" failed", dsn);
    if (strcmp(out, want) != 0)
        fail_msg("\"%s\" -> \"%s\", want \"%s\"", dsn, out, want);
}

static void test_redact_uri(void **state)
{
    expect_redacted("postgres://app:s3cret@db.example:5432/licenses",
                    "postgres://app:***@db.example:5432/licenses");
    expect_redacted("postgresql://app@db.example/licenses", "postgresql://app@db.example/licenses");
    expect_redacted("postgres://db.example/licenses", "postgres://db.example/licenses");
    expect_redacted("mysql://u:@h/db", "mysql://u:***@h/db");
    /* an unencoded '@', '/' or '?' inside the password must not leak any of it */
    expect_redacted("postgres://u:p@ss@h/db", "postgres://u:***@h/db");
    expect_redacted("postgres://u:pa/ss@h/db", "postgres://u:***@h/db");
    expect_redacted("postgres://u:pa?ss@h/db", "postgres://u:***@h/db");
    /* query parameters that carry secrets */
    expect_redacted("postgres://h/db?user=app&password=pw&sslmode=require",
                    "postgres://h/db?user=app&password=***&sslmode=require");
    expect_redacted("postgres://h/db?PassWord=pw", "postgres://h/db?PassWord=***");
    expect_redacted("postgres://h/db?sslpassword=k&x=1#frag",
                    "postgres://h/db?sslpassword=***&x=1#frag");
    expect_redacted("s3://h/b?token=abc&secret_key=def", "s3://h/b?token=***&secret_key=***");
    expect_redacted("postgres://u:p@h/db?password=q", "postgres://u:***@h/db?password=***");
}

static void test_redact_keywords(void **state)
{
    expect_redacted("host=db.example port=5432 dbname=lic user=app password=s3cret",
                    "host=db.example port=5432 dbname=lic user=app password=***");
    expect_redacted("host=h password = 'with space \\' quote' sslmode=require",
                    "host=h password = *** sslmode=require");
    expect_redacted("PASSWORD=x host=h", "PASSWORD=*** host=h");
    expect_redacted("host=h  ", "host=h  ");
    /* unparsable from some point on: the rest is withheld */
    expect_redacted("host=h password='unterminated", "host=h password=***");
    expect_redacted("host=h garbage password=x", "host=h ***");
}

static void test_redact_other_forms(void **state)
{
    expect_redacted("app:s3cret@db.example:5432/lic", "app:***@db.example:5432/lic");
    expect_redacted("db.example:5432/lic", "db.example:5432/lic");
    expect_redacted("eu-west-db1", "eu-west-db1");
    expect_redacted("", "");
}

static void test_redact_bounds(void **state)
{
    char small[8];
    memset(small, 'X', sizeof small);
    assert_false(represent_redact_dsn("postgres://u:p@host/db", small, sizeof small));
    assert_string_equal(small, "");
    assert_false(represent_redact_dsn("x", small, 0));
    char exact[4];
    assert_true(represent_redact_dsn("abc", exact, sizeof exact));
    assert_string_equal(exact, "abc");
    /* a 1024-byte DSN made of many secrets still fits in twice its size */
    char dsn[1025], out[2 * 1025];
    size_t n = 0;
    while (n + 11 <= 1024) {
        memcpy(dsn + n, "password=x ", 11);
        n += 11;
    }
    dsn[n] = 0;
    assert_true(represent_redact_dsn(dsn, out, sizeof out));
    assert_null(strstr(out, "=x"));
}

static void test_represent_shapes(void **state)
{
    struct tenant_row t = {.id = "00000000-0000-7000-8000-000000000001",
                           .name = "Acme",
                           .status = "active",
                           .app_limit = 3,
                           .created_at = 0,
                           .updated_at = 5};
    json_t *j = represent_tenant(&t);
    assert_int_equal(json_object_size(j), 5);
    assert_string_equal(json_string_value(json_object_get(j, "created_at")),
                        "1970-01-01T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(j, "app_limit")), 3);
    json_decref(j);

    struct region_database_row d = {.db_code = "eu-db1", .region_code = "eu", .active = true};
    j = represent_region_database(&d);
    assert_true(json_is_null(json_object_get(j, "dsn")));
    json_decref(j);
    d.has_dsn = true;
    snprintf(d.dsn, sizeof d.dsn, "postgres://u:pw@h/db");
    j = represent_region_database(&d);
    assert_string_equal(json_string_value(json_object_get(j, "dsn")), "postgres://u:***@h/db");
    json_decref(j);

    struct plan_row *p = calloc(1, sizeof *p);
    assert_non_null(p);
    snprintf(p->code, sizeof p->code, "pro");
    snprintf(p->entitlements, sizeof p->entitlements, "{\"maxApiRequestsPerMinute\":60}");
    j = represent_plan(p);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "entitlements"),
                                                        "maxApiRequestsPerMinute")),
                     60);
    json_decref(j);
    snprintf(p->entitlements, sizeof p->entitlements, "not json");
    j = represent_plan(p);
    assert_true(json_is_object(json_object_get(j, "entitlements")));
    assert_int_equal(json_object_size(json_object_get(j, "entitlements")), 0);
    json_decref(j);
    free(p);

    struct platform_client_row pc = {.id = "i",
                                     .name = "n",
                                     .client_id = "tdp_x",
                                     .secret_hash = "deadbeef",
                                     .scopes = "platform:storage  platform:other"};
    j = represent_platform_client(&pc);
    json_t *scopes = json_object_get(j, "scopes");
    assert_int_equal(json_array_size(scopes), 2);
    assert_string_equal(json_string_value(json_array_get(scopes, 0)), "platform:storage");
    assert_string_equal(json_string_value(json_array_get(scopes, 1)), "platform:other");
    assert_null(json_object_get(j, "secret_hash"));
    assert_null(json_object_get(j, "client_secret"));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redact_uri),         cmocka_unit_test(test_redact_keywords),
        cmocka_unit_test(test_redact_other_forms), cmocka_unit_test(test_redact_bounds),
        cmocka_unit_test(test_represent_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
