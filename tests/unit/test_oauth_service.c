/*
 * test_oauth_service.c — the token service in-process on a real SQLite store:
 * the grant (oauth_token_grant) against the app cache and the signing keys,
 * verification of what it issued (access_token_verify / _check_active), the
 * cache's invalidation, max age and bounds, and concurrent readers racing
 * invalidations (run it under ASan/UBSan, and TSan when touching the cache).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oauth/app_cache.h"
#include "oauth/change_feed.h"
#include "oauth/client_auth.h"
#include "store/change_log.h"
#include "config.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "http/reply.h"
#include "oauth/access_token.h"
#include "oauth/jws.h"
#include "oauth/signing_keys.h"
#include "oauth/token.h"
#include "service.h"
#include "store/db.h"
#include "util/timeutil.h"

#define TEST_CACHE_MAX 256

static struct service svc;
static char tmpdir[64];

static void sql(const char *text)
{
    struct db_conn *c = db_acquire(svc.db);
    int rc = db_exec(c, text);
    if (rc != DB_OK)
        fail_msg("SQL failed (%s): %s", db_error_message(c), text);
    db_release(svc.db, c);
}

static void add_app(const char *id, const char *client_id, const char *secret,
                    const char *plan_code)
{
    char hash[65], stmt[1024];
    crypto_sha256_hex(secret, strlen(secret), hash);
    snprintf(stmt, sizeof stmt,
             "INSERT INTO apps (id, tenant_id, name, name_folded, client_id, secret_hash,"
             " license_region_code, db_code, enabled, plan_code, allowed_domains, created_at,"
             " updated_at, secret_rotated_at) VALUES ('%s', 't1', '%s', '%s', '%s', '%s', 'eu',"
             " 'eu-db1', 1, %s%s%s, '[\"app.example.com\"]', 0, 0, 0)",
             id, id, id, client_id, hash, plan_code ? "'" : "", plan_code ? plan_code : "NULL",
             plan_code ? "'" : "");
    sql(stmt);
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tenantd-unit-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char db[128], data[128];
    snprintf(db, sizeof db, "sqlite:%s/t.db", tmpdir);
    snprintf(data, sizeof data, "%s/data", tmpdir);
    setenv("TENANTD_DATABASE", db, 1);
    setenv("TENANTD_DATA_DIR", data, 1);
    setenv("TENANTD_ISSUER", "https://issuer.example", 1);
    unsetenv("TENANTD_SIGNING_ALG");
    struct config cfg;
    char err[256];
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0)
        return -1;
    /* A small cache: 4 entries and 4 unknown-id slots per shard, so eviction and
     * the negative bound are reached with a few hundred clients. */
    cfg.app_cache_max = TEST_CACHE_MAX;
    if (service_open(&svc, &cfg, true, err, sizeof err) != 0) {
        fprintf(stderr, "setup: %s\n", err);
        return -1;
    }
    sql("INSERT INTO tenants (id, name, status, app_limit, created_at, updated_at)"
        " VALUES ('t1', 'T', 'active', 100, 0, 0), ('t2', 'T2', 'active', 100, 0, 0)");
    sql("INSERT INTO regions (code, name, active, created_at, updated_at)"
        " VALUES ('eu', 'EU', 1, 0, 0)");
    sql("INSERT INTO region_databases (db_code, region_code, active, created_at, updated_at)"
        " VALUES ('eu-db1', 'eu', 1, 0, 0)");
    sql("INSERT INTO plans (code, name, tier, status, entitlements, created_at, updated_at)"
        " VALUES ('pro', 'Pro', 'paid', 'active', '{\"maxApiRequestsPerMinute\":5}', 0, 0)");
    add_app("a1", "tdc_a1", "secret-a1", NULL);
    add_app("a2", "tdc_a2", "secret-a2", "pro");
    return 0;
}

static int teardown(void **state)
{
    service_close(&svc);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Runs a grant; returns the status and (for 200) the access token (malloc'd). */
static int grant(const char *client_id, const char *secret, const char *scope, char **token,
                 json_t **body)
{
    struct http_reply reply;
    reply_init(&reply);
    oauth_token_grant(&svc, client_id, secret, scope, NULL, "192.0.2.1", true, &reply);
    json_error_t err;
    json_t *doc = json_loadb(reply.body, reply.body_len, 0, &err);
    assert_non_null(doc);
    int status = reply.status;
    if (token) {
        const char *t = json_string_value(json_object_get(doc, "access_token"));
        *token = t ? strdup(t) : NULL;
    }
    if (body)
        *body = doc;
    else
        json_decref(doc);
    reply_release(&reply);
    return status;
}

static const char *error_of(json_t *body)
{
    return json_string_value(json_object_get(body, "error"));
}

static void test_grant_and_verify(void **state)
{
    char *token = NULL;
    json_t *body = NULL;
    assert_int_equal(grant("tdc_a2", "secret-a2", "api", &token, &body), 200);
    assert_string_equal(json_string_value(json_object_get(body, "token_type")), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(body, "expires_in")), 900);
    assert_string_equal(json_string_value(json_object_get(body, "scope")), "api");
    json_decref(body);

    struct access_token t;
    assert_true(access_token_verify(&svc, token, strlen(token), true, &t));
    assert_string_equal(t.client_id, "tdc_a2");
    assert_string_equal(t.tenant_id, "t1");
    assert_string_equal(t.app_id, "a2");
    assert_string_equal(t.scope, "api");
    assert_int_equal(t.exp - t.iat, 900);
    json_t *ent = json_object_get(t.claims, "entitlements");
    assert_int_equal(json_integer_value(json_object_get(ent, "maxApiRequestsPerMinute")), 5);
    assert_string_equal(json_string_value(json_object_get(ent, "plan")), "pro");
    assert_string_equal(json_string_value(json_object_get(t.claims, "iss")),
                        "https://issuer.example");
    access_token_free(&t);
    assert_int_equal(access_token_check_active(&svc, token, strlen(token), &t), 1);
    assert_false(t.platform);
    access_token_free(&t);

    /* Any changed byte breaks it. */
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i += 37) {
        char saved = token[i];
        if (saved == '.')
            continue;
        token[i] = saved == 'A' ? 'B' : 'A';
        assert_false(access_token_verify(&svc, token, n, true, &t));
        token[i] = saved;
    }
    assert_false(access_token_verify(&svc, token, n - 1, true, &t));
    assert_false(access_token_verify(&svc, "", 0, true, &t));
    free(token);
}

static void test_authentication_failures_look_alike(void **state)
{
    json_t *wrong = NULL, *unknown = NULL;
    assert_int_equal(grant("tdc_a1", "secret-a2", NULL, NULL, &wrong), 401);
    assert_int_equal(grant("tdc_nobody", "secret-a1", NULL, NULL, &unknown), 401);
    assert_true(json_equal(wrong, unknown));
    assert_string_equal(error_of(wrong), "invalid_client");
    json_decref(wrong);
    json_decref(unknown);
    /* absurdly long ids are unknown without a query */
    char long_id[300];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    assert_int_equal(grant(long_id, "s", NULL, NULL, NULL), 401);
}

/* A grant from addr: status, the error body (caller frees) and Retry-After
 * (0 when absent). */
static int grant_from(const char *addr, const char *client_id, const char *secret, json_t **body,
                      int *retry_after)
{
    struct http_reply reply;
    reply_init(&reply);
    oauth_token_grant(&svc, client_id, secret, NULL, NULL, addr, true, &reply);
    *retry_after = 0;
    for (size_t i = 0; i < reply.header_count; i++)
        if (strcmp(reply.headers[i].name, "Retry-After") == 0)
            *retry_after = atoi(reply.headers[i].value);
    json_error_t err;
    *body = json_loadb(reply.body, reply.body_len, 0, &err);
    assert_non_null(*body);
    int status = reply.status;
    reply_release(&reply);
    return status;
}

/* SPEC §3.6 (issue 9 item 6): the secret is verified before the throttle is
 * consulted — after the failure limit, wrong secrets get 429 + Retry-After and the
 * correct one still gets a token; an unknown id is throttled with the same body. */
static void test_correct_secret_is_never_throttled(void **state)
{
    const char *addr = "198.51.100.7";
    json_t *body = NULL, *known = NULL, *unknown = NULL;
    int retry = 0;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(grant_from(addr, "tdc_a2", "secret-old", &body, &retry), 401);
        assert_int_equal(retry, 0);
        json_decref(body);
    }
    assert_int_equal(grant_from(addr, "tdc_a2", "secret-old", &known, &retry), 429);
    assert_true(retry >= 1 && retry <= 60);
    assert_string_equal(error_of(known), "too_many_requests");
    for (int i = 0; i < 3; i++) {
        assert_int_equal(grant_from(addr, "tdc_a2", "secret-a2", &body, &retry), 200);
        assert_non_null(json_object_get(body, "access_token"));
        json_decref(body);
        assert_int_equal(grant_from(addr, "tdc_a2", "secret-old", &body, &retry), 429);
        assert_true(retry >= 1);
        json_decref(body);
    }
    /* unknown id, same address: same counting, same 429 body */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(grant_from(addr, "tdc_nobody_throttle", "secret-a2", &body, &retry), 401);
        json_decref(body);
    }
    assert_int_equal(grant_from(addr, "tdc_nobody_throttle", "secret-a2", &unknown, &retry), 429);
    assert_true(json_equal(known, unknown));
    json_decref(known);
    json_decref(unknown);
    /* another address is unaffected */
    assert_int_equal(grant_from("198.51.100.8", "tdc_a2", "secret-old", &body, &retry), 401);
    json_decref(body);
}

/* SPEC §3.7 grace rotation: the previous secret works only while its expiry is
 * ahead of the clock at use — even from a warm cache entry compiled before the
 * expiry passed, with no change written — and one already past when the entry is
 * compiled is not kept at all. A correct previous secret is never throttled. */
static void test_previous_secret_grace(void **state)
{
    char prev[65], stmt[512];
    crypto_sha256_hex("secret-g1-old", strlen("secret-g1-old"), prev);
    add_app("g1", "tdc_g1", "secret-g1", NULL);
    long long expires = (long long)time_now() + 2;
    snprintf(stmt, sizeof stmt,
             "UPDATE apps SET previous_secret_hash = '%s', previous_secret_expires_at = %lld"
             " WHERE id = 'g1'",
             prev, expires);
    sql(stmt);
    app_cache_invalidate_client(svc.app_cache, "tdc_g1");
    struct app_facts facts;
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_g1", &facts, NULL, 0), 1);
    assert_true(facts.has_previous);
    assert_int_equal(facts.previous_expires_at, expires);
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a1", &facts, NULL, 0), 1);
    assert_false(facts.has_previous); /* ordinary apps carry nothing */

    json_t *body = NULL;
    int retry = 0;
    assert_int_equal(grant("tdc_g1", "secret-g1", NULL, NULL, NULL), 200);
    assert_int_equal(grant("tdc_g1", "secret-g1-old", NULL, NULL, NULL), 200);
    assert_int_equal(grant("tdc_g1", "secret-g1-wrong", NULL, NULL, NULL), 401);
    /* over the failure limit, the previous secret is still not refused */
    for (int i = 0; i < 21; i++) {
        grant_from("198.51.100.9", "tdc_g1", "secret-g1-wrong", &body, &retry);
        json_decref(body);
    }
    assert_int_equal(grant_from("198.51.100.9", "tdc_g1", "secret-g1-old", &body, &retry), 200);
    json_decref(body);

    /* let the expiry pass; the cached entry is not touched */
    while (time_now() < expires)
        usleep(50 * 1000);
    assert_int_equal(grant("tdc_g1", "secret-g1-old", NULL, NULL, NULL), 401);
    assert_int_equal(grant("tdc_g1", "secret-g1", NULL, NULL, NULL), 200);
    /* compiled after the expiry: not kept */
    app_cache_invalidate_client(svc.app_cache, "tdc_g1");
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_g1", &facts, NULL, 0), 1);
    assert_false(facts.has_previous);
    assert_int_equal(grant("tdc_g1", "secret-g1-old", NULL, NULL, NULL), 401);
}

static void test_invalidation_reaches_next_request(void **state)
{
    char *token = NULL;
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, &token, NULL), 200);
    free(token);
    json_t *body = NULL;

    sql("UPDATE apps SET enabled = 0 WHERE id = 'a1'");
    app_cache_invalidate_client(svc.app_cache, "tdc_a1");
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, NULL, &body), 400);
    assert_string_equal(json_string_value(json_object_get(body, "error_description")),
                        "app is disabled");
    json_decref(body);
    sql("UPDATE apps SET enabled = 1 WHERE id = 'a1'");
    app_cache_invalidate_client(svc.app_cache, "tdc_a1");

    sql("UPDATE tenants SET status = 'suspended' WHERE id = 't1'");
    app_cache_invalidate_tenant(svc.app_cache, "t1");
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, NULL, &body), 400);
    assert_string_equal(json_string_value(json_object_get(body, "error_description")),
                        "tenant is not active");
    json_decref(body);
    sql("UPDATE tenants SET status = 'active' WHERE id = 't1'");
    app_cache_invalidate_tenant(svc.app_cache, "t1");

    sql("UPDATE plans SET status = 'retired' WHERE code = 'pro'");
    app_cache_invalidate_plan(svc.app_cache, "pro");
    assert_int_equal(grant("tdc_a2", "secret-a2", NULL, NULL, &body), 400);
    assert_string_equal(json_string_value(json_object_get(body, "error_description")),
                        "assigned plan is retired");
    json_decref(body);
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, NULL, NULL), 200);
    sql("UPDATE plans SET status = 'active' WHERE code = 'pro'");
    app_cache_invalidate_all(svc.app_cache);
    assert_int_equal(grant("tdc_a2", "secret-a2", NULL, NULL, NULL), 200);

    /* scope is checked after the app facts */
    assert_int_equal(grant("tdc_a1", "secret-a1", "nope", NULL, &body), 400);
    assert_string_equal(error_of(body), "invalid_scope");
    json_decref(body);
}

/* Polls a grant until it answers `status` (the change feed applies changes made
 * outside this process's commit hook within a poll interval); fails after 3 s. */
static void expect_grant_within(const char *client_id, const char *secret, int status)
{
    for (int i = 0; i < 300; i++) {
        if (grant(client_id, secret, NULL, NULL, NULL) == status)
            return;
        usleep(10000);
    }
    fail_msg("%s did not answer %d within 3 s", client_id, status);
}

static void test_feed_applies_changes_without_invalidation(void **state)
{
    /* sql() runs outside a write transaction, so no commit hook fires: only the
     * follower thread, reading the change log, can tell the cache. */
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, NULL, NULL), 200);
    sql("UPDATE apps SET enabled = 0 WHERE id = 'a1'");
    expect_grant_within("tdc_a1", "secret-a1", 400);
    sql("UPDATE apps SET enabled = 1 WHERE id = 'a1'");
    expect_grant_within("tdc_a1", "secret-a1", 200);
    sql("UPDATE tenants SET status = 'suspended' WHERE id = 't1'");
    expect_grant_within("tdc_a2", "secret-a2", 400);
    sql("UPDATE tenants SET status = 'active' WHERE id = 't1'");
    expect_grant_within("tdc_a2", "secret-a2", 200);
    sql("UPDATE plans SET status = 'retired' WHERE code = 'pro'");
    expect_grant_within("tdc_a2", "secret-a2", 400);
    sql("UPDATE plans SET status = 'active' WHERE code = 'pro'");
    expect_grant_within("tdc_a2", "secret-a2", 200);
    /* a regenerated secret: the old one stops, the new one works */
    char hash[65], stmt[256];
    crypto_sha256_hex("secret-a1-new", 13, hash);
    snprintf(stmt, sizeof stmt, "UPDATE apps SET secret_hash = '%s' WHERE id = 'a1'", hash);
    sql(stmt);
    expect_grant_within("tdc_a1", "secret-a1", 401);
    assert_int_equal(grant("tdc_a1", "secret-a1-new", NULL, NULL, NULL), 200);
    crypto_sha256_hex("secret-a1", 9, hash);
    snprintf(stmt, sizeof stmt, "UPDATE apps SET secret_hash = '%s' WHERE id = 'a1'", hash);
    sql(stmt);
    expect_grant_within("tdc_a1", "secret-a1", 200);
    /* an app created after its id was looked up (and remembered as unknown) */
    assert_int_equal(grant("tdc_late", "secret-late", NULL, NULL, NULL), 401);
    add_app("late", "tdc_late", "secret-late", NULL);
    expect_grant_within("tdc_late", "secret-late", 200);
    /* no timer: an unchanged entry is served from memory however old it is */
    struct app_cache_stats before, after;
    app_cache_stats(svc.app_cache, &before);
    usleep(1200 * 1000);
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, NULL, NULL), 200);
    app_cache_stats(svc.app_cache, &after);
    assert_int_equal(after.fills, before.fills);
    assert_true(after.hits > before.hits);
}

static void test_unknown_ids_are_bounded(void **state)
{
    struct app_facts facts;
    char id[64];
    for (int i = 0; i < TEST_CACHE_MAX * 3; i++) {
        snprintf(id, sizeof id, "tdc_unknown_%d", i);
        assert_int_equal(app_cache_lookup(svc.app_cache, id, &facts, NULL, 0), 0);
    }
    struct app_cache_stats stats;
    app_cache_stats(svc.app_cache, &stats);
    assert_true(stats.negatives > 0 && stats.negatives <= TEST_CACHE_MAX);
    assert_true(stats.entries <= TEST_CACHE_MAX);
    /* a remembered unknown id costs no query */
    snprintf(id, sizeof id, "tdc_unknown_%d", TEST_CACHE_MAX * 3 - 1);
    uint64_t fills = stats.fills;
    assert_int_equal(app_cache_lookup(svc.app_cache, id, &facts, NULL, 0), 0);
    app_cache_stats(svc.app_cache, &stats);
    assert_int_equal(stats.fills, fills);
    /* known apps are still served */
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a1", &facts, NULL, 0), 1);
    assert_int_equal(facts.kind, APP_KIND_TENANT_APP);
    assert_string_equal(facts.tenant_id, "t1");
    /* a deleted app disappears */
    add_app("a3", "tdc_a3", "secret-a3", NULL);
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a3", &facts, NULL, 0), 1);
    sql("UPDATE apps SET deleted_at = 1 WHERE id = 'a3'");
    app_cache_invalidate_client(svc.app_cache, "tdc_a3");
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a3", &facts, NULL, 0), 0);
    /* claims need room */
    char small[8];
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a1", &facts, small, sizeof small), -1);
}

/* More clients than the cache holds: every one is still served (evicted ones are
 * loaded again), the size stays bounded, and a client used all along keeps its
 * entry (CLOCK gives it a second chance). */
static void test_eviction_keeps_the_cache_bounded(void **state)
{
    struct app_facts facts;
    char id[32], client[32], secret[32];
    for (int i = 0; i < TEST_CACHE_MAX * 2; i++) {
        snprintf(id, sizeof id, "ev%d", i);
        snprintf(client, sizeof client, "tdc_ev%d", i);
        snprintf(secret, sizeof secret, "secret-ev%d", i);
        add_app(id, client, secret, i % 2 ? "pro" : NULL);
    }
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a2", &facts, NULL, 0), 1);
    struct app_cache_stats before, after;
    app_cache_stats(svc.app_cache, &before);
    uint64_t hot_fills = 0;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < TEST_CACHE_MAX * 2; i++) {
            snprintf(client, sizeof client, "tdc_ev%d", i);
            snprintf(secret, sizeof secret, "secret-ev%d", i);
            assert_int_equal(grant(client, secret, NULL, NULL, NULL), 200);
            struct app_cache_stats mid;
            app_cache_stats(svc.app_cache, &mid);
            assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a2", &facts, NULL, 0), 1);
            struct app_cache_stats mid2;
            app_cache_stats(svc.app_cache, &mid2);
            hot_fills += mid2.fills - mid.fills;
        }
    app_cache_stats(svc.app_cache, &after);
    assert_true(after.entries <= TEST_CACHE_MAX);
    assert_true(after.evictions > before.evictions);
    /* the hot client was (almost) never reloaded: at most a handful of unlucky
     * evictions in its shard of 4 entries */
    assert_true(hot_fills < 16);
    /* a plan's entitlements are shared, and stay right after evictions */
    char *token = NULL;
    assert_int_equal(grant("tdc_ev1", "secret-ev1", NULL, &token, NULL), 200);
    free(token);
}

/* SPEC §3.2a: a cache that has not heard from the feed for longer than the stale
 * bound fails closed; with the database unreachable, cached clients are served
 * and uncached ones refused at once; a good feed read restores both. */
static void test_stale_bound_and_unreachable_database(void **state)
{
    struct app_cache_config config = {
        .issuer = "https://issuer.example",
        .audience = "tenantd-api",
        .max_entries = 1024,
        .stale_max_ms = 1500, /* generous: sanitizer builds on a busy box are slow */
    };
    struct app_cache *cache = app_cache_new(svc.db, &config);
    assert_non_null(cache);
    struct app_facts facts;
    assert_int_equal(app_cache_lookup(cache, "tdc_a1", &facts, NULL, 0), 1);
    app_cache_feed_ok(cache); /* the stale clock starts now, after the (slow) fill */
    app_cache_feed_failed(cache);
    assert_int_equal(app_cache_lookup(cache, "tdc_a1", &facts, NULL, 0), 1);
    struct app_cache_stats stats;
    app_cache_stats(cache, &stats);
    uint64_t fills = stats.fills;
    assert_int_equal(app_cache_lookup(cache, "tdc_a2", &facts, NULL, 0), -1);
    app_cache_stats(cache, &stats);
    assert_int_equal(stats.fills, fills); /* refused without trying the database */
    assert_int_equal(stats.refused_unreachable, 1);
    assert_false(stats.database_reachable);
    usleep(1700 * 1000);
    assert_int_equal(app_cache_lookup(cache, "tdc_a1", &facts, NULL, 0), -1);
    app_cache_stats(cache, &stats);
    assert_true(stats.stale);
    assert_true(stats.refused_stale >= 1);
    app_cache_feed_ok(cache);
    assert_int_equal(app_cache_lookup(cache, "tdc_a1", &facts, NULL, 0), 1);
    assert_int_equal(app_cache_lookup(cache, "tdc_a2", &facts, NULL, 0), 1);
    app_cache_free(cache);
}

/* The change log: triggers write one row per change in commit order; a read
 * returns them after a given seq; pruning advances pruned_through, and a reader
 * behind it drops everything. */
static void test_change_log_order_prune_and_fall_behind(void **state)
{
    struct db_conn *c = db_acquire(svc.db);
    int64_t head = 0, pruned = 0;
    assert_int_equal(store_change_log_head(c, &head, &pruned), DB_DONE);
    db_release(svc.db, c);
    sql("UPDATE apps SET name = 'renamed' WHERE id = 'a1'");
    sql("UPDATE tenants SET name = 'T renamed' WHERE id = 't2'");
    sql("UPDATE plans SET name = 'Pro 2' WHERE code = 'pro'");
    sql("UPDATE apps SET client_id = 'tdc_a2_moved' WHERE id = 'a2'");
    sql("UPDATE apps SET client_id = 'tdc_a2' WHERE id = 'a2'");
    sql("DELETE FROM apps WHERE id = 'ev0'");
    usleep(300 * 1000); /* let the follower apply these before the cache checks below */
    c = db_acquire(svc.db);
    struct change_batch batch;
    assert_int_equal(store_change_log_read(c, head, 100, &batch), DB_DONE);
    const struct {
        enum change_kind kind;
        const char *key;
    } want[] = {
        {CHANGE_CLIENT, "tdc_a1"}, {CHANGE_TENANT, "t2"},           {CHANGE_PLAN, "pro"},
        {CHANGE_CLIENT, "tdc_a2"}, {CHANGE_CLIENT, "tdc_a2_moved"}, {CHANGE_CLIENT, "tdc_a2_moved"},
        {CHANGE_CLIENT, "tdc_a2"}, {CHANGE_CLIENT, "tdc_ev0"}};
    assert_int_equal(batch.count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < batch.count; i++) {
        assert_int_equal(batch.rows[i].kind, want[i].kind);
        assert_string_equal(batch.rows[i].key, want[i].key);
        if (i > 0)
            assert_true(batch.rows[i].seq > batch.rows[i - 1].seq);
    }
    int64_t last = batch.rows[batch.count - 1].seq;
    /* limit: a reader gets the oldest rows first */
    change_batch_free(&batch);
    assert_int_equal(store_change_log_read(c, head, 2, &batch), DB_DONE);
    assert_int_equal(batch.count, 2);
    assert_string_equal(batch.rows[1].key, "t2");
    change_batch_free(&batch);

    /* Applying: rows at or below `applied` are skipped; newer ones invalidate. */
    struct app_facts facts;
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a1", &facts, NULL, 0), 1);
    assert_int_equal(store_change_log_read(c, head, 100, &batch), DB_DONE);
    bool reset = true;
    assert_int_equal(change_feed_apply_batch(svc.app_cache, last, &batch, &reset), last);
    assert_false(reset);
    change_batch_free(&batch);

    /* Prune everything (cutoff in the future): a reader that had seen `head` is
     * behind the retention and must drop the whole cache. */
    assert_int_equal(store_change_log_prune(c, INT64_MAX / 2), DB_DONE);
    int64_t head2 = 0;
    assert_int_equal(store_change_log_head(c, &head2, &pruned), DB_DONE);
    assert_int_equal(pruned, last);
    assert_int_equal(head2, last);
    assert_int_equal(store_change_log_read(c, head, 100, &batch), DB_DONE);
    assert_int_equal(batch.count, 0);
    assert_int_equal(batch.pruned_through, last);
    db_release(svc.db, c);
    assert_int_equal(app_cache_lookup(svc.app_cache, "tdc_a1", &facts, NULL, 0), 1);
    assert_true(app_cache_size(svc.app_cache) > 0);
    assert_int_equal(change_feed_apply_batch(svc.app_cache, head, &batch, &reset), last);
    assert_true(reset);
    assert_int_equal(app_cache_size(svc.app_cache), 0);
    change_batch_free(&batch);
    /* sequence numbers keep growing after a prune emptied the table */
    sql("UPDATE apps SET name = 'again' WHERE id = 'a1'");
    c = db_acquire(svc.db);
    assert_int_equal(store_change_log_read(c, last, 100, &batch), DB_DONE);
    db_release(svc.db, c);
    assert_int_equal(batch.count, 1);
    assert_true(batch.rows[0].seq > last);
    change_batch_free(&batch);
}

static void test_platform_client(void **state)
{
    char hash[65];
    crypto_sha256_hex("psecret", 7, hash);
    char stmt[512];
    snprintf(stmt, sizeof stmt,
             "INSERT INTO platform_clients (id, name, client_id, secret_hash, scopes,"
             " created_at, secret_rotated_at) VALUES ('p1', 'svc', 'tdc_p1', '%s',"
             " 'platform:storage', 0, 0)",
             hash);
    sql(stmt);
    char *token = NULL;
    json_t *body = NULL;
    assert_int_equal(grant("tdc_p1", "psecret", NULL, &token, &body), 200);
    assert_string_equal(json_string_value(json_object_get(body, "scope")), "platform:storage");
    json_decref(body);
    struct access_token t;
    assert_int_equal(access_token_check_active(&svc, token, strlen(token), &t), 1);
    assert_true(t.platform);
    assert_null(t.tenant_id);
    assert_true(access_token_has_scope(&t, "platform:storage"));
    assert_false(access_token_has_scope(&t, "platform:x"));
    access_token_free(&t);
    assert_int_equal(grant("tdc_p1", "psecret", "api", NULL, &body), 400);
    assert_string_equal(error_of(body), "invalid_scope");
    json_decref(body);
    /* deleting the client makes its tokens inactive */
    sql("UPDATE platform_clients SET deleted_at = 1 WHERE id = 'p1'");
    app_cache_invalidate_client(svc.app_cache, "tdc_p1");
    assert_int_equal(access_token_check_active(&svc, token, strlen(token), &t), 0);
    free(token);
}

static void test_revocation_store(void **state)
{
    char *token = NULL;
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, &token, NULL), 200);
    struct access_token t;
    assert_int_equal(access_token_check_active(&svc, token, strlen(token), &t), 1);
    char stmt[256];
    snprintf(
        stmt, sizeof stmt,
        "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ('%s', 'tdc_a1', %lld)",
        t.jti, (long long)t.exp);
    access_token_free(&t);
    sql(stmt);
    assert_int_equal(access_token_check_active(&svc, token, strlen(token), &t), 0);
    free(token);
}

/* Signs claims (JSON text) with the server's active key, as the token path would. */
static char *sign_claims(const char *claims_json)
{
    struct signing_key_ref ref;
    assert_true(signing_keys_acquire_signer(svc.signing_keys, &ref));
    size_t n = strlen(claims_json);
    size_t cap = ref.header_b64_len + 1 + base64url_encoded_len(n) + 600;
    char *out = malloc(cap);
    memcpy(out, ref.header_b64, ref.header_b64_len);
    out[ref.header_b64_len] = '.';
    size_t p = ref.header_b64_len + 1;
    p += base64url_encode((const unsigned char *)claims_json, n, out + p, cap - p);
    size_t len = jws_sign_compact(ref.key, out, p, cap);
    signing_keys_release(&ref);
    assert_true(len > 0);
    return out;
}

static void test_claim_checks_on_verify(void **state)
{
    long long now = (long long)time(NULL);
    struct {
        const char *fmt;
        bool valid_unexpired, valid_any;
    } cases[] = {
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j1\"}",
         true, true},
        /* expired: inactive, but still a token of ours (revocation may ignore it) */
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":[\"x\",\"tenantd-api\"],\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j2\"}",
         false, true},
        /* wrong issuer / audience / sub, missing jti, non-integer exp */
        {"{\"iss\":\"https://other\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
         false, false},
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
         false, false},
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a2\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
         false, false},
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld}",
         false, false},
        /* nbf far in the future: not yet valid; 30 s ahead is within the skew */
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j3\"}",
         false, true},
        {"{\"iss\":\"https://issuer.example\",\"sub\":\"tdc_a1\",\"client_id\":\"tdc_a1\","
         "\"aud\":\"tenantd-api\",\"iat\":%lld,\"nbf\":%lld,\"exp\":%lld,\"jti\":\"j4\"}",
         true, true},
    };
    long long times[][3] = {{now, now, now + 900},       {now - 1000, now - 1000, now - 100},
                            {now, now, now + 900},       {now, now, now + 900},
                            {now, now, now + 900},       {now, now, now + 900},
                            {now, now + 120, now + 900}, {now, now + 30, now + 900}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char json[512];
        snprintf(json, sizeof json, cases[i].fmt, times[i][0], times[i][1], times[i][2]);
        char *token = sign_claims(json);
        struct access_token t;
        bool ok = access_token_verify(&svc, token, strlen(token), true, &t);
        if (ok != cases[i].valid_unexpired)
            fail_msg("case %zu: unexpired check gave %d", i, ok);
        access_token_free(&t);
        ok = access_token_verify(&svc, token, strlen(token), false, &t);
        if (ok != cases[i].valid_any)
            fail_msg("case %zu: any check gave %d", i, ok);
        access_token_free(&t);
        free(token);
    }
}

/* Readers hammer the cache while another thread invalidates: no crash, no torn
 * facts (ASan/TSan builds make this meaningful). */
static atomic_int race_stop;
static void *race_reader(void *arg)
{
    struct app_facts facts;
    char claims[APP_CACHE_CLAIMS_MAX + 1];
    long ok = 0;
    while (!atomic_load(&race_stop)) {
        int rc = app_cache_lookup(svc.app_cache, (const char *)arg, &facts, claims, sizeof claims);
        if (rc == 1 && facts.claims_len == strlen(claims) && strcmp(facts.tenant_id, "t1") == 0)
            ok++;
        else
            return (void *)-1;
    }
    return (void *)ok;
}

static void test_concurrent_readers_and_invalidations(void **state)
{
    pthread_t th[4];
    atomic_store(&race_stop, 0);
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, race_reader, (void *)(i % 2 ? "tdc_a1" : "tdc_a2"));
    for (int i = 0; i < 200; i++) {
        app_cache_invalidate_client(svc.app_cache, i % 2 ? "tdc_a1" : "tdc_a2");
        if (i % 50 == 0)
            app_cache_invalidate_all(svc.app_cache);
        usleep(500);
    }
    atomic_store(&race_stop, 1);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_true((intptr_t)ret > 0);
    }
}

/* ---- private_key_jwt in-process (SPEC §3.7) ----------------------------- */

static struct jws_key *pkj_key;

/* A compact assertion for client_id signed by pkj_key (malloc'd). */
static char *pkj_assertion(const char *client_id, const char *jti, long long exp_delta)
{
    char header[128], claims[512], input[2048];
    long long now = (long long)time_now();
    snprintf(header, sizeof header, "{\"alg\":\"ES256\",\"kid\":\"%s\"}", jws_key_kid(pkj_key));
    snprintf(claims, sizeof claims,
             "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"https://issuer.example\",\"iat\":%lld,"
             "\"exp\":%lld,\"jti\":\"%s\"}",
             client_id, client_id, now, now + exp_delta, jti);
    size_t n = base64url_encode((const unsigned char *)header, strlen(header), input, sizeof input);
    input[n++] = '.';
    n += base64url_encode((const unsigned char *)claims, strlen(claims), input + n,
                          sizeof input - n);
    char *out = malloc(n + jws_signature_suffix_len(pkj_key) + 1);
    memcpy(out, input, n);
    assert_true(jws_sign_compact(pkj_key, out, n, n + jws_signature_suffix_len(pkj_key) + 1) > 0);
    return out;
}

static enum client_auth_result pkj_verify(const char *jwt, const char **why)
{
    struct app_facts facts;
    int retry = 0;
    return client_auth_verify_assertion(&svc, "192.0.2.9", NULL, jwt, &facts, NULL, 0, &retry, why);
}

static atomic_int pkj_stop;

static void *pkj_reader(void *arg)
{
    intptr_t ok = 0;
    for (int i = 0; !atomic_load(&pkj_stop); i++) {
        char jti[32];
        snprintf(jti, sizeof jti, "r%ld-%d", (long)(intptr_t)arg, i);
        char *jwt = pkj_assertion("tdc_k1", jti, 60);
        const char *why = NULL;
        enum client_auth_result r = pkj_verify(jwt, &why);
        free(jwt);
        if (r == CLIENT_AUTH_OK)
            ok++;
        else if (r != CLIENT_AUTH_UNAVAILABLE) /* never a wrong answer */
            return (void *)(intptr_t)-1;
    }
    return (void *)ok;
}

/* The assertion path through the real cache and replay memory: accepted once,
 * refused as a replay, expired refused, the shared secret refused for such an app,
 * and keys that stay valid while the entry holding them is invalidated under
 * concurrent verifications (ASan/TSan would see a use after free). */
static void test_private_key_jwt_in_process(void **state)
{
    pkj_key = jws_key_generate(JWS_ES256);
    assert_non_null(pkj_key);
    json_t *jwk = jws_key_public_jwk(pkj_key, NULL);
    char *jwk_text = json_dumps(jwk, JSON_COMPACT);
    json_decref(jwk);
    add_app("k1", "tdc_k1", "secret-k1", NULL);
    char stmt[1024];
    snprintf(stmt, sizeof stmt,
             "UPDATE apps SET token_endpoint_auth_method = 'private_key_jwt',"
             " jwks = '{\"keys\":[%s]}' WHERE id = 'k1'",
             jwk_text);
    free(jwk_text);
    sql(stmt);
    app_cache_invalidate_client(svc.app_cache, "tdc_k1");

    const char *why = NULL;
    char *jwt = pkj_assertion("tdc_k1", "once", 60);
    assert_int_equal(pkj_verify(jwt, &why), CLIENT_AUTH_OK);
    assert_int_equal(pkj_verify(jwt, &why), CLIENT_AUTH_REFUSED);
    assert_string_equal(why, "assertion jti was already used");
    free(jwt);
    jwt = pkj_assertion("tdc_k1", "late", -120);
    assert_int_equal(pkj_verify(jwt, &why), CLIENT_AUTH_REFUSED);
    assert_string_equal(why, "assertion has expired");
    free(jwt);
    assert_int_equal(grant("tdc_k1", "secret-k1", NULL, NULL, NULL), 401);

    pthread_t th[3];
    atomic_store(&pkj_stop, 0);
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, pkj_reader, (void *)(intptr_t)i);
    for (int i = 0; i < 100; i++) {
        app_cache_invalidate_client(svc.app_cache, "tdc_k1");
        usleep(1000);
    }
    atomic_store(&pkj_stop, 1);
    for (int i = 0; i < 3; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        assert_true((intptr_t)ret > 0);
    }
    jws_key_free(pkj_key);
}

static bool jwks_has(const char *kid)
{
    /* the JWKS view re-reads the store when it is older than 100 ms */
    struct timespec pause = {0, 150 * 1000000L};
    nanosleep(&pause, NULL);
    size_t len = 0;
    char *jwks = signing_keys_jwks(svc.signing_keys, &len);
    assert_non_null(jwks);
    bool found = strstr(jwks, kid) != NULL;
    free(jwks);
    return found;
}

static int64_t count_keys(void)
{
    struct db_conn *c = db_acquire(svc.db);
    struct db_stmt *s = db_prepare(c, "SELECT COUNT(*) FROM signing_keys");
    int64_t n = db_step(s) == DB_ROW ? db_column_int(s, 0) : -1;
    db_finalize(s);
    db_release(svc.db, c);
    return n;
}

/* The whole rotation timeline, with the clock moved by editing the rows. */
static void test_rotation_lifecycle(void **state)
{
    struct signing_key_ref ref;
    assert_true(signing_keys_acquire_signer(svc.signing_keys, &ref));
    char old_kid[64];
    snprintf(old_kid, sizeof old_kid, "%s", ref.kid);
    signing_keys_release(&ref);
    char *old_token = NULL;
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, &old_token, NULL), 200);

    /* rotate: published at once, not signing before activates_at */
    char kid[64] = "", err[256], stmt[256];
    int64_t at = 0, before = (int64_t)time(NULL);
    assert_int_equal(signing_keys_rotate_report(&svc, kid, sizeof kid, &at, err, sizeof err), 0);
    assert_int_equal(strlen(kid), 43);
    assert_true(at >= before + svc.cfg.key_publish_lead_seconds + 1);
    assert_true(jwks_has(kid));
    assert_true(jwks_has(old_kid));
    assert_true(signing_keys_acquire_signer(svc.signing_keys, &ref));
    assert_string_equal(ref.kid, old_kid);
    signing_keys_release(&ref);

    /* activation: the new key signs, the old one is retired but still published */
    snprintf(stmt, sizeof stmt, "UPDATE signing_keys SET activates_at = %lld WHERE kid = '%s'",
             (long long)before, kid);
    sql(stmt);
    assert_true(jwks_has(old_kid));
    assert_true(signing_keys_acquire_signer(svc.signing_keys, &ref));
    assert_string_equal(ref.kid, kid);
    signing_keys_release(&ref);
    struct db_conn *c = db_acquire(svc.db);
    struct db_stmt *s =
        db_prepare(c, "SELECT retired_at, expires_at FROM signing_keys WHERE kid = $1");
    db_bind_text(s, 1, old_kid);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int(s, 0), before);
    assert_int_equal(db_column_int(s, 1), before + 900 + 60);
    db_finalize(s);
    db_release(svc.db, c);
    struct access_token t;
    assert_true(access_token_verify(&svc, old_token, strlen(old_token), true, &t));
    access_token_free(&t);

    /* expiry: the old key leaves JWKS and the table; its tokens stop verifying */
    snprintf(stmt, sizeof stmt, "UPDATE signing_keys SET expires_at = %lld WHERE kid = '%s'",
             (long long)before - 1, old_kid);
    sql(stmt);
    assert_false(jwks_has(old_kid));
    assert_true(jwks_has(kid));
    assert_int_equal(count_keys(), 1);
    assert_false(access_token_verify(&svc, old_token, strlen(old_token), false, &t));
    free(old_token);
    char *new_token = NULL;
    assert_int_equal(grant("tdc_a1", "secret-a1", NULL, &new_token, NULL), 200);
    assert_true(access_token_verify(&svc, new_token, strlen(new_token), true, &t));
    access_token_free(&t);
    free(new_token);
}

/* Issue 8: the key set is re-read by its own refresher thread, not by request
 * threads — a rotation made elsewhere arrives although nothing asks for a key, and
 * the view stays fresh while idle. */
static void test_key_refresher_reads_without_requests(void **state)
{
    char kid[64] = "", err[256];
    int64_t at = 0;
    assert_int_equal(signing_keys_rotate_report(&svc, kid, sizeof kid, &at, err, sizeof err), 0);
    usleep(3000 * 1000); /* no request in between: only the refresher can read */
    assert_true(signing_keys_view_age_ms(svc.signing_keys) < 2000);
    struct signing_key_ref ref;
    assert_true(signing_keys_acquire_verifier(svc.signing_keys, kid, svc.cfg.signing_alg, &ref));
    signing_keys_release(&ref);
    usleep(3000 * 1000);
    assert_true(signing_keys_view_age_ms(svc.signing_keys) < 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grant_and_verify),
        cmocka_unit_test(test_authentication_failures_look_alike),
        cmocka_unit_test(test_correct_secret_is_never_throttled),
        cmocka_unit_test(test_previous_secret_grace),
        cmocka_unit_test(test_invalidation_reaches_next_request),
        cmocka_unit_test(test_feed_applies_changes_without_invalidation),
        cmocka_unit_test(test_unknown_ids_are_bounded),
        cmocka_unit_test(test_eviction_keeps_the_cache_bounded),
        cmocka_unit_test(test_stale_bound_and_unreachable_database),
        cmocka_unit_test(test_change_log_order_prune_and_fall_behind),
        cmocka_unit_test(test_platform_client),
        cmocka_unit_test(test_revocation_store),
        cmocka_unit_test(test_claim_checks_on_verify),
        cmocka_unit_test(test_concurrent_readers_and_invalidations),
        cmocka_unit_test(test_private_key_jwt_in_process),
        cmocka_unit_test(test_rotation_lifecycle),
        cmocka_unit_test(test_key_refresher_reads_without_requests),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
