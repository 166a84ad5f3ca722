/*
 * secrets_at_rest.h — the registry of every column holding an AEAD envelope
 * (crypto/aead.h), with the associated-data prefix that binds each envelope to
 * its row. Master-key rotation walks this list; a new encrypted column must be
 * added here or rotation would leave it under the old key.
 */
#ifndef TENANTD_STORE_SECRETS_AT_REST_H
#define TENANTD_STORE_SECRETS_AT_REST_H

#include <stddef.h>

struct secret_column {
    const char *table;
    const char *id_column; /* the row id that follows aad_prefix in the aad */
    const char *secret_column;
    const char *aad_prefix; /* aad = aad_prefix + row id */
};

extern const struct secret_column secret_columns[];
extern const size_t secret_columns_count;

#endif
