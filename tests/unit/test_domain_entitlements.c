/*
 * tests/unit/test_domain_entitlements — plan entitlements schema: known
 * keys, integer ranges, allowedFormats, features, reserved "plan", error
 * codes and dotted field paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "domain/entitlements.h"

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (v == NULL)
        fail_msg("test JSON does not parse: %s (%s)", text, err.text);
    return v;
}

static void expect_ok(const char *text)
{
    json_t *v = parse(text);
    const char *code = "unset";
    char field[128] = "unset";
    if (!entitlements_validate(v, &code, field, sizeof field))
        fail_msg("%s rejected: %s at %s", text, code, field);
    assert_string_equal(field, "");
    assert_null(code);
    json_decref(v);
}

static void expect_error(const char *text, const char *want_code, const char *want_field)
{
    json_t *v = parse(text);
    const char *code = NULL;
    char field[128];
    memset(field, 'X', sizeof field);
    if (entitlements_validate(v, &code, field, sizeof field))
        fail_msg("%s accepted", text);
    assert_non_null(code);
    if (strcmp(code, want_code) != 0 || strcmp(field, want_field) != 0)
        fail_msg("%s: got %s at %s, want %s at %s", text, code, field, want_code, want_field);
    json_decref(v);
}

static void test_valid_objects(void **state)
{
    (void)state;
    expect_ok("{}");
    expect_ok("{\"maxApiRequestsPerMinute\": 600}");
    expect_ok(
        "{\"maxApiRequestsPerMinute\": 0, \"maxDocumentUnitsPerDocument\": 1,"
        " \"maxDocumentUnitsPerHour\": 2, \"maxDocumentUnitsPerDay\": 3,"
        " \"maxDocumentUnitsPerWeek\": 4, \"maxDocumentUnitsPerMonth\": 5,"
        " \"maxUploadBytesPerDocument\": 104857600,"
        " \"allowedFormats\": [\"pdf\", \"docx\", \"image/png\", \"application/vnd.ms-excel\","
        " \"x+y\", \"a_b\", \"tar.gz\"],"
        " \"features\": {\"advancedExtraction\": true, \"ocr\": false, \"beta_2\": true}}");
    expect_ok("{\"allowedFormats\": []}");
    expect_ok("{\"features\": {}}");
    expect_ok("{\"maxUploadBytesPerDocument\": 9007199254740991}");
}

static void test_not_an_object(void **state)
{
    (void)state;
    expect_error("[]", "invalid_value", "entitlements");
    expect_error("null", "invalid_value", "entitlements");
    expect_error("\"x\"", "invalid_value", "entitlements");
    expect_error("42", "invalid_value", "entitlements");
    const char *code = NULL;
    char field[64];
    assert_false(entitlements_validate(NULL, &code, field, sizeof field));
    assert_string_equal(code, "invalid_value");
    assert_string_equal(field, "entitlements");
}

static void test_unknown_and_reserved_keys(void **state)
{
    (void)state;
    expect_error("{\"maxApiRequestsPerMinutes\": 1}", "unknown_field",
                 "entitlements.maxApiRequestsPerMinutes");
    expect_error("{\"MaxApiRequestsPerMinute\": 1}", "unknown_field",
                 "entitlements.MaxApiRequestsPerMinute");
    expect_error("{\"plan\": \"free\"}", "unknown_field", "entitlements.plan");
    expect_error("{\"\": 1}", "unknown_field", "entitlements.");
    /* The first bad key in document order is reported. */
    expect_error("{\"maxApiRequestsPerMinute\": 1, \"zzz\": 1, \"aaa\": -1}", "unknown_field",
                 "entitlements.zzz");
    /* A key with an embedded NUL (built through the API; the parser refuses
     * it) must not alias a known key. */
    json_t *obj = json_object();
    const char key[] = "maxApiRequestsPerMinute\0x";
    assert_int_equal(json_object_setn_new(obj, key, sizeof key - 1, json_integer(1)), 0);
    const char *code = NULL;
    char field[128];
    assert_false(entitlements_validate(obj, &code, field, sizeof field));
    assert_string_equal(code, "unknown_field");
    assert_string_equal(field, "entitlements.maxApiRequestsPerMinute");
    json_decref(obj);
}

static void test_integer_values(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "maxApiRequestsPerMinute",   "maxDocumentUnitsPerDocument", "maxDocumentUnitsPerHour",
        "maxDocumentUnitsPerDay",    "maxDocumentUnitsPerWeek",     "maxDocumentUnitsPerMonth",
        "maxUploadBytesPerDocument",
    };
    static const char *const bad_values[] = {
        "-1",
        "1.0",
        "1.5",
        "1e3",
        "\"10\"",
        "null",
        "true",
        "[]",
        "{}",
        "9007199254740992",
        "9223372036854775807",
    };
    char text[256], want[128];
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        snprintf(text, sizeof text, "{\"%s\": 0}", keys[k]);
        expect_ok(text);
        snprintf(text, sizeof text, "{\"%s\": 2147483648}", keys[k]);
        expect_ok(text);
        snprintf(want, sizeof want, "entitlements.%s", keys[k]);
        for (size_t v = 0; v < sizeof bad_values / sizeof bad_values[0]; v++) {
            snprintf(text, sizeof text, "{\"%s\": %s}", keys[k], bad_values[v]);
            expect_error(text, "invalid_value", want);
        }
    }
}

static void test_allowed_formats(void **state)
{
    (void)state;
    expect_error("{\"allowedFormats\": \"pdf\"}", "invalid_value", "entitlements.allowedFormats");
    expect_error("{\"allowedFormats\": {}}", "invalid_value", "entitlements.allowedFormats");
    expect_error("{\"allowedFormats\": null}", "invalid_value", "entitlements.allowedFormats");
    expect_error("{\"allowedFormats\": [\"pdf\", 1]}", "invalid_value",
                 "entitlements.allowedFormats[1]");
    expect_error("{\"allowedFormats\": [\"\"]}", "invalid_value", "entitlements.allowedFormats[0]");
    expect_error("{\"allowedFormats\": [\"pdf\", \"p df\"]}", "invalid_value",
                 "entitlements.allowedFormats[1]");
    expect_error("{\"allowedFormats\": [\"pdf\", \"docx\", \"pdf\"]}", "invalid_value",
                 "entitlements.allowedFormats[2]");
    expect_error("{\"allowedFormats\": [\"*\"]}", "invalid_value",
                 "entitlements.allowedFormats[0]");
    expect_error("{\"allowedFormats\": [\"caf\\u00e9\"]}", "invalid_value",
                 "entitlements.allowedFormats[0]");
    expect_error("{\"allowedFormats\": [\"pd\\u0000f\"]}", "invalid_value",
                 "entitlements.allowedFormats[0]");
    expect_error("{\"allowedFormats\": [[\"pdf\"]]}", "invalid_value",
                 "entitlements.allowedFormats[0]");
    /* Case differs: distinct entries. */
    expect_ok("{\"allowedFormats\": [\"pdf\", \"PDF\"]}");

    /* Lengths: 100 ok, 101 not. */
    char text[400], item[128];
    memset(item, 'f', 100);
    item[100] = '\0';
    snprintf(text, sizeof text, "{\"allowedFormats\": [\"%s\"]}", item);
    expect_ok(text);
    item[100] = 'f';
    item[101] = '\0';
    snprintf(text, sizeof text, "{\"allowedFormats\": [\"%s\"]}", item);
    expect_error(text, "invalid_value", "entitlements.allowedFormats[0]");

    /* Count: 50 ok, 51 not. */
    json_t *obj = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < 50; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d", i);
        json_array_append_new(arr, json_string(name));
    }
    json_object_set_new(obj, "allowedFormats", arr);
    const char *code = NULL;
    char field[64];
    assert_true(entitlements_validate(obj, &code, field, sizeof field));
    json_array_append_new(arr, json_string("f50"));
    assert_false(entitlements_validate(obj, &code, field, sizeof field));
    assert_string_equal(code, "invalid_value");
    assert_string_equal(field, "entitlements.allowedFormats");
    json_decref(obj);
}

static void test_features(void **state)
{
    (void)state;
    expect_error("{\"features\": []}", "invalid_value", "entitlements.features");
    expect_error("{\"features\": true}", "invalid_value", "entitlements.features");
    expect_error("{\"features\": {\"ocr\": 1}}", "invalid_value", "entitlements.features.ocr");
    expect_error("{\"features\": {\"ocr\": \"true\"}}", "invalid_value",
                 "entitlements.features.ocr");
    expect_error("{\"features\": {\"ocr\": null}}", "invalid_value", "entitlements.features.ocr");
    expect_error("{\"features\": {\"a\": true, \"x\": {}}}", "invalid_value",
                 "entitlements.features.x");
    expect_error("{\"features\": {\"has-dash\": true}}", "invalid_value",
                 "entitlements.features.has-dash");
    expect_error("{\"features\": {\"has.dot\": true}}", "invalid_value",
                 "entitlements.features.has.dot");
    expect_error("{\"features\": {\"\": true}}", "invalid_value", "entitlements.features.");
    json_t *nul_obj = json_object();
    json_t *nul_features = json_object();
    assert_int_equal(json_object_setn_new(nul_features, "a\0b", 3, json_true()), 0);
    json_object_set_new(nul_obj, "features", nul_features);
    const char *nul_code = NULL;
    char nul_field[64];
    assert_false(entitlements_validate(nul_obj, &nul_code, nul_field, sizeof nul_field));
    assert_string_equal(nul_code, "invalid_value");
    assert_string_equal(nul_field, "entitlements.features.a");
    json_decref(nul_obj);

    char text[300], name[80], want[128];
    memset(name, 'n', 64);
    name[64] = '\0';
    snprintf(text, sizeof text, "{\"features\": {\"%s\": true}}", name);
    expect_ok(text);
    name[64] = 'n';
    name[65] = '\0';
    snprintf(text, sizeof text, "{\"features\": {\"%s\": true}}", name);
    snprintf(want, sizeof want, "entitlements.features.%s", name);
    expect_error(text, "invalid_value", want);

    json_t *obj = json_object();
    json_t *features = json_object();
    for (int i = 0; i < 100; i++) {
        char key[16];
        snprintf(key, sizeof key, "f%d", i);
        json_object_set_new(features, key, json_true());
    }
    json_object_set_new(obj, "features", features);
    assert_true(entitlements_validate(obj, NULL, NULL, 0));
    json_object_set_new(features, "f100", json_false());
    const char *code = NULL;
    char field[64];
    assert_false(entitlements_validate(obj, &code, field, sizeof field));
    assert_string_equal(field, "entitlements.features");
    json_decref(obj);
}

static void test_field_buffer_truncation(void **state)
{
    (void)state;
    json_t *v = parse("{\"maxApiRequestsPerMinute\": -1}");
    const char *code = NULL;
    char small[10];
    assert_false(entitlements_validate(v, &code, small, sizeof small));
    assert_string_equal(code, "invalid_value");
    assert_string_equal(small, "entitleme");
    assert_false(entitlements_validate(v, &code, NULL, 0));
    assert_false(entitlements_validate(v, NULL, small, sizeof small));
    json_decref(v);

    /* Truncation never leaves half a UTF-8 sequence behind. */
    v = parse("{\"ab\\u00e9\": 1}"); /* "entitlements.ab\xc3\xa9" */
    char field[17];                  /* room for "entitlements.ab" + 1 byte of é */
    assert_false(entitlements_validate(v, &code, field, sizeof field));
    assert_string_equal(code, "unknown_field");
    assert_string_equal(field, "entitlements.ab");
    char field2[18];
    assert_false(entitlements_validate(v, &code, field2, sizeof field2));
    assert_string_equal(field2, "entitlements.ab\xc3\xa9");
    json_decref(v);

    v = parse("{\"\\u65e5\\u672c\": 1}"); /* two 3-byte characters */
    char field3[19];                      /* "entitlements." + 3 + 2 of the second */
    assert_false(entitlements_validate(v, &code, field3, sizeof field3));
    assert_string_equal(field3, "entitlements.\xe6\x97\xa5");
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_objects),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_unknown_and_reserved_keys),
        cmocka_unit_test(test_integer_values),
        cmocka_unit_test(test_allowed_formats),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_field_buffer_truncation),
    };
    return cmocka_run_group_tests_name("domain_entitlements", tests, NULL, NULL);
}
