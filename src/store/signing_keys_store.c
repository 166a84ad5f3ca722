/*
 * signing_keys_store.c — SQL for the `signing_keys` table (see signing_keys_store.h).
 */
#include "store/signing_keys_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/rows.h"

void store_signing_key_rows_free(struct signing_key_row *rows, size_t count)
{
    if (!rows)
        return;
    for (size_t i = 0; i < count; i++) {
        /* Envelopes are ciphertext, but wipe them anyway: nothing else needs them. */
        if (rows[i].private_key_enc) {
            memset(rows[i].private_key_enc, 0, strlen(rows[i].private_key_enc));
            free(rows[i].private_key_enc);
        }
        free(rows[i].public_jwk);
    }
    free(rows);
}

struct signing_keys_fill {
    struct signing_key_row *rows;
    size_t n;
    bool with_secrets;
};

/* db_row_fn: one signing_keys row into the next struct signing_key_row; stops (DB_DONE)
 * at SIGNING_KEYS_LOAD_MAX rows. */
static enum db_status signing_keys_fill_row(struct db_stmt *s, void *arg)
{
    struct signing_keys_fill *f = arg;
    struct signing_key_row *r = &f->rows[f->n++];
    const char *kid = db_column_text(s, 0), *alg = db_column_text(s, 1);
    int kn = snprintf(r->kid, sizeof r->kid, "%s", kid ? kid : "");
    int an = snprintf(r->alg, sizeof r->alg, "%s", alg ? alg : "");
    bool ok = !(kn <= 0 || (size_t)kn >= sizeof r->kid || an <= 0 || (size_t)an >= sizeof r->alg);
    r->created_at = db_column_int(s, 2);
    r->activates_at = db_column_int(s, 3);
    r->retired_at = db_column_is_null(s, 4) ? 0 : db_column_int(s, 4);
    r->expires_at = db_column_is_null(s, 5) ? 0 : db_column_int(s, 5);
    if (f->with_secrets) {
        const char *enc = db_column_text(s, 6), *jwk = db_column_text(s, 7);
        r->private_key_enc = enc ? strdup(enc) : NULL;
        r->public_jwk = jwk ? strdup(jwk) : NULL;
        if (!r->private_key_enc || !r->public_jwk)
            ok = false;
    }
    if (!ok)
        return DB_ERROR;
    return f->n < SIGNING_KEYS_LOAD_MAX ? DB_OK : DB_DONE;
}

enum db_status store_signing_keys_list(struct db_conn *c, bool with_secrets,
                                       struct signing_key_row **rows, size_t *count)
{
    *rows = NULL;
    *count = 0;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT kid, alg, created_at, activates_at, retired_at, expires_at%s"
             "  FROM signing_keys ORDER BY activates_at DESC, created_at DESC, kid DESC LIMIT %d",
             with_secrets ? ", private_key_enc, public_jwk" : "", SIGNING_KEYS_LOAD_MAX);
    struct signing_keys_fill f = {calloc(SIGNING_KEYS_LOAD_MAX, sizeof *f.rows), 0, with_secrets};
    if (!f.rows)
        return DB_ERROR;
    enum db_status rc = store_rows_walk(c, sql, NULL, 0, signing_keys_fill_row, &f);
    if (rc != DB_DONE) {
        store_signing_key_rows_free(f.rows, f.n);
        return rc;
    }
    *rows = f.rows;
    *count = f.n;
    return DB_DONE;
}

enum db_status store_signing_key_insert(struct db_conn *c, const struct signing_key_row *row)
{
    return store_rows_change(
        c,
        "INSERT INTO signing_keys (kid, alg, private_key_enc, public_jwk, created_at,"
        " activates_at, retired_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        STORE_PARAMS(STORE_TEXT(row->kid), STORE_TEXT(row->alg), STORE_TEXT(row->private_key_enc),
                     STORE_TEXT(row->public_jwk), STORE_INT(row->created_at),
                     STORE_INT(row->activates_at),
                     row->retired_at ? STORE_INT(row->retired_at) : STORE_NULL,
                     row->expires_at ? STORE_INT(row->expires_at) : STORE_NULL),
        NULL);
}

/* Ends keys: sets retired_at / expires_at where cond ($1) holds. */
static enum db_status signing_keys_retire_where(struct db_conn *c, const char *sql, const char *key,
                                                int64_t retired_at, int64_t expires_at)
{
    return store_rows_busy_or_error(store_rows_change(
        c, sql, STORE_PARAMS(STORE_TEXT(key), STORE_INT(retired_at), STORE_INT(expires_at)), NULL));
}

enum db_status store_signing_key_retire(struct db_conn *c, const char *kid, int64_t retired_at,
                                        int64_t expires_at)
{
    return signing_keys_retire_where(c,
                                     "UPDATE signing_keys SET retired_at = $2, expires_at = $3"
                                     " WHERE kid = $1 AND retired_at IS NULL",
                                     kid, retired_at, expires_at);
}

enum db_status store_signing_keys_retire_other_algs(struct db_conn *c, const char *alg,
                                                    int64_t retired_at, int64_t expires_at)
{
    return signing_keys_retire_where(c,
                                     "UPDATE signing_keys SET retired_at = $2, expires_at = $3"
                                     " WHERE alg <> $1 AND retired_at IS NULL",
                                     alg, retired_at, expires_at);
}

enum db_status store_signing_keys_delete_expired(struct db_conn *c, int64_t now)
{
    return store_rows_busy_or_error(store_rows_change(
        c, "DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1",
        STORE_PARAMS(STORE_INT(now)), NULL));
}
