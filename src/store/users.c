/*
 * users.c — SQL for users, sessions and API keys (see users.h).
 */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

#define USER_COLUMNS                                                                          \
    "u.id, u.email, u.display_name, COALESCE(u.password_hash, ''), u.is_host_admin, "       \
    "COALESCE(u.tenant_id, ''), COALESCE(u.role, ''), u.created_at"

static void users_read_row(struct db_stmt *s, struct user_row *u, int first)
{
    memset(u, 0, sizeof *u);
    snprintf(u->id, sizeof u->id, "%s", db_column_text(s, first + 0));
    snprintf(u->email, sizeof u->email, "%s", db_column_text(s, first + 1));
    snprintf(u->display_name, sizeof u->display_name, "%s", db_column_text(s, first + 2));
    snprintf(u->password_hash, sizeof u->password_hash, "%s", db_column_text(s, first + 3));
    u->is_host_admin = db_column_bool(s, first + 4);
    snprintf(u->tenant_id, sizeof u->tenant_id, "%s", db_column_text(s, first + 5));
    snprintf(u->role, sizeof u->role, "%s", db_column_text(s, first + 6));
    u->created_at = db_column_int(s, first + 7);
}

static int users_lookup(struct db_conn *c, const char *sql, const char *key, struct user_row *out)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    db_bind_text(s, 1, key);
    int rc = db_step(s);
    int found = rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
    if (found == 1)
        users_read_row(s, out, 0);
    db_finalize(s);
    return found;
}

int store_user_by_id(struct db_conn *c, const char *id, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1", id, out);
}

int store_user_by_email(struct db_conn *c, const char *email, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.email = $1", email,
                        out);
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
    int rc = db_step(s);
    int found = rc == DB_ROW ? 1 : rc == DB_DONE ? 0 : -1;
    if (found == 1) {
        users_read_row(s, out, 0);
        snprintf(csrf_out, 64, "%s", db_column_text(s, 8));
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
