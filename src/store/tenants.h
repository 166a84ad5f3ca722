/*
 * tenants.h — tenants in the store (SPEC §1 "Tenant").
 *
 * Values reaching these functions are validated at the API edge; every value is
 * bound, never spliced into SQL. Functions return enum db_status (store/db.h): lookups DB_DONE
 * found, DB_NOT_FOUND not found, or the failure. Writes return the DB_* status of their statement
 * (DB_DONE on success).
 */
#ifndef TENANTD_STORE_TENANTS_H
#define TENANTD_STORE_TENANTS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define TENANT_NAME_SIZE 404 /* 100 code points of UTF-8 + NUL */

struct tenant_row {
    char id[37];
    char name[TENANT_NAME_SIZE];
    char status[24]; /* pending_activation | active | suspended */
    int64_t app_limit;
    int64_t created_at;
    int64_t updated_at;
};

/* True for the three statuses of SPEC §1. */
bool tenant_status_is_valid(const char *status);

/* One tenant by id. DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_tenant_get(struct db_conn *c, const char *id, struct tenant_row *out);
/* Same, row-locked for the rest of the write transaction (PostgreSQL FOR UPDATE;
 * SQLite writers are already serialised). */
enum db_status store_tenant_get_for_update(struct db_conn *c, const char *id,
                                           struct tenant_row *out);

/* Inserts t as given (caller fills id from store_new_id, status, limit, times). */
/* Whether tenant id exists: DB_DONE / DB_NOT_FOUND / failure (one indexed probe). */
enum db_status store_tenant_exists(struct db_conn *c, const char *id);
enum db_status store_tenant_insert(struct db_conn *c, const struct tenant_row *t);
/* Updates name, status, app_limit and updated_at of t->id. */
enum db_status store_tenant_update(struct db_conn *c, const struct tenant_row *t);

/* Called once per row; return 0 to continue, non-zero to stop early. */
typedef int (*store_tenant_each_fn)(const struct tenant_row *row, void *ctx);
/* Tenants ordered by id, strictly after after_id ("" = start), at most limit rows;
 * status NULL or "" lists every status. Returns DB_DONE or the failure. */
enum db_status store_tenant_list(struct db_conn *c, const char *status, const char *after_id,
                                 int limit, store_tenant_each_fn each, void *ctx);

/* Emails of the tenant's owners, in id order; each gets called once per owner (return
 * non-zero to stop). Returns DB_DONE or the failure. */
typedef int (*store_tenant_email_fn)(const char *email, void *ctx);
enum db_status store_tenant_owner_emails(struct db_conn *c, const char *tenant_id,
                                         store_tenant_email_fn each, void *ctx);

#endif
