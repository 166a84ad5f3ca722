/*
 * outbox.c — SQL for the email outbox (see outbox.h).
 */
#include "store/outbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "store/ids.h"
#include "store/rows.h"
#include "util/timeutil.h"

/* Printable ASCII or UTF-8 continuation/lead bytes; no C0 controls, no DEL. */
static bool outbox_text_is_clean(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char ch = (unsigned char)s[n];
        if (ch < 0x20 || ch == 0x7f || n >= max)
            return false;
    }
    return n > 0;
}

int store_outbox_enqueue(struct db_conn *c, const char *recipient, const char *subject,
                         const char *body)
{
    if (!recipient || !subject || !body || !outbox_text_is_clean(recipient, 254) ||
        !outbox_text_is_clean(subject, OUTBOX_SUBJECT_MAX)) {
        fprintf(stderr, "tenantd: outbox refused a message with a malformed recipient or "
                        "subject\n");
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
    db_bind_text(s, 3, subject);
    db_bind_text(s, 4, body);
    db_bind_int(s, 5, time_now());
    int rc = db_step(s);
    db_finalize(s);
    if (rc != DB_DONE)
        return DB_ERROR;
    fprintf(stderr, "tenantd: email queued to %s: %s\n", recipient, subject);
    return DB_DONE;
}

int store_outbox_next_queued(struct db_conn *c, struct outbox_message *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *s = db_prepare(c, "SELECT id, recipient, subject, body, attempts FROM outbox "
                                      "WHERE status = 'queued' AND attempts < $1 "
                                      "ORDER BY id LIMIT 1");
    if (!s)
        return -1;
    db_bind_int(s, 1, OUTBOX_MAX_ATTEMPTS);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        snprintf(out->id, sizeof out->id, "%s", db_column_text(s, 0));
        snprintf(out->recipient, sizeof out->recipient, "%s", db_column_text(s, 1));
        snprintf(out->subject, sizeof out->subject, "%s", db_column_text(s, 2));
        const char *body = db_column_text(s, 3);
        out->body = strdup(body ? body : "");
        out->attempts = (int)db_column_int(s, 4);
        if (!out->body)
            found = -1;
    }
    db_finalize(s);
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
                      "body = '' WHERE id = $2");
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
        c, "UPDATE outbox SET attempts = attempts + 1, last_error = $1, "
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
