/*
 * apps.h — tenant apps (SPEC §1 "App") in the store.
 *
 * An app row carries its lists (redirect_uris, post_logout_redirect_uris,
 * allowed_domains) as compact JSON array text, already validated and normalised at
 * the API edge; the store never parses them. Reads join the optional custom storage
 * configuration (app_storage) so one lookup yields the whole representation — never
 * the client secret hash or the storage secret.
 *
 * Deletion is soft (deleted_at): a deleted app is invisible to every function here,
 * frees its tenant's app_limit slot and its name (the unique index on
 * (tenant_id, name_folded) is partial on deleted_at IS NULL), but its client_id is
 * never reused.
 *
 * The number of non-deleted apps is kept per tenant (tenant_app_counts, read by
 * store_app_count for app_limit) and per region database (database_app_counts, read
 * by store_region_pick_database): store_app_insert and store_app_soft_delete adjust
 * both in the caller's transaction, so neither check walks the apps table. Any other
 * writer of apps rows must keep them the same way.
 *
 * Values are bound, never spliced into SQL. Lookups return DB_DONE found, DB_NOT_FOUND
 * not found, or the failure. Writes return the DB_* status of their statement (DB_DONE on
 * success, DB_CONSTRAINT on a unique or foreign key violation, DB_BUSY / DB_ERROR).
 */
#ifndef TENANTD_STORE_APPS_H
#define TENANTD_STORE_APPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/app_storage.h"
#include "store/db.h"

#define APP_NAME_SIZE 404     /* 100 code points of UTF-8 + NUL */
#define APP_CLIENT_ID_SIZE 32 /* "tdc_" + 22 base62 + NUL, rounded */
#define APP_REGION_CODE_SIZE 33
#define APP_DB_CODE_SIZE 65
#define APP_PLAN_CODE_SIZE 65
#define APP_AUTH_METHOD_SECRET "client_secret"
#define APP_AUTH_METHOD_PRIVATE_KEY_JWT "private_key_jwt"

struct app_row {
    char id[37];
    char tenant_id[37];
    char name[APP_NAME_SIZE];        /* trimmed, as shown */
    char name_folded[APP_NAME_SIZE]; /* uniqueness key (domain/names.h name_fold_case) */
    char client_id[APP_CLIENT_ID_SIZE];
    char license_region_code[APP_REGION_CODE_SIZE];
    char db_code[APP_DB_CODE_SIZE];
    bool enabled;
    char plan_code[APP_PLAN_CODE_SIZE]; /* "" when no plan */
    /* Compact JSON array texts, malloc'd (store_app_row_clear frees them). */
    char *redirect_uris;
    char *post_logout_redirect_uris;
    char *allowed_domains;
    int64_t created_at;
    int64_t updated_at;
    int64_t secret_rotated_at;
    /* Grace rotation (SPEC §3.7): until then the previous secret is still accepted;
     * 0 when there is none. May lie in the past (an ended grace is not cleared). */
    int64_t previous_secret_expires_at;
    /* SPEC §3.7: "client_secret" or "private_key_jwt" (APP_AUTH_METHOD_*) */
    char token_endpoint_auth_method[24];
    char *jwks;                    /* normalised public JWK set text (malloc'd), NULL when none */
    bool dpop_bound_access_tokens; /* SPEC §3.7: a DPoP proof is mandatory */
    bool has_storage;              /* storage below is valid (custom mode) */
    struct app_storage_row storage;
};

/* Frees the JSON texts and zeroes the row. NULL is fine. */
void store_app_row_clear(struct app_row *a);

/*
 * Sets one of the row's JSON texts to a malloc'd copy of json_text (NULL -> "[]").
 * Returns 0, -1 on allocation failure.
 */
int store_app_row_set_json(char **field, const char *json_text);

/* Non-deleted app `app_id` of tenant `tenant_id` (with its storage). DB_DONE / DB_NOT_FOUND /
 * failure. out must be zero-initialised or a row this module filled before (its JSON texts are
 * freed and replaced); release it with store_app_row_clear. */
enum db_status store_app_get(struct db_conn *c, const char *tenant_id, const char *app_id,
                             struct app_row *out);

/* Whether app_id is a non-deleted app of any tenant: DB_DONE / DB_NOT_FOUND /
 * failure. */
enum db_status store_app_exists(struct db_conn *c, const char *app_id);

/* The id of the tenant's non-deleted app named name_folded into id_out: DB_DONE /
 * DB_NOT_FOUND / failure. */
enum db_status store_app_id_by_name(struct db_conn *c, const char *tenant_id,
                                    const char *name_folded, char id_out[37]);

/* Number of non-deleted apps of the tenant (one counter row read) into *count:
 * DB_DONE or the failure. */
enum db_status store_app_count(struct db_conn *c, const char *tenant_id, int64_t *count);

/*
 * Is name_folded used by another non-deleted app of the tenant? except_app_id (may be
 * NULL) is left out (a rename of an app to itself in another case). *taken says; returns DB_DONE or
 * the failure.
 */
enum db_status store_app_name_taken(struct db_conn *c, const char *tenant_id,
                                    const char *name_folded, const char *except_app_id,
                                    bool *taken);

/*
 * Number of non-deleted apps of the tenant, other than except_app_id (may be NULL),
 * whose plan has tier 'free', into *count: DB_DONE or the failure.
 */
enum db_status store_app_count_on_free_plan(struct db_conn *c, const char *tenant_id,
                                            const char *except_app_id, int64_t *count);

/* Inserts a (every column; secret_hash is the SHA-256 hex of the client secret) and
 * adds one to the live-app counts of its tenant and region database. */
enum db_status store_app_insert(struct db_conn *c, const struct app_row *a,
                                const char *secret_hash);

/* Updates name, name_folded, the three lists, token_endpoint_auth_method, jwks and
 * updated_at of a->id. */
enum db_status store_app_update(struct db_conn *c, const struct app_row *a);

/* Sets enabled and updated_at. */
enum db_status store_app_set_enabled(struct db_conn *c, const char *app_id, bool enabled,
                                     int64_t now);

/*
 * Replaces the secret hash; secret_rotated_at = updated_at = now. With
 * keep_previous_until > now the replaced secret stays valid until that time (it
 * becomes the one previous secret, replacing any earlier one); otherwise any
 * previous secret is dropped with it (the old secret dies at the commit).
 */
enum db_status store_app_set_secret(struct db_conn *c, const char *app_id, const char *secret_hash,
                                    int64_t now, int64_t keep_previous_until);

/* Drops the previous secret (grace rotation ended early); updated_at = now. */
enum db_status store_app_end_previous_secret(struct db_conn *c, const char *app_id, int64_t now);

/* Sets plan_code (NULL or "" clears it) and updated_at. */
enum db_status store_app_set_plan(struct db_conn *c, const char *app_id, const char *plan_code,
                                  int64_t now);

/* Sets updated_at only (storage changes). */
enum db_status store_app_touch(struct db_conn *c, const char *app_id, int64_t now);

/* Soft delete: deleted_at = updated_at = now, and one less in the live-app counts of
 * its tenant and region database (only when this call deleted it). */
enum db_status store_app_soft_delete(struct db_conn *c, const char *app_id, int64_t now);

/* Called once per row (with its storage); return 0 to continue, non-zero to stop. */
typedef int (*store_app_each_fn)(const struct app_row *row, void *ctx);

/*
 * Non-deleted apps of the tenant ordered by id, strictly after after_id ("" = from the
 * start), at most limit rows. Returns DB_DONE or the failure.
 */
enum db_status store_app_list(struct db_conn *c, const char *tenant_id, const char *after_id,
                              int limit, store_app_each_fn each, void *ctx);

#endif
