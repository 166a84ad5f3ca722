/*
 * tests/unit/test_store_regions — the region store on a real (temporary) SQLite
 * database with the real schema: region and database CRUD, keyset listing by code,
 * and store_region_pick_database's least-loaded choice (fewest non-deleted apps,
 * ties to the lowest db_code, inactive databases and other regions ignored).
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
#include "store/regions.h"
#include "store_fixture.h"

static int setup(void **state)
{
    struct fixture *f = store_fixture_open("regions", 1, true, true);
    store_fixture_exec(f, "INSERT INTO tenants (id, name, status, app_limit, created_at, "
                          "updated_at) VALUES ('00000000-0000-7000-8000-000000000001', 'T', "
                          "'active', 100, 1, 1)");
    *state = f;
    return 0;
}

static void add_region(struct fixture *f, const char *code, bool active)
{
    struct region_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.code, sizeof r.code, "%s", code);
    snprintf(r.name, sizeof r.name, "Region %s", code);
    r.active = active;
    r.created_at = r.updated_at = 1700000000;
    assert_int_equal(store_region_insert(f->c, &r), DB_DONE);
}

static void add_database(struct fixture *f, const char *region, const char *db_code, bool active)
{
    struct region_database_row d;
    memset(&d, 0, sizeof d);
    snprintf(d.db_code, sizeof d.db_code, "%s", db_code);
    snprintf(d.region_code, sizeof d.region_code, "%s", region);
    d.active = active;
    d.created_at = d.updated_at = 1700000000;
    assert_int_equal(store_region_database_insert(f->c, &d), DB_DONE);
}

/* Inserts an app through the store (which counts it for its database), then
 * soft-deletes it when deleted != 0. Writes its id to id_out when not NULL. */
static void add_app_id(struct fixture *f, const char *region, const char *db_code, bool deleted,
                       char id_out[37])
{
    struct app_row a = {0};
    int n = ++f->next_app;
    snprintf(a.id, sizeof a.id, "00000000-0000-7000-8000-%012d", n);
    snprintf(a.tenant_id, sizeof a.tenant_id, "00000000-0000-7000-8000-000000000001");
    snprintf(a.name, sizeof a.name, "app %d", n);
    snprintf(a.name_folded, sizeof a.name_folded, "app %d", n);
    snprintf(a.client_id, sizeof a.client_id, "tdc_test%d", n);
    snprintf(a.license_region_code, sizeof a.license_region_code, "%s", region);
    snprintf(a.db_code, sizeof a.db_code, "%s", db_code);
    a.enabled = true;
    a.created_at = a.updated_at = a.secret_rotated_at = 1;
    assert_int_equal(store_app_insert(f->c, &a, "h"), DB_DONE);
    if (deleted)
        assert_int_equal(store_app_soft_delete(f->c, a.id, 5), DB_DONE);
    if (id_out)
        memcpy(id_out, a.id, sizeof a.id);
}

static void add_app(struct fixture *f, const char *region, const char *db_code, bool deleted)
{
    add_app_id(f, region, db_code, deleted, NULL);
}

static void expect_pick(struct fixture *f, const char *region, const char *want)
{
    char got[DB_CODE_SIZE];
    memset(got, 'X', sizeof got);
    enum db_status rc = store_region_pick_database(f->c, region, got);
    if (!want) {
        assert_int_equal(rc, DB_NOT_FOUND);
        return;
    }
    assert_int_equal(rc, DB_DONE);
    assert_string_equal(got, want);
}

static void test_region_get_insert_update(void **state)
{
    struct fixture *f = *state;
    struct region_row r;
    assert_int_equal(store_region_get(f->c, "eu-west", &r), DB_NOT_FOUND);
    add_region(f, "eu-west", true);
    assert_int_equal(store_region_get(f->c, "eu-west", &r), DB_DONE);
    assert_string_equal(r.code, "eu-west");
    assert_string_equal(r.name, "Region eu-west");
    assert_true(r.active);
    assert_int_equal(r.created_at, 1700000000);

    /* duplicate code is a constraint violation */
    struct region_row dup = r;
    assert_int_equal(store_region_insert(f->c, &dup), DB_CONSTRAINT);

    snprintf(r.name, sizeof r.name, "Europe West");
    r.active = false;
    r.updated_at = 1700000100;
    assert_int_equal(store_region_update(f->c, &r), DB_DONE);
    struct region_row again;
    assert_int_equal(store_region_get(f->c, "eu-west", &again), DB_DONE);
    assert_string_equal(again.name, "Europe West");
    assert_false(again.active);
    assert_int_equal(again.created_at, 1700000000);
    assert_int_equal(again.updated_at, 1700000100);

    /* the locking variant reads the same row inside a write transaction */
    assert_int_equal(db_begin_write(f->c), DB_OK);
    struct region_row locked;
    assert_int_equal(store_region_get_for_update(f->c, "eu-west", &locked), DB_DONE);
    assert_memory_equal(&locked, &again, sizeof locked);
    assert_int_equal(store_region_get_for_update(f->c, "nope", &locked), DB_NOT_FOUND);
    assert_int_equal(db_commit(f->c), DB_OK);
}

struct collected {
    char codes[8][DB_CODE_SIZE];
    int n;
    int stop_after;
};

static int collect_region(const struct region_row *row, void *ctx)
{
    struct collected *c = ctx;
    snprintf(c->codes[c->n++], DB_CODE_SIZE, "%s", row->code);
    return c->stop_after && c->n == c->stop_after;
}

static int collect_database(const struct region_database_row *row, void *ctx)
{
    struct collected *c = ctx;
    snprintf(c->codes[c->n++], DB_CODE_SIZE, "%s", row->db_code);
    return 0;
}

static void test_region_list_keyset(void **state)
{
    struct fixture *f = *state;
    add_region(f, "us-east", true);
    add_region(f, "ap-south", false);
    add_region(f, "eu-west", true);

    struct collected all = {0};
    assert_int_equal(store_region_list(f->c, false, "", 10, collect_region, &all), DB_DONE);
    assert_int_equal(all.n, 3);
    assert_string_equal(all.codes[0], "ap-south");
    assert_string_equal(all.codes[1], "eu-west");
    assert_string_equal(all.codes[2], "us-east");

    struct collected active = {0};
    assert_int_equal(store_region_list(f->c, true, "", 10, collect_region, &active), DB_DONE);
    assert_int_equal(active.n, 2);
    assert_string_equal(active.codes[0], "eu-west");
    assert_string_equal(active.codes[1], "us-east");

    struct collected after = {0};
    assert_int_equal(store_region_list(f->c, false, "ap-south", 1, collect_region, &after),
                     DB_DONE);
    assert_int_equal(after.n, 1);
    assert_string_equal(after.codes[0], "eu-west");

    /* the callback may stop early */
    struct collected stopped = {.stop_after = 1};
    assert_int_equal(store_region_list(f->c, false, "", 10, collect_region, &stopped), DB_DONE);
    assert_int_equal(stopped.n, 1);
    assert_int_equal(stopped.n, 1);

    struct collected none = {0};
    assert_int_equal(store_region_list(f->c, false, "us-east", 10, collect_region, &none), DB_DONE);
    assert_int_equal(none.n, 0);
}

static void test_database_crud_and_list(void **state)
{
    struct fixture *f = *state;
    add_region(f, "eu-west", true);
    add_region(f, "us-east", true);
    add_database(f, "eu-west", "eu-west-db2", true);
    add_database(f, "eu-west", "eu-west-db1", false);
    add_database(f, "us-east", "us-east-db1", true);

    /* db_code is globally unique, even across regions */
    struct region_database_row d;
    memset(&d, 0, sizeof d);
    snprintf(d.db_code, sizeof d.db_code, "eu-west-db1");
    snprintf(d.region_code, sizeof d.region_code, "us-east");
    assert_int_equal(store_region_database_insert(f->c, &d), DB_CONSTRAINT);
    /* and the region must exist (foreign key) */
    snprintf(d.db_code, sizeof d.db_code, "nowhere-db1");
    snprintf(d.region_code, sizeof d.region_code, "nowhere");
    assert_int_equal(store_region_database_insert(f->c, &d), DB_CONSTRAINT);

    assert_int_equal(store_region_database_get(f->c, "eu-west-db1", &d), DB_DONE);
    assert_string_equal(d.region_code, "eu-west");
    assert_false(d.active);
    assert_false(d.has_dsn);

    d.active = true;
    d.has_dsn = true;
    snprintf(d.dsn, sizeof d.dsn, "postgres://u:p@h/db");
    d.updated_at = 1700000200;
    assert_int_equal(store_region_database_update(f->c, &d), DB_DONE);
    struct region_database_row again;
    assert_int_equal(store_region_database_get(f->c, "eu-west-db1", &again), DB_DONE);
    assert_true(again.active);
    assert_true(again.has_dsn);
    assert_string_equal(again.dsn, "postgres://u:p@h/db");
    assert_int_equal(again.updated_at, 1700000200);

    again.has_dsn = false; /* clearing stores NULL */
    assert_int_equal(store_region_database_update(f->c, &again), DB_DONE);
    assert_int_equal(store_region_database_get(f->c, "eu-west-db1", &d), DB_DONE);
    assert_false(d.has_dsn);
    assert_string_equal(d.dsn, "");

    assert_int_equal(store_region_database_get(f->c, "missing-db", &d), DB_NOT_FOUND);
    assert_int_equal(db_begin_write(f->c), DB_OK);
    assert_int_equal(store_region_database_get_for_update(f->c, "eu-west-db1", &again), DB_DONE);
    assert_memory_equal(&again, &d, sizeof d);
    assert_int_equal(store_region_database_get_for_update(f->c, "missing-db", &again),
                     DB_NOT_FOUND);
    db_rollback(f->c);

    struct collected eu = {0};
    assert_int_equal(store_region_database_list(f->c, "eu-west", "", 10, collect_database, &eu),
                     DB_DONE);
    assert_int_equal(eu.n, 2);
    assert_string_equal(eu.codes[0], "eu-west-db1");
    assert_string_equal(eu.codes[1], "eu-west-db2");
    struct collected page2 = {0};
    assert_int_equal(
        store_region_database_list(f->c, "eu-west", "eu-west-db1", 10, collect_database, &page2),
        DB_DONE);
    assert_int_equal(page2.n, 1);
    assert_string_equal(page2.codes[0], "eu-west-db2");
}

static void test_pick_no_database(void **state)
{
    struct fixture *f = *state;
    expect_pick(f, "unknown", NULL);
    add_region(f, "eu-west", true);
    expect_pick(f, "eu-west", NULL);
    add_database(f, "eu-west", "eu-west-db1", false); /* inactive only */
    expect_pick(f, "eu-west", NULL);
}

static void test_pick_single_and_ties(void **state)
{
    struct fixture *f = *state;
    add_region(f, "eu-west", true);
    add_database(f, "eu-west", "eu-west-db2", true);
    expect_pick(f, "eu-west", "eu-west-db2");
    /* empty databases tie at 0: lowest db_code wins, whatever the insertion order */
    add_database(f, "eu-west", "eu-west-db1", true);
    expect_pick(f, "eu-west", "eu-west-db1");
    add_app(f, "eu-west", "eu-west-db1", false);
    expect_pick(f, "eu-west", "eu-west-db2");
    add_app(f, "eu-west", "eu-west-db2", false);
    expect_pick(f, "eu-west", "eu-west-db1"); /* 1:1 tie → lowest */
}

static void test_pick_least_loaded(void **state)
{
    struct fixture *f = *state;
    add_region(f, "eu-west", true);
    add_region(f, "us-east", true);
    add_database(f, "eu-west", "eu-a", true);
    add_database(f, "eu-west", "eu-b", true);
    add_database(f, "eu-west", "eu-c", true);
    add_database(f, "us-east", "us-a", true);
    for (int i = 0; i < 3; i++)
        add_app(f, "eu-west", "eu-a", false);
    for (int i = 0; i < 2; i++)
        add_app(f, "eu-west", "eu-b", false);
    char eu_c[4][37];
    for (int i = 0; i < 4; i++)
        add_app_id(f, "eu-west", "eu-c", false, eu_c[i]);
    expect_pick(f, "eu-west", "eu-b"); /* 3 / 2 / 4 */
    /* deleted apps do not count */
    for (int i = 0; i < 2; i++)
        add_app(f, "eu-west", "eu-a", true);
    for (int i = 0; i < 4; i++)
        assert_int_equal(store_app_soft_delete(f->c, eu_c[i], 5), DB_DONE);
    expect_pick(f, "eu-west", "eu-c"); /* 3 / 2 / 0 live */
    /* deleting a deleted app again changes nothing */
    assert_int_equal(store_app_soft_delete(f->c, eu_c[0], 6), DB_DONE);
    expect_pick(f, "eu-west", "eu-c");
    /* another region's database never answers, however empty */
    expect_pick(f, "us-east", "us-a");
    add_app(f, "us-east", "us-a", false);
    expect_pick(f, "eu-west", "eu-c");
}

static void test_pick_ignores_inactive(void **state)
{
    struct fixture *f = *state;
    add_region(f, "eu-west", true);
    add_database(f, "eu-west", "eu-a", true);
    add_database(f, "eu-west", "eu-b", false); /* empty but inactive */
    add_app(f, "eu-west", "eu-a", false);
    add_app(f, "eu-west", "eu-a", false);
    expect_pick(f, "eu-west", "eu-a");
    /* deactivate the only active one → none */
    assert_int_equal(db_exec(f->c, "UPDATE region_databases SET active = 0 WHERE db_code = 'eu-a'"),
                     DB_OK);
    expect_pick(f, "eu-west", NULL);
    /* reactivate the empty one → it is picked */
    assert_int_equal(db_exec(f->c, "UPDATE region_databases SET active = 1 WHERE db_code = 'eu-b'"),
                     DB_OK);
    expect_pick(f, "eu-west", "eu-b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_region_get_insert_update, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_region_list_keyset, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_database_crud_and_list, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pick_no_database, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pick_single_and_ties, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pick_least_loaded, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_pick_ignores_inactive, setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
