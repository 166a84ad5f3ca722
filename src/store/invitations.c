/*
 * invitations.c — SQL for tenant invitations (see invitations.h).
 */
#include "store/invitations.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

#define INVITATION_COLUMNS                                                                         \
    "id, tenant_id, email, role, status, COALESCE(invited_by, ''), created_at, expires_at, "       \
    "COALESCE(accepted_at, 0)"

/* store_row_reader_fn for a row of INVITATION_COLUMNS into a struct invitation_row. */
static enum db_status invitations_read_row(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct invitation_row, id),
        STORE_COLUMN(TEXT, struct invitation_row, tenant_id),
        STORE_COLUMN(TEXT, struct invitation_row, email),
        STORE_COLUMN(TEXT, struct invitation_row, role),
        STORE_COLUMN(TEXT, struct invitation_row, status),
        STORE_COLUMN(TEXT, struct invitation_row, invited_by),
        STORE_COLUMN(INT, struct invitation_row, created_at),
        STORE_COLUMN(INT, struct invitation_row, expires_at),
        STORE_COLUMN(INT, struct invitation_row, accepted_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct invitation_row));
    return DB_OK;
}

const char *store_invitation_status_at(const struct invitation_row *inv, int64_t now)
{
    if (strcmp(inv->status, "pending") == 0 && inv->expires_at <= now)
        return "expired";
    return inv->status;
}

enum db_status store_invitation_insert(struct db_conn *c, const struct invitation_row *inv,
                                       const char *token_hash)
{
    return store_rows_change(
        c,
        "INSERT INTO invitations (id, tenant_id, email, role, token_hash, status, invited_by, "
        "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        STORE_PARAMS(STORE_TEXT(inv->id), STORE_TEXT(inv->tenant_id), STORE_TEXT(inv->email),
                     STORE_TEXT(inv->role), STORE_TEXT(token_hash), STORE_TEXT(inv->status),
                     STORE_TEXT(inv->invited_by[0] ? inv->invited_by : NULL),
                     STORE_INT(inv->created_at), STORE_INT(inv->expires_at)),
        NULL);
}

struct invitations_fill {
    struct invitation_row *rows;
    size_t max;
    size_t *count;
};

/* db_row_fn: one invitation row into the next struct invitation_row. */
static enum db_status invitations_fill_row(struct db_stmt *s, void *arg)
{
    struct invitations_fill *f = arg;
    if (*f->count >= f->max)
        return DB_DONE;
    return invitations_read_row(s, &f->rows[(*f->count)++]);
}

enum db_status store_invitations_list(struct db_conn *c, const char *tenant_id, const char *after,
                                      size_t max, struct invitation_row *rows, size_t *count)
{
    *count = 0;
    struct invitations_fill f = {rows, max, count};
    enum db_status rc = store_rows_walk(
        c,
        "SELECT " INVITATION_COLUMNS " FROM invitations "
        "WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(after ? after : ""), STORE_INT(max)),
        invitations_fill_row, &f);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

enum db_status store_invitation_get(struct db_conn *c, const char *tenant_id, const char *id,
                                    struct invitation_row *out)
{
    return store_rows_get_one(c,
                              "SELECT " INVITATION_COLUMNS " FROM invitations "
                              "WHERE id = $1 AND tenant_id = $2",
                              STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(tenant_id)),
                              invitations_read_row, out);
}

enum db_status store_invitation_by_token(struct db_conn *c, const char *token_hash,
                                         struct invitation_row *out)
{
    return store_rows_get_one(
        c, "SELECT " INVITATION_COLUMNS " FROM invitations WHERE token_hash = $1",
        STORE_PARAMS(STORE_TEXT(token_hash)), invitations_read_row, out);
}

enum db_status store_invitation_pending_exists(struct db_conn *c, const char *tenant_id,
                                               const char *email, int64_t now)
{
    return store_rows_exists(
        c,
        "SELECT 1 FROM invitations WHERE tenant_id = $1 AND "
        "email = $2 AND status = 'pending' AND expires_at > $3",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(email), STORE_INT(now)));
}

enum db_status store_invitation_cancel(struct db_conn *c, const char *id)
{
    return store_rows_change_one(
        c, "UPDATE invitations SET status = 'cancelled' WHERE id = $1 AND status = 'pending'",
        STORE_PARAMS(STORE_TEXT(id)));
}

enum db_status store_invitation_accept(struct db_conn *c, const char *id, int64_t now)
{
    return store_rows_change_one(c,
                                 "UPDATE invitations SET status = 'accepted', accepted_at = $1 "
                                 "WHERE id = $2 AND status = 'pending' AND expires_at > $1",
                                 STORE_PARAMS(STORE_INT(now), STORE_TEXT(id)));
}
