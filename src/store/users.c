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
static enum db_status users_read_row(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct user_row, id),
        STORE_COLUMN(TEXT, struct user_row, email),
        STORE_COLUMN(TEXT, struct user_row, display_name),
        STORE_COLUMN(TEXT, struct user_row, password_hash),
        STORE_COLUMN(BOOL, struct user_row, is_host_admin),
        STORE_COLUMN(TEXT, struct user_row, tenant_id),
        STORE_COLUMN(TEXT, struct user_row, role),
        STORE_COLUMN(INT, struct user_row, created_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct user_row));
    return DB_OK;
}

static enum db_status users_lookup(struct db_conn *c, const char *sql, const char *key,
                                   struct user_row *out)
{
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(key)), users_read_row, out);
}

enum db_status store_user_by_id(struct db_conn *c, const char *id, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.id = $1", id, out);
}

enum db_status store_user_by_email(struct db_conn *c, const char *email, struct user_row *out)
{
    return users_lookup(c, "SELECT " USER_COLUMNS " FROM users u WHERE u.email = $1", email, out);
}

struct users_session {
    struct user_row *user;
    char *csrf;
};

/* store_row_reader_fn: a user row followed by the session's CSRF token. */
static enum db_status users_read_session(struct db_stmt *s, void *out)
{
    struct users_session *session = out;
    users_read_row(s, session->user);
    store_rows_copy_text(session->csrf, 64, db_column_text(s, 8));
    return DB_OK;
}

enum db_status store_user_by_session(struct db_conn *c, const char *token_hash, int64_t now,
                                     struct user_row *out, char csrf_out[64])
{
    struct users_session session = {out, csrf_out};
    return store_rows_get_one(c,
                              "SELECT " USER_COLUMNS ", s.csrf_token FROM sessions s "
                              "JOIN users u ON u.id = s.user_id "
                              "WHERE s.token_hash = $1 AND s.expires_at > $2",
                              STORE_PARAMS(STORE_TEXT(token_hash), STORE_INT(now)),
                              users_read_session, &session);
}

enum db_status store_user_by_api_key(struct db_conn *c, const char *key_hash, struct user_row *out)
{
    return users_lookup(c,
                        "SELECT " USER_COLUMNS " FROM api_keys k JOIN users u ON u.id = k.user_id "
                        "WHERE k.key_hash = $1",
                        key_hash, out);
}

enum db_status store_user_insert(struct db_conn *c, const struct user_row *u)
{
    return store_rows_change(
        c,
        "INSERT INTO users (id, email, display_name, password_hash, is_host_admin, tenant_id, "
        "role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        STORE_PARAMS(STORE_TEXT(u->id), STORE_TEXT(u->email), STORE_TEXT(u->display_name),
                     STORE_TEXT(u->password_hash[0] ? u->password_hash : NULL),
                     STORE_BOOL(u->is_host_admin),
                     STORE_TEXT(u->tenant_id[0] ? u->tenant_id : NULL),
                     STORE_TEXT(u->role[0] ? u->role : NULL), STORE_INT(u->created_at)),
        NULL);
}

enum db_status store_session_insert(struct db_conn *c, const char *token_hash, const char *user_id,
                                    const char *csrf, int64_t now, int64_t expires_at)
{
    return store_rows_change(c,
                             "INSERT INTO sessions (token_hash, user_id, csrf_token, "
                             "created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                             STORE_PARAMS(STORE_TEXT(token_hash), STORE_TEXT(user_id),
                                          STORE_TEXT(csrf), STORE_INT(now), STORE_INT(expires_at)),
                             NULL);
}

enum db_status store_session_delete(struct db_conn *c, const char *token_hash)
{
    return store_rows_change(c, "DELETE FROM sessions WHERE token_hash = $1",
                             STORE_PARAMS(STORE_TEXT(token_hash)), NULL);
}

enum db_status store_session_delete_expired(struct db_conn *c, int64_t now)
{
    return store_rows_change(c, "DELETE FROM sessions WHERE expires_at <= $1",
                             STORE_PARAMS(STORE_INT(now)), NULL);
}

enum db_status store_api_key_insert(struct db_conn *c, const char *id, const char *user_id,
                                    const char *name, const char *key_hash, int64_t now)
{
    return store_rows_change(c,
                             "INSERT INTO api_keys (id, user_id, name, key_hash, "
                             "created_at) VALUES ($1, $2, $3, $4, $5)",
                             STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(user_id), STORE_TEXT(name),
                                          STORE_TEXT(key_hash), STORE_INT(now)),
                             NULL);
}

enum db_status store_api_key_mark_used(struct db_conn *c, const char *key_hash, int64_t now)
{
    return store_rows_change(c,
                             "UPDATE api_keys SET last_used_at = $1 "
                             "WHERE key_hash = $2 AND (last_used_at IS NULL "
                             "OR last_used_at < $1 - 60)",
                             STORE_PARAMS(STORE_INT(now), STORE_TEXT(key_hash)), NULL);
}

/* Fills rows[0..max-1] from a walk; *count says how many (db_row_fn ctx). */
struct users_fill {
    void *rows;
    size_t max;
    size_t *count;
};

/* db_row_fn: one api_keys row into the next struct api_key_row. */
static enum db_status users_fill_api_key(struct db_stmt *s, void *arg)
{
    struct users_fill *f = arg;
    if (*f->count >= f->max)
        return DB_DONE;
    struct api_key_row *r = (struct api_key_row *)f->rows + (*f->count)++;
    memset(r, 0, sizeof *r);
    store_rows_copy_text(r->id, sizeof r->id, db_column_text(s, 0));
    store_rows_copy_text(r->name, sizeof r->name, db_column_text(s, 1));
    r->created_at = db_column_int(s, 2);
    r->last_used_at = db_column_int(s, 3);
    return DB_OK;
}

enum db_status store_api_keys_list(struct db_conn *c, const char *user_id, const char *after,
                                   size_t max, struct api_key_row *rows, size_t *count)
{
    *count = 0;
    struct users_fill f = {rows, max, count};
    enum db_status rc = store_rows_walk(
        c,
        "SELECT id, name, created_at, COALESCE(last_used_at, 0) FROM api_keys "
        "WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        STORE_PARAMS(STORE_TEXT(user_id), STORE_TEXT(after ? after : ""), STORE_INT(max)),
        users_fill_api_key, &f);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

/* Row-locks `SELECT id FROM <table> WHERE id = $1` for the rest of the write
 * transaction, then counts with count_sql ($1 = id) into *count. */
static enum db_status users_lock_and_count(struct db_conn *c, const char *table, const char *id,
                                           const char *count_sql, int64_t *count)
{
    char sql[160];
    int n =
        snprintf(sql, sizeof sql, "SELECT id FROM %s WHERE id = $1%s", table, db_lock_suffix(c));
    if (n < 0 || (size_t)n >= sizeof sql)
        return DB_ERROR;
    enum db_status rc = store_rows_exists(c, sql, STORE_PARAMS(STORE_TEXT(id)));
    if (rc != DB_DONE && rc != DB_NOT_FOUND)
        return rc;
    return store_rows_get_int(c, count_sql, STORE_PARAMS(STORE_TEXT(id)), count);
}

enum db_status store_api_keys_lock_count(struct db_conn *c, const char *user_id, int64_t *count)
{
    return users_lock_and_count(c, "users", user_id,
                                "SELECT COUNT(*) FROM api_keys WHERE user_id = $1", count);
}

enum db_status store_api_key_delete(struct db_conn *c, const char *id, const char *user_id)
{
    return store_rows_change_one(c, "DELETE FROM api_keys WHERE id = $1 AND user_id = $2",
                                 STORE_PARAMS(STORE_TEXT(id), STORE_TEXT(user_id)));
}

/* db_row_fn: one member row into the next struct user_row. */
static enum db_status users_fill_member(struct db_stmt *s, void *arg)
{
    struct users_fill *f = arg;
    if (*f->count >= f->max)
        return DB_DONE;
    return users_read_row(s, (struct user_row *)f->rows + (*f->count)++);
}

enum db_status store_members_list(struct db_conn *c, const char *tenant_id, const char *after,
                                  size_t max, struct user_row *rows, size_t *count)
{
    *count = 0;
    struct users_fill f = {rows, max, count};
    enum db_status rc = store_rows_walk(
        c,
        "SELECT " USER_COLUMNS " FROM users u "
        "WHERE u.tenant_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
        STORE_PARAMS(STORE_TEXT(tenant_id), STORE_TEXT(after ? after : ""), STORE_INT(max)),
        users_fill_member, &f);
    return rc == DB_DONE ? DB_DONE : DB_ERROR;
}

enum db_status store_members_lock_count_owners(struct db_conn *c, const char *tenant_id,
                                               int64_t *count)
{
    return users_lock_and_count(c, "tenants", tenant_id,
                                "SELECT COUNT(*) FROM users WHERE tenant_id = $1 "
                                "AND role = 'owner'",
                                count);
}

enum db_status store_member_set_role(struct db_conn *c, const char *tenant_id, const char *user_id,
                                     const char *role)
{
    return store_rows_change_one(
        c, "UPDATE users SET role = $1 WHERE id = $2 AND tenant_id = $3",
        STORE_PARAMS(STORE_TEXT(role), STORE_TEXT(user_id), STORE_TEXT(tenant_id)));
}

enum db_status store_member_remove(struct db_conn *c, const char *tenant_id, const char *user_id)
{
    struct user_row u;
    enum db_status found = store_user_by_id(c, user_id, &u);
    if (found != DB_DONE)
        return found;
    if (strcmp(u.tenant_id, tenant_id) != 0)
        return DB_NOT_FOUND;
    static const char *const detach[] = {
        "UPDATE invitations SET invited_by = NULL WHERE invited_by = $1",
        "UPDATE workspaces SET created_by = NULL WHERE created_by = $1",
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM api_keys WHERE user_id = $1",
    };
    for (size_t i = 0; i < sizeof detach / sizeof detach[0]; i++) {
        enum db_status rc =
            store_rows_change(c, detach[i], STORE_PARAMS(STORE_TEXT(user_id)), NULL);
        if (rc != DB_DONE)
            return rc;
    }
    return store_rows_change_one(c, "DELETE FROM users WHERE id = $1 AND tenant_id = $2",
                                 STORE_PARAMS(STORE_TEXT(user_id), STORE_TEXT(tenant_id)));
}
