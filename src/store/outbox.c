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

enum db_status store_outbox_enqueue(struct db_conn *c, const char *recipient, const char *subject,
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
    enum db_status rc = store_rows_change(
        c,
        "INSERT INTO outbox (id, recipient, subject, body, status, attempts, created_at) "
        "VALUES ($1, $2, $3, $4, 'queued', 0, $5)",
        STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(recipient), STORE_TEXT(clean_subject),
                     STORE_TEXT(body), STORE_INT(time_now())),
        NULL);
    if (rc != DB_DONE)
        return DB_ERROR;
    log_event(LOG_WARN, "email queued to %s: %s", recipient, clean_subject);
    return DB_DONE;
}

#define OUTBOX_CLAIMABLE                                                                           \
    "FROM outbox WHERE status = 'queued' AND attempts < $1 "                                       \
    "AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY id LIMIT 1"

/* DB_DONE when some message is claimable at now, DB_NOT_FOUND when none, or the
 * failure. A plain read: an idle sender polls without taking the (cluster-wide) writer
 * lock. */
static enum db_status outbox_any_claimable(struct db_conn *c, int64_t now)
{
    return store_rows_exists(c, "SELECT id " OUTBOX_CLAIMABLE,
                             STORE_PARAMS(STORE_INT(OUTBOX_MAX_ATTEMPTS), STORE_INT(now)));
}

/* store_row_reader_fn for a claimable row into a struct outbox_message. */
static enum db_status outbox_read_message(struct db_stmt *s, void *arg)
{
    struct outbox_message *out = arg;
    store_rows_copy_text(out->id, sizeof out->id, db_column_text(s, 0));
    store_rows_copy_text(out->recipient, sizeof out->recipient, db_column_text(s, 1));
    store_rows_copy_text(out->subject, sizeof out->subject, db_column_text(s, 2));
    const char *body = db_column_text(s, 3);
    out->body = strdup(body ? body : "");
    out->attempts = (int)db_column_int(s, 4);
    return out->body ? DB_OK : DB_ERROR;
}

/* Reads the claimable row (if any) inside the open write transaction. */
static enum db_status outbox_read_claimable(struct db_conn *c, int64_t now,
                                            struct outbox_message *out)
{
    char sql[384];
    if (!store_rows_with_lock(c, "SELECT id, recipient, subject, body, attempts " OUTBOX_CLAIMABLE,
                              true, sql, sizeof sql))
        return DB_ERROR;
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_INT(OUTBOX_MAX_ATTEMPTS), STORE_INT(now)),
                              outbox_read_message, out);
}

enum db_status store_outbox_claim_next(struct db_conn *c, int64_t now, struct outbox_message *out)
{
    memset(out, 0, sizeof *out);
    enum db_status found = outbox_any_claimable(c, now);
    if (found != DB_DONE)
        return found;
    int begun = db_begin_write(c);
    if (begun != DB_OK)
        return (enum db_status)begun;
    /* Re-read under the writer lock: another sender may have claimed it meanwhile. */
    found = outbox_read_claimable(c, now, out);
    if (found == DB_DONE) {
        enum db_status rc = store_rows_change(
            c, "UPDATE outbox SET claimed_until = $1 WHERE id = $2",
            STORE_PARAMS(STORE_INT(now + OUTBOX_CLAIM_SECONDS), STORE_TEXT(out->id)), NULL);
        int committed = rc == DB_DONE ? db_commit(c) : DB_OK;
        if (rc != DB_DONE)
            found = rc;
        else if (committed != DB_OK)
            found = (enum db_status)committed;
    }
    if (found != DB_DONE) {
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

enum db_status store_outbox_mark_sent(struct db_conn *c, const char *id, int64_t now)
{
    enum db_status rc =
        store_rows_change(c,
                          "UPDATE outbox SET status = 'sent', sent_at = $1, "
                          "attempts = attempts + 1, body = '', claimed_until = NULL WHERE id = $2",
                          STORE_PARAMS(STORE_INT(now), STORE_TEXT(id)), NULL);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

enum db_status store_outbox_mark_failed(struct db_conn *c, const char *id, const char *error,
                                        int permanent)
{
    enum db_status rc = store_rows_change(
        c,
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1, claimed_until = NULL, "
        "status = CASE WHEN $2 = 1 OR attempts + 1 >= $3 THEN 'failed' ELSE 'queued' END, "
        "body = CASE WHEN $2 = 1 OR attempts + 1 >= $3 THEN '' ELSE body END "
        "WHERE id = $4",
        STORE_PARAMS(STORE_TEXT(error), STORE_BOOL(permanent), STORE_INT(OUTBOX_MAX_ATTEMPTS),
                     STORE_TEXT(id)),
        NULL);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

/* Queued, not claimed, created at or before the cutoff: $1 cutoff, $2 now. */
#define OUTBOX_EXPIRED_QUEUED                                                                      \
    "status = 'queued' AND created_at <= $1 AND (claimed_until IS NULL OR claimed_until < $2)"

/* Runs an UPDATE/DELETE and adds the rows it changed to *changed. */
static enum db_status outbox_prune_step(struct db_conn *c, const char *sql,
                                        const struct store_param *params, size_t n,
                                        int64_t *changed)
{
    struct db_stmt *s = store_rows_prepare(c, sql, params, n);
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    if (rc == DB_DONE)
        *changed += db_changes(s);
    db_finalize(s);
    return (enum db_status)rc;
}

enum db_status store_outbox_prune(struct db_conn *c, int64_t now, int64_t queued_max_age,
                                  int64_t done_max_age, int64_t *pruned)
{
    *pruned = 0;
    const int64_t queued_cutoff = now - queued_max_age, done_cutoff = now - done_max_age;
    enum db_status due = store_rows_exists(
        c,
        "SELECT id FROM outbox WHERE (" OUTBOX_EXPIRED_QUEUED ") OR (status <> 'queued' AND "
        "COALESCE(sent_at, created_at) <= $3) LIMIT 1",
        STORE_PARAMS(STORE_INT(queued_cutoff), STORE_INT(now), STORE_INT(done_cutoff)));
    if (due != DB_DONE)
        return due == DB_NOT_FOUND ? DB_DONE : due;
    int begun = db_begin_write(c);
    if (begun != DB_OK)
        return (enum db_status)begun;
    int64_t changed = 0;
    enum db_status rc =
        outbox_prune_step(c,
                          "UPDATE outbox SET status = 'failed', body = '', "
                          "claimed_until = NULL, last_error = 'expired before "
                          "delivery' WHERE " OUTBOX_EXPIRED_QUEUED,
                          STORE_PARAMS(STORE_INT(queued_cutoff), STORE_INT(now)), &changed);
    if (rc == DB_DONE)
        rc = outbox_prune_step(c,
                               "DELETE FROM outbox WHERE status <> 'queued' "
                               "AND COALESCE(sent_at, created_at) <= $1",
                               STORE_PARAMS(STORE_INT(done_cutoff)), &changed);
    if (rc == DB_DONE) {
        int committed = db_commit(c);
        if (committed != DB_OK)
            rc = (enum db_status)committed;
    }
    if (rc != DB_DONE) {
        db_rollback(c);
        return rc;
    }
    *pruned = changed;
    return DB_DONE;
}
