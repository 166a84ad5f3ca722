/*
 * revocations.h — the JWT deny-list (`revoked_tokens`): a revoked token's jti is
 * kept until the token's own exp, then deleted. No row is ever written for an
 * issued token; only revocations are stored.
 */
#ifndef TENANTD_STORE_REVOCATIONS_H
#define TENANTD_STORE_REVOCATIONS_H

#include <stdint.h>

#include "store/db.h"

/* Records jti (revoked by client_id) until expires_at. Revoking twice is fine.
 * Returns DB_DONE or the failure status (DB_BUSY, DB_ERROR). */
enum db_status store_revocation_insert(struct db_conn *c, const char *jti, const char *client_id,
                                       int64_t expires_at);

/* DB_DONE when jti is revoked and the record has not expired at now, DB_NOT_FOUND
 * when not, or the failure. jti is untrusted (bound as a parameter). */
enum db_status store_revocation_exists(struct db_conn *c, const char *jti, int64_t now);

/* Deletes records whose token has expired at now. DB_DONE or the failure status. */
enum db_status store_revocations_delete_expired(struct db_conn *c, int64_t now);

#endif
