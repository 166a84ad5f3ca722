/*
 * regions.h — license regions and their region databases in the store.
 *
 * A region (SPEC §1 "License region") has zero or more region databases; a new
 * app is stamped with the db_code of one ACTIVE database of its region, chosen
 * by store_region_pick_database() (fewest non-deleted apps, ties: lowest db_code).
 * Codes reaching these functions are already validated by domain/names.h; the SQL
 * binds every value, so any string is safe here.
 *
 * Lookups return DB_DONE found, DB_NOT_FOUND not found, or the failure. Writes return the DB_*
 * status of their statement: DB_DONE on success, DB_CONSTRAINT on a unique/foreign
 * key violation, DB_BUSY / DB_ERROR otherwise.
 */
#ifndef TENANTD_STORE_REGIONS_H
#define TENANTD_STORE_REGIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define REGION_CODE_SIZE 33  /* [a-z0-9-]{2,32} + NUL */
#define DB_CODE_SIZE 65      /* [a-z0-9-]{2,64} + NUL */
#define REGION_NAME_SIZE 404 /* 100 code points of UTF-8 + NUL */
#define REGION_DSN_MAX_LEN 1024

struct region_row {
    char code[REGION_CODE_SIZE];
    char name[REGION_NAME_SIZE];
    bool active;
    int64_t created_at;
    int64_t updated_at;
};

struct region_database_row {
    char db_code[DB_CODE_SIZE];
    char region_code[REGION_CODE_SIZE];
    bool active;
    bool has_dsn;                     /* false: dsn is SQL NULL */
    char dsn[REGION_DSN_MAX_LEN + 1]; /* as stored (may hold a password: never log) */
    int64_t created_at;
    int64_t updated_at;
};

/* One region by code. DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_region_get(struct db_conn *c, const char *code, struct region_row *out);
/* Same, row-locked until the write transaction ends (PostgreSQL FOR UPDATE; SQLite
 * writers are serialised already): read-modify-write updates use it. */
enum db_status store_region_get_for_update(struct db_conn *c, const char *code,
                                           struct region_row *out);

/*
 * The ACTIVE database of region_code that holds the fewest non-deleted apps (ties:
 * lowest db_code), in one query over the region's database rows and their counts
 * (database_app_counts, kept by store_app_insert / store_app_soft_delete). Returns DB_DONE and
 * writes db_code_out, DB_NOT_FOUND when the region has no active database (or does not exist), or
 * the failure. Call it inside the app-creating write transaction so the count and the insert are
 * serialised.
 */
enum db_status store_region_pick_database(struct db_conn *c, const char *region_code,
                                          char db_code_out[DB_CODE_SIZE]);

/* Inserts r as given (caller fills timestamps). */
enum db_status store_region_insert(struct db_conn *c, const struct region_row *r);
/* Updates name, active and updated_at of r->code. DB_DONE with 0 rows changed when the
 * code is unknown: check with store_region_get first inside the transaction. */
enum db_status store_region_update(struct db_conn *c, const struct region_row *r);

/* Called once per row; return 0 to continue, non-zero to stop early. */
typedef int (*store_region_each_fn)(const struct region_row *row, void *ctx);
/*
 * Regions ordered by code, strictly after `after_code` ("" = from the start), at most
 * limit rows; active_only hides inactive ones. Returns DB_DONE or the failure.
 */
enum db_status store_region_list(struct db_conn *c, bool active_only, const char *after_code,
                                 int limit, store_region_each_fn each, void *ctx);

/* One region database by db_code. DB_DONE / DB_NOT_FOUND / failure. */
enum db_status store_region_database_get(struct db_conn *c, const char *db_code,
                                         struct region_database_row *out);
/* Same, row-locked until the write transaction ends. */
enum db_status store_region_database_get_for_update(struct db_conn *c, const char *db_code,
                                                    struct region_database_row *out);
/* Inserts d (has_dsn decides NULL vs dsn; caller fills timestamps). */
enum db_status store_region_database_insert(struct db_conn *c, const struct region_database_row *d);
/* Updates active, dsn/has_dsn and updated_at of d->db_code. */
enum db_status store_region_database_update(struct db_conn *c, const struct region_database_row *d);

typedef int (*store_region_database_each_fn)(const struct region_database_row *row, void *ctx);
/* Databases of region_code ordered by db_code, strictly after after_db_code ("" = start),
 * at most limit rows. Returns DB_DONE or the failure. */
enum db_status store_region_database_list(struct db_conn *c, const char *region_code,
                                          const char *after_db_code, int limit,
                                          store_region_database_each_fn each, void *ctx);

#endif
