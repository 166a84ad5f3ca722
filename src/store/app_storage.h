/*
 * app_storage.h — an app's custom storage configuration (SPEC §1 "Storage
 * configuration") in the store, with its secret access key sealed at rest.
 *
 * The secret access key never reaches SQL in plaintext: store_app_storage_put seals
 * it with the master keyring (crypto/aead.h, AES-256-GCM) under the additional data
 * "app-storage:<app_id>", so an envelope copied onto another app's row fails to
 * open. Reads for the API return the public part and the last four characters only;
 * store_app_storage_get_decrypted is for the platform's own use of the credentials
 * (bucket test, presigning) and hands the plaintext to a caller buffer the caller
 * wipes.
 *
 * Values reaching these functions are validated at the API edge (domain/storage_rules.h).
 * Lookups return DB_DONE found, DB_NOT_FOUND not found, or the failure. Writes return
 * DB_* statuses.
 */
#ifndef TENANTD_STORE_APP_STORAGE_H
#define TENANTD_STORE_APP_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/storage_rules.h"
#include "store/db.h"

struct master_keyring;

#define APP_STORAGE_AAD_PREFIX "app-storage:"
/* Secrets shorter than this show an empty secret_access_key_last4, so the "last four"
 * never reveal a large part of a short key. */
#define APP_STORAGE_LAST4_MIN_SECRET_LEN 16

struct app_storage_row {
    char app_id[37];
    char provider[16]; /* storage_provider_name() */
    char bucket[STORAGE_BUCKET_MAX_LEN + 1];
    char endpoint[URI_MAX_LEN + 1]; /* canonical; "" when none */
    char region[STORAGE_REGION_MAX_LEN + 1];
    char access_key_id[STORAGE_ACCESS_KEY_ID_MAX_LEN + 1];
    char secret_access_key_last4[5];
    int64_t updated_at;
};

/*
 * The secret_access_key_last4 shown for a secret: its last four characters when it is
 * at least APP_STORAGE_LAST4_MIN_SECRET_LEN long, "" otherwise.
 */
void app_storage_secret_last4(const char *secret, char out[5]);

/*
 * Creates or replaces the configuration of row->app_id (row->secret_access_key_last4
 * is ignored and derived from the secret). secret_access_key is sealed with kr before
 * it is written; the plaintext is not kept. DB_DONE, DB_ERROR (also when sealing
 * fails), DB_BUSY, DB_CONSTRAINT (unknown app).
 */
enum db_status store_app_storage_put(struct db_conn *c, const struct master_keyring *kr,
                                     const struct app_storage_row *row,
                                     const char *secret_access_key);

/* Removes the configuration (app back to managed storage). DB_DONE (also when there
 * was none); *removed (may be NULL) says whether a row went away. */
enum db_status store_app_storage_delete(struct db_conn *c, const char *app_id, bool *removed);

/* The public part of the configuration. DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_app_storage_get(struct db_conn *c, const char *app_id,
                                     struct app_storage_row *out);

/*
 * The configuration with its plaintext secret access key written (NUL-terminated) to
 * secret_out[0..secret_size). Returns DB_DONE found, DB_NOT_FOUND no custom storage,
 * or the failure; DB_UNREADABLE the envelope does not open (wrong master key, tampered row) or the
 * secret does not fit. The caller wipes secret_out (crypto_wipe) as soon as it is done with it; on
 * any result other than DB_DONE secret_out is "" (when secret_size > 0).
 */
enum db_status store_app_storage_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                               const char *app_id, struct app_storage_row *out,
                                               char *secret_out, size_t secret_size);

/* Fills the public columns of out from a SELECT row, starting at column `first`:
 * provider, bucket, endpoint, region, access_key_id, secret_access_key_last4,
 * updated_at. app_id is not touched. Used by store/apps.c's joined reads. */
void store_app_storage_read_columns(struct db_stmt *s, int first, struct app_storage_row *out);

#endif
