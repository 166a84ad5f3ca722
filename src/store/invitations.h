/*
 * invitations.h — invitations to join a tenant (SPEC §1 "User", §4.3) in the store.
 *
 * An invitation carries an email, a role and a single-use token of which only the
 * SHA-256 (hex) is stored. Its stored status moves pending → accepted | cancelled;
 * "expired" is not written by a clock but derived: a pending invitation whose
 * expires_at has passed reads as expired (store_invitation_status_at). Every status
 * change is a conditional UPDATE on status = 'pending', so an invitation is accepted
 * or cancelled at most once even under concurrency.
 */
#ifndef TENANTD_STORE_INVITATIONS_H
#define TENANTD_STORE_INVITATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct invitation_row {
    char id[37];
    char tenant_id[37];
    char email[256];
    char role[16];       /* owner | admin | viewer */
    char status[16];     /* stored status: pending | accepted | expired | cancelled */
    char invited_by[37]; /* "" when none (system, or the inviter was removed) */
    int64_t created_at;
    int64_t expires_at;
    int64_t accepted_at; /* 0 when not accepted */
};

/* The status a reader sees at `now`: "expired" for a pending row past expires_at,
 * otherwise the stored status. */
const char *store_invitation_status_at(const struct invitation_row *inv, int64_t now);

/* Inserts inv (all fields filled by the caller) with token_hash. DB_DONE, DB_CONSTRAINT
 * (token hash collision: mint a new token) or DB_ERROR. */
enum db_status store_invitation_insert(struct db_conn *c, const struct invitation_row *inv,
                                       const char *token_hash);
/* Invitations of tenant_id with id > after ("" = start), in id order, at most max rows.
 * DB_DONE or DB_ERROR. */
enum db_status store_invitations_list(struct db_conn *c, const char *tenant_id, const char *after,
                                      size_t max, struct invitation_row *rows, size_t *count);
/* One invitation of tenant_id: DB_DONE found, DB_NOT_FOUND none (or another
 * tenant's), or the failure. */
enum db_status store_invitation_get(struct db_conn *c, const char *tenant_id, const char *id,
                                    struct invitation_row *out);
/* The invitation whose token hashes to token_hash: DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_invitation_by_token(struct db_conn *c, const char *token_hash,
                                         struct invitation_row *out);
/* Is there an invitation for email in tenant_id that is pending and unexpired at now?
 * DB_DONE yes, DB_NOT_FOUND no, or the failure. */
enum db_status store_invitation_pending_exists(struct db_conn *c, const char *tenant_id,
                                               const char *email, int64_t now);
/* pending → cancelled: DB_DONE changed, DB_NOT_FOUND it was not
 * pending, or the failure. */
enum db_status store_invitation_cancel(struct db_conn *c, const char *id);
/* pending and unexpired at now → accepted (accepted_at = now): DB_DONE changed,
 * DB_NOT_FOUND it was not pending or has expired, or the failure. */
enum db_status store_invitation_accept(struct db_conn *c, const char *id, int64_t now);

#endif
