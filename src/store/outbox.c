/*
 * outbox.c — SQL for the email outbox (see outbox.h): enqueue with subject
 * sanitising (control characters refused, over-long subjects cut on a UTF-8
 * character boundary), atomic claims for senders, and the delivery outcome.
 */
#include "store/outbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "domain/utf8.h"
#include "store/ids.h"
#include "store/rows.h"
#include "util/timeutil.h"
#include "util/log.h"

#define OUTBOX_ELLIPSIS "\xe2\x80\xa6" /* U+2026 HORIZONTAL ELLIPSIS */
#define OUTBOX_RECIPIENT_MAX 254

/* Valid UTF-8, at least one code point, and no control character (C0, DEL, C1):
 * such text can be placed in a mail header without breaking it. */
static bool outbox_text_is_clean(const char *s, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(s, len, &pos, &cp) || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return false;
    }
    return len > 0;
}

/*
 * Copies the subject into out: verbatim when it has at most OUTBOX_SUBJECT_MAX bytes,
 * else its longest prefix that ends on a character boundary and leaves room for "…",
 * followed by "…". Contract: subject is untrusted text of any length; false (out
 * untouched) when it is empty, not valid UTF-8 or holds a control character.
 */
static bool outbox_subject_prepare(const char *subject, char out[OUTBOX_SUBJECT_MAX + 1])
{
    const size_t keep = OUTBOX_SUBJECT_MAX - (sizeof OUTBOX_ELLIPSIS - 1);
    size_t len = strlen(subject);
    if (!outbox_text_is_clean(subject, len))
        return false;
    if (len <= OUTBOX_SUBJECT_MAX) {
        memcpy(out, subject, len + 1);
        return true;
    }
    size_t pos = 0, cut = 0;
    uint32_t cp;
    while (utf8_next(subject, len, &pos, &cp) && pos <= keep)
        cut = pos;
    memcpy(out, subject, cut);
    memcpy(out + cut, OUTBOX_ELLIPSIS, sizeof OUTBOX_ELLIPSIS); /* with its NUL */
    return true;
}

int store_outbox_enqueue(struct db_conn *c, const char *recipient, const char *subject,
                         const char *body)
{
    char clean_subject[OUTBOX_SUBJECT_MAX + 1];
    size_t recipient_len = recipient ? strlen(recipient) : 0;
    if (!recipient || !subject || !body || recipient_len > OUTBOX_RECIPIENT_MAX ||
        !outbox_text_is_clean(recipient, recipient_len) ||
        !outbox_subject_prepare(subject, clean_subject) || !utf8_is_valid(body, strlen(body))) {
        log_event(LOG_WARN, "outbox refused a message with a malformed recipient, subject "
                            "or body");
        return DB_ERROR;
    }
    char id[37];
    if (store_new_id(id) != 0)
        return DB_ERROR;
    struct db_stmt *s = db_prepare(c, "INSERT INTO outbox (id, recipient, subject, body, status, "
                                      "attempts, created_at) VALUES ($1, $2, $3, $4, 'queued', "
                                      "0, $5)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, id);
    db_bind_text(s, 2, recipient);
    db_bind_text(s, 3, clean_subject);
    db_bind_text(s, 4, body);
    db_bind_int(s, 5, time_now());
    int rc = db_step(s);
    db_finalize(s);
    if (rc != DB_DONE)
        return DB_ERROR;
    log_event(LOG_WARN, "email queued to %s: %s", recipient, clean_subject);
    return DB_DONE;
}

#define OUTBOX_CLAIMABLE                                                                           \
    "FROM outbox WHERE status = 'queued' AND attempts < $1 "                                       \
    "AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT 1"

/* 1 when some message is claimable at now, 0 when none, -1 on error. A plain read:
 * an idle sender polls without taking the (cluster-wide) writer lock. */
static int outbox_any_claimable(struct db_conn *c, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "SELECT id " OUTBOX_CLAIMABLE);
    if (!s)
        return -1;
    db_bind_int(s, 1, OUTBOX_MAX_ATTEMPTS);
    db_bind_int(s, 2, now);
    int found = store_rows_found(db_step(s));
    db_finalize(s);
    return found;
}

/* Reads the claimable row (if any) inside the open write transaction. */
static int outbox_read_claimable(struct db_conn *c, int64_t now, struct outbox_message *out)
{
    char sql[384];
    if (!store_rows_with_lock(c, "SELECT id, recipient, subject, body, attempts " OUTBOX_CLAIMABLE,
                              true, sql, sizeof sql))
        return -1;
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    db_bind_int(s, 1, OUTBOX_MAX_ATTEMPTS);
    db_bind_int(s, 2, now);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        store_rows_copy_text(out->id, sizeof out->id, db_column_text(s, 0));
        store_rows_copy_text(out->recipient, sizeof out->recipient, db_column_text(s, 1));
        store_rows_copy_text(out->subject, sizeof out->subject, db_column_text(s, 2));
        const char *body = db_column_text(s, 3);
        out->body = strdup(body ? body : "");
        out->attempts = (int)db_column_int(s, 4);
        if (!out->body)
            found = -1;
    }
    db_finalize(s);
    return found;
}

int store_outbox_claim_next(struct db_conn *c, int64_t now, struct outbox_message *out)
{
    memset(out, 0, sizeof *out);
    int found = outbox_any_claimable(c, now);
    if (found != 1)
        return found;
    if (db_begin_write(c) != DB_OK)
        return -1;
    /* Re-read under the writer lock: another sender may have claimed it meanwhile. */
    found = outbox_read_claimable(c, now, out);
    if (found == 1) {
        struct db_stmt *s = db_prepare(c, "UPDATE outbox SET claimed_until = $1 WHERE id = $2");
        int rc = DB_ERROR;
        if (s) {
            db_bind_int(s, 1, now + OUTBOX_CLAIM_SECONDS);
            db_bind_text(s, 2, out->id);
            rc = db_step(s);
            db_finalize(s);
        }
        if (rc != DB_DONE || db_commit(c) != DB_OK)
            found = -1;
    }
    if (found != 1) {
        db_rollback(c);
        store_outbox_message_free(out);
    }
    return found;
}

void store_outbox_message_free(struct outbox_message *m)
{
    if (m->body) {
        crypto_wipe(m->body, strlen(m->body));
        free(m->body);
        m->body = NULL;
    }
}

int store_outbox_mark_sent(struct db_conn *c, const char *id, int64_t now)
{
    struct db_stmt *s =
        db_prepare(c, "UPDATE outbox SET status = 'sent', sent_at = $1, attempts = attempts + 1, "
                      "body = '', claimed_until = NULL WHERE id = $2");
    if (!s)
        return DB_ERROR;
    db_bind_int(s, 1, now);
    db_bind_text(s, 2, id);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

int store_outbox_mark_failed(struct db_conn *c, const char *id, const char *error, int permanent)
{
    struct db_stmt *s = db_prepare(
        c, "UPDATE outbox SET attempts = attempts + 1, last_error = $1, claimed_until = NULL, "
           "status = CASE WHEN $2 = 1 OR attempts + 1 >= $3 THEN 'failed' ELSE 'queued' END, "
           "body = CASE WHEN $2 = 1 OR attempts + 1 >= $3 THEN '' ELSE body END "
           "WHERE id = $4");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, error);
    db_bind_int(s, 2, permanent ? 1 : 0);
    db_bind_int(s, 3, OUTBOX_MAX_ATTEMPTS);
    db_bind_text(s, 4, id);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

/* Queued, not claimed, created at or before the cutoff: $1 cutoff, $2 now. */
#define OUTBOX_EXPIRED_QUEUED                                                                      \
    "status = 'queued' AND created_at <= $1 AND (claimed_until IS NULL OR claimed_until < $2)"

/* Runs an UPDATE/DELETE binding the given integers to $1..$n; changed rows or -1. */
static int64_t outbox_prune_step(struct db_conn *c, const char *sql, const int64_t *values,
                                 int count)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    for (int i = 0; i < count; i++)
        db_bind_int(s, i + 1, values[i]);
    int rc = db_step(s);
    int64_t changed = rc == DB_DONE ? db_changes(s) : -1;
    db_finalize(s);
    return changed;
}

int store_outbox_prune(struct db_conn *c, int64_t now, int64_t queued_max_age, int64_t done_max_age)
{
    const int64_t queued[2] = {now - queued_max_age, now};
    const int64_t done[1] = {now - done_max_age};
    struct db_stmt *s = db_prepare(c, "SELECT id FROM outbox WHERE (" OUTBOX_EXPIRED_QUEUED
                                      ") OR (status <> 'queued' AND "
                                      "COALESCE(sent_at, created_at) <= $3) LIMIT 1");
    if (!s)
        return -1;
    db_bind_int(s, 1, queued[0]);
    db_bind_int(s, 2, queued[1]);
    db_bind_int(s, 3, done[0]);
    int due = store_rows_found(db_step(s));
    db_finalize(s);
    if (due != 1)
        return due;
    if (db_begin_write(c) != DB_OK)
        return -1;
    int64_t expired = outbox_prune_step(c,
                                        "UPDATE outbox SET status = 'failed', body = '', "
                                        "claimed_until = NULL, last_error = 'expired before "
                                        "delivery' WHERE " OUTBOX_EXPIRED_QUEUED,
                                        queued, 2);
    int64_t deleted = expired < 0 ? -1
                                  : outbox_prune_step(c,
                                                      "DELETE FROM outbox WHERE status <> 'queued' "
                                                      "AND COALESCE(sent_at, created_at) <= $1",
                                                      done, 1);
    if (deleted < 0 || db_commit(c) != DB_OK) {
        db_rollback(c);
        return -1;
    }
    return (int)(expired + deleted);
}
