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
static int invitations_read_row(struct db_stmt *s, void *out)
{
    struct invitation_row *r = out;
    memset(r, 0, sizeof *r);
    store_rows_copy_text(r->id, sizeof r->id, db_column_text(s, 0));
    store_rows_copy_text(r->tenant_id, sizeof r->tenant_id, db_column_text(s, 1));
    store_rows_copy_text(r->email, sizeof r->email, db_column_text(s, 2));
    store_rows_copy_text(r->role, sizeof r->role, db_column_text(s, 3));
    store_rows_copy_text(r->status, sizeof r->status, db_column_text(s, 4));
    store_rows_copy_text(r->invited_by, sizeof r->invited_by, db_column_text(s, 5));
    r->created_at = db_column_int(s, 6);
    r->expires_at = db_column_int(s, 7);
    r->accepted_at = db_column_int(s, 8);
    return 0;
}

const char *store_invitation_status_at(const struct invitation_row *inv, int64_t now)
{
    if (strcmp(inv->status, "pending") == 0 && inv->expires_at <= now)
        return "expired";
    return inv->status;
}

int store_invitation_insert(struct db_conn *c, const struct invitation_row *inv,
                            const char *token_hash)
{
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO invitations (id, tenant_id, email, role, token_hash, status, invited_by, "
           "created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, inv->id);
    db_bind_text(s, 2, inv->tenant_id);
    db_bind_text(s, 3, inv->email);
    db_bind_text(s, 4, inv->role);
    db_bind_text(s, 5, token_hash);
    db_bind_text(s, 6, inv->status);
    db_bind_text(s, 7, inv->invited_by[0] ? inv->invited_by : NULL);
    db_bind_int(s, 8, inv->created_at);
    db_bind_int(s, 9, inv->expires_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_invitations_list(struct db_conn *c, const char *tenant_id, const char *after, size_t max,
                           struct invitation_row *rows, size_t *count)
{
    *count = 0;
    struct db_stmt *s = db_prepare(c, "SELECT " INVITATION_COLUMNS " FROM invitations "
                                      "WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, tenant_id);
    db_bind_text(s, 2, after ? after : "");
    db_bind_int(s, 3, (int64_t)max);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && *count < max)
        invitations_read_row(s, &rows[(*count)++]);
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? DB_DONE : DB_ERROR;
}

int store_invitation_get(struct db_conn *c, const char *tenant_id, const char *id,
                         struct invitation_row *out)
{
    const char *p[] = {id, tenant_id};
    return store_rows_get_one(c,
                              "SELECT " INVITATION_COLUMNS " FROM invitations "
                              "WHERE id = $1 AND tenant_id = $2",
                              2, p, invitations_read_row, out);
}

int store_invitation_by_token(struct db_conn *c, const char *token_hash, struct invitation_row *out)
{
    const char *p[] = {token_hash};
    return store_rows_get_one(
        c, "SELECT " INVITATION_COLUMNS " FROM invitations WHERE token_hash = $1", 1, p,
        invitations_read_row, out);
}

int store_invitation_pending_exists(struct db_conn *c, const char *tenant_id, const char *email,
                                    int64_t now)
{
    struct db_stmt *s = db_prepare(c, "SELECT 1 FROM invitations WHERE tenant_id = $1 AND "
                                      "email = $2 AND status = 'pending' AND expires_at > $3");
    if (!s)
        return -1;
    db_bind_text(s, 1, tenant_id);
    db_bind_text(s, 2, email);
    db_bind_int(s, 3, now);
    int found = store_rows_found(db_step(s));
    db_finalize(s);
    return found;
}

/* Runs a status UPDATE: 1 when it changed the row, 0 when the condition did not hold,
 * -1 on error. */
static int invitations_change(struct db_stmt *s)
{
    int rc = db_step(s);
    int64_t changed = rc == DB_DONE ? db_changes(s) : -1;
    db_finalize(s);
    return changed < 0 ? -1 : changed > 0 ? 1 : 0;
}

int store_invitation_cancel(struct db_conn *c, const char *id)
{
    struct db_stmt *s = db_prepare(
        c, "UPDATE invitations SET status = 'cancelled' WHERE id = $1 AND status = 'pending'");
    if (!s)
        return -1;
    db_bind_text(s, 1, id);
    return invitations_change(s);
}

int store_invitation_accept(struct db_conn *c, const char *id, int64_t now)
{
    struct db_stmt *s =
        db_prepare(c, "UPDATE invitations SET status = 'accepted', accepted_at = $1 "
                      "WHERE id = $2 AND status = 'pending' AND expires_at > $1");
    if (!s)
        return -1;
    db_bind_int(s, 1, now);
    db_bind_text(s, 2, id);
    return invitations_change(s);
}
