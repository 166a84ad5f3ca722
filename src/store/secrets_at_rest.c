/*
 * secrets_at_rest.c — the list of encrypted columns (see secrets_at_rest.h).
 */
#include "store/secrets_at_rest.h"

const struct secret_column secret_columns[] = {
    {"app_storage", "app_id", "secret_access_key_enc", "app-storage:"},
    {"signing_keys", "kid", "private_key_enc", "signing-key:"},
    {"workspaces", "id", "client_secret_enc", "workspace:"},
};
const size_t secret_columns_count = sizeof secret_columns / sizeof secret_columns[0];
