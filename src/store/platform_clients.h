/*
 * platform_clients.h — host-level OAuth clients for the platform's own services
 * (SPEC §4.2, §4.6) in the store.
 *
 * A platform client authenticates at /connect/token like an app, but belongs to
 * no tenant; its token carries platform scopes (e.g. `platform:storage`) that the
 * /internal API checks. Its client_id is "tdp_" + 22 base62 characters (the app
 * client_id encoding of domain/secret_format.h with another prefix), so the token
 * service can tell the two kinds apart before any lookup. Secrets are stored only
 * as SHA-256 hex. Deleted clients are soft-deleted (deleted_at) and invisible to
 * every lookup here.
 *
 * Lookups return DB_DONE found, DB_NOT_FOUND not found, or the failure. Writes
 * return the DB_* status of their statement (DB_DONE on success).
 */
#ifndef TENANTD_STORE_PLATFORM_CLIENTS_H
#define TENANTD_STORE_PLATFORM_CLIENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define PLATFORM_CLIENT_ID_PREFIX "tdp_"
#define PLATFORM_CLIENT_ID_SIZE 32
#define PLATFORM_CLIENT_NAME_SIZE 404
#define PLATFORM_CLIENT_SCOPES_SIZE 512 /* space-separated, at most 10 x 41 bytes */

struct platform_client_row {
    char id[37];
    char name[PLATFORM_CLIENT_NAME_SIZE];
    char client_id[PLATFORM_CLIENT_ID_SIZE];
    char secret_hash[65];                     /* SHA-256 hex of the current secret */
    char scopes[PLATFORM_CLIENT_SCOPES_SIZE]; /* space-separated, e.g. "platform:storage" */
    int64_t created_at;
    int64_t secret_rotated_at;
};

/* Contract: s is untrusted. True iff s is "tdp_" + 22 base62 characters < 2^128. */
bool platform_client_id_is_well_formed(const char *s);
/* Mints a new "tdp_..." client id from the CSPRNG. 0 or -1. */
int platform_client_id_new(char out[PLATFORM_CLIENT_ID_SIZE]);

/* Live (not deleted) client by row id / by client_id. DB_DONE / DB_NOT_FOUND / failure. For the
 * token service: compare the presented secret's hash to out->secret_hash in constant time. */
enum db_status store_platform_client_get(struct db_conn *c, const char *id,
                                         struct platform_client_row *out);
enum db_status store_platform_client_by_client_id(struct db_conn *c, const char *client_id,
                                                  struct platform_client_row *out);

/* Inserts p as given (caller fills everything; created_at == secret_rotated_at). */
enum db_status store_platform_client_insert(struct db_conn *c, const struct platform_client_row *p);
/* Replaces the secret hash of a live client. DB_DONE; *changed says whether a row
 * matched (0 = unknown or deleted). */
enum db_status store_platform_client_set_secret(struct db_conn *c, const char *id,
                                                const char *secret_hash, int64_t now,
                                                bool *changed);
/* Soft-deletes a live client. DB_DONE; *changed as above. */
enum db_status store_platform_client_delete(struct db_conn *c, const char *id, int64_t now,
                                            bool *changed);

/* Called once per row; return 0 to continue, non-zero to stop early. */
typedef int (*store_platform_client_each_fn)(const struct platform_client_row *row, void *ctx);
/* Live clients ordered by id, strictly after after_id ("" = start), at most limit rows.
 * Returns DB_DONE or the failure. */
enum db_status store_platform_client_list(struct db_conn *c, const char *after_id, int limit,
                                          store_platform_client_each_fn each, void *ctx);

#endif
