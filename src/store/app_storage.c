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
#include "store/secrets_at_rest.h"

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

enum db_status store_app_storage_put(struct db_conn *c, const struct master_keyring *kr,
                                     const struct app_storage_row *row,
                                     const char *secret_access_key)
{
    char aad[64];
    if (!kr || !secret_access_key || !app_storage_aad(row->app_id, aad))
        return DB_ERROR;
    char *envelope = aead_seal(kr, secret_access_key, strlen(secret_access_key), aad);
    if (!envelope)
        return DB_ERROR;
    char last4[5];
    app_storage_secret_last4(secret_access_key, last4);
    enum db_status rc = store_rows_change(
        c,
        "INSERT INTO app_storage (app_id, provider, bucket, endpoint, region, access_key_id, "
        "secret_access_key_enc, secret_access_key_last4, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "ON CONFLICT (app_id) DO UPDATE SET provider = excluded.provider, "
        "bucket = excluded.bucket, endpoint = excluded.endpoint, region = excluded.region, "
        "access_key_id = excluded.access_key_id, "
        "secret_access_key_enc = excluded.secret_access_key_enc, "
        "secret_access_key_last4 = excluded.secret_access_key_last4, "
        "updated_at = excluded.updated_at",
        STORE_PARAMS(STORE_TEXT(row->app_id), STORE_TEXT(row->provider), STORE_TEXT(row->bucket),
                     STORE_TEXT(row->endpoint[0] ? row->endpoint : NULL),
                     STORE_TEXT(row->region[0] ? row->region : NULL),
                     STORE_TEXT(row->access_key_id), STORE_TEXT(envelope), STORE_TEXT(last4),
                     STORE_INT(row->updated_at)),
        NULL);
    free(envelope);
    return rc;
}

enum db_status store_app_storage_delete(struct db_conn *c, const char *app_id, bool *removed)
{
    return store_rows_change(c, "DELETE FROM app_storage WHERE app_id = $1",
                             STORE_PARAMS(STORE_TEXT(app_id)), removed);
}

#define APP_STORAGE_COLUMNS                                                                        \
    "provider, bucket, endpoint, region, access_key_id, secret_access_key_last4, updated_at"

/* store_row_reader_fn for a row of APP_STORAGE_COLUMNS (app_id left ""). */
static enum db_status app_storage_read_row(struct db_stmt *s, void *out)
{
    struct app_storage_row *row = out;
    memset(row, 0, sizeof *row);
    store_app_storage_read_columns(s, 0, row);
    return DB_OK;
}

enum db_status store_app_storage_get(struct db_conn *c, const char *app_id,
                                     struct app_storage_row *out)
{
    enum db_status found =
        store_rows_get_one(c, "SELECT " APP_STORAGE_COLUMNS " FROM app_storage WHERE app_id = $1",
                           STORE_PARAMS(STORE_TEXT(app_id)), app_storage_read_row, out);
    if (found == DB_DONE)
        store_rows_copy_text(out->app_id, sizeof out->app_id, app_id);
    return found;
}

struct app_storage_sealed {
    const struct master_keyring *kr;
    const char *aad;
    struct app_storage_row *row;
    char *secret;
    size_t size;
};

/* store_row_reader_fn: the row and its opened secret (DB_UNREADABLE when the envelope
 * does not open or the secret does not fit). */
static enum db_status app_storage_read_sealed(struct db_stmt *s, void *out)
{
    struct app_storage_sealed *a = out;
    app_storage_read_row(s, a->row);
    return store_secret_open_text(a->kr, db_column_text(s, 7), a->aad, a->secret, a->size);
}

enum db_status store_app_storage_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                               const char *app_id, struct app_storage_row *out,
                                               char *secret_out, size_t secret_size)
{
    if (secret_size > 0)
        secret_out[0] = '\0';
    char aad[64];
    if (!kr || !app_id || !app_storage_aad(app_id, aad))
        return DB_UNREADABLE;
    struct app_storage_sealed a = {kr, aad, out, secret_out, secret_size};
    enum db_status found =
        store_rows_get_one(c,
                           "SELECT " APP_STORAGE_COLUMNS ", secret_access_key_enc FROM app_storage "
                           "WHERE app_id = $1",
                           STORE_PARAMS(STORE_TEXT(app_id)), app_storage_read_sealed, &a);
    if (found == DB_DONE || found == DB_UNREADABLE)
        store_rows_copy_text(out->app_id, sizeof out->app_id, app_id);
    return found;
}
