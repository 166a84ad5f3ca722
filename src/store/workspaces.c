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
#include "store/secrets_at_rest.h"

#define WORKSPACE_COLUMNS                                                                          \
    "id, tenant_id, app_id, name, client_id, COALESCE(created_by, ''), created_at"

/* store_row_reader_fn for a row of WORKSPACE_COLUMNS into a struct workspace_row. */
static enum db_status workspace_read(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct workspace_row, id),
        STORE_COLUMN(TEXT, struct workspace_row, tenant_id),
        STORE_COLUMN(TEXT, struct workspace_row, app_id),
        STORE_COLUMN(TEXT, struct workspace_row, name),
        STORE_COLUMN(TEXT, struct workspace_row, client_id),
        STORE_COLUMN(TEXT, struct workspace_row, created_by),
        STORE_COLUMN(INT, struct workspace_row, created_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct workspace_row));
    return DB_OK;
}

struct workspace_credentials {
    char *client_id;
    char *secret_hash;
};

/* store_row_reader_fn: an app's client_id and secret hash. */
static enum db_status workspace_read_credentials(struct db_stmt *s, void *out)
{
    struct workspace_credentials *cred = out;
    store_rows_copy_text(cred->client_id, 64, db_column_text(s, 0));
    store_rows_copy_text(cred->secret_hash, 65, db_column_text(s, 1));
    return DB_OK;
}

enum db_status store_workspace_app_credentials(struct db_conn *c, const char *tenant_id,
                                               const char *app_id, char client_id[64],
                                               char secret_hash[65])
{
    struct workspace_credentials cred = {client_id, secret_hash};
    return store_rows_get_one(c,
                              "SELECT client_id, secret_hash FROM apps WHERE id = $1 "
                              "AND tenant_id = $2 AND deleted_at IS NULL",
                              STORE_PARAMS(STORE_TEXT(app_id), STORE_TEXT(tenant_id)),
                              workspace_read_credentials, &cred);
}

enum db_status store_workspace_insert(struct db_conn *c, const struct master_keyring *kr,
                                      const struct workspace_row *w, const char *client_secret)
{
    char aad[64];
    snprintf(aad, sizeof aad, WORKSPACE_AAD_PREFIX "%s", w->id);
    char *sealed = aead_seal(kr, client_secret, strlen(client_secret), aad);
    if (!sealed)
        return DB_ERROR;
    enum db_status rc = store_rows_change(
        c,
        "INSERT INTO workspaces (id, tenant_id, app_id, name, client_id, client_secret_enc, "
        "created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        STORE_PARAMS(STORE_TEXT(w->id), STORE_TEXT(w->tenant_id), STORE_TEXT(w->app_id),
                     STORE_TEXT(w->name), STORE_TEXT(w->client_id), STORE_TEXT(sealed),
                     STORE_TEXT(w->created_by[0] ? w->created_by : NULL), STORE_INT(w->created_at)),
        NULL);
    free(sealed);
    return rc;
}

struct workspace_sealed {
    const struct master_keyring *kr;
    struct workspace_row *row;
    char *secret;
    size_t size;
};

/* store_row_reader_fn: a workspace row and its opened secret (DB_UNREADABLE when the
 * envelope does not open or the secret does not fit). */
static enum db_status workspace_read_sealed(struct db_stmt *s, void *out)
{
    struct workspace_sealed *w = out;
    workspace_read(s, w->row);
    if (!w->kr || w->size == 0)
        return DB_OK;
    char aad[64];
    snprintf(aad, sizeof aad, WORKSPACE_AAD_PREFIX "%s", w->row->id);
    return store_secret_open_text(w->kr, db_column_text(s, 7), aad, w->secret, w->size);
}

enum db_status store_workspace_get_decrypted(struct db_conn *c, const struct master_keyring *kr,
                                             const char *tenant_id, const char *id,
                                             struct workspace_row *out, char *secret_out,
                                             size_t size)
{
    if (size > 0)
        secret_out[0] = 0;
    struct workspace_sealed w = {kr, out, secret_out, size};
    return store_rows_get_one(c,
                              "SELECT " WORKSPACE_COLUMNS ", client_secret_enc "
                              "FROM workspaces WHERE id = $1 AND tenant_id = $2",
                              STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(tenant_id)),
                              workspace_read_sealed, &w);
}

struct workspace_visit {
    void (*each)(const struct workspace_row *, void *);
    void *ctx;
    struct workspace_row row;
};

/* db_row_fn: one workspace row to the caller's callback. */
static enum db_status workspace_visit_row(struct db_stmt *s, void *arg)
{
    struct workspace_visit *v = arg;
    workspace_read(s, &v->row);
    v->each(&v->row, v->ctx);
    return DB_OK;
}

enum db_status store_workspace_list(struct db_conn *c, const char *tenant_id, const char *after_id,
                                    int limit, void (*each)(const struct workspace_row *, void *),
                                    void *ctx)
{
    struct workspace_visit v = {.each = each, .ctx = ctx};
    return store_rows_walk(
        c,
        "SELECT " WORKSPACE_COLUMNS " FROM workspaces "
        "WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(after_id ? after_id : ""), STORE_INT(limit)),
        workspace_visit_row, &v);
}

enum db_status store_workspace_delete(struct db_conn *c, const char *tenant_id, const char *id,
                                      bool *removed)
{
    return store_rows_change(c, "DELETE FROM workspaces WHERE id = $1 AND tenant_id = $2",
                             STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(tenant_id)), removed);
}
