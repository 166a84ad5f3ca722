/*
 * workspaces.h — Demo UI workspaces in the store: a name bound to one app, with
 * that app's client secret sealed at rest (aad "workspace:<id>").
 * Lookups return DB_DONE found, DB_NOT_FOUND not found, or the failure; writes DB_*
 * statuses.
 */
#ifndef TENANTD_STORE_WORKSPACES_H
#define TENANTD_STORE_WORKSPACES_H

#include <stdint.h>

#include "store/db.h"

struct master_keyring;

#define WORKSPACE_AAD_PREFIX "workspace:"

struct workspace_row {
    char id[37];
    char tenant_id[37];
    char app_id[37];
    char name[404];
    char client_id[64];
    char created_by[37];
    int64_t created_at;
};

/* The app's client_id and secret hash, if the app is a live app of the tenant:
 * DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_workspace_app_credentials(struct db_conn *c, const char *tenant_id,
                                               const char *app_id, char client_id[64],
                                               char secret_hash[65]);
/* Seals client_secret under kr and inserts the row. */
enum db_status store_workspace_insert(struct db_conn *c, const struct master_keyring *kr,
                                      const struct workspace_row *w, const char *client_secret);
/* The workspace of the tenant, with the decrypted secret in secret_out (caller wipes).
 * DB_UNREADABLE when the envelope does not open. */
enum db_status store_workspace_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                             const char *tenant_id, const char *id,
                                             struct workspace_row *out, char *secret_out,
                                             size_t size);
/* Calls each() per row (ordered by id, after `after_id`, at most limit rows). Returns
 * DB_DONE or the failure. */
enum db_status store_workspace_list(struct db_conn *c, const char *tenant_id, const char *after_id,
                                    int limit, void (*each)(const struct workspace_row *, void *),
                                    void *ctx);
enum db_status store_workspace_delete(struct db_conn *c, const char *tenant_id, const char *id,
                                      bool *removed);

#endif
