/*
 * signing_keys_store.c — SQL for the `signing_keys` table (see signing_keys_store.h).
 */
#include "store/signing_keys_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int store_signing_keys_list(struct db_conn *c, bool with_secrets, struct signing_key_row **rows,
                            size_t *count)
{
    *rows = NULL;
    *count = 0;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT kid, alg, created_at, activates_at, retired_at, expires_at%s"
             "  FROM signing_keys ORDER BY activates_at DESC, created_at DESC, kid DESC LIMIT %d",
             with_secrets ? ", private_key_enc, public_jwk" : "", SIGNING_KEYS_LOAD_MAX);
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    struct signing_key_row *out = calloc(SIGNING_KEYS_LOAD_MAX, sizeof *out);
    if (!out) {
        db_finalize(s);
        return -1;
    }
    size_t n = 0;
    int step = DB_DONE;
    bool ok = true;
    while (ok && n < SIGNING_KEYS_LOAD_MAX && (step = db_step(s)) == DB_ROW) {
        struct signing_key_row *r = &out[n++];
        const char *kid = db_column_text(s, 0), *alg = db_column_text(s, 1);
        int kn = snprintf(r->kid, sizeof r->kid, "%s", kid ? kid : "");
        int an = snprintf(r->alg, sizeof r->alg, "%s", alg ? alg : "");
        if (kn <= 0 || (size_t)kn >= sizeof r->kid || an <= 0 || (size_t)an >= sizeof r->alg)
            ok = false;
        r->created_at = db_column_int(s, 2);
        r->activates_at = db_column_int(s, 3);
        r->retired_at = db_column_is_null(s, 4) ? 0 : db_column_int(s, 4);
        r->expires_at = db_column_is_null(s, 5) ? 0 : db_column_int(s, 5);
        if (with_secrets) {
            const char *enc = db_column_text(s, 6), *jwk = db_column_text(s, 7);
            r->private_key_enc = enc ? strdup(enc) : NULL;
            r->public_jwk = jwk ? strdup(jwk) : NULL;
            if (!r->private_key_enc || !r->public_jwk)
                ok = false;
        }
    }
    if (ok && n < SIGNING_KEYS_LOAD_MAX && step != DB_DONE)
        ok = false;
    db_finalize(s);
    if (!ok) {
        store_signing_key_rows_free(out, n);
        return -1;
    }
    *rows = out;
    *count = n;
    return 0;
}

int store_signing_key_insert(struct db_conn *c, const struct signing_key_row *row)
{
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO signing_keys (kid, alg, private_key_enc, public_jwk, created_at,"
           " activates_at, retired_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, row->kid);
    db_bind_text(s, 2, row->alg);
    db_bind_text(s, 3, row->private_key_enc);
    db_bind_text(s, 4, row->public_jwk);
    db_bind_int(s, 5, row->created_at);
    db_bind_int(s, 6, row->activates_at);
    if (row->retired_at)
        db_bind_int(s, 7, row->retired_at);
    else
        db_bind_null(s, 7);
    if (row->expires_at)
        db_bind_int(s, 8, row->expires_at);
    else
        db_bind_null(s, 8);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

/* Runs a statement without result rows; DB_DONE or the failure status. */
static int signing_keys_store_run(struct db_stmt *s)
{
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_DONE ? DB_DONE : (rc == DB_BUSY ? DB_BUSY : DB_ERROR);
}

int store_signing_key_retire(struct db_conn *c, const char *kid, int64_t retired_at,
                             int64_t expires_at)
{
    struct db_stmt *s = db_prepare(c, "UPDATE signing_keys SET retired_at = $2, expires_at = $3"
                                      " WHERE kid = $1 AND retired_at IS NULL");
    if (s) {
        db_bind_text(s, 1, kid);
        db_bind_int(s, 2, retired_at);
        db_bind_int(s, 3, expires_at);
    }
    return signing_keys_store_run(s);
}

int store_signing_keys_retire_other_algs(struct db_conn *c, const char *alg, int64_t retired_at,
                                         int64_t expires_at)
{
    struct db_stmt *s = db_prepare(c, "UPDATE signing_keys SET retired_at = $2, expires_at = $3"
                                      " WHERE alg <> $1 AND retired_at IS NULL");
    if (s) {
        db_bind_text(s, 1, alg);
        db_bind_int(s, 2, retired_at);
        db_bind_int(s, 3, expires_at);
    }
    return signing_keys_store_run(s);
}

int store_signing_keys_delete_expired(struct db_conn *c, int64_t now)
{
    struct db_stmt *s =
        db_prepare(c, "DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1");
    if (s)
        db_bind_int(s, 1, now);
    return signing_keys_store_run(s);
}
