/*
 * tests/unit/store_fixture.h — the fixture the store unit tests share: a real
 * SQLite database in a fresh temporary directory (with the real schema when asked),
 * one pooled connection held for the test, and the cleanup that removes it all.
 * Header-only (static functions): each test is one translation unit.
 */
#ifndef TENANTD_TESTS_STORE_FIXTURE_H
#define TENANTD_TESTS_STORE_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/db.h"
#include "store/migrations.h"

struct fixture {
    char dir[64];
    char url[128]; /* "sqlite:<dir>/t.db" */
    struct db *db;
    struct db_conn *c; /* held for the test when opened with hold_connection */
    int next_app;      /* for tests that mint app ids */
};

/*
 * Opens a pool of pool_size connections on a new database under
 * /tmp/tenantd-<name>-XXXXXX; migrate applies the schema; hold_connection acquires
 * f->c. Fails the test on any error.
 */
static inline struct fixture *store_fixture_open(const char *name, unsigned pool_size, bool migrate,
                                                 bool hold_connection)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tenantd-%s-XXXXXX", name);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->url, sizeof f->url, "sqlite:%s/t.db", f->dir);
    char err[256] = "";
    f->db = db_open(f->url, pool_size, err, sizeof err);
    if (!f->db)
        fail_msg("db_open: %s", err);
    if (migrate && migrations_apply(f->db, err, sizeof err) != 0)
        fail_msg("migrations_apply: %s", err);
    if (hold_connection)
        f->c = db_acquire(f->db);
    return f;
}

/* Runs sql (one or more statements) on f->c; fails the test when it does not run. */
static inline void store_fixture_exec(struct fixture *f, const char *sql)
{
    if (db_exec(f->c, sql) != DB_OK)
        fail_msg("%s: %s", sql, db_error_message(f->c));
}

/* Releases the connection, closes the pool and removes the database files. */
static inline void store_fixture_close(struct fixture *f)
{
    if (f->c)
        db_release(f->db, f->c);
    db_close(f->db);
    char file[160];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(file, sizeof file, "%s/t.db%s", f->dir, suffixes[i]);
        unlink(file);
    }
    rmdir(f->dir);
    free(f);
}

/* cmocka teardown for every store test. */
static inline int store_fixture_teardown(void **state)
{
    store_fixture_close(*state);
    return 0;
}

#endif
