/*
 * revocations.c — SQL for the `revoked_tokens` deny-list (see revocations.h).
 */
#include "store/revocations.h"

#include <stddef.h>

#include "store/rows.h"

int store_revocation_insert(struct db_conn *c, const char *jti, const char *client_id,
                            int64_t expires_at)
{
    struct db_stmt *s =
        db_prepare(c, "INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, $3)"
                      " ON CONFLICT (jti) DO NOTHING");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, jti);
    db_bind_text(s, 2, client_id);
    db_bind_int(s, 3, expires_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_DONE ? DB_DONE : (rc == DB_BUSY ? DB_BUSY : DB_ERROR);
}

int store_revocation_exists(struct db_conn *c, const char *jti, int64_t now)
{
    struct db_stmt *s =
        db_prepare(c, "SELECT 1 FROM revoked_tokens WHERE jti = $1 AND expires_at > $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, jti);
    db_bind_int(s, 2, now);
    int found = store_rows_found(db_step(s));
    db_finalize(s);
    return found;
}

int store_revocations_delete_expired(struct db_conn *c, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "DELETE FROM revoked_tokens WHERE expires_at <= $1");
    if (!s)
        return DB_ERROR;
    db_bind_int(s, 1, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_DONE ? DB_DONE : (rc == DB_BUSY ? DB_BUSY : DB_ERROR);
}
