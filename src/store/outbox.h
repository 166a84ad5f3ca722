/*
 * outbox.h — outgoing email, stored before it is sent (SPEC §1: "Emails go through
 * an outbox").
 *
 * Handlers enqueue a message inside the same write transaction as the change it
 * announces, so an email exists if and only if that change was committed. Delivery is
 * a separate step: a sender (ops/outbox_sender.c, when TENANTD_SMTP_URL is configured)
 * claims one queued message at a time with store_outbox_claim_next() and records the
 * outcome with store_outbox_mark_sent() / store_outbox_mark_failed(). Without a sender,
 * messages stay queued and only their recipient and subject are logged. Bodies may
 * carry a secret (an invitation link): they are never logged.
 *
 * Claims make delivery safe with several nodes sharing one database: claiming sets
 * `claimed_until` inside a write transaction (serialised across nodes by
 * db_begin_write), so while one sender holds a message no other sender picks it. A
 * claim lasts OUTBOX_CLAIM_SECONDS, longer than one SMTP attempt can take; a sender
 * that crashes mid-delivery leaves a claim that expires, and the message is retried.
 */
#ifndef TENANTD_STORE_OUTBOX_H
#define TENANTD_STORE_OUTBOX_H

#include <stdint.h>

#include "store/db.h"

#define OUTBOX_SUBJECT_MAX 200 /* bytes of a stored subject, without the NUL */
#define OUTBOX_MAX_ATTEMPTS 10
/* Must exceed the sender's worst case per message (libcurl: 5 s connect, 30 s total). */
#define OUTBOX_CLAIM_SECONDS 120

/*
 * Queues a message (status `queued`) and logs one line to stderr:
 * "tenantd: email queued to <recipient>: <subject>" (never the body).
 * Contract: recipient is a normalised email (domain/names.h email_normalize), at most
 * 254 bytes. subject may contain user-chosen text (a tenant name) and have any length:
 * it must be non-empty valid UTF-8 without control characters (C0, DEL, C1), so it
 * can become a mail header verbatim; a subject longer than OUTBOX_SUBJECT_MAX bytes is
 * cut at a UTF-8 character boundary and ends with "…" (U+2026), never mid-character.
 * body must be valid UTF-8. Returns DB_DONE, or DB_ERROR (also for a refused
 * recipient, subject or body).
 */
enum db_status store_outbox_enqueue(struct db_conn *c, const char *recipient, const char *subject,
                                    const char *body);

struct outbox_message {
    char id[37];
    char recipient[256];
    char subject[OUTBOX_SUBJECT_MAX + 1];
    char *body; /* malloc'd; release with store_outbox_message_free */
    int attempts;
};

/*
 * Claims the oldest queued message with fewer than OUTBOX_MAX_ATTEMPTS attempts that
 * is not claimed (claimed_until NULL or earlier than now): in one write transaction of
 * its own (c must not be inside one), sets claimed_until = now + OUTBOX_CLAIM_SECONDS
 * and commits. Returns DB_DONE (claimed, out filled; free it with
 * store_outbox_message_free), DB_NOT_FOUND (nothing to claim), or the failure (nothing
 * claimed).
 */
enum db_status store_outbox_claim_next(struct db_conn *c, int64_t now, struct outbox_message *out);
/* Wipes and frees out->body. */
void store_outbox_message_free(struct outbox_message *m);
/* Delivery succeeded: status `sent`, sent_at = now, the claim is released and the
 * body is cleared (it may hold an invitation link, a credential that must not outlive
 * delivery in the database; only the token's hash is kept, in invitations). DB_DONE or
 * DB_ERROR. */
enum db_status store_outbox_mark_sent(struct db_conn *c, const char *id, int64_t now);
/* Delivery failed: attempts + 1, last_error (no secrets in it) and the claim is
 * released; after OUTBOX_MAX_ATTEMPTS attempts, or when permanent, status `failed` and
 * the body is cleared (it will never be sent). DB_DONE or DB_ERROR. */
enum db_status store_outbox_mark_failed(struct db_conn *c, const char *id, const char *error,
                                        int permanent);

/*
 * Retention (issue 9 item 8): no message, and no secret in one, stays in the outbox
 * longer than it is useful.
 * - A message still `queued` (not claimed by a sender right now) that was created
 *   at or before now - queued_max_age will not be sent: status `failed`, body
 *   cleared, last_error "expired before delivery". The sender passes the invitation
 *   lifetime (TENANTD_INVITATION_TTL_SECONDS): by then an invitation link in the
 *   body is dead, and so is the point of a late welcome or activation mail. With
 *   no SMTP configured this is what ends the plaintext copy of an invitation link.
 * - A `sent` or `failed` row (bodies already cleared) is deleted once it is
 *   done_max_age old (sent_at for sent mail, created_at otherwise): recipient and
 *   subject are personal data, kept only long enough to answer "was it sent?".
 * A plain read first: when nothing is due (the usual case) no write lock is taken.
 * Otherwise one write transaction of its own (c must not be inside one). Returns
 * DB_DONE with the number of rows expired + deleted in *pruned (0 when nothing was
 * due), or the failure (nothing changed).
 */
#define OUTBOX_DONE_KEEP_SECONDS (7 * 86400)
enum db_status store_outbox_prune(struct db_conn *c, int64_t now, int64_t queued_max_age,
                                  int64_t done_max_age, int64_t *pruned);

#endif
