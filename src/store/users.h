/*
 * users.h — users, sessions and personal API keys in the store.
 *
 * Credentials are looked up by hash only: session tokens and API keys are
 * SHA-256-hashed before they reach SQL (they carry >= 256 random bits).
 */
#ifndef TENANTD_STORE_USERS_H
#define TENANTD_STORE_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

struct user_row {
    char id[37];
    char email[256];
    char display_name[256];
    char password_hash[192];
    bool is_host_admin;
    char tenant_id[37]; /* "" for host admins */
    char role[16];      /* owner|admin|viewer, "" for host admins */
    int64_t created_at;
};

/* Each lookup returns 1 found, 0 not found, -1 database error. */
int store_user_by_id(struct db_conn *c, const char *id, struct user_row *out);
int store_user_by_email(struct db_conn *c, const char *email, struct user_row *out);
/* Session must not be expired at `now`. csrf_out receives the session's CSRF token. */
int store_user_by_session(struct db_conn *c, const char *token_hash, int64_t now,
                          struct user_row *out, char csrf_out[64]);
int store_user_by_api_key(struct db_conn *c, const char *key_hash, struct user_row *out);

/* Inserts a user (id/created_at filled by caller). DB_DONE, DB_CONSTRAINT (email taken)
 * or DB_ERROR. tenant_id/role may be "" for a host admin. */
int store_user_insert(struct db_conn *c, const struct user_row *u);

int store_session_insert(struct db_conn *c, const char *token_hash, const char *user_id,
                         const char *csrf, int64_t now, int64_t expires_at);
int store_session_delete(struct db_conn *c, const char *token_hash);

#endif
