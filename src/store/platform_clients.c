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
static int platform_clients_read_row(struct db_stmt *s, void *out)
{
    struct platform_client_row *p = out;
    memset(p, 0, sizeof *p);
    store_rows_copy_text(p->id, sizeof p->id, db_column_text(s, 0));
    store_rows_copy_text(p->name, sizeof p->name, db_column_text(s, 1));
    store_rows_copy_text(p->client_id, sizeof p->client_id, db_column_text(s, 2));
    store_rows_copy_text(p->secret_hash, sizeof p->secret_hash, db_column_text(s, 3));
    store_rows_copy_text(p->scopes, sizeof p->scopes, db_column_text(s, 4));
    p->created_at = db_column_int(s, 5);
    p->secret_rotated_at = db_column_int(s, 6);
    return 0;
}

static int platform_clients_lookup(struct db_conn *c, const char *sql, const char *key,
                                   struct platform_client_row *out)
{
    const char *p[] = {key};
    return store_rows_get_one(c, sql, 1, p, platform_clients_read_row, out);
}

int store_platform_client_get(struct db_conn *c, const char *id, struct platform_client_row *out)
{
    return platform_clients_lookup(c,
                                   "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                                   "WHERE id = $1 AND deleted_at IS NULL",
                                   id, out);
}

int store_platform_client_by_client_id(struct db_conn *c, const char *client_id,
                                       struct platform_client_row *out)
{
    return platform_clients_lookup(c,
                                   "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                                   "WHERE client_id = $1 AND deleted_at IS NULL",
                                   client_id, out);
}

int store_platform_client_insert(struct db_conn *c, const struct platform_client_row *p)
{
    struct db_stmt *s = db_prepare(c, "INSERT INTO platform_clients (" PLATFORM_CLIENT_COLUMNS
                                      ") VALUES ($1, $2, $3, $4, $5, $6, $7)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, p->id);
    db_bind_text(s, 2, p->name);
    db_bind_text(s, 3, p->client_id);
    db_bind_text(s, 4, p->secret_hash);
    db_bind_text(s, 5, p->scopes);
    db_bind_int(s, 6, p->created_at);
    db_bind_int(s, 7, p->secret_rotated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

static int platform_clients_change(struct db_conn *c, const char *sql, const char *id,
                                   const char *text, int64_t now, bool *changed)
{
    *changed = false;
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, id);
    db_bind_int(s, 2, now);
    if (text)
        db_bind_text(s, 3, text);
    int rc = db_step(s);
    if (rc == DB_DONE)
        *changed = db_changes(s) > 0;
    db_finalize(s);
    return rc;
}

int store_platform_client_set_secret(struct db_conn *c, const char *id, const char *secret_hash,
                                     int64_t now, bool *changed)
{
    return platform_clients_change(c,
                                   "UPDATE platform_clients SET secret_hash = $3, "
                                   "secret_rotated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                                   id, secret_hash, now, changed);
}

int store_platform_client_delete(struct db_conn *c, const char *id, int64_t now, bool *changed)
{
    return platform_clients_change(c,
                                   "UPDATE platform_clients SET deleted_at = $2 "
                                   "WHERE id = $1 AND deleted_at IS NULL",
                                   id, NULL, now, changed);
}

int store_platform_client_list(struct db_conn *c, const char *after_id, int limit,
                               store_platform_client_each_fn each, void *ctx)
{
    struct db_stmt *s = db_prepare(c, "SELECT " PLATFORM_CLIENT_COLUMNS " FROM platform_clients "
                                      "WHERE id > $1 AND deleted_at IS NULL "
                                      "ORDER BY id LIMIT $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, after_id ? after_id : "");
    db_bind_int(s, 2, limit);
    int n = 0, rc;
    struct platform_client_row row;
    while ((rc = db_step(s)) == DB_ROW) {
        platform_clients_read_row(s, &row);
        n++;
        if (each(&row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}
