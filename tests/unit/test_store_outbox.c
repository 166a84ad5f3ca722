/*
 * tests/unit/test_store_outbox — the outbox store on a real (temporary) SQLite
 * database with the real schema: enqueue refuses header-breaking subjects and
 * shortens over-long ones on a UTF-8 character boundary (R4); a sender claims the
 * oldest queued message atomically, so two claims never return the same message,
 * also from two threads on two connections, while an expired claim is taken again
 * and mark_sent / mark_failed release it; and a body (which may carry an invitation
 * link, i.e. a credential) does not outlive delivery: it is cleared when the message
 * is sent and when it fails for good, and kept while a retry is still due; and the
 * retention (store_outbox_prune): queued mail expires with the invitation lifetime
 * (body cleared), finished rows are deleted after the keep period.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "domain/utf8.h"
#include "store/db.h"
#include "store/migrations.h"
#include "store/outbox.h"
#include "store_fixture.h"

#define NOW 1700000000
#define SECRET_LINK "https://id.example/#/accept?token=SECRETTOKEN0123456789abcdefghijklmnopqrstu"

static int setup(void **state)
{
    *state = store_fixture_open("outbox", 1, true, true);
    return 0;
}

/* store_outbox_prune, which must succeed: the number of rows it expired or deleted. */
static int64_t prune(struct fixture *f, int64_t now, int64_t queued_max_age, int64_t done_max_age)
{
    int64_t pruned = -1;
    assert_int_equal(store_outbox_prune(f->c, now, queued_max_age, done_max_age, &pruned), DB_DONE);
    return pruned;
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
    assert_int_equal(store_outbox_claim_next(f->c, NOW, m), DB_DONE);
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
    assert_int_equal(store_outbox_claim_next(f->c, NOW + 1000, &m), DB_NOT_FOUND);
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
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "Hi\tthere", "b"), DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "Hi\x7f", "b"), DB_ERROR);
    /* U+0085 NEXT LINE (C1), which some mail software treats as a line break */
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "Hi\xc2\x85x", "b"), DB_ERROR);
    /* not UTF-8: a cut sequence, an overlong '/', a lone continuation byte */
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "caf\xc3", "b"), DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "a\xc0\xaf!", "b"), DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "\x80", "b"), DB_ERROR);
    assert_int_equal(store_outbox_enqueue(f->c, "d@example.com", "Hi", "body \xe2\x82"), DB_ERROR);
    char long_recipient[300];
    memset(long_recipient, 'r', sizeof long_recipient - 1);
    long_recipient[sizeof long_recipient - 1] = '\0';
    assert_int_equal(store_outbox_enqueue(f->c, long_recipient, "Hi", "b"), DB_ERROR);
    struct outbox_message m;
    assert_int_equal(store_outbox_claim_next(f->c, NOW, &m), DB_NOT_FOUND);
}

/* The stored subject of the next claimable message, read from the table itself (not
 * through struct outbox_message, whose buffer would hide an over-long value); the
 * message is then marked sent so the next call sees the next one. */
static void stored_subject(struct fixture *f, char *out, size_t size)
{
    struct outbox_message m;
    assert_int_equal(store_outbox_claim_next(f->c, NOW, &m), DB_DONE);
    struct db_stmt *s = db_prepare(f->c, "SELECT subject FROM outbox WHERE id = $1");
    assert_non_null(s);
    db_bind_text(s, 1, m.id);
    assert_int_equal(db_step(s), DB_ROW);
    int n = snprintf(out, size, "%s", db_column_text(s, 0));
    assert_true(n >= 0 && (size_t)n < size);
    db_finalize(s);
    assert_string_equal(m.subject, out);
    assert_int_equal(store_outbox_mark_sent(f->c, m.id, NOW), DB_DONE);
    store_outbox_message_free(&m);
}

#define INVITED "You are invited to join "
#define ELLIPSIS "\xe2\x80\xa6"

/* prefix + ch repeated count times, into out (asserts it fits). */
static void repeat(char *out, size_t size, const char *prefix, const char *ch, int count)
{
    int n = snprintf(out, size, "%s", prefix);
    for (int i = 0; i < count; i++)
        n += snprintf(out + n, size - (size_t)n, "%s", ch);
    assert_true((size_t)n < size);
}

/* R4: a subject holding a long multi-byte tenant name is cut at a character
 * boundary, within OUTBOX_SUBJECT_MAX bytes, and marked with "…". */
static void test_long_subject_is_cut_on_a_character_boundary(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *ch;
        int kept; /* whole characters that fit before the ellipsis */
    } cases[] = {
        {"\xc3\xa9", 86},         /* é: 24 + 2*86 = 196 <= 197 */
        {"\xe6\xbc\xa2", 57},     /* 漢: 24 + 3*57 = 195 */
        {"\xf0\x9f\x98\x80", 43}, /* 😀: 24 + 4*43 = 196 */
    };
    char subject[512], expected[512], got[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        repeat(subject, sizeof subject, INVITED, cases[i].ch, 100); /* a 100-char name */
        assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", subject, "b"), DB_DONE);
        stored_subject(f, got, sizeof got);
        repeat(expected, sizeof expected, INVITED, cases[i].ch, cases[i].kept);
        assert_true(strlen(expected) + 3 <= OUTBOX_SUBJECT_MAX);
        strncat(expected, ELLIPSIS, sizeof expected - strlen(expected) - 1);
        assert_string_equal(got, expected);
        assert_true(strlen(got) <= OUTBOX_SUBJECT_MAX);
        assert_true(utf8_is_valid(got, strlen(got)));
    }

    /* every alignment of every character width against the cut point */
    const char *chars[] = {"\xc3\xa9", "\xe6\xbc\xa2", "\xf0\x9f\x98\x80"};
    for (size_t w = 0; w < 3; w++) {
        for (int pad = 0; pad < 4; pad++) {
            char prefix[8] = "";
            memset(prefix, 'p', (size_t)pad);
            prefix[pad] = '\0';
            repeat(subject, sizeof subject, prefix, chars[w], 120);
            assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", subject, "b"), DB_DONE);
            stored_subject(f, got, sizeof got);
            size_t len = strlen(got);
            assert_true(len <= OUTBOX_SUBJECT_MAX && len > OUTBOX_SUBJECT_MAX - 7);
            assert_true(utf8_is_valid(got, len));
            assert_string_equal(got + len - 3, ELLIPSIS);
            assert_memory_equal(got, subject, len - 3); /* a prefix of the original */
        }
    }

    /* ASCII: exactly OUTBOX_SUBJECT_MAX bytes is kept as is, one more is cut */
    char ascii[OUTBOX_SUBJECT_MAX + 2];
    memset(ascii, 's', OUTBOX_SUBJECT_MAX);
    ascii[OUTBOX_SUBJECT_MAX] = '\0';
    assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", ascii, "b"), DB_DONE);
    stored_subject(f, got, sizeof got);
    assert_string_equal(got, ascii);
    ascii[OUTBOX_SUBJECT_MAX] = 's';
    ascii[OUTBOX_SUBJECT_MAX + 1] = '\0';
    assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", ascii, "b"), DB_DONE);
    stored_subject(f, got, sizeof got);
    assert_int_equal(strlen(got), OUTBOX_SUBJECT_MAX);
    assert_memory_equal(got, ascii, OUTBOX_SUBJECT_MAX - 3);
    assert_string_equal(got + OUTBOX_SUBJECT_MAX - 3, ELLIPSIS);

    /* a short multi-byte subject is untouched */
    assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", INVITED "Caf\xc3\xa9", "b"),
                     DB_DONE);
    stored_subject(f, got, sizeof got);
    assert_string_equal(got, INVITED "Caf\xc3\xa9");
}

/* claimed_until of message id; -1 when NULL. */
static int64_t claim_of(struct fixture *f, const char *id)
{
    struct db_stmt *s = db_prepare(f->c, "SELECT claimed_until FROM outbox WHERE id = $1");
    assert_non_null(s);
    db_bind_text(s, 1, id);
    assert_int_equal(db_step(s), DB_ROW);
    int64_t v = db_column_is_null(s, 0) ? -1 : db_column_int(s, 0);
    db_finalize(s);
    return v;
}

static void test_claims_are_exclusive_and_expire(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_outbox_enqueue(f->c, "one@example.com", "first", "b1"), DB_DONE);
    assert_int_equal(store_outbox_enqueue(f->c, "two@example.com", "second", "b2"), DB_DONE);
    struct outbox_message a, b, none;
    assert_int_equal(store_outbox_claim_next(f->c, NOW, &a), DB_DONE);
    assert_string_equal(a.recipient, "one@example.com"); /* oldest first */
    assert_int_equal(claim_of(f, a.id), NOW + OUTBOX_CLAIM_SECONDS);
    assert_int_equal(store_outbox_claim_next(f->c, NOW, &b), DB_DONE);
    assert_string_equal(b.recipient, "two@example.com");
    assert_string_not_equal(a.id, b.id);
    assert_int_equal(store_outbox_claim_next(f->c, NOW + 1, &none), DB_NOT_FOUND);
    assert_null(none.body);
    /* still claimed at the last second of the claim */
    assert_int_equal(store_outbox_claim_next(f->c, NOW + OUTBOX_CLAIM_SECONDS, &none),
                     DB_NOT_FOUND);

    /* a sender crashed and its claim expired: the message is claimed again */
    int64_t later = NOW + OUTBOX_CLAIM_SECONDS + 1;
    struct outbox_message again;
    assert_int_equal(store_outbox_claim_next(f->c, later, &again), DB_DONE);
    assert_string_equal(again.id, a.id);
    assert_string_equal(again.body, "b1");
    assert_int_equal(claim_of(f, a.id), later + OUTBOX_CLAIM_SECONDS);

    /* mark_sent releases the claim (and the message is done) */
    assert_int_equal(store_outbox_mark_sent(f->c, again.id, later), DB_DONE);
    assert_int_equal(claim_of(f, again.id), -1);
    /* mark_failed releases the claim: the retry need not wait for expiry */
    assert_int_equal(store_outbox_mark_failed(f->c, b.id, "connection refused", 0), DB_DONE);
    assert_int_equal(claim_of(f, b.id), -1);
    struct outbox_message retry;
    assert_int_equal(store_outbox_claim_next(f->c, NOW + 2, &retry), DB_DONE);
    assert_string_equal(retry.id, b.id);
    assert_int_equal(retry.attempts, 1);
    /* ... also when the failure is final */
    assert_int_equal(store_outbox_mark_failed(f->c, retry.id, "550 no such user", 1), DB_DONE);
    assert_int_equal(claim_of(f, retry.id), -1);
    assert_int_equal(store_outbox_claim_next(f->c, later * 2, &none), DB_NOT_FOUND);

    store_outbox_message_free(&a);
    store_outbox_message_free(&b);
    store_outbox_message_free(&again);
    store_outbox_message_free(&retry);
}

/* Rows in the outbox, and the last_error of message id ("" when NULL, "-" when
 * the row is gone). */
static int outbox_rows(struct fixture *f)
{
    struct db_stmt *s = db_prepare(f->c, "SELECT COUNT(*) FROM outbox");
    assert_non_null(s);
    assert_int_equal(db_step(s), DB_ROW);
    int n = (int)db_column_int(s, 0);
    db_finalize(s);
    return n;
}

static void last_error_of(struct fixture *f, const char *id, char *out, size_t size)
{
    struct db_stmt *s = db_prepare(f->c, "SELECT last_error FROM outbox WHERE id = $1");
    assert_non_null(s);
    db_bind_text(s, 1, id);
    int rc = db_step(s);
    const char *v = rc == DB_ROW ? db_column_text(s, 0) : "-";
    snprintf(out, size, "%s", v ? v : "");
    db_finalize(s);
}

#define TTL (72 * 3600)

/* Issue 9 item 8: a queued invitation (no SMTP, or a relay that never answers)
 * keeps its link only for the invitation's lifetime; then it is expired: failed,
 * body cleared, reason recorded. */
static void test_prune_expires_queued_mail_with_the_invitation(void **state)
{
    struct fixture *f = *state;
    int64_t t0 = time(NULL);
    assert_int_equal(
        store_outbox_enqueue(f->c, "q@example.com", "You are invited", "Accept: " SECRET_LINK "\n"),
        DB_DONE);
    struct outbox_message m;
    assert_int_equal(store_outbox_claim_next(f->c, t0, &m), DB_DONE);
    char id[37];
    snprintf(id, sizeof id, "%s", m.id);
    store_outbox_message_free(&m);
    char body[512], status[16], error[64];

    /* nothing due: nothing changes (and no write is attempted) */
    assert_int_equal(prune(f, t0 + 10, TTL, OUTBOX_DONE_KEEP_SECONDS), 0);
    /* due (a 30 s lifetime), but a sender holds the claim right now: left alone */
    assert_int_equal(prune(f, t0 + 60, 30, OUTBOX_DONE_KEEP_SECONDS), 0);
    row_of(f, id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "queued");
    assert_int_equal(store_outbox_mark_failed(f->c, id, "connection refused", 0), DB_DONE);
    /* one second before the lifetime ends: still queued, link kept for the retry */
    assert_int_equal(prune(f, t0 - 2 + TTL, TTL, OUTBOX_DONE_KEEP_SECONDS), 0);
    row_of(f, id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "queued");
    assert_non_null(strstr(body, SECRET_LINK));

    /* the lifetime is over: expired */
    assert_int_equal(prune(f, t0 + TTL + 1, TTL, OUTBOX_DONE_KEEP_SECONDS), 1);
    row_of(f, id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "failed");
    assert_string_equal(body, "");
    last_error_of(f, id, error, sizeof error);
    assert_string_equal(error, "expired before delivery");
    assert_int_equal(claim_of(f, id), -1);
    /* never claimed again, and a second pass has nothing to do */
    assert_int_equal(store_outbox_claim_next(f->c, t0 + TTL + 2, &m), DB_NOT_FOUND);
    assert_int_equal(prune(f, t0 + TTL + 2, TTL, OUTBOX_DONE_KEEP_SECONDS), 0);

    /* ... and the finished row is deleted after the keep period */
    assert_int_equal(prune(f, t0 + OUTBOX_DONE_KEEP_SECONDS + 1, TTL, OUTBOX_DONE_KEEP_SECONDS), 1);
    last_error_of(f, id, error, sizeof error);
    assert_string_equal(error, "-");
    assert_int_equal(outbox_rows(f), 0);
}

/* Finished rows (sent: counted from sent_at; failed: from created_at) are deleted
 * after the keep period; younger ones and queued ones stay. */
static void test_prune_deletes_finished_rows_after_the_keep_period(void **state)
{
    struct fixture *f = *state;
    const int64_t keep = 3600;
    int64_t t0 = time(NULL);
    struct outbox_message sent, failed, young;
    assert_int_equal(store_outbox_enqueue(f->c, "s@example.com", "sent", "b"), DB_DONE);
    assert_int_equal(store_outbox_enqueue(f->c, "f@example.com", "failed", "b"), DB_DONE);
    assert_int_equal(store_outbox_claim_next(f->c, t0, &sent), DB_DONE);
    assert_int_equal(store_outbox_claim_next(f->c, t0, &failed), DB_DONE);
    /* sent late: kept for the keep period after sending, not after queueing */
    assert_int_equal(store_outbox_mark_sent(f->c, sent.id, t0 + 600), DB_DONE);
    assert_int_equal(store_outbox_mark_failed(f->c, failed.id, "550 no such user", 1), DB_DONE);
    assert_int_equal(store_outbox_enqueue(f->c, "young@example.com", "queued", "b"), DB_DONE);
    assert_int_equal(store_outbox_claim_next(f->c, t0, &young), DB_DONE);
    assert_int_equal(store_outbox_mark_failed(f->c, young.id, "connection refused", 0), DB_DONE);
    assert_int_equal(outbox_rows(f), 3);

    assert_int_equal(prune(f, t0 + keep - 1, TTL, keep), 0);
    /* the failed one goes first (created at t0) */
    assert_int_equal(prune(f, t0 + keep + 1, TTL, keep), 1);
    char error[64];
    last_error_of(f, failed.id, error, sizeof error);
    assert_string_equal(error, "-");
    last_error_of(f, sent.id, error, sizeof error);
    assert_string_not_equal(error, "-");
    /* the sent one 600 s later */
    assert_int_equal(prune(f, t0 + 600 + keep + 1, TTL, keep), 1);
    last_error_of(f, sent.id, error, sizeof error);
    assert_string_equal(error, "-");
    /* the queued one is untouched by the keep period (its clock is the TTL) */
    assert_int_equal(outbox_rows(f), 1);
    char body[64], status[16];
    row_of(f, young.id, body, sizeof body, status, sizeof status);
    assert_string_equal(status, "queued");
    assert_string_equal(body, "b");
    store_outbox_message_free(&sent);
    store_outbox_message_free(&failed);
    store_outbox_message_free(&young);
}

#define RACE_MESSAGES 40
#define RACE_SENDERS 3

struct race {
    struct db *db;
    pthread_mutex_t lock;
    int claimed[RACE_MESSAGES]; /* times each message was claimed, by subject index */
    int errors;
};

/* One sender: claims until nothing is left, never marking anything (as if every send
 * were still in flight), so a message claimed twice would show up as a count of 2. */
static void *race_sender(void *arg)
{
    struct race *r = arg;
    struct db_conn *c = db_acquire(r->db);
    for (;;) {
        struct outbox_message m;
        enum db_status found = store_outbox_claim_next(c, NOW, &m);
        if (found == DB_NOT_FOUND)
            break;
        pthread_mutex_lock(&r->lock);
        if (found == DB_DONE) {
            int index = atoi(m.subject + strlen("message "));
            if (index >= 0 && index < RACE_MESSAGES)
                r->claimed[index]++;
            else
                r->errors++;
        } else {
            r->errors++;
        }
        pthread_mutex_unlock(&r->lock);
        store_outbox_message_free(&m);
        if (found < 0)
            break;
    }
    db_release(r->db, c);
    return NULL;
}

/* Several senders on their own connections, racing: every message is claimed exactly
 * once (the multi-node duplicate send this replaces). */
static void test_concurrent_claims_never_duplicate(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < RACE_MESSAGES; i++) {
        char subject[32];
        snprintf(subject, sizeof subject, "message %d", i);
        assert_int_equal(store_outbox_enqueue(f->c, "race@example.com", subject, "b"), DB_DONE);
    }
    char err[256] = "";
    struct race r;
    memset(&r, 0, sizeof r);
    r.db = db_open(f->url, RACE_SENDERS, err, sizeof err);
    if (!r.db)
        fail_msg("db_open: %s", err);
    pthread_mutex_init(&r.lock, NULL);
    pthread_t threads[RACE_SENDERS];
    for (int i = 0; i < RACE_SENDERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, race_sender, &r), 0);
    for (int i = 0; i < RACE_SENDERS; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_destroy(&r.lock);
    db_close(r.db);
    assert_int_equal(r.errors, 0);
    for (int i = 0; i < RACE_MESSAGES; i++)
        assert_int_equal(r.claimed[i], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sent_body_is_cleared, setup, store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_retry_keeps_body_final_failure_clears_it, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_refuses_header_injection, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_long_subject_is_cut_on_a_character_boundary, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_claims_are_exclusive_and_expire, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_claims_never_duplicate, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_prune_expires_queued_mail_with_the_invitation, setup,
                                        store_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_prune_deletes_finished_rows_after_the_keep_period,
                                        setup, store_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
