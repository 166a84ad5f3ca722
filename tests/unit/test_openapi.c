/*
 * test_openapi.c — the embedded OpenAPI document (src/api/openapi.json) describes
 * exactly the routes the server dispatches: every (method, pattern) of every route
 * table in routes.c has an operation, and every operation is a real route. The route
 * tables are read through routes_module(), the same list routes_dispatch() walks, so
 * a route added, removed or renamed without its documentation fails here (and the
 * message says which). Also: every operation has an operationId (unique), a success
 * response, and declares each path template parameter.
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

#include "api/openapi.h"
#include "routes.h"

#define MAX_OPERATIONS 512

static const char *method_key(enum http_method m)
{
    switch (m) {
    case HTTP_GET:
        return "get";
    case HTTP_HEAD:
        return "head";
    case HTTP_POST:
        return "post";
    case HTTP_PUT:
        return "put";
    case HTTP_PATCH:
        return "patch";
    case HTTP_DELETE:
        return "delete";
    case HTTP_OPTIONS:
        return "options";
    default:
        return "other";
    }
}

/* "/api/v1/tenants/{tid}/apps/{aid}" -> "/api/v1/tenants/{}/apps/{}" (the router's form). */
static void normalize_template(const char *path, char *out, size_t size)
{
    size_t o = 0;
    for (const char *p = path; *p && o + 1 < size; p++) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            assert_non_null(close);
            if (o + 2 >= size)
                break;
            out[o++] = '{';
            out[o++] = '}';
            p = close;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = 0;
}

static json_t *load_document(void)
{
    json_error_t error;
    json_t *doc = json_loadb((const char *)openapi_document, openapi_document_size,
                             JSON_REJECT_DUPLICATES, &error);
    if (!doc)
        fail_msg("src/api/openapi.json is not valid JSON: line %d: %s", error.line, error.text);
    return doc;
}

static int cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool contains(char **sorted, size_t n, const char *key)
{
    return bsearch(&key, sorted, n, sizeof *sorted, cmp_strings) != NULL;
}

static void test_document_is_openapi_3_1(void **state)
{
    json_t *doc = load_document();
    const char *version = json_string_value(json_object_get(doc, "openapi"));
    assert_non_null(version);
    assert_int_equal(strncmp(version, "3.1.", 4), 0);
    assert_true(json_is_object(json_object_get(doc, "paths")));
    assert_true(json_is_object(json_object_get(json_object_get(doc, "components"), "schemas")));
    json_decref(doc);
}

static void test_every_route_is_documented_and_nothing_else(void **state)
{
    json_t *doc = load_document();
    char *documented[MAX_OPERATIONS], *routed[MAX_OPERATIONS];
    size_t n_documented = 0, n_routed = 0;

    json_t *paths = json_object_get(doc, "paths");
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        char pattern[512];
        normalize_template(path, pattern, sizeof pattern);
        const char *method;
        json_t *operation;
        json_object_foreach(item, method, operation)
        {
            if (strcmp(method, "parameters") == 0 || strcmp(method, "summary") == 0 ||
                strcmp(method, "description") == 0)
                continue;
            assert_true(n_documented < MAX_OPERATIONS);
            char key[600];
            snprintf(key, sizeof key, "%s %s", method, pattern);
            documented[n_documented++] = strdup(key);
        }
    }
    size_t count = 0;
    const struct http_route *table;
    for (size_t m = 0; (table = routes_module(m, &count)) != NULL; m++) {
        for (size_t r = 0; r < count; r++) {
            assert_true(n_routed < MAX_OPERATIONS);
            char key[600];
            snprintf(key, sizeof key, "%s %s", method_key(table[r].method), table[r].pattern);
            routed[n_routed++] = strdup(key);
        }
    }
    qsort(documented, n_documented, sizeof *documented, cmp_strings);
    qsort(routed, n_routed, sizeof *routed, cmp_strings);
    int missing = 0, extra = 0;
    for (size_t i = 0; i < n_routed; i++)
        if (!contains(documented, n_documented, routed[i])) {
            fprintf(stderr, "route not in src/api/openapi.json: %s\n", routed[i]);
            missing++;
        }
    for (size_t i = 0; i < n_documented; i++)
        if (!contains(routed, n_routed, documented[i])) {
            fprintf(stderr, "documented but not routed: %s\n", documented[i]);
            extra++;
        }
    for (size_t i = 1; i < n_routed; i++)
        if (strcmp(routed[i - 1], routed[i]) == 0)
            fail_msg("two routes for %s", routed[i]);
    assert_int_equal(missing, 0);
    assert_int_equal(extra, 0);
    assert_int_equal(n_documented, n_routed);
    assert_true(n_routed >= 60);
    for (size_t i = 0; i < n_documented; i++)
        free(documented[i]);
    for (size_t i = 0; i < n_routed; i++)
        free(routed[i]);
    json_decref(doc);
}

/* Every {name} of the path is a declared path parameter (inline or by $ref). */
static bool declares_parameter(json_t *doc, json_t *operation, const char *name)
{
    size_t i;
    json_t *param;
    json_array_foreach(json_object_get(operation, "parameters"), i, param)
    {
        const char *ref = json_string_value(json_object_get(param, "$ref"));
        if (ref) {
            const char *prefix = "#/components/parameters/";
            assert_int_equal(strncmp(ref, prefix, strlen(prefix)), 0);
            param =
                json_object_get(json_object_get(json_object_get(doc, "components"), "parameters"),
                                ref + strlen(prefix));
            assert_non_null(param);
        }
        const char *in = json_string_value(json_object_get(param, "in"));
        const char *pname = json_string_value(json_object_get(param, "name"));
        if (in && pname && strcmp(in, "path") == 0 && strcmp(pname, name) == 0)
            return json_is_true(json_object_get(param, "required"));
    }
    return false;
}

static void test_operations_are_complete(void **state)
{
    json_t *doc = load_document();
    json_t *ids = json_object();
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        const char *method;
        json_t *operation;
        json_object_foreach(item, method, operation)
        {
            const char *id = json_string_value(json_object_get(operation, "operationId"));
            if (!id)
                fail_msg("%s %s has no operationId", method, path);
            if (json_object_get(ids, id))
                fail_msg("operationId %s is used twice", id);
            json_object_set_new(ids, id, json_true());
            json_t *responses = json_object_get(operation, "responses");
            bool success = false;
            const char *status;
            json_t *response;
            json_object_foreach(responses, status, response)
            {
                success = success || status[0] == '2';
            }
            if (!success)
                fail_msg("%s %s documents no success response", method, path);
            for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
                char name[64];
                const char *close = strchr(p, '}');
                assert_non_null(close);
                snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
                if (!declares_parameter(doc, operation, name))
                    fail_msg("%s %s does not declare path parameter %s", method, path, name);
            }
        }
    }
    json_decref(ids);
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_document_is_openapi_3_1),
        cmocka_unit_test(test_every_route_is_documented_and_nothing_else),
        cmocka_unit_test(test_operations_are_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
