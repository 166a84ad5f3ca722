/*
 * tests/unit/test_store_writer_turns — db.c's writer turns on a real (temporary)
 * SQLite database: writers of one process get the turn in arrival order; a writer
 * that waits too long gets DB_BUSY and leaves the queue intact; the turn is given back
 * by commit, rollback, a failed begin and (for a forgetful caller) db_release, so it
 * can never leak; failures are classified (DB_UNAVAILABLE for a read-only database)
 * and remembered per thread. Threaded: also run under ThreadSanitizer (make unit-tsan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db.h"
#include "store_fixture.h"

#define WRITERS 6

static int setup(void **state)
{
    struct fixture *f = store_fixture_open("turns", WRITERS + 2, false, true);
    store_fixture_exec(f, "CREATE TABLE log (seq INTEGER PRIMARY KEY, who INTEGER)");
    db_release(f->db, f->c);
    f->c = NULL;
    *state = f;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until exactly n writers queue for the turn (fails after ~5 s). */
static void wait_for_waiters(struct db *db, unsigned n)
{
    for (int i = 0; i < 5000 && db_writers_waiting(db) != n; i++)
        sleep_ms(1);
    assert_int_equal(db_writers_waiting(db), n);
}

struct writer {
    struct db *db;
    int id;
    int begin_status;
};

/* Takes the turn, logs its id in a write transaction, commits. */
static void *writer_thread(void *arg)
{
    struct writer *w = arg;
    struct db_conn *c = db_acquire(w->db);
    w->begin_status = db_begin_write(c);
    if (w->begin_status == DB_OK) {
        struct db_stmt *s = db_prepare(c, "INSERT INTO log (who) VALUES ($1)");
        if (s) {
            db_bind_int(s, 1, w->id);
            db_step(s);
            db_finalize(s);
        }
        if (db_commit(c) != DB_OK)
            db_rollback(c);
    }
    db_release(w->db, c);
    return NULL;
}

static void test_writers_get_the_turn_in_arrival_order(void **state)
{
    struct fixture *f = *state;
    struct db_conn *holder = db_acquire(f->db);
    assert_int_equal(db_begin_write(holder), DB_OK);
    pthread_t threads[WRITERS - 1];
    struct writer writers[WRITERS - 1];
    for (int i = 0; i < WRITERS - 1; i++) {
        writers[i] = (struct writer){.db = f->db, .id = i + 1};
        assert_int_equal(pthread_create(&threads[i], NULL, writer_thread, &writers[i]), 0);
        wait_for_waiters(f->db, (unsigned)i + 1); /* queued before the next one starts */
    }
    assert_int_equal(db_commit(holder), DB_OK); /* hands the turn to writer 1 */
    db_release(f->db, holder);
    for (int i = 0; i < WRITERS - 1; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(writers[i].begin_status, DB_OK);
    }
    assert_int_equal(db_writers_waiting(f->db), 0);
    struct db_conn *c = db_acquire(f->db);
    struct db_stmt *s = db_prepare(c, "SELECT who FROM log ORDER BY seq");
    assert_non_null(s);
    for (int i = 1; i < WRITERS; i++) {
        assert_int_equal(db_step(s), DB_ROW);
        assert_int_equal(db_column_int(s, 0), i);
    }
    assert_int_equal(db_step(s), DB_DONE);
    db_finalize(s);
    db_release(f->db, c);
}

static void test_a_writer_that_waits_too_long_gets_busy(void **state)
{
    struct fixture *f = *state;
    db_set_writer_wait_ms(f->db, 200);
    struct db_conn *holder = db_acquire(f->db);
    assert_int_equal(db_begin_write(holder), DB_OK);
    pthread_t late;
    struct writer w = {.db = f->db, .id = 7};
    assert_int_equal(pthread_create(&late, NULL, writer_thread, &w), 0);
    pthread_join(late, NULL);
    assert_int_equal(w.begin_status, DB_BUSY);
    assert_int_equal(db_writers_waiting(f->db), 0); /* it left the queue */
    db_rollback(holder);
    /* The turn is free again: the next writer gets it at once. */
    struct writer next = {.db = f->db, .id = 8};
    writer_thread(&next);
    assert_int_equal(next.begin_status, DB_OK);
    db_release(f->db, holder);
}

/* Asserts the turn is free: another connection takes it without waiting. */
static void assert_turn_free(struct fixture *f)
{
    db_set_writer_wait_ms(f->db, 50);
    struct db_conn *c = db_acquire(f->db);
    assert_int_equal(db_begin_write(c), DB_OK);
    db_rollback(c);
    db_release(f->db, c);
    db_set_writer_wait_ms(f->db, 5000);
}

static void test_every_path_gives_the_turn_back(void **state)
{
    struct fixture *f = *state;
    struct db_conn *c = db_acquire(f->db);

    assert_int_equal(db_begin_write(c), DB_OK); /* commit */
    assert_int_equal(db_commit(c), DB_OK);
    assert_turn_free(f);

    assert_int_equal(db_begin_write(c), DB_OK); /* rollback */
    db_rollback(c);
    assert_turn_free(f);

    /* A failed begin (SQLite refuses BEGIN inside a transaction) gives it back. */
    assert_int_equal(db_begin_read(c), DB_OK);
    assert_int_not_equal(db_begin_write(c), DB_OK);
    db_rollback(c);
    assert_turn_free(f);

    /* A caller that forgets to end its transaction: db_release rolls back. */
    assert_int_equal(db_begin_write(c), DB_OK);
    const char *who[] = {"99"};
    assert_int_equal(db_run(c, "INSERT INTO log (who) VALUES ($1)", 1, who), DB_DONE);
    db_release(f->db, c);
    assert_turn_free(f);
    c = db_acquire(f->db);
    struct db_stmt *s = db_prepare(c, "SELECT COUNT(*) FROM log WHERE who = 99");
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    assert_int_equal(db_column_int(s, 0), 0); /* rolled back, not committed */
    db_finalize(s);
    db_release(f->db, c);
}

static void test_failures_are_classified_and_remembered_per_thread(void **state)
{
    struct fixture *f = *state;
    struct db_conn *c = db_acquire(f->db);
    db_thread_failure_reset();
    assert_int_equal(db_thread_failure(), DB_OK);
    assert_null(db_prepare(c, "SELECT nonsense FROM nowhere"));
    assert_int_equal(db_thread_failure(), DB_ERROR);
    assert_int_equal(db_failure_class(DB_ERROR), DB_ERROR);
    /* A database that refuses writes (here: query_only; the integration suite uses a
     * really read-only file system) is unavailable, not a bug. */
    assert_int_equal(db_exec(c, "PRAGMA query_only = 1"), DB_OK);
    const char *who[] = {"1"};
    assert_int_equal(db_run(c, "INSERT INTO log (who) VALUES ($1)", 1, who), DB_UNAVAILABLE);
    assert_int_equal(db_thread_failure(), DB_UNAVAILABLE);
    /* A store function that only says "failed" is refined by what the thread saw. */
    assert_int_equal(db_failure_class(DB_ERROR), DB_UNAVAILABLE);
    assert_int_equal(db_failure_class(DB_BUSY), DB_UNAVAILABLE); /* the graver cause */
    assert_int_equal(db_exec(c, "PRAGMA query_only = 0"), DB_OK);
    db_thread_failure_reset();
    assert_int_equal(db_failure_class(DB_ERROR), DB_ERROR);
    assert_int_equal(db_failure_class(DB_BUSY), DB_BUSY);
    db_release(f->db, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writers_get_the_turn_in_arrival_order, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_a_writer_that_waits_too_long_gets_busy, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_every_path_gives_the_turn_back, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_failures_are_classified_and_remembered_per_thread,
                                        setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
