/*
 * outbox.h — outgoing email, stored before it is sent (SPEC §1: "Emails go through
 * an outbox").
 *
 * Handlers enqueue a message inside the same write transaction as the change it
 * announces, so an email exists if and only if that change was committed. Delivery is
 * a separate step: a sender (SMTP, when TENANTD_SMTP_URL is configured) claims queued
 * messages with store_outbox_next_queued() and records the outcome with
 * store_outbox_mark_sent() / store_outbox_mark_failed(). Until a sender exists,
 * messages stay queued and only their recipient and subject are logged. Bodies may
 * carry a secret (an invitation link): they are never logged.
 */
#ifndef TENANTD_STORE_OUTBOX_H
#define TENANTD_STORE_OUTBOX_H

#include <stdint.h>

#include "store/db.h"

#define OUTBOX_SUBJECT_MAX 200
#define OUTBOX_MAX_ATTEMPTS 10

/*
 * Queues a message (status `queued`) and logs one line to stderr:
 * "tenantd: email queued to <recipient>: <subject>" (never the body).
 * Contract: recipient is a normalised email (domain/names.h email_normalize); subject
 * is at most OUTBOX_SUBJECT_MAX bytes and may contain user-chosen text (a tenant
 * name): CR, LF and other control characters are refused, so it can become a mail
 * header verbatim. Returns DB_DONE, or DB_ERROR (also for a refused recipient/subject).
 */
int store_outbox_enqueue(struct db_conn *c, const char *recipient, const char *subject,
                         const char *body);

struct outbox_message {
    char id[37];
    char recipient[256];
    char subject[OUTBOX_SUBJECT_MAX + 1];
    char *body; /* malloc'd; release with store_outbox_message_free */
    int attempts;
};

/* The oldest queued message with fewer than OUTBOX_MAX_ATTEMPTS attempts: 1 found (out
 * filled), 0 none, -1 error. */
int store_outbox_next_queued(struct db_conn *c, struct outbox_message *out);
/* Wipes and frees out->body. */
void store_outbox_message_free(struct outbox_message *m);
/* Delivery succeeded: status `sent`, sent_at = now, and the body is cleared (it may
 * hold an invitation link, a credential that must not outlive delivery in the
 * database; only the token's hash is kept, in invitations). DB_DONE or DB_ERROR. */
int store_outbox_mark_sent(struct db_conn *c, const char *id, int64_t now);
/* Delivery failed: attempts + 1 and last_error (no secrets in it); after
 * OUTBOX_MAX_ATTEMPTS attempts, or when permanent, status `failed` and the body is
 * cleared (it will never be sent). DB_DONE or DB_ERROR. */
int store_outbox_mark_failed(struct db_conn *c, const char *id, const char *error, int permanent);

#endif
