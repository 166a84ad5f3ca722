/*
 * users.c — SQL for users, sessions, API keys and membership (see users.h).
 */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

#define USER_COLUMNS                                                                               \
    "u.id, u.email, u.display_name, COALESCE(u.password_hash, ''), u.is_host_admin, "              \
    "COALESCE(u.tenant_id, ''), COALESCE(u.role, ''), u.created_at"

/* store_row_reader_fn for a row starting with USER_COLUMNS into a struct user_row. */
static int users_read_row(struct db_stmt *s, void *out)
{
    struct user_row *u = out;
    memset(u, 0, sizeof *u);
    store_rows_copy_text(u->id, sizeof u->id, db_column_text(s, 0));
    store_rows_copy_text(u->email, sizeof u->email, db_column_text(s, 1));
    store_rows_copy_text(u->display_name, sizeof u->display_name, db_column_text(s, 2));
    store_rows_copy_text(u->password_hash, sizeof u->password_hash, db_column_text(s, 3));
    u->is_host_admin = db_column_bool(s, 4);
    store_rows_copy_text(u->tenant_id, sizeof u->tenant_id, db_column_text(s, 5));
    store_rows_copy_text(u->role, sizeof u->role, db_column_text(s, 6));
    u->created_at = db_column_int(s, 7);
    return 0;
}

static int users_lookup(struct db_conn *c, const char *sql, const char *key, struct user_row *out)
{
    const char *p[] = {key};
    return store_rows_get_one(c, sql, 1, p, users_read_row, out);
}

int store_user_by_id(struct db_conn *c, const char *id, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1", id, out);
}

int store_user_by_email(struct db_conn *c, const char *email, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.email = $1", email, out);
}

int store_user_by_session(struct db_conn *c, const char *token_hash, int64_t now,
                          struct user_row *out, char csrf_out[64])
{
    struct db_stmt *s = db_prepare(c, "SELECT " USER_COLUMNS ", s.csrf_token FROM sessions s "
                                      "JOIN users u ON u.id = s.user_id "
                                      "WHERE s.token_hash = $1 AND s.expires_at > $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, token_hash);
    db_bind_int(s, 2, now);
    int found = store_rows_found(db_step(s));
    if (found == 1) {
        users_read_row(s, out);
        store_rows_copy_text(csrf_out, 64, db_column_text(s, 8));
    }
    db_finalize(s);
    return found;
}

int store_user_by_api_key(struct db_conn *c, const char *key_hash, struct user_row *out)
{
    return users_lookup(c,
                        "SELECT " USER_COLUMNS " FROM api_keys k JOIN users u ON u.id = k.user_id "
                        "WHERE k.key_hash = $1",
                        key_hash, out);
}

int store_user_insert(struct db_conn *c, const struct user_row *u)
{
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO users (id, email, display_name, password_hash, is_host_admin, tenant_id, "
           "role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, u->id);
    db_bind_text(s, 2, u->email);
    db_bind_text(s, 3, u->display_name);
    db_bind_text(s, 4, u->password_hash[0] ? u->password_hash : NULL);
    db_bind_bool(s, 5, u->is_host_admin);
    db_bind_text(s, 6, u->tenant_id[0] ? u->tenant_id : NULL);
    db_bind_text(s, 7, u->role[0] ? u->role : NULL);
    db_bind_int(s, 8, u->created_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_session_insert(struct db_conn *c, const char *token_hash, const char *user_id,
                         const char *csrf, int64_t now, int64_t expires_at)
{
    struct db_stmt *s = db_prepare(c, "INSERT INTO sessions (token_hash, user_id, csrf_token, "
                                      "created_at, expires_at) VALUES ($1, $2, $3, $4, $5)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, token_hash);
    db_bind_text(s, 2, user_id);
    db_bind_text(s, 3, csrf);
    db_bind_int(s, 4, now);
    db_bind_int(s, 5, expires_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_session_delete(struct db_conn *c, const char *token_hash)
{
    const char *p[] = {token_hash};
    return db_run(c, "DELETE FROM sessions WHERE token_hash = $1", 1, p);
}

int store_session_delete_expired(struct db_conn *c, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "DELETE FROM sessions WHERE expires_at <= $1");
    if (!s)
        return DB_ERROR;
    db_bind_int(s, 1, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_api_key_insert(struct db_conn *c, const char *id, const char *user_id, const char *name,
                         const char *key_hash, int64_t now)
{
    struct db_stmt *s = db_prepare(c, "INSERT INTO api_keys (id, user_id, name, key_hash, "
                                      "created_at) VALUES ($1, $2, $3, $4, $5)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, id);
    db_bind_text(s, 2, user_id);
    db_bind_text(s, 3, name);
    db_bind_text(s, 4, key_hash);
    db_bind_int(s, 5, now);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_api_keys_list(struct db_conn *c, const char *user_id, const char *after, size_t max,
                        struct api_key_row *rows, size_t *count)
{
    *count = 0;
    struct db_stmt *s =
        db_prepare(c, "SELECT id, name, created_at, COALESCE(last_used_at, 0) FROM api_keys "
                      "WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, user_id);
    db_bind_text(s, 2, after ? after : "");
    db_bind_int(s, 3, (int64_t)max);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && *count < max) {
        struct api_key_row *r = &rows[(*count)++];
        memset(r, 0, sizeof *r);
        snprintf(r->id, sizeof r->id, "%s", db_column_text(s, 0));
        snprintf(r->name, sizeof r->name, "%s", db_column_text(s, 1));
        r->created_at = db_column_int(s, 2);
        r->last_used_at = db_column_int(s, 3);
    }
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? DB_DONE : DB_ERROR;
}

/* Row-locks `SELECT id FROM <table> WHERE id = $1` for the rest of the write
 * transaction. DB_ROW, DB_DONE (no such row) or DB_ERROR. */
static int users_lock_row(struct db_conn *c, const char *table, const char *id)
{
    char sql[160];
    int n =
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = $1%s", table, db_lock_suffix(c));
    if (n < 0 || (size_t)n >= sizeof sql)
        return DB_ERROR;
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, id);
    int rc = db_step(s);
    db_finalize(s);
    return rc == DB_ROW || rc == DB_DONE ? rc : DB_ERROR;
}

int64_t store_api_keys_lock_count(struct db_conn *c, const char *user_id)
{
    if (users_lock_row(c, "users", user_id) == DB_ERROR)
        return -1;
    struct db_stmt *s = db_prepare(c, "SELECT COUNT(*) FROM api_keys WHERE user_id = $1");
    if (!s)
        return -1;
    db_bind_text(s, 1, user_id);
    int64_t n = db_step(s) == DB_ROW ? db_column_int(s, 0) : -1;
    db_finalize(s);
    return n;
}

/* Runs a DELETE/UPDATE with text parameters: 1 when it changed a row, 0 when none, -1 on
 * error. */
static int users_change(struct db_conn *c, const char *sql, int nparams, const char *const *params)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    for (int i = 0; i < nparams; i++)
        db_bind_text(s, i + 1, params[i]);
    int rc = db_step(s);
    int64_t changed = rc == DB_DONE ? db_changes(s) : -1;
    db_finalize(s);
    return changed < 0 ? -1 : changed > 0 ? 1 : 0;
}

int store_api_key_delete(struct db_conn *c, const char *id, const char *user_id)
{
    const char *p[] = {id, user_id};
    return users_change(c, "DELETE FROM api_keys WHERE id = $1 AND user_id = $2", 2, p);
}

int store_members_list(struct db_conn *c, const char *tenant_id, const char *after, size_t max,
                       struct user_row *rows, size_t *count)
{
    *count = 0;
    struct db_stmt *s =
        db_prepare(c, "SELECT " USER_COLUMNS " FROM users u "
                      "WHERE u.tenant_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, tenant_id);
    db_bind_text(s, 2, after ? after : "");
    db_bind_int(s, 3, (int64_t)max);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && *count < max)
        users_read_row(s, &rows[(*count)++]);
    db_finalize(s);
    return rc == DB_DONE || rc == DB_ROW ? DB_DONE : DB_ERROR;
}

int64_t store_members_lock_count_owners(struct db_conn *c, const char *tenant_id)
{
    if (users_lock_row(c, "tenants", tenant_id) == DB_ERROR)
        return -1;
    struct db_stmt *s =
        db_prepare(c, "SELECT COUNT(*) FROM users WHERE tenant_id = $1 AND role = 'owner'");
    if (!s)
        return -1;
    db_bind_text(s, 1, tenant_id);
    int64_t owners = db_step(s) == DB_ROW ? db_column_int(s, 0) : -1;
    db_finalize(s);
    return owners;
}

int store_member_set_role(struct db_conn *c, const char *tenant_id, const char *user_id,
                          const char *role)
{
    const char *p[] = {role, user_id, tenant_id};
    return users_change(c, "UPDATE users SET role = $1 WHERE id = $2 AND tenant_id = $3", 3, p);
}

int store_member_remove(struct db_conn *c, const char *tenant_id, const char *user_id)
{
    struct user_row u;
    int found = store_user_by_id(c, user_id, &u);
    if (found <= 0)
        return found;
    if (strcmp(u.tenant_id, tenant_id) != 0)
        return 0;
    const char *p[] = {user_id};
    static const char *const detach[] = {
        "UPDATE invitations SET invited_by = NULL WHERE invited_by = $1",
        "UPDATE workspaces SET created_by = NULL WHERE created_by = $1",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM api_keys WHERE user_id = $1",
    };
    for (size_t i = 0; i < sizeof detach / sizeof detach[0]; i++)
        if (users_change(c, detach[i], 1, p) < 0)
            return -1;
    const char *q[] = {user_id, tenant_id};
    return users_change(c, "DELETE FROM users WHERE id = $1 AND tenant_id = $2", 2, q);
}
