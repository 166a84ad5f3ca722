/*
 * workspaces.c — SQL for Demo UI workspaces (see workspaces.h).
 */
#include "store/workspaces.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "store/rows.h"

#define WORKSPACE_COLUMNS                                                                          \
    "id, tenant_id, app_id, name, client_id, COALESCE(created_by, ''), created_at"

static void workspace_read(struct db_stmt *s, struct workspace_row *w)
{
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", db_column_text(s, 0));
    snprintf(w->tenant_id, sizeof w->tenant_id, "%s", db_column_text(s, 1));
    snprintf(w->app_id, sizeof w->app_id, "%s", db_column_text(s, 2));
    snprintf(w->name, sizeof w->name, "%s", db_column_text(s, 3));
    snprintf(w->client_id, sizeof w->client_id, "%s", db_column_text(s, 4));
    snprintf(w->created_by, sizeof w->created_by, "%s", db_column_text(s, 5));
    w->created_at = db_column_int(s, 6);
}

int store_workspace_app_credentials(struct db_conn *c, const char *tenant_id, const char *app_id,
                                    char client_id[64], char secret_hash[65])
{
    struct db_stmt *s = db_prepare(c, "SELECT client_id, secret_hash FROM apps WHERE id = $1 "
                                      "AND tenant_id = $2 AND deleted_at IS NULL");
    if (!s)
        return -1;
    db_bind_text(s, 1, app_id);
    db_bind_text(s, 2, tenant_id);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        snprintf(client_id, 64, "%s", db_column_text(s, 0));
        snprintf(secret_hash, 65, "%s", db_column_text(s, 1));
    }
    db_finalize(s);
    return found;
}

int store_workspace_insert(struct db_conn *c, const struct master_keyring *kr,
                           const struct workspace_row *w, const char *client_secret)
{
    char aad[64];
    snprintf(aad, sizeof aad, WORKSPACE_AAD_PREFIX "%s", w->id);
    char *sealed = aead_seal(kr, client_secret, strlen(client_secret), aad);
    if (!sealed)
        return DB_ERROR;
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO workspaces (id, tenant_id, app_id, name, client_id, client_secret_enc, "
           "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    if (!s) {
        free(sealed);
        return DB_ERROR;
    }
    db_bind_text(s, 1, w->id);
    db_bind_text(s, 2, w->tenant_id);
    db_bind_text(s, 3, w->app_id);
    db_bind_text(s, 4, w->name);
    db_bind_text(s, 5, w->client_id);
    db_bind_text(s, 6, sealed);
    db_bind_text(s, 7, w->created_by[0] ? w->created_by : NULL);
    db_bind_int(s, 8, w->created_at);
    int rc = db_step(s);
    db_finalize(s);
    free(sealed);
    return rc;
}

int store_workspace_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                  const char *tenant_id, const char *id, struct workspace_row *out,
                                  char *secret_out, size_t size)
{
    if (size > 0)
        secret_out[0] = 0;
    struct db_stmt *s = db_prepare(c, "SELECT " WORKSPACE_COLUMNS ", client_secret_enc "
                                      "FROM workspaces WHERE id = $1 AND tenant_id = $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, id);
    db_bind_text(s, 2, tenant_id);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        workspace_read(s, out);
        if (kr && size > 0) {
            char aad[64];
            snprintf(aad, sizeof aad, WORKSPACE_AAD_PREFIX "%s", out->id);
            size_t len = 0;
            unsigned char *plain = aead_open(kr, db_column_text(s, 7), aad, &len);
            if (!plain || len + 1 > size)
                found = -2;
            else
                memcpy(secret_out, plain, len + 1);
            if (plain)
                aead_free_plaintext(plain, len);
        }
    }
    db_finalize(s);
    return found;
}

int store_workspace_list(struct db_conn *c, const char *tenant_id, const char *after_id, int limit,
                         void (*each)(const struct workspace_row *, void *), void *ctx)
{
    struct db_stmt *s = db_prepare(c, "SELECT " WORKSPACE_COLUMNS " FROM workspaces "
                                      "WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3");
    if (!s)
        return -1;
    db_bind_text(s, 1, tenant_id);
    db_bind_text(s, 2, after_id ? after_id : "");
    db_bind_int(s, 3, limit);
    int n = 0, rc;
    while ((rc = db_step(s)) == DB_ROW) {
        struct workspace_row w;
        workspace_read(s, &w);
        each(&w, ctx);
        n++;
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

int store_workspace_delete(struct db_conn *c, const char *tenant_id, const char *id, bool *removed)
{
    struct db_stmt *s = db_prepare(c, "DELETE FROM workspaces WHERE id = $1 AND tenant_id = $2");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, id);
    db_bind_text(s, 2, tenant_id);
    int rc = db_step(s);
    if (removed)
        *removed = rc == DB_DONE && db_changes(s) > 0;
    db_finalize(s);
    return rc;
}
