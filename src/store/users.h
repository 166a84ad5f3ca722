/*
 * users.h — users, sessions, personal API keys and tenant membership in the store.
 *
 * Credentials are looked up by hash only: session tokens and API keys are
 * SHA-256-hashed before they reach SQL (they carry >= 256 random bits).
 * Membership is a user's (tenant_id, role): a user belongs to at most one tenant.
 */
#ifndef TENANTD_STORE_USERS_H
#define TENANTD_STORE_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define USER_NAME_SIZE 404 /* 100 code points of UTF-8 (domain/names.h) + NUL */

struct user_row {
    char id[37];
    char email[256];
    char display_name[USER_NAME_SIZE];
    char password_hash[192];
    bool is_host_admin;
    char tenant_id[37]; /* "" for host admins */
    char role[16];      /* owner|admin|viewer, "" for host admins */
    int64_t created_at;
};

/* Each lookup returns DB_DONE found, DB_NOT_FOUND not found, or the failure. */
enum db_status store_user_by_id(struct db_conn *c, const char *id, struct user_row *out);
enum db_status store_user_by_email(struct db_conn *c, const char *email, struct user_row *out);
/* Session must not be expired at `now`. csrf_out receives the session's CSRF token. */
enum db_status store_user_by_session(struct db_conn *c, const char *token_hash, int64_t now,
                                     struct user_row *out, char csrf_out[64]);
enum db_status store_user_by_api_key(struct db_conn *c, const char *key_hash, struct user_row *out);

/* Inserts a user (id/created_at filled by caller). DB_DONE, DB_CONSTRAINT (email taken)
 * or DB_ERROR. tenant_id/role may be "" for a host admin. */
enum db_status store_user_insert(struct db_conn *c, const struct user_row *u);

enum db_status store_session_insert(struct db_conn *c, const char *token_hash, const char *user_id,
                                    const char *csrf, int64_t now, int64_t expires_at);
enum db_status store_session_delete(struct db_conn *c, const char *token_hash);
/* Removes every session that expired at or before `now` (housekeeping on login). */
enum db_status store_session_delete_expired(struct db_conn *c, int64_t now);

/* ---- personal API keys ---- */

#define API_KEYS_PER_USER_MAX 50

struct api_key_row {
    char id[37];
    char name[USER_NAME_SIZE];
    int64_t created_at;
    int64_t last_used_at; /* 0 when never used */
};

/* DB_DONE, DB_CONSTRAINT (hash collision: retry with a new key) or DB_ERROR. */
enum db_status store_api_key_insert(struct db_conn *c, const char *id, const char *user_id,
                                    const char *name, const char *key_hash, int64_t now);
/* Keys of user_id with id > after ("" = from the start), in id order, at most max rows
 * into rows; *count receives how many. DB_DONE or DB_ERROR. */
enum db_status store_api_keys_list(struct db_conn *c, const char *user_id, const char *after,
                                   size_t max, struct api_key_row *rows, size_t *count);
/* Inside a write transaction: locks the user's row (PostgreSQL; SQLite writers are
 * already serialised) and counts the user's keys, so concurrent creates cannot pass
 * API_KEYS_PER_USER_MAX. The count goes to *count: DB_DONE or the failure. */
enum db_status store_api_keys_lock_count(struct db_conn *c, const char *user_id, int64_t *count);
/* Records that the key was used at now, at most once a minute (key listings show
 * staleness without a write on every call). A single autocommit write. */
enum db_status store_api_key_mark_used(struct db_conn *c, const char *key_hash, int64_t now);
/* Deletes key id only if it belongs to user_id: DB_DONE deleted, DB_NOT_FOUND no such
 * key of that user, or the failure. */
enum db_status store_api_key_delete(struct db_conn *c, const char *id, const char *user_id);

/* ---- membership ---- */

/* Members of tenant_id with id > after, in id order, at most max rows. DB_DONE or
 * DB_ERROR. */
enum db_status store_members_list(struct db_conn *c, const char *tenant_id, const char *after,
                                  size_t max, struct user_row *rows, size_t *count);
/* Locks the tenant row for the rest of the write transaction (PostgreSQL; SQLite writers
 * are already serialised) and counts its owners into *count: DB_DONE or the failure. */
enum db_status store_members_lock_count_owners(struct db_conn *c, const char *tenant_id,
                                               int64_t *count);
/* Sets the role of user_id in tenant_id: DB_DONE changed, DB_NOT_FOUND no such member, or
 * the failure. */
enum db_status store_member_set_role(struct db_conn *c, const char *tenant_id, const char *user_id,
                                     const char *role);
/*
 * Removes member user_id of tenant_id: detaches the rows that only point at the user
 * (invitations.invited_by, workspaces.created_by), deletes the user's sessions and API
 * keys, then the user. Run it inside a write transaction. DB_DONE removed, DB_NOT_FOUND
 * no such member, or the failure.
 */
enum db_status store_member_remove(struct db_conn *c, const char *tenant_id, const char *user_id);

#endif
