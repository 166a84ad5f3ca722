/*
 * platform_clients.c — SQL and client ids for platform clients (see
 * platform_clients.h).
 */
#include "store/platform_clients.h"

#include <stdio.h>
#include <string.h>

#include "crypto/random.h"
#include "domain/secret_format.h"
#include "store/rows.h"

bool platform_client_id_is_well_formed(const char *s)
{
    /* Same body rules as an app client_id: check it under the app prefix. */
    if (!s || strncmp(s, PLATFORM_CLIENT_ID_PREFIX, 4) != 0 || strlen(s) != CLIENT_ID_LEN)
        return false;
    char as_app[CLIENT_ID_LEN + 1];
    int n = snprintf(as_app, sizeof as_app, "%s%s", CLIENT_ID_PREFIX, s + 4);
    return n == CLIENT_ID_LEN && client_id_is_well_formed(as_app);
}

int platform_client_id_new(char out[PLATFORM_CLIENT_ID_SIZE])
{
    /* The app encoding, then the platform prefix over the app one (both 4 bytes). */
    unsigned char random[CLIENT_ID_RANDOM_BYTES];
    char app_id[32];
    out[0] = 0;
    if (crypto_random_bytes(random, sizeof random) != 0 ||
        !client_id_encode(random, app_id, sizeof app_id) || strlen(app_id) != CLIENT_ID_LEN)
        return -1;
    int n = snprintf(out, PLATFORM_CLIENT_ID_SIZE, "%s%s", PLATFORM_CLIENT_ID_PREFIX, app_id + 4);
    return n == CLIENT_ID_LEN ? 0 : -1;
}

#define PLATFORM_CLIENT_COLUMNS                                                                    \
    "id, name, client_id, secret_hash, scopes, created_at, secret_rotated_at"

/* store_row_reader_fn for a row of PLATFORM_CLIENT_COLUMNS into a
 * struct platform_client_row. */
static enum db_status platform_clients_read_row(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct platform_client_row, id),
        STORE_COLUMN(TEXT, struct platform_client_row, name),
        STORE_COLUMN(TEXT, struct platform_client_row, client_id),
        STORE_COLUMN(TEXT, struct platform_client_row, secret_hash),
        STORE_COLUMN(TEXT, struct platform_client_row, scopes),
        STORE_COLUMN(INT, struct platform_client_row, created_at),
        STORE_COLUMN(INT, struct platform_client_row, secret_rotated_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct platform_client_row));
    return DB_OK;
}

static enum db_status platform_clients_lookup(struct db_conn *c, const char *sql, const char *key,
                                              struct platform_client_row *out)
{
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(key)), platform_clients_read_row,
                              out);
}

enum db_status store_platform_client_get(struct db_conn *c, const char *id,
                                         struct platform_client_row *out)
{
    return platform_clients_lookup(c,
                                   "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                                   "WHERE id = $1 AND deleted_at IS NULL",
                                   id, out);
}

enum db_status store_platform_client_by_client_id(struct db_conn *c, const char *client_id,
                                                  struct platform_client_row *out)
{
    return platform_clients_lookup(c,
                                   "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                                   "WHERE client_id = $1 AND deleted_at IS NULL",
                                   client_id, out);
}

enum db_status store_platform_client_insert(struct db_conn *c, const struct platform_client_row *p)
{
    return store_rows_change(c,
                             "INSERT INTO platform_clients (" PLATFORM_CLIENT_COLUMNS
                             ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                             STORE_PARAMS(STORE_TEXT(p->id), STORE_TEXT(p->name),
                                          STORE_TEXT(p->client_id), STORE_TEXT(p->secret_hash),
                                          STORE_TEXT(p->scopes), STORE_INT(p->created_at),
                                          STORE_INT(p->secret_rotated_at)),
                             NULL);
}

enum db_status store_platform_client_set_secret(struct db_conn *c, const char *id,
                                                const char *secret_hash, int64_t now, bool *changed)
{
    return store_rows_change(c,
                             "UPDATE platform_clients SET secret_hash = $3, "
                             "secret_rotated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(id), STORE_INT(now), STORE_TEXT(secret_hash)),
                             changed);
}

enum db_status store_platform_client_delete(struct db_conn *c, const char *id, int64_t now,
                                            bool *changed)
{
    return store_rows_change(c,
                             "UPDATE platform_clients SET deleted_at = $2 "
                             "WHERE id = $1 AND deleted_at IS NULL",
                             STORE_PARAMS(STORE_TEXT(id), STORE_INT(now)), changed);
}

struct platform_clients_visit {
    store_platform_client_each_fn each;
    void *ctx;
    struct platform_client_row row;
};

/* db_row_fn: one platform client row to the caller's callback. */
static enum db_status platform_clients_visit_row(struct db_stmt *s, void *arg)
{
    struct platform_clients_visit *v = arg;
    platform_clients_read_row(s, &v->row);
    return v->each(&v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_platform_client_list(struct db_conn *c, const char *after_id, int limit,
                                          store_platform_client_each_fn each, void *ctx)
{
    struct platform_clients_visit v = {.each = each, .ctx = ctx};
    return store_rows_walk(c,
                           "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                           "WHERE id > $1 AND deleted_at IS NULL "
                           "ORDER BY id LIMIT $2",
                           STORE_PARAMS(STORE_TEXT(after_id ? after_id : ""), STORE_INT(limit)),
                           platform_clients_visit_row, &v);
}
