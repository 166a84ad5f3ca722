/*
 * app_facts.h — everything the token path needs about one client_id, read from
 * the store in ONE query: a tenant app with its tenant's status, its plan's
 * status, code and entitlements and its allowed domains, or a host-level
 * platform client with its scopes.
 *
 * The app cache (oauth/app_cache.c) is the only caller: it compiles a row into
 * the facts and pre-serialised claims that /connect/token uses without touching
 * the database.
 */
#ifndef TENANTD_STORE_APP_FACTS_H
#define TENANTD_STORE_APP_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

/* One client's facts as stored. Text columns that may be long are malloc'd. */
struct app_facts_row {
    bool platform;                      /* a platform client (platform_clients), not a tenant app */
    char id[37];                        /* app id or platform client id */
    char tenant_id[37];                 /* "" for platform clients */
    char secret_hash[65];               /* SHA-256 hex of the current secret */
    char previous_secret_hash[65];      /* grace rotation: SHA-256 hex, "" when none */
    int64_t previous_secret_expires_at; /* unix seconds; 0 when none (may be past) */
    char license_region_code[65];       /* "" when the app has none */
    char db_code[65];                   /* "" when the app has none */
    bool enabled;                       /* platform clients: always true */
    char tenant_status[32];             /* "" for platform clients */
    char plan_code[65];                 /* "" when no plan is assigned */
    bool plan_found;                    /* plan_code names an existing plan */
    char plan_status[16];               /* draft|active|archived|retired, "" when none */
    char *allowed_domains;              /* JSON array text (apps), NULL otherwise */
    char *entitlements;                 /* JSON object text of the plan, NULL when no plan */
    char *scopes;                       /* platform client scopes text, NULL for apps */
    bool private_key_jwt;               /* token_endpoint_auth_method is private_key_jwt */
    char *jwks;                         /* the app's public JWK set text, NULL when none */
    bool dpop_required;                 /* dpop_bound_access_tokens (apps) */
};

/*
 * Loads the live (not deleted) app or platform client whose client_id is
 * client_id (untrusted; bound as a parameter), in one query. Returns DB_DONE and
 * fills *out, DB_NOT_FOUND when no live client has this id, DB_UNREADABLE when a
 * stored value does not fit the row, or the database failure (out is then empty).
 * Always call app_facts_row_free.
 */
enum db_status store_app_facts_load(struct db_conn *c, const char *client_id,
                                    struct app_facts_row *out);

/* Frees the malloc'd members and empties the row. NULL is fine. */
void app_facts_row_free(struct app_facts_row *row);

#endif
