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

#include "store/app_storage.h"
#include "store/workspaces.h"

const struct secret_column secret_columns[] = {
    {"app_storage", "app_id", "secret_access_key_enc", APP_STORAGE_AAD_PREFIX},
    {"signing_keys", "kid", "private_key_enc", "signing-key:"},
    {"workspaces", "id", "client_secret_enc", WORKSPACE_AAD_PREFIX},
};
const size_t secret_columns_count = sizeof secret_columns / sizeof secret_columns[0];
