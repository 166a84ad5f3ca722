/*
 * app_storage.c — SQL for app_storage rows and the sealing of their secret access
 * keys (see app_storage.h). The aad "app-storage:<app_id>" is built here and only
 * here, so sealing and opening cannot disagree.
 */
#include "store/app_storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "store/rows.h"

/* aad for app_id into out; false if it does not fit (an app id is a 36-char UUID). */
static bool app_storage_aad(const char *app_id, char out[64])
{
    int n = snprintf(out, 64, "%s%s", APP_STORAGE_AAD_PREFIX, app_id);
    return n > 0 && n < 64;
}

void app_storage_secret_last4(const char *secret, char out[5])
{
    size_t len = secret ? strlen(secret) : 0;
    if (len < APP_STORAGE_LAST4_MIN_SECRET_LEN) {
        out[0] = '\0';
        return;
    }
    memcpy(out, secret + len - 4, 4);
    out[4] = '\0';
}

void store_app_storage_read_columns(struct db_stmt *s, int first, struct app_storage_row *out)
{
    store_rows_copy_text(out->provider, sizeof out->provider, db_column_text(s, first + 0));
    store_rows_copy_text(out->bucket, sizeof out->bucket, db_column_text(s, first + 1));
    store_rows_copy_text(out->endpoint, sizeof out->endpoint, db_column_text(s, first + 2));
    store_rows_copy_text(out->region, sizeof out->region, db_column_text(s, first + 3));
    store_rows_copy_text(out->access_key_id, sizeof out->access_key_id,
                         db_column_text(s, first + 4));
    store_rows_copy_text(out->secret_access_key_last4, sizeof out->secret_access_key_last4,
                         db_column_text(s, first + 5));
    out->updated_at = db_column_int(s, first + 6);
}

int store_app_storage_put(struct db_conn *c, const struct master_keyring *kr,
                          const struct app_storage_row *row, const char *secret_access_key)
{
    char aad[64];
    if (!kr || !secret_access_key || !app_storage_aad(row->app_id, aad))
        return DB_ERROR;
    char *envelope = aead_seal(kr, secret_access_key, strlen(secret_access_key), aad);
    if (!envelope)
        return DB_ERROR;
    char last4[5];
    app_storage_secret_last4(secret_access_key, last4);
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO app_storage (app_id, provider, bucket, endpoint, region, access_key_id, "
           "secret_access_key_enc, secret_access_key_last4, updated_at) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
           "ON CONFLICT (app_id) DO UPDATE SET provider = excluded.provider, "
           "bucket = excluded.bucket, endpoint = excluded.endpoint, region = excluded.region, "
           "access_key_id = excluded.access_key_id, "
           "secret_access_key_enc = excluded.secret_access_key_enc, "
           "secret_access_key_last4 = excluded.secret_access_key_last4, "
           "updated_at = excluded.updated_at");
    if (!s) {
        free(envelope);
        return DB_ERROR;
    }
    db_bind_text(s, 1, row->app_id);
    db_bind_text(s, 2, row->provider);
    db_bind_text(s, 3, row->bucket);
    db_bind_text(s, 4, row->endpoint[0] ? row->endpoint : NULL);
    db_bind_text(s, 5, row->region[0] ? row->region : NULL);
    db_bind_text(s, 6, row->access_key_id);
    db_bind_text(s, 7, envelope);
    db_bind_text(s, 8, last4);
    db_bind_int(s, 9, row->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    free(envelope);
    return rc == DB_ROW ? DB_DONE : rc;
}

int store_app_storage_delete(struct db_conn *c, const char *app_id, bool *removed)
{
    if (removed)
        *removed = false;
    struct db_stmt *s = db_prepare(c, "DELETE FROM app_storage WHERE app_id = $1");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, app_id);
    int rc = db_step(s);
    if (rc == DB_DONE && removed)
        *removed = db_changes(s) > 0;
    db_finalize(s);
    return rc;
}

#define APP_STORAGE_COLUMNS                                                                        \
    "provider, bucket, endpoint, region, access_key_id, secret_access_key_last4, updated_at"

/* store_row_reader_fn for a row of APP_STORAGE_COLUMNS (app_id left ""). */
static int app_storage_read_row(struct db_stmt *s, void *out)
{
    struct app_storage_row *row = out;
    memset(row, 0, sizeof *row);
    store_app_storage_read_columns(s, 0, row);
    return 0;
}

int store_app_storage_get(struct db_conn *c, const char *app_id, struct app_storage_row *out)
{
    const char *p[] = {app_id};
    int found =
        store_rows_get_one(c, "SELECT " APP_STORAGE_COLUMNS " FROM app_storage WHERE app_id = $1",
                           1, p, app_storage_read_row, out);
    if (found == 1)
        store_rows_copy_text(out->app_id, sizeof out->app_id, app_id);
    return found;
}

int store_app_storage_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                    const char *app_id, struct app_storage_row *out,
                                    char *secret_out, size_t secret_size)
{
    if (secret_size > 0)
        secret_out[0] = '\0';
    char aad[64];
    if (!kr || !app_id || !app_storage_aad(app_id, aad))
        return -2;
    struct db_stmt *s = db_prepare(c, "SELECT " APP_STORAGE_COLUMNS
                                      ", secret_access_key_enc FROM app_storage WHERE app_id = $1");
    if (!s)
        return -1;
    db_bind_text(s, 1, app_id);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        app_storage_read_row(s, out);
        store_rows_copy_text(out->app_id, sizeof out->app_id, app_id);
        size_t len = 0;
        unsigned char *plain = aead_open(kr, db_column_text(s, 7), aad, &len);
        if (!plain || len + 1 > secret_size || strlen((const char *)plain) != len) {
            found = -2;
        } else {
            memcpy(secret_out, plain, len);
            secret_out[len] = '\0';
        }
        aead_free_plaintext(plain, len);
    }
    db_finalize(s);
    return found;
}
