/*
 * test_oauth_claims.c — the pre-serialised claims of the token hot path
 * (claims_compile, claims_json_string): exact JSON, escaping of every
 * copied string, the 3-byte padding that lets the base64url encodings concatenate,
 * and refusal of stored data that would produce invalid JSON.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oauth/claims.h"
#include "crypto/base64url.h"
#include "store/app_facts.h"

static void row_init(struct app_facts_row *row)
{
    memset(row, 0, sizeof *row);
    snprintf(row->id, sizeof row->id, "01900000-0000-7000-8000-000000000001");
    snprintf(row->tenant_id, sizeof row->tenant_id, "01900000-0000-7000-8000-0000000000aa");
    snprintf(row->license_region_code, sizeof row->license_region_code, "eu-west");
    snprintf(row->db_code, sizeof row->db_code, "eu-west-db1");
    snprintf(row->tenant_status, sizeof row->tenant_status, "active");
    row->enabled = true;
}

/* Compiles, checks the padding, closes the object with a tail and parses it. */
static json_t *compile_and_parse(const struct app_facts_row *row, const char *client_id,
                                 const char *issuer, size_t *len_out)
{
    static char buf[CLAIMS_PREFIX_JSON_MAX + 1];
    size_t len = claims_compile(row, client_id, issuer, "tenantd-api", buf, sizeof buf);
    if (len_out)
        *len_out = len;
    if (len == 0)
        return NULL;
    assert_int_equal(len % 3, 0);
    assert_int_equal(strlen(buf), len);
    char whole[CLAIMS_PREFIX_JSON_MAX + 64];
    snprintf(whole, sizeof whole, "%s\"iat\":1,\"nbf\":1,\"exp\":901,\"jti\":\"j\"}", buf);
    json_error_t err;
    json_t *obj = json_loads(whole, JSON_REJECT_DUPLICATES, &err);
    if (!obj)
        fail_msg("invalid JSON: %s in %s", err.text, whole);
    return obj;
}

static void test_tenant_app_claims_exact(void **state)
{
    struct app_facts_row row;
    row_init(&row);
    row.allowed_domains = strdup("[\"app.example.com\",\"localhost:3000\"]");
    static char buf[CLAIMS_PREFIX_JSON_MAX + 1];
    size_t len =
        claims_compile(&row, "tdc_abc", "https://id.example.com", "tenantd-api", buf, sizeof buf);
    /* two segments, each padded with spaces to a multiple of 3 bytes */
    const char *expect[] = {
        "{\"iss\":\"https://id.example.com\",\"aud\":\"tenantd-api\",",
        "\"sub\":\"tdc_abc\",\"client_id\":\"tdc_abc\","
        "\"tenantid\":\"01900000-0000-7000-8000-0000000000aa\","
        "\"appId\":\"01900000-0000-7000-8000-000000000001\",\"licenseRegionCode\":\"eu-west\","
        "\"dbCode\":\"eu-west-db1\",\"allowed_domain_1\":\"app.example.com\","
        "\"allowed_domain_2\":\"localhost:3000\","};
    size_t pos = 0;
    for (size_t part = 0; part < 2; part++) {
        size_t n = strlen(expect[part]);
        assert_memory_equal(buf + pos, expect[part], n);
        pos += n;
        while (pos % 3 != 0)
            assert_int_equal(buf[pos++], ' ');
    }
    assert_int_equal(len, pos);
    app_facts_row_free(&row);
}

static void test_entitlements_get_plan(void **state)
{
    struct app_facts_row row;
    row_init(&row);
    snprintf(row.plan_code, sizeof row.plan_code, "pro");
    row.plan_found = true;
    snprintf(row.plan_status, sizeof row.plan_status, "active");
    row.entitlements = strdup("{\"maxApiRequestsPerMinute\":600,\"allowedFormats\":[\"pdf\"],"
                              "\"features\":{\"x\":true}}");
    json_t *obj = compile_and_parse(&row, "tdc_abc", "http://127.0.0.1:8080", NULL);
    assert_non_null(obj);
    json_t *ent = json_object_get(obj, "entitlements");
    assert_true(json_is_object(ent));
    assert_int_equal(json_integer_value(json_object_get(ent, "maxApiRequestsPerMinute")), 600);
    assert_string_equal(json_string_value(json_object_get(ent, "plan")), "pro");
    assert_true(json_is_true(json_object_get(json_object_get(ent, "features"), "x")));
    assert_null(json_object_get(obj, "allowed_domain_1"));
    json_decref(obj);
    app_facts_row_free(&row);

    /* An empty entitlements object still carries the plan code. */
    row_init(&row);
    snprintf(row.plan_code, sizeof row.plan_code, "free");
    row.plan_found = true;
    row.entitlements = strdup("{}");
    obj = compile_and_parse(&row, "tdc_abc", "http://x", NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(obj, "entitlements"), "plan")), "free");
    json_decref(obj);
    app_facts_row_free(&row);
}

static void test_no_plan_no_entitlements(void **state)
{
    struct app_facts_row row;
    row_init(&row);
    json_t *obj = compile_and_parse(&row, "tdc_abc", "http://x", NULL);
    assert_null(json_object_get(obj, "entitlements"));
    assert_null(json_object_get(obj, "scope"));
    assert_int_equal(json_object_size(obj), 12); /* 8 constant + iat nbf exp jti */
    json_decref(obj);
}

static void test_escaping_of_every_copied_string(void **state)
{
    struct app_facts_row row;
    row_init(&row);
    /* Stored values never look like this (domain/ rules forbid it), but the claims
     * must stay valid JSON and carry the exact strings whatever the store holds. */
    snprintf(row.db_code, sizeof row.db_code, "db\"\\\n\t\x01/é");
    snprintf(row.license_region_code, sizeof row.license_region_code, "\",\"admin\":true,\"x\":\"");
    row.allowed_domains = strdup("[\"a\\\"b.example.com\",\"z\\u0001\",\"\\u2028.example\"]");
    json_t *obj = compile_and_parse(&row, "tdc_\"q\"", "https://i.example/\"", NULL);
    assert_non_null(obj);
    assert_string_equal(json_string_value(json_object_get(obj, "dbCode")), "db\"\\\n\t\x01/é");
    assert_string_equal(json_string_value(json_object_get(obj, "licenseRegionCode")),
                        "\",\"admin\":true,\"x\":\"");
    assert_null(json_object_get(obj, "admin"));
    assert_string_equal(json_string_value(json_object_get(obj, "sub")), "tdc_\"q\"");
    assert_string_equal(json_string_value(json_object_get(obj, "iss")), "https://i.example/\"");
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_1")),
                        "a\"b.example.com");
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_2")), "z\x01");
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_3")),
                        "\xe2\x80\xa8.example");
    json_decref(obj);
    app_facts_row_free(&row);
}

static void test_json_string_exact(void **state)
{
    char out[64];
    size_t n = claims_json_string(out, sizeof out, "a\"b\\c\n\x1f\x7f");
    assert_int_equal(n, strlen("\"a\\\"b\\\\c\\n\\u001f\x7f\""));
    assert_memory_equal(out, "\"a\\\"b\\\\c\\n\\u001f\x7f\"", n);
    n = claims_json_string(out, sizeof out, "");
    assert_int_equal(n, 2);
    assert_memory_equal(out, "\"\"", 2);
    /* invalid UTF-8: overlong, lone continuation, surrogate */
    assert_int_equal(claims_json_string(out, sizeof out, "\xc0\xaf"), 0);
    assert_int_equal(claims_json_string(out, sizeof out, "a\x80"), 0);
    assert_int_equal(claims_json_string(out, sizeof out, "\xed\xa0\x80"), 0);
    /* no room: exact fit works, one byte less fails */
    assert_int_equal(claims_json_string(out, 5, "abc"), 5);
    assert_int_equal(claims_json_string(out, 4, "abc"), 0);
    assert_int_equal(claims_json_string(out, 7, "\x01"), 0);
    assert_int_equal(claims_json_string(out, 8, "\x01"), 8);
}

static void test_bad_stored_data_is_refused(void **state)
{
    struct app_facts_row row;
    char buf[4096];
    const char *bad_domains[] = {"not json", "{\"a\":1}", "[1]", "[\"ok\",null]", "[\"\xff\"]"};
    for (size_t i = 0; i < sizeof bad_domains / sizeof bad_domains[0]; i++) {
        row_init(&row);
        row.allowed_domains = strdup(bad_domains[i]);
        assert_int_equal(claims_compile(&row, "c", "i", "a", buf, sizeof buf), 0);
        app_facts_row_free(&row);
    }
    const char *bad_entitlements[] = {"[]", "nope", "{\"a\":1,\"a\":2}", "42"};
    for (size_t i = 0; i < sizeof bad_entitlements / sizeof bad_entitlements[0]; i++) {
        row_init(&row);
        snprintf(row.plan_code, sizeof row.plan_code, "p");
        row.plan_found = true;
        row.entitlements = strdup(bad_entitlements[i]);
        assert_int_equal(claims_compile(&row, "c", "i", "a", buf, sizeof buf), 0);
        app_facts_row_free(&row);
    }
    row_init(&row);
    snprintf(row.db_code, sizeof row.db_code, "bad\xff");
    assert_int_equal(claims_compile(&row, "c", "i", "a", buf, sizeof buf), 0);
    /* too small an output buffer */
    assert_int_equal(claims_compile(&row, "c", "i", "a", buf, 40), 0);
}

static void test_only_three_domains_and_empty_ones_skipped(void **state)
{
    struct app_facts_row row;
    row_init(&row);
    row.allowed_domains = strdup("[\"a.example\",\"\",\"b.example\",\"c.example\",\"d.example\"]");
    json_t *obj = compile_and_parse(&row, "c", "i", NULL);
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_1")), "a.example");
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_2")), "b.example");
    assert_string_equal(json_string_value(json_object_get(obj, "allowed_domain_3")), "c.example");
    assert_null(json_object_get(obj, "allowed_domain_4"));
    json_decref(obj);
    app_facts_row_free(&row);
}

static void test_platform_client_has_no_tenant_claims(void **state)
{
    struct app_facts_row row;
    memset(&row, 0, sizeof row);
    row.platform = true;
    snprintf(row.id, sizeof row.id, "01900000-0000-7000-8000-0000000000bb");
    row.scopes = strdup("platform:storage");
    json_t *obj = compile_and_parse(&row, "tdc_p", "https://i", NULL);
    assert_int_equal(json_object_size(obj), 8);
    const char *forbidden[] = {"tenantid", "appId",        "licenseRegionCode",
                               "dbCode",   "entitlements", "allowed_domain_1"};
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        assert_null(json_object_get(obj, forbidden[i]));
    json_decref(obj);
    app_facts_row_free(&row);
}

/* The padding is what makes base64url(prefix) || base64url(tail) a valid
 * encoding of prefix || tail: check it for every padding remainder. */
static void test_base64_concatenation(void **state)
{
    for (int extra = 0; extra < 3; extra++) {
        struct app_facts_row row;
        row_init(&row);
        char domain[32];
        snprintf(domain, sizeof domain, "[\"%.*sx.example\"]", extra, "ab");
        row.allowed_domains = strdup(domain);
        char json[4096], b64[8192], whole_b64[8192];
        size_t len = claims_compile(&row, "c", "i", "a", json, sizeof json);
        assert_true(len > 0 && len % 3 == 0);
        const char *tail = "\"iat\":1,\"nbf\":1,\"exp\":2,\"jti\":\"abc\"}";
        size_t p = base64url_encode((const unsigned char *)json, len, b64, sizeof b64);
        p += base64url_encode((const unsigned char *)tail, strlen(tail), b64 + p, sizeof b64 - p);
        char whole[4096 + 64];
        snprintf(whole, sizeof whole, "%s%s", json, tail);
        size_t w = base64url_encode((const unsigned char *)whole, strlen(whole), whole_b64,
                                    sizeof whole_b64);
        assert_int_equal(p, w);
        assert_memory_equal(b64, whole_b64, w);
        app_facts_row_free(&row);
    }
}

static void test_worst_case_entitlements_fit(void **state)
{
    /* The largest entitlements domain/entitlements.c accepts must compile. */
    json_t *ent = json_object();
    const char *ints[] = {"maxApiRequestsPerMinute",  "maxDocumentUnitsPerDocument",
                          "maxDocumentUnitsPerHour",  "maxDocumentUnitsPerDay",
                          "maxDocumentUnitsPerWeek",  "maxDocumentUnitsPerMonth",
                          "maxUploadBytesPerDocument"};
    for (size_t i = 0; i < 7; i++)
        json_object_set_new(ent, ints[i], json_integer(9007199254740991LL));
    json_t *formats = json_array();
    char f[128];
    for (int i = 0; i < 50; i++) {
        snprintf(f, sizeof f, "%02d%098d", i, 0);
        json_array_append_new(formats, json_string(f));
    }
    json_object_set_new(ent, "allowedFormats", formats);
    json_t *features = json_object();
    for (int i = 0; i < 100; i++) {
        snprintf(f, sizeof f, "%03d%061d", i, 0);
        json_object_set_new(features, f, json_true());
    }
    json_object_set_new(ent, "features", features);
    struct app_facts_row row;
    row_init(&row);
    snprintf(row.plan_code, sizeof row.plan_code, "%064d", 0);
    row.plan_found = true;
    row.entitlements = json_dumps(ent, JSON_COMPACT);
    json_decref(ent);
    char domains[1024];
    snprintf(domains, sizeof domains, "[\"%0250d.a\",\"%0250d.b\",\"%0250d.c\"]", 0, 0, 0);
    row.allowed_domains = strdup(domains);
    char issuer[512];
    memset(issuer, 'i', sizeof issuer - 1);
    issuer[sizeof issuer - 1] = 0;
    size_t len = 0;
    json_t *obj = compile_and_parse(&row, "tdc_0123456789012345678901", issuer, &len);
    assert_non_null(obj);
    assert_true(base64url_encoded_len(len) <= CLAIMS_PREFIX_MAX);
    json_decref(obj);
    app_facts_row_free(&row);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tenant_app_claims_exact),
        cmocka_unit_test(test_entitlements_get_plan),
        cmocka_unit_test(test_no_plan_no_entitlements),
        cmocka_unit_test(test_escaping_of_every_copied_string),
        cmocka_unit_test(test_json_string_exact),
        cmocka_unit_test(test_bad_stored_data_is_refused),
        cmocka_unit_test(test_only_three_domains_and_empty_ones_skipped),
        cmocka_unit_test(test_platform_client_has_no_tenant_claims),
        cmocka_unit_test(test_base64_concatenation),
        cmocka_unit_test(test_worst_case_entitlements_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
