/*
 * revocations.c — SQL for the `revoked_tokens` deny-list (see revocations.h).
 */
#include "store/revocations.h"

#include <stddef.h>

#include "store/rows.h"

enum db_status store_revocation_insert(struct db_conn *c, const char *jti, const char *client_id,
                                       int64_t expires_at)
{
    return store_rows_busy_or_error(store_rows_change(
        c,
        "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3)"
        " ON CONFLICT (jti) DO NOTHING",
        STORE_PARAMS(STORE_TEXT(jti), STORE_TEXT(client_id), STORE_INT(expires_at)), NULL));
}

enum db_status store_revocation_exists(struct db_conn *c, const char *jti, int64_t now)
{
    return store_rows_exists(c, "SELECT 1 FROM revoked_tokens WHERE jti = $1 AND expires_at > $2",
                             STORE_PARAMS(STORE_TEXT(jti), STORE_INT(now)));
}

enum db_status store_revocations_delete_expired(struct db_conn *c, int64_t now)
{
    return store_rows_busy_or_error(
        store_rows_change(c, "DELETE FROM revoked_tokens WHERE expires_at <= $1",
                          STORE_PARAMS(STORE_INT(now)), NULL));
}
