/*
 * secrets_at_rest.h — the registry of every column holding an AEAD envelope
 * (crypto/aead.h), with the associated-data prefix that binds each envelope to
 * its row. Master-key rotation walks this list; a new encrypted column must be
 * added here or rotation would leave it under the old key.
 */
#ifndef TENANTD_STORE_SECRETS_AT_REST_H
#define TENANTD_STORE_SECRETS_AT_REST_H

#include <stddef.h>

#include "store/db.h"

struct master_keyring;

struct secret_column {
    const char *table;
    const char *id_column; /* the row id that follows aad_prefix in the aad */
    const char *secret_column;
    const char *aad_prefix; /* aad = aad_prefix + row id */
};

extern const struct secret_column secret_columns[];
extern const size_t secret_columns_count;

/* Called per (row id, envelope) of a column; return 0 to go on, non-zero to stop with
 * a failure (DB_ERROR). */
typedef int (*store_secret_each_fn)(const char *id, const char *envelope, void *ctx);
/* Every non-NULL envelope of col with its row id, in no particular order. DB_DONE or
 * the failure. The names come from secret_columns[], never from input. */
enum db_status store_secret_column_each(struct db_conn *c, const struct secret_column *col,
                                        store_secret_each_fn each, void *ctx);
/* Replaces the envelope of row id of col. DB_DONE or the failure. */
enum db_status store_secret_column_set(struct db_conn *c, const struct secret_column *col,
                                       const char *id, const char *envelope);

/* Opens envelope (bound to aad) into out[size] as a NUL-terminated string: DB_OK, or
 * DB_UNREADABLE when it does not open, does not fit or holds a NUL byte (a secret
 * is text). The plaintext copy is wiped. */
enum db_status store_secret_open_text(const struct master_keyring *kr, const char *envelope,
                                      const char *aad, char *out, size_t size);

#endif
