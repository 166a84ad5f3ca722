/*
 * test_http.c — the HTTP edge parsers: form bodies, routing, throttling windows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/form.h"
#include "http/router.h"
#include "util/throttle.h"

static void test_form_decodes_plus_and_percent(void **state)
{
    struct form f;
    const char *body = "grant_type=client_credentials&client_id=a%2Bb&scope=api+read";
    assert_int_equal(form_parse(&f, body, strlen(body)), 0);
    assert_string_equal(form_get(&f, "grant_type"), "client_credentials");
    assert_string_equal(form_get(&f, "client_id"), "a+b");
    assert_string_equal(form_get(&f, "scope"), "api read");
    assert_null(form_get(&f, "missing"));
    assert_false(f.duplicate);
    form_free(&f);
}

static void test_form_flags_duplicates_and_empty_values(void **state)
{
    struct form f;
    const char *body = "a=1&a=2&b=&&c";
    assert_int_equal(form_parse(&f, body, strlen(body)), 0);
    assert_true(f.duplicate);
    assert_string_equal(form_get(&f, "a"), "1");
    assert_string_equal(form_get(&f, "b"), "");
    assert_string_equal(form_get(&f, "c"), "");
    form_free(&f);
}

static void test_form_rejects_bad_escapes_and_nul(void **state)
{
    struct form f;
    const char *bad[] = {"a=%", "a=%4", "a=%zz", "a=%00", "%4=b", "a=%G1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(form_parse(&f, bad[i], strlen(bad[i])), -1);
        form_free(&f);
    }
    const char with_nul[] = {'a', '=', 'x', 0, 'y'};
    assert_int_equal(form_parse(&f, with_nul, sizeof with_nul), -1);
    form_free(&f);
}

static void test_form_caps_field_count(void **state)
{
    char body[1024] = "";
    for (int i = 0; i < FORM_MAX_FIELDS + 3; i++) {
        char part[16];
        snprintf(part, sizeof part, "%sf%d=1", i ? "&" : "", i);
        strcat(body, part);
    }
    struct form f;
    assert_int_equal(form_parse(&f, body, strlen(body)), 0);
    assert_true(f.too_many);
    assert_int_equal(f.count, FORM_MAX_FIELDS);
    form_free(&f);
}

static void test_form_decode_component(void **state)
{
    char *s = form_decode_component("id%3Awith%25+space", 18);
    assert_string_equal(s, "id:with% space");
    free(s);
    assert_null(form_decode_component("%2", 2));
}

static void handler_a(struct http_request *req, struct http_reply *reply)
{
}
static void handler_b(struct http_request *req, struct http_reply *reply)
{
}

static const struct http_route routes[] = {
    {HTTP_GET, "/api/v1/tenants/{}/apps/{}", handler_a},
    {HTTP_POST, "/api/v1/tenants/{}/apps", handler_b},
    {HTTP_GET, "/healthz", handler_b},
};

static void test_router_matches_params(void **state)
{
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = HTTP_GET;
    req.path = "/api/v1/tenants/t1/apps/a2";
    bool known;
    assert_ptr_equal(router_match(routes, 3, &req, &known), handler_a);
    assert_int_equal(req.param_count, 2);
    assert_string_equal(req.params[0], "t1");
    assert_string_equal(req.params[1], "a2");
    assert_string_equal(req.route, "/api/v1/tenants/{}/apps/{}");
}

static void test_router_method_mismatch_and_misses(void **state)
{
    struct http_request req;
    bool known;
    memset(&req, 0, sizeof req);
    req.method = HTTP_DELETE;
    req.path = "/api/v1/tenants/t1/apps";
    assert_null(router_match(routes, 3, &req, &known));
    assert_true(known);
    const char *misses[] = {"/api/v1/tenants//apps",
                            "/api/v1/tenants/t1/apps/",
                            "/healthz/",
                            "/healthzz",
                            "/api/v1/tenants/t1/apps/a/b",
                            ""};
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        memset(&req, 0, sizeof req);
        req.method = HTTP_GET;
        req.path = misses[i];
        assert_null(router_match(routes, 3, &req, &known));
        assert_false(known);
    }
    /* HEAD is served by GET routes. */
    memset(&req, 0, sizeof req);
    req.method = HTTP_HEAD;
    req.path = "/healthz";
    assert_ptr_equal(router_match(routes, 3, &req, &known), handler_b);
}

static void test_router_rejects_oversized_param(void **state)
{
    char path[600] = "/api/v1/tenants/";
    memset(path + strlen(path), 'x', 300);
    strcat(path, "/apps");
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = HTTP_POST;
    req.path = path;
    bool known;
    assert_null(router_match(routes, 3, &req, &known));
}

static void test_throttle_blocks_after_limit_per_key(void **state)
{
    struct throttle *t = throttle_new(3, 60, 100);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(throttle_check(t, "client|1.2.3.4"), 0);
        throttle_record_failure(t, "client|1.2.3.4");
    }
    int wait = throttle_check(t, "client|1.2.3.4");
    assert_true(wait >= 1 && wait <= 60);
    /* Another address for the same client is unaffected. */
    assert_int_equal(throttle_check(t, "client|5.6.7.8"), 0);
    throttle_reset(t, "client|1.2.3.4");
    assert_int_equal(throttle_check(t, "client|1.2.3.4"), 0);
    throttle_free(t);
}

/* At most max_entries keys (rounded up per shard: 16 shards of 32/16 + 1 = 3) are
 * tracked; beyond that the oldest windows are evicted, never the newest. */
static void test_throttle_bounded_memory(void **state)
{
    enum { KEYS = 10000, MAX_TRACKED = 16 * (32 / 16 + 1) };
    struct throttle *t = throttle_new(1, 60, 32);
    char key[32];
    for (int i = 0; i < KEYS; i++) {
        if (i == KEYS - 1000) { /* the last 1000 open strictly newer windows */
            struct timespec pause = {0, 3 * 1000000L};
            nanosleep(&pause, NULL);
        }
        snprintf(key, sizeof key, "k%d", i);
        throttle_record_failure(t, key);
    }
    /* Still answers; the newest key is tracked. */
    assert_true(throttle_check(t, "k9999") > 0);
    /* Eviction happened: the first key is forgotten, and no more keys are remembered
     * (blocked: max_failures is 1) than the table holds. */
    assert_int_equal(throttle_check(t, "k0"), 0);
    int tracked = 0;
    for (int i = 0; i < KEYS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        tracked += throttle_check(t, key) > 0;
    }
    assert_int_equal(tracked, MAX_TRACKED); /* full, never more */
    /* The keys still tracked are recent ones: each shard evicts its oldest window, so
     * none of the first 9000 keys survived (each shard saw dozens of newer keys). */
    int recent = 0;
    for (int i = KEYS - 1000; i < KEYS; i++) {
        snprintf(key, sizeof key, "k%d", i);
        recent += throttle_check(t, key) > 0;
    }
    assert_int_equal(recent, tracked);
    throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_decodes_plus_and_percent),
        cmocka_unit_test(test_form_flags_duplicates_and_empty_values),
        cmocka_unit_test(test_form_rejects_bad_escapes_and_nul),
        cmocka_unit_test(test_form_caps_field_count),
        cmocka_unit_test(test_form_decode_component),
        cmocka_unit_test(test_router_matches_params),
        cmocka_unit_test(test_router_method_mismatch_and_misses),
        cmocka_unit_test(test_router_rejects_oversized_param),
        cmocka_unit_test(test_throttle_blocks_after_limit_per_key),
        cmocka_unit_test(test_throttle_bounded_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
