/*
 * tests/fuzz/fuzz_json_input.c — libFuzzer harness for JSON request bodies: the
 * edge helpers every admin write handler uses (src/http/json_input.c:
 * json_input_parse (json_input_object minus its Content-Type check), json_input_reject_unknown, the
 * typed getters) and the plan entitlements schema (src/domain/entitlements.c:
 * entitlements_validate), on fuzzed JSON text.
 *
 * The first input byte sets the field buffer size given to entitlements_validate
 * (1..96, so the truncation on a UTF-8 boundary is exercised); the rest is the
 * request body, handed over as the server does (a NUL-terminated copy that may
 * contain NULs, with its length).
 *
 * Invariants checked besides memory safety:
 *   - json_input_parse returns an object or fills 400 invalid_json, never both;
 *   - every problem is 400 with a known code and a NUL-terminated field/detail;
 *   - json_input_reject_unknown accepts exactly when every key is allowed;
 *   - typed getters agree with jansson's view of the value (string without NUL,
 *     integer within bounds, booleans), and the array getter never reports
 *     items beyond max_items;
 *   - entitlements_validate agrees with an independent reference of the SPEC §1
 *     schema on accept/reject, and its field is valid UTF-8, a prefix of the
 *     untruncated field, and starts with "entitlements".
 *
 * Seeds: tests/fuzz/corpus/fuzz_json_input/ (plan bodies, app bodies, edge cases).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "domain/entitlements.h"
#include "domain/utf8.h"
#include "http/json_input.h"
#include "http/request.h"
#include "util/problem.h"

static const char *const KNOWN_CODES[] = {"invalid_json", "unknown_field", "missing_field",
                                          "invalid_type", "invalid_value", NULL};

static void fuzz_check_problem(const struct problem *p)
{
    if (!problem_is_set(p))
        return;
    if (p->status != 400 || !p->code)
        abort();
    bool known = false;
    for (size_t i = 0; KNOWN_CODES[i]; i++)
        known = known || strcmp(KNOWN_CODES[i], p->code) == 0;
    if (!known)
        abort();
    if (memchr(p->field, 0, sizeof p->field) == NULL ||
        memchr(p->detail, 0, sizeof p->detail) == NULL)
        abort();
}

static bool fuzz_valid_utf8(const char *s)
{
    size_t len = strlen(s), pos = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(s, len, &pos, &cp))
            return false;
    }
    return true;
}

/* ---- independent reference of the entitlements schema (SPEC §1) ---------- */

static bool ref_charset(const char *s, size_t len, const char *extra)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (c != '\0' && strchr(extra, c) != NULL)))
            return false;
    }
    return true;
}

static bool ref_entitlements(const json_t *obj)
{
    static const char *const ints[] = {"maxApiRequestsPerMinute",  "maxDocumentUnitsPerDocument",
                                       "maxDocumentUnitsPerHour",  "maxDocumentUnitsPerDay",
                                       "maxDocumentUnitsPerWeek",  "maxDocumentUnitsPerMonth",
                                       "maxUploadBytesPerDocument"};
    if (!json_is_object(obj))
        return false;
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach((json_t *)obj, key, key_len, v)
    {
        if (strlen(key) != key_len)
            return false;
        bool is_int = false;
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            is_int = is_int || strcmp(key, ints[i]) == 0;
        if (is_int) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 9007199254740991LL)
                return false;
        } else if (strcmp(key, "allowedFormats") == 0) {
            if (!json_is_array(v) || json_array_size(v) > 50)
                return false;
            for (size_t i = 0; i < json_array_size(v); i++) {
                json_t *s = json_array_get(v, i);
                size_t n = json_string_length(s);
                if (!json_is_string(s) || n < 1 || n > 100 ||
                    !ref_charset(json_string_value(s), n, "._+/-"))
                    return false;
                for (size_t j = i + 1; j < json_array_size(v); j++) {
                    json_t *t = json_array_get(v, j);
                    if (json_string_length(t) == n &&
                        memcmp(json_string_value(t), json_string_value(s), n) == 0)
                        return false;
                }
            }
        } else if (strcmp(key, "features") == 0) {
            if (!json_is_object(v) || json_object_size(v) > 100)
                return false;
            const char *name;
            size_t name_len;
            json_t *flag;
            json_object_keylen_foreach(v, name, name_len, flag)
            {
                if (strlen(name) != name_len || name_len < 1 || name_len > 64 ||
                    !ref_charset(name, name_len, "_") || !json_is_boolean(flag))
                    return false;
            }
        } else {
            return false;
        }
    }
    return true;
}

static void fuzz_entitlements(const json_t *value, size_t field_size)
{
    const char *code = "unset";
    char small[96], full[1024];
    bool ok = entitlements_validate(value, &code, small, field_size);
    const char *code_full = NULL;
    bool ok_full = entitlements_validate(value, &code_full, full, sizeof full);
    if (ok != ok_full || ok != ref_entitlements(value))
        abort();
    if (ok) {
        if (code != NULL || small[0] != '\0')
            abort();
        return;
    }
    if (!code || (strcmp(code, "invalid_value") != 0 && strcmp(code, "unknown_field") != 0) ||
        strcmp(code, code_full) != 0)
        abort();
    if (memchr(small, 0, field_size) == NULL || !fuzz_valid_utf8(small) ||
        strncmp(full, small, strlen(small)) != 0 || strlen(small) >= field_size)
        abort();
    if (strncmp(full, "entitlements", 12) != 0)
        abort();
    /* NULL code/field are allowed */
    if (entitlements_validate(value, NULL, NULL, 0))
        abort();
}

static const char *const ALLOWED[] = {"name",      "region_code",  "redirect_uris", "active",
                                      "app_limit", "entitlements", "status",        NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > HTTP_BODY_LIMIT + 1)
        return 0;
    size_t field_size = 1 + data[0] % 96;
    data++;
    size--;
    char *body = malloc(size + 1);
    if (!body)
        abort();
    memcpy(body, data, size);
    body[size] = '\0';
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = HTTP_POST;
    req.path = "/api/v1/plans";
    req.body = body;
    req.body_len = size;

    struct problem p;
    problem_clear(&p);
    json_t *obj = json_input_parse(req.body, req.body_len, size == 0 && (field_size & 1), &p);
    fuzz_check_problem(&p);
    if ((obj == NULL) == !problem_is_set(&p))
        abort();
    if (!obj) {
        if (strcmp(p.code, "invalid_json") != 0)
            abort();
        /* whatever the body, the entitlements check of a non-object value is safe */
        json_error_t err;
        json_t *any = json_loadb(body, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (any) {
            fuzz_entitlements(any, field_size);
            json_decref(any);
        }
        free(body);
        return 0;
    }
    if (!json_is_object(obj))
        abort();

    /* unknown fields */
    problem_clear(&p);
    bool known = json_input_reject_unknown(obj, ALLOWED, &p);
    fuzz_check_problem(&p);
    bool ref_known = true;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        bool in = false;
        for (size_t i = 0; ALLOWED[i]; i++)
            in = in || strcmp(ALLOWED[i], k) == 0;
        ref_known = ref_known && in;
    }
    if (known != ref_known || known == problem_is_set(&p))
        abort();

    /* typed getters */
    const char *s = NULL;
    problem_clear(&p);
    json_t *name = json_object_get(obj, "name");
    bool got = json_input_get_string(obj, "name", true, false, &s, &p);
    fuzz_check_problem(&p);
    if (got !=
        (json_is_string(name) && strlen(json_string_value(name)) == json_string_length(name)))
        abort();
    if (got && s != json_string_value(name))
        abort();

    problem_clear(&p);
    bool present = false, flag = false;
    got = json_input_get_bool(obj, "active", false, &present, &flag, &p);
    fuzz_check_problem(&p);
    json_t *active = json_object_get(obj, "active");
    if (got != (!active || json_is_boolean(active)) || present != (active != NULL) ||
        (got && active && flag != json_is_true(active)))
        abort();

    problem_clear(&p);
    long long n = -7;
    got = json_input_get_int(obj, "app_limit", false, &present, 0, 10000, &n, &p);
    fuzz_check_problem(&p);
    json_t *limit = json_object_get(obj, "app_limit");
    bool ref_int = !limit || (json_is_integer(limit) && json_integer_value(limit) >= 0 &&
                              json_integer_value(limit) <= 10000);
    if (got != ref_int || (got && limit && n != json_integer_value(limit)))
        abort();

    const char *items[3] = {NULL, NULL, NULL};
    size_t count = 0;
    problem_clear(&p);
    got = json_input_get_string_array(obj, "redirect_uris", 2, items, &count, &present, &p);
    fuzz_check_problem(&p);
    if (items[2] != NULL) /* never written beyond max_items */
        abort();
    json_t *uris = json_object_get(obj, "redirect_uris");
    if (got && present && count != json_array_size(uris))
        abort();
    for (size_t i = 0; got && i < count && i < 2; i++)
        if (!items[i] || strlen(items[i]) != json_string_length(json_array_get(uris, i)))
            abort();

    /* entitlements: the body itself and its "entitlements" member */
    fuzz_entitlements(obj, field_size);
    json_t *ent = json_object_get(obj, "entitlements");
    fuzz_entitlements(ent, field_size);

    json_decref(obj);
    free(body);
    return 0;
}
