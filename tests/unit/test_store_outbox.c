/*
 * tests/unit/test_store_outbox — the outbox store on a real (temporary) SQLite
 * database with the real schema: enqueue refuses header-breaking subjects, the
 * sender sees the oldest queued message, and a body (which may carry an invitation
 * link, i.e. a credential) does not outlive delivery: it is cleared when the message
 * is sent and when it fails for good, and kept while a retry is still due.
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

#include "store/db.h"
#include "store/migrations.h"
#include "store/outbox.h"

#define SECRET_LINK "https://id.example/#/accept?token=SECRETTOKEN0123456789abcdefghijklmnopqrstu"

struct fixture {
    char dir[64];
    char path[128];
    struct db *db;
    struct db_conn *c;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/tenantd-outbox-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "sqlite:%s/t.db", f->dir);
    char err[256] = "";
    f->db = db_open(f->path, 1, err, sizeof err);
    if (!f->db)
        fail_msg("db_open: %s", err);
    if (migrations_apply(f->db, err, sizeof err) != 0)
        fail_msg("migrations_apply: %s", err);
    f->c = db_acquire(f->db);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
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
    return 0;
}

/* The stored body and status of message id (copied into the buffers). */
static void row_of(struct fixture *f, const char *id, char *body, size_t body_size, char *status,
                   size_t status_size)
{
    struct db_stmt *s = db_prepare(f->c, "SELECT body, status FROM outbox WHERE id = $1");
    assert_non_null(s);
    db_bind_text(s, 1, id);
    assert_int_equal(db_step(s), DB_ROW);
    snprintf(body, body_size, "%s", db_column_text(s, 0));
    snprintf(status, status_size, "%s", db_column_text(s, 1));
    db_finalize(s);
}

static void enqueue_invitation(struct fixture *f, const char *to, struct outbox_message *m)
{
    assert_int_equal(store_outbox_enqueue(f->c, to, "You are invited", "Accept: " SECRET_LINK "\n"),
                     DB_DONE);
    assert_int_equal(store_outbox_next_queued(f->c, m), 1);
    assert_string_equal(m->recipient, to);
    assert_non_null(strstr(m->body, SECRET_LINK));
}

static void test_sent_body_is_cleared(void **state)
{
    struct fixture *f = *state;
    struct outbox_message m;
    enqueue_invitation(f, "a@example.com", &m);
    char body[512], status[16];
    row_of(f, m.id, body, sizeof body, status, sizeof status);
    assert_non_null(strstr(body, SECRET_LINK)); /* kept until delivered */
    assert_int_equal(store_outbox_mark_sent(f->c, m.id, 1700000000), DB_DONE);
    row_of(f, m.id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "sent");
    assert_string_equal(body, "");
    store_outbox_message_free(&m);
    assert_null(m.body);
    assert_int_equal(store_outbox_next_queued(f->c, &m), 0);
}

static void test_retry_keeps_body_final_failure_clears_it(void **state)
{
    struct fixture *f = *state;
    struct outbox_message m;
    enqueue_invitation(f, "b@example.com", &m);
    char body[512], status[16];
    for (int i = 1; i < OUTBOX_MAX_ATTEMPTS; i++) {
        assert_int_equal(store_outbox_mark_failed(f->c, m.id, "connection refused", 0), DB_DONE);
        row_of(f, m.id, body, sizeof body, status, sizeof status);
        assert_string_equal(status, "queued");
        assert_non_null(strstr(body, SECRET_LINK)); /* still needed for the retry */
    }
    assert_int_equal(store_outbox_mark_failed(f->c, m.id, "connection refused", 0), DB_DONE);
    row_of(f, m.id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "failed");
    assert_string_equal(body, "");
    store_outbox_message_free(&m);

    /* a permanent failure clears it at once */
    enqueue_invitation(f, "c@example.com", &m);
    assert_int_equal(store_outbox_mark_failed(f->c, m.id, "550 no such user", 1), DB_DONE);
    row_of(f, m.id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "failed");
    assert_string_equal(body, "");
    store_outbox_message_free(&m);
}

static void test_enqueue_refuses_header_injection(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "Hi\r\nBcc: x@evil.test", "b"),
                     DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com\n", "Hi", "b"), DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "", "b"), DB_ERROR);
    char long_subject[OUTBOX_SUBJECT_MAX + 2];
    memset(long_subject, 's', sizeof long_subject - 1);
    long_subject[sizeof long_subject - 1] = '\0';
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", long_subject, "b"), DB_ERROR);
    struct outbox_message m;
    assert_int_equal(store_outbox_next_queued(f->c, &m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sent_body_is_cleared, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_keeps_body_final_failure_clears_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_refuses_header_injection, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
