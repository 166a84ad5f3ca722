/*
 * plans.h — plans in the store (SPEC §1 "Plan").
 *
 * The entitlements object is kept as compact JSON text, already validated by
 * domain/entitlements.h at the API edge; the store never parses it. Codes and
 * values are bound, never spliced into SQL.
 *
 * Lookups return DB_DONE found, DB_NOT_FOUND not found, or the failure. Writes return the DB_*
 * status of their statement (DB_DONE, DB_CONSTRAINT, DB_BUSY, DB_ERROR).
 */
#ifndef TENANTD_STORE_PLANS_H
#define TENANTD_STORE_PLANS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define PLAN_CODE_SIZE 65            /* [a-z0-9][a-z0-9_-]{1,63} + NUL */
#define PLAN_NAME_SIZE 404           /* 100 code points of UTF-8 + NUL */
#define PLAN_ENTITLEMENTS_SIZE 16384 /* compact JSON text + NUL; larger is refused */

struct plan_row {
    char code[PLAN_CODE_SIZE];
    char name[PLAN_NAME_SIZE];
    char tier[8];                              /* free | paid */
    char status[16];                           /* draft | active | archived | retired */
    char entitlements[PLAN_ENTITLEMENTS_SIZE]; /* compact JSON object text */
    int64_t created_at;
    int64_t updated_at;
};

/* One plan by code. DB_DONE / DB_NOT_FOUND / failure (DB_ERROR also when the stored entitlements
 * would not fit). */
enum db_status store_plan_get(struct db_conn *c, const char *code, struct plan_row *out);
/* Same, row-locked until the write transaction ends (PostgreSQL FOR UPDATE; SQLite
 * writers are serialised already), so a status check and its update are atomic. */
enum db_status store_plan_get_for_update(struct db_conn *c, const char *code, struct plan_row *out);

/* Inserts p as given (caller fills timestamps). DB_CONSTRAINT when the code exists. */
enum db_status store_plan_insert(struct db_conn *c, const struct plan_row *p);
/* Updates name, status, entitlements and updated_at of p->code. */
enum db_status store_plan_update(struct db_conn *c, const struct plan_row *p);

/* Called once per row; return 0 to continue, non-zero to stop early. */
typedef int (*store_plan_each_fn)(const struct plan_row *row, void *ctx);
/* Plans ordered by code, strictly after after_code ("" = start), at most limit rows;
 * active_only lists status 'active' only. Returns DB_DONE or the failure. */
enum db_status store_plan_list(struct db_conn *c, bool active_only, const char *after_code,
                               int limit, store_plan_each_fn each, void *ctx);

#endif
