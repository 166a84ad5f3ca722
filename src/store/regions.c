/*
 * regions.c — SQL for license regions and region databases (see regions.h).
 */
#include "store/regions.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

#define REGION_COLUMNS "code, name, active, created_at, updated_at"

/* store_row_reader_fn for a row of REGION_COLUMNS into a struct region_row. */
static int regions_read_row(struct db_stmt *s, void *out)
{
    struct region_row *r = out;
    memset(r, 0, sizeof *r);
    store_rows_copy_text(r->code, sizeof r->code, db_column_text(s, 0));
    store_rows_copy_text(r->name, sizeof r->name, db_column_text(s, 1));
    r->active = db_column_bool(s, 2);
    r->created_at = db_column_int(s, 3);
    r->updated_at = db_column_int(s, 4);
    return 0;
}

static int regions_get(struct db_conn *c, const char *code, bool lock, struct region_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " REGION_COLUMNS " FROM regions WHERE code = $1", lock,
                              sql, sizeof sql))
        return -1;
    const char *p[] = {code};
    return store_rows_get_one(c, sql, 1, p, regions_read_row, out);
}

int store_region_get(struct db_conn *c, const char *code, struct region_row *out)
{
    return regions_get(c, code, false, out);
}

int store_region_get_for_update(struct db_conn *c, const char *code, struct region_row *out)
{
    return regions_get(c, code, true, out);
}

int store_region_pick_database(struct db_conn *c, const char *region_code,
                               char db_code_out[DB_CODE_SIZE])
{
    /* database_app_counts is kept by store/apps.c with every insert and soft delete
     * (migration 5), so the pick reads the region's few database rows and one count
     * each, never its apps. A database without a count row holds no apps. */
    struct db_stmt *s = db_prepare(c, "SELECT d.db_code FROM region_databases d "
                                      "LEFT JOIN database_app_counts n ON n.db_code = d.db_code "
                                      "WHERE d.region_code = $1 AND d.active = 1 "
                                      "ORDER BY COALESCE(n.live_apps, 0), d.db_code LIMIT 1");
    if (!s)
        return -1;
    db_bind_text(s, 1, region_code);
    int found = store_rows_found(db_step(s));
    if (found == 1)
        store_rows_copy_text(db_code_out, DB_CODE_SIZE, db_column_text(s, 0));
    db_finalize(s);
    return found;
}

int store_region_insert(struct db_conn *c, const struct region_row *r)
{
    struct db_stmt *s =
        db_prepare(c, "INSERT INTO regions (" REGION_COLUMNS ") VALUES ($1, $2, $3, $4, $5)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, r->code);
    db_bind_text(s, 2, r->name);
    db_bind_bool(s, 3, r->active);
    db_bind_int(s, 4, r->created_at);
    db_bind_int(s, 5, r->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_region_update(struct db_conn *c, const struct region_row *r)
{
    struct db_stmt *s =
        db_prepare(c, "UPDATE regions SET name = $2, active = $3, updated_at = $4 WHERE code = $1");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, r->code);
    db_bind_text(s, 2, r->name);
    db_bind_bool(s, 3, r->active);
    db_bind_int(s, 4, r->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_region_list(struct db_conn *c, bool active_only, const char *after_code, int limit,
                      store_region_each_fn each, void *ctx)
{
    struct db_stmt *s = db_prepare(
        c, active_only ? "SELECT " REGION_COLUMNS " FROM regions WHERE code > $1 AND active = 1 "
                         "ORDER BY code LIMIT $2"
                       : "SELECT " REGION_COLUMNS " FROM regions WHERE code > $1 "
                         "ORDER BY code LIMIT $2");
    if (!s)
        return -1;
    db_bind_text(s, 1, after_code ? after_code : "");
    db_bind_int(s, 2, limit);
    int n = 0, rc;
    struct region_row row;
    while ((rc = db_step(s)) == DB_ROW) {
        regions_read_row(s, &row);
        n++;
        if (each(&row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}

#define DATABASE_COLUMNS "db_code, region_code, active, dsn, created_at, updated_at"

/* store_row_reader_fn for a row of DATABASE_COLUMNS into a struct region_database_row. */
static int regions_read_database(struct db_stmt *s, void *out)
{
    struct region_database_row *d = out;
    memset(d, 0, sizeof *d);
    store_rows_copy_text(d->db_code, sizeof d->db_code, db_column_text(s, 0));
    store_rows_copy_text(d->region_code, sizeof d->region_code, db_column_text(s, 1));
    d->active = db_column_bool(s, 2);
    d->has_dsn = !db_column_is_null(s, 3);
    if (d->has_dsn)
        store_rows_copy_text(d->dsn, sizeof d->dsn, db_column_text(s, 3));
    d->created_at = db_column_int(s, 4);
    d->updated_at = db_column_int(s, 5);
    return 0;
}

static int regions_database_get(struct db_conn *c, const char *db_code, bool lock,
                                struct region_database_row *out)
{
    char sql[192];
    if (!store_rows_with_lock(
            c, "SELECT " DATABASE_COLUMNS " FROM region_databases WHERE db_code = $1", lock, sql,
            sizeof sql))
        return -1;
    const char *p[] = {db_code};
    return store_rows_get_one(c, sql, 1, p, regions_read_database, out);
}

int store_region_database_get(struct db_conn *c, const char *db_code,
                              struct region_database_row *out)
{
    return regions_database_get(c, db_code, false, out);
}

int store_region_database_get_for_update(struct db_conn *c, const char *db_code,
                                         struct region_database_row *out)
{
    return regions_database_get(c, db_code, true, out);
}

int store_region_database_insert(struct db_conn *c, const struct region_database_row *d)
{
    struct db_stmt *s = db_prepare(c, "INSERT INTO region_databases (" DATABASE_COLUMNS
                                      ") VALUES ($1, $2, $3, $4, $5, $6)");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, d->db_code);
    db_bind_text(s, 2, d->region_code);
    db_bind_bool(s, 3, d->active);
    db_bind_text(s, 4, d->has_dsn ? d->dsn : NULL);
    db_bind_int(s, 5, d->created_at);
    db_bind_int(s, 6, d->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_region_database_update(struct db_conn *c, const struct region_database_row *d)
{
    struct db_stmt *s = db_prepare(
        c, "UPDATE region_databases SET active = $2, dsn = $3, updated_at = $4 WHERE db_code = $1");
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, d->db_code);
    db_bind_bool(s, 2, d->active);
    db_bind_text(s, 3, d->has_dsn ? d->dsn : NULL);
    db_bind_int(s, 4, d->updated_at);
    int rc = db_step(s);
    db_finalize(s);
    return rc;
}

int store_region_database_list(struct db_conn *c, const char *region_code,
                               const char *after_db_code, int limit,
                               store_region_database_each_fn each, void *ctx)
{
    struct db_stmt *s = db_prepare(c, "SELECT " DATABASE_COLUMNS " FROM region_databases "
                                      "WHERE region_code = $1 AND db_code > $2 "
                                      "ORDER BY db_code LIMIT $3");
    if (!s)
        return -1;
    db_bind_text(s, 1, region_code);
    db_bind_text(s, 2, after_db_code ? after_db_code : "");
    db_bind_int(s, 3, limit);
    int n = 0, rc;
    struct region_database_row row;
    while ((rc = db_step(s)) == DB_ROW) {
        regions_read_database(s, &row);
        n++;
        if (each(&row, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_finalize(s);
    return rc == DB_DONE ? n : -1;
}
