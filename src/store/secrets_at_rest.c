/*
 * secrets_at_rest.c — the list of encrypted columns (see secrets_at_rest.h).
 *
 * The associated-data prefixes must be the ones the owners of the columns seal
 * with: store/app_storage.c (APP_STORAGE_AAD_PREFIX), oauth/signing_keys.c
 * ("signing-key:") and store/workspaces.c (WORKSPACE_AAD_PREFIX). A wrong prefix
 * makes `tenantd keys rotate-master` refuse to run (its preflight cannot open the
 * envelopes), never corrupts them. tests/integration/master_key.test.mjs checks
 * that every *_enc column of the schema is listed here.
 */
#include "store/secrets_at_rest.h"

#include <stdio.h>
#include <string.h>

#include "crypto/aead.h"

#include "store/app_storage.h"
#include "store/rows.h"
#include "store/workspaces.h"

const struct secret_column secret_columns[] = {
    {"app_storage", "app_id", "secret_access_key_enc", APP_STORAGE_AAD_PREFIX},
    {"signing_keys", "kid", "private_key_enc", "signing-key:"},
    {"workspaces", "id", "client_secret_enc", WORKSPACE_AAD_PREFIX},
};
const size_t secret_columns_count = sizeof secret_columns / sizeof secret_columns[0];

struct secrets_visit {
    store_secret_each_fn each;
    void *ctx;
};

/* db_row_fn: one (id, envelope) to the caller's callback. */
static enum db_status secrets_visit_row(struct db_stmt *s, void *arg)
{
    struct secrets_visit *v = arg;
    const char *id = db_column_text(s, 0), *envelope = db_column_text(s, 1);
    if (!id || !envelope)
        return DB_OK;
    return v->each(id, envelope, v->ctx) == 0 ? DB_OK : DB_ERROR;
}

enum db_status store_secret_column_each(struct db_conn *c, const struct secret_column *col,
                                        store_secret_each_fn each, void *ctx)
{
    char sql[512];
    int k = snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s WHERE %s IS NOT NULL", col->id_column,
                     col->secret_column, col->table, col->secret_column);
    if (k <= 0 || (size_t)k >= sizeof sql)
        return DB_ERROR;
    struct secrets_visit v = {each, ctx};
    return store_rows_walk(c, sql, NULL, 0, secrets_visit_row, &v);
}

enum db_status store_secret_column_set(struct db_conn *c, const struct secret_column *col,
                                       const char *id, const char *envelope)
{
    char sql[512];
    int k = snprintf(sql, sizeof sql, "UPDATE %s SET %s = $1 WHERE %s = $2", col->table,
                     col->secret_column, col->id_column);
    if (k <= 0 || (size_t)k >= sizeof sql)
        return DB_ERROR;
    return store_rows_change(c, sql, STORE_PARAMS(STORE_TEXT(envelope), STORE_TEXT(id)), NULL);
}

enum db_status store_secret_open_text(const struct master_keyring *kr, const char *envelope,
                                      const char *aad, char *out, size_t size)
{
    size_t len = 0;
    unsigned char *plain = aead_open(kr, envelope, aad, &len);
    enum db_status rc = DB_OK;
    if (!plain || len + 1 > size || strlen((const char *)plain) != len) {
        rc = DB_UNREADABLE;
    } else {
        memcpy(out, plain, len);
        out[len] = '\0';
    }
    aead_free_plaintext(plain, len);
    return rc;
}
