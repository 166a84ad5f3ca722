/*
 * tests/unit/test_store_apps — the per-create work of the app store does not grow
 * with the apps table (issue 9 item 2), on a real (temporary) SQLite database with
 * the real schema:
 *   - the live-app counts that app_limit and the database pick read
 *     (tenant_app_counts, database_app_counts) follow every insert and soft delete,
 *     agree with a COUNT(*) of the table, are backfilled by the migration for apps
 *     that existed before it, and never write the tenant row (the change feed would
 *     log a tenant change for every create);
 *   - the one-free-plan-app rule still counts exactly the other live apps on a free
 *     plan;
 *   - every statement the create path (and the plan rule and the delete) prepares is
 *     planned by SQLite without a scan of apps and without walking one tenant's or
 *     one database's apps: EXPLAIN QUERY PLAN of each statement, recorded through a
 *     wrapper around the driver's prepare, may only touch apps through a unique key
 *     or (tenant_id, name_folded) / (tenant_id, plan_code). No timing is asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/apps.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store/plans.h"
#include "store/regions.h"
#include "store/tenants.h"
#include "store_fixture.h"

#define T1 "00000000-0000-7000-8000-0000000000a1"
#define T2 "00000000-0000-7000-8000-0000000000a2"

static int setup(void **state)
{
    struct fixture *f = store_fixture_open("apps", 1, true, true);
    store_fixture_exec(
        f, "INSERT INTO tenants (id, name, status, app_limit, created_at, updated_at) VALUES "
           "('" T1 "', 'T1', 'active', 1000, 1, 1), ('" T2 "', 'T2', 'active', 1000, 1, 1);"
           "INSERT INTO regions (code, name, active, created_at, updated_at) VALUES "
           "('eu', 'EU', 1, 1, 1);"
           "INSERT INTO region_databases (db_code, region_code, active, created_at, "
           "updated_at) VALUES ('eu-db1', 'eu', 1, 1, 1), ('eu-db2', 'eu', 1, 1, 1);"
           "INSERT INTO plans (code, name, tier, status, entitlements, created_at, "
           "updated_at) VALUES ('free', 'Free', 'free', 'active', '{}', 1, 1), "
           "('pro', 'Pro', 'paid', 'active', '{}', 1, 1);");
    *state = f;
    return 0;
}

/* An app row for tenant / database, with a fresh id, name and client id. */
static void new_app(struct fixture *f, const char *tenant, const char *db_code, struct app_row *a)
{
    memset(a, 0, sizeof *a);
    int n = ++f->next_app;
    snprintf(a->id, sizeof a->id, "00000000-0000-7000-8000-%012d", n);
    snprintf(a->tenant_id, sizeof a->tenant_id, "%s", tenant);
    snprintf(a->name, sizeof a->name, "app %d", n);
    snprintf(a->name_folded, sizeof a->name_folded, "app %d", n);
    snprintf(a->client_id, sizeof a->client_id, "tdc_apps%d", n);
    snprintf(a->license_region_code, sizeof a->license_region_code, "eu");
    snprintf(a->db_code, sizeof a->db_code, "%s", db_code);
    a->enabled = true;
    a->created_at = a->updated_at = a->secret_rotated_at = 1;
}

static void insert_app(struct fixture *f, const char *tenant, const char *db_code, char id_out[37])
{
    struct app_row a;
    new_app(f, tenant, db_code, &a);
    assert_int_equal(store_app_insert(f->c, &a, "h"), DB_DONE);
    if (id_out)
        memcpy(id_out, a.id, sizeof a.id);
}

/* One integer from a query with one text parameter. */
static int64_t query_int(struct fixture *f, const char *sql, const char *param)
{
    struct db_stmt *s = db_prepare(f->c, sql);
    assert_non_null(s);
    db_bind_text(s, 1, param);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t v = db_column_int(s, 0);
    db_finalize(s);
    return v;
}

/* store_app_count, which must succeed. */
static int64_t app_count(struct fixture *f, const char *tenant)
{
    int64_t n = -1;
    assert_int_equal(store_app_count(f->c, tenant, &n), DB_DONE);
    return n;
}

/* store_app_count_on_free_plan, which must succeed. */
static int64_t free_plan_count(struct fixture *f, const char *tenant, const char *except)
{
    int64_t n = -1;
    assert_int_equal(store_app_count_on_free_plan(f->c, tenant, except, &n), DB_DONE);
    return n;
}

/* The stored counters agree with COUNT(*) of live apps, for both tenants and both
 * databases. */
static void expect_counts_match_table(struct fixture *f)
{
    const char *tenants[] = {T1, T2};
    for (int i = 0; i < 2; i++)
        assert_int_equal(app_count(f, tenants[i]),
                         query_int(f,
                                   "SELECT COUNT(*) FROM apps WHERE tenant_id = $1 "
                                   "AND deleted_at IS NULL",
                                   tenants[i]));
    const char *dbs[] = {"eu-db1", "eu-db2"};
    for (int i = 0; i < 2; i++)
        assert_int_equal(
            query_int(f,
                      "SELECT COALESCE((SELECT live_apps FROM database_app_counts "
                      "WHERE db_code = $1), 0)",
                      dbs[i]),
            query_int(f, "SELECT COUNT(*) FROM apps WHERE db_code = $1 AND deleted_at IS NULL",
                      dbs[i]));
}

/* Rows of the change feed (store/change_log.h) of one kind. */
static int64_t changes_of_kind(struct fixture *f, const char *kind)
{
    return query_int(f, "SELECT COUNT(*) FROM change_log WHERE kind = $1", kind);
}

static void test_counts_follow_insert_and_delete(void **state)
{
    struct fixture *f = *state;
    char ids[6][37];
    int64_t tenant_changes = changes_of_kind(f, "tenant");
    assert_int_equal(app_count(f, T1), 0);
    insert_app(f, T1, "eu-db1", ids[0]);
    insert_app(f, T1, "eu-db1", ids[1]);
    insert_app(f, T1, "eu-db2", ids[2]);
    insert_app(f, T2, "eu-db2", ids[3]);
    insert_app(f, T2, "eu-db2", ids[4]);
    insert_app(f, T2, "eu-db2", ids[5]);
    assert_int_equal(app_count(f, T1), 3);
    assert_int_equal(app_count(f, T2), 3);
    expect_counts_match_table(f);
    char pick[DB_CODE_SIZE];
    assert_int_equal(store_region_pick_database(f->c, "eu", pick), DB_DONE);
    assert_string_equal(pick, "eu-db1"); /* 2 vs 4 */

    assert_int_equal(store_app_soft_delete(f->c, ids[3], 9), DB_DONE);
    assert_int_equal(store_app_soft_delete(f->c, ids[4], 9), DB_DONE);
    assert_int_equal(store_app_soft_delete(f->c, ids[5], 9), DB_DONE);
    /* a second delete of a deleted app, and an unknown id, change nothing */
    assert_int_equal(store_app_soft_delete(f->c, ids[5], 10), DB_DONE);
    assert_int_equal(store_app_soft_delete(f->c, "00000000-0000-7000-8000-999999999999", 10),
                     DB_DONE);
    assert_int_equal(app_count(f, T1), 3);
    assert_int_equal(app_count(f, T2), 0);
    expect_counts_match_table(f);
    /* keeping the counts never writes a tenant row: the change feed saw app changes
     * only, so no node drops a whole tenant's cache entries because of a create */
    assert_int_equal(changes_of_kind(f, "tenant"), tenant_changes);
    assert_true(changes_of_kind(f, "client") >= 9);
    assert_int_equal(store_region_pick_database(f->c, "eu", pick), DB_DONE);
    assert_string_equal(pick, "eu-db2"); /* 2 vs 1 */

    /* a failed insert (duplicate live name) counts nothing */
    struct app_row dup;
    new_app(f, T1, "eu-db1", &dup);
    snprintf(dup.name_folded, sizeof dup.name_folded, "app 1");
    assert_int_equal(store_app_insert(f->c, &dup, "h"), DB_CONSTRAINT);
    expect_counts_match_table(f);
}

static void test_free_plan_rule(void **state)
{
    struct fixture *f = *state;
    char a[37], b[37], c[37];
    insert_app(f, T1, "eu-db1", a);
    insert_app(f, T1, "eu-db1", b);
    insert_app(f, T2, "eu-db1", c);
    assert_int_equal(free_plan_count(f, T1, NULL), 0);
    assert_int_equal(store_app_set_plan(f->c, a, "free", 2), DB_DONE);
    assert_int_equal(store_app_set_plan(f->c, b, "pro", 2), DB_DONE);
    assert_int_equal(store_app_set_plan(f->c, c, "free", 2), DB_DONE);
    assert_int_equal(free_plan_count(f, T1, NULL), 1);
    assert_int_equal(free_plan_count(f, T1, a), 0); /* itself left out */
    assert_int_equal(free_plan_count(f, T1, b), 1);
    assert_int_equal(free_plan_count(f, T2, NULL), 1);
    assert_int_equal(store_app_soft_delete(f->c, a, 3), DB_DONE);
    assert_int_equal(free_plan_count(f, T1, NULL), 0);
}

/* Apps that existed before the counters: dropping what the migration added and
 * applying it again backfills both counters from the table. */
static void test_migration_backfills_counts(void **state)
{
    struct fixture *f = *state;
    char gone[37];
    insert_app(f, T1, "eu-db1", NULL);
    insert_app(f, T1, "eu-db2", NULL);
    insert_app(f, T2, "eu-db2", gone);
    assert_int_equal(store_app_soft_delete(f->c, gone, 2), DB_DONE);
    /* The counts are migration 5; the later ones (grace rotation: 6,
     * private_key_jwt: 7, DPoP: 8) only add apps columns, dropped here too so that
     * every migration from 5 on can run again. */
    store_fixture_exec(f, "DROP TABLE tenant_app_counts; DROP TABLE database_app_counts;"
                          "DROP INDEX region_databases_region; DROP INDEX apps_tenant_plan;"
                          "ALTER TABLE apps DROP COLUMN previous_secret_hash;"
                          "ALTER TABLE apps DROP COLUMN previous_secret_expires_at;"
                          "ALTER TABLE apps DROP COLUMN token_endpoint_auth_method;"
                          "ALTER TABLE apps DROP COLUMN jwks;"
                          "ALTER TABLE apps DROP COLUMN dpop_bound_access_tokens;"
                          "DELETE FROM schema_migrations WHERE version >= 5;");
    assert_int_equal(migrations_latest(), 8);
    char err[256] = "";
    db_release(f->db, f->c); /* the pool holds one connection */
    int rc = migrations_apply(f->db, err, sizeof err);
    f->c = db_acquire(f->db);
    if (rc != 0)
        fail_msg("migrations_apply: %s", err);
    assert_int_equal(app_count(f, T1), 2);
    assert_int_equal(app_count(f, T2), 0);
    expect_counts_match_table(f);
}

/* ---- query plans of the create path ---------------------------------------------- */

#define MAX_RECORDED 32
static const struct db_driver *real_driver;
static struct db_driver recording_driver;
static char *recorded[MAX_RECORDED];
static int nrecorded;

/* db_prepare through this driver notes the SQL, then prepares it for real. */
static struct db_stmt *recording_prepare(struct db_conn *c, const char *sql)
{
    if (nrecorded < MAX_RECORDED)
        recorded[nrecorded++] = strdup(sql);
    c->driver = real_driver;
    struct db_stmt *s = real_driver->prepare(c, sql);
    c->driver = &recording_driver;
    return s;
}

static void record_start(struct fixture *f)
{
    real_driver = f->c->driver;
    recording_driver = *real_driver;
    recording_driver.prepare = recording_prepare;
    f->c->driver = &recording_driver;
}

static void record_stop(struct fixture *f)
{
    f->c->driver = real_driver;
}

/* Accesses to apps that cost the same however many apps there are. */
static bool apps_access_is_bounded(const char *detail)
{
    static const char *const allowed[] = {
        "USING INDEX sqlite_autoindex_apps_1 (id=?)",
        "USING INDEX sqlite_autoindex_apps_2 (client_id=?)",
        "USING INDEX apps_tenant_name (tenant_id=? AND name_folded=?)",
        "USING COVERING INDEX apps_tenant_name (tenant_id=? AND name_folded=?)",
        "USING INDEX apps_tenant_plan (tenant_id=? AND plan_code=?)",
        "USING COVERING INDEX apps_tenant_plan (tenant_id=? AND plan_code=?)",
    };
    if (strncmp(detail, "SEARCH ", 7) != 0)
        return false;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strstr(detail, allowed[i]))
            return true;
    return false;
}

struct plan_check {
    const char *sql;
    int lines;
};

/* db_row_fn: one line of a query plan (fails the test on a scan or an apps walk). */
static enum db_status check_plan_line(struct db_stmt *s, void *ctx)
{
    struct plan_check *check = ctx;
    const char *sql = check->sql, *detail = db_column_text(s, 3);
    check->lines++;
    char table[64] = "";
    sscanf(detail, "%*s %63s", table);
    bool scan = strncmp(detail, "SCAN ", 5) == 0 && strcmp(detail, "SCAN CONSTANT ROW") != 0;
    if (scan && strcmp(table, "plans") != 0)
        fail_msg("table scan in \"%s\":\n  %s", sql, detail);
    /* apps by name, or under an alias through one of its indexes */
    bool on_apps = strcmp(table, "apps") == 0 || strstr(detail, "INDEX apps_") ||
                   strstr(detail, "INDEX sqlite_autoindex_apps_");
    if (on_apps && !apps_access_is_bounded(detail))
        fail_msg("apps walked in \"%s\":\n  %s", sql, detail);
    return DB_OK;
}

/* Fails when EXPLAIN QUERY PLAN of sql scans a table other than the plan catalogue
 * or walks apps beyond a bounded lookup. Returns the number of plan lines. */
static int check_plan(struct fixture *f, const char *sql)
{
    char explain[2048];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", sql);
    struct db_stmt *s = db_prepare(f->c, explain);
    if (!s)
        fail_msg("cannot explain: %s (%s)", sql, db_error_message(f->c));
    struct plan_check check = {sql, 0};
    assert_int_equal(db_each_row(s, check_plan_line, &check), DB_DONE);
    db_finalize(s);
    return check.lines;
}

static void test_create_path_plans_are_bounded(void **state)
{
    struct fixture *f = *state;
    /* Some apps first, so that a walk would have something to walk. */
    for (int i = 0; i < 20; i++)
        insert_app(f, i % 2 ? T1 : T2, i % 3 ? "eu-db1" : "eu-db2", NULL);

    record_start(f);
    /* What apps.c's create does inside its transaction, in order, then the plan rule
     * and a delete. */
    struct tenant_row t;
    struct region_row r;
    struct app_row a;
    char id[37];
    assert_int_equal(store_tenant_get_for_update(f->c, T1, &t), DB_DONE);
    assert_int_equal(store_region_get(f->c, "eu", &r), DB_DONE);
    assert_true(app_count(f, T1) >= 0);
    new_app(f, T1, "", &a);
    bool taken = true;
    assert_int_equal(store_app_name_taken(f->c, T1, a.name_folded, NULL, &taken), DB_DONE);
    assert_false(taken);
    assert_int_equal(store_region_pick_database(f->c, "eu", a.db_code), DB_DONE);
    assert_int_equal(store_app_insert(f->c, &a, "h"), DB_DONE);
    memcpy(id, a.id, sizeof id);
    assert_true(free_plan_count(f, T1, id) >= 0);
    assert_int_equal(store_app_set_plan(f->c, id, "free", 2), DB_DONE);
    assert_int_equal(store_app_soft_delete(f->c, id, 3), DB_DONE);
    record_stop(f);

    assert_true(nrecorded >= 9);
    for (int i = 0; i < nrecorded; i++) {
        /* INSERT ... VALUES has no plan; every other statement reads something */
        if (strncmp(recorded[i], "INSERT", 6) != 0)
            assert_true(check_plan(f, recorded[i]) > 0);
        free(recorded[i]);
    }
    nrecorded = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts_follow_insert_and_delete, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_free_plan_rule, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_migration_backfills_counts, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_create_path_plans_are_bounded, setup,
                                        store_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
