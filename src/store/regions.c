/*
 * regions.c — SQL for license regions and region databases (see regions.h).
 */
#include "store/regions.h"

#include <stdio.h>
#include <string.h>

#include "store/rows.h"

#define REGION_COLUMNS "code, name, active, created_at, updated_at"

/* store_row_reader_fn for a row of REGION_COLUMNS into a struct region_row. */
static enum db_status regions_read_row(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct region_row, code),
        STORE_COLUMN(TEXT, struct region_row, name),
        STORE_COLUMN(BOOL, struct region_row, active),
        STORE_COLUMN(INT, struct region_row, created_at),
        STORE_COLUMN(INT, struct region_row, updated_at),
    };
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), out,
                            sizeof(struct region_row));
    return DB_OK;
}

static enum db_status regions_get(struct db_conn *c, const char *code, bool lock,
                                  struct region_row *out)
{
    char sql[160];
    if (!store_rows_with_lock(c, "SELECT " REGION_COLUMNS " FROM regions WHERE code = $1", lock,
                              sql, sizeof sql))
        return DB_ERROR;
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(code)), regions_read_row, out);
}

enum db_status store_region_get(struct db_conn *c, const char *code, struct region_row *out)
{
    return regions_get(c, code, false, out);
}

enum db_status store_region_get_for_update(struct db_conn *c, const char *code,
                                           struct region_row *out)
{
    return regions_get(c, code, true, out);
}

/* store_row_reader_fn for the picked db_code into a char[DB_CODE_SIZE]. */
static enum db_status regions_read_db_code(struct db_stmt *s, void *out)
{
    store_rows_copy_text(out, DB_CODE_SIZE, db_column_text(s, 0));
    return DB_OK;
}

enum db_status store_region_pick_database(struct db_conn *c, const char *region_code,
                                          char db_code_out[DB_CODE_SIZE])
{
    /* database_app_counts is kept by store/apps.c with every insert and soft delete
     * (migration 5), so the pick reads the region's few database rows and one count
     * each, never its apps. A database without a count row holds no apps. */
    return store_rows_get_one(c,
                              "SELECT d.db_code FROM region_databases d "
                              "LEFT JOIN database_app_counts n ON n.db_code = d.db_code "
                              "WHERE d.region_code = $1 AND d.active = 1 "
                              "ORDER BY COALESCE(n.live_apps, 0), d.db_code LIMIT 1",
                              STORE_PARAMS(STORE_TEXT(region_code)), regions_read_db_code,
                              db_code_out);
}

enum db_status store_region_insert(struct db_conn *c, const struct region_row *r)
{
    return store_rows_change(
        c, "INSERT INTO regions (" REGION_COLUMNS ") VALUES ($1, $2, $3, $4, $5)",
        STORE_PARAMS(STORE_TEXT(r->code), STORE_TEXT(r->name), STORE_BOOL(r->active),
                     STORE_INT(r->created_at), STORE_INT(r->updated_at)),
        NULL);
}

enum db_status store_region_update(struct db_conn *c, const struct region_row *r)
{
    return store_rows_change(
        c, "UPDATE regions SET name = $2, active = $3, updated_at = $4 WHERE code = $1",
        STORE_PARAMS(STORE_TEXT(r->code), STORE_TEXT(r->name), STORE_BOOL(r->active),
                     STORE_INT(r->updated_at)),
        NULL);
}

struct regions_visit {
    store_region_each_fn each;
    void *ctx;
    struct region_row row;
};

/* db_row_fn: one region row to the caller's callback. */
static enum db_status regions_visit_row(struct db_stmt *s, void *arg)
{
    struct regions_visit *v = arg;
    regions_read_row(s, &v->row);
    return v->each(&v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_region_list(struct db_conn *c, bool active_only, const char *after_code,
                                 int limit, store_region_each_fn each, void *ctx)
{
    struct regions_visit v = {.each = each, .ctx = ctx};
    return store_rows_walk(c,
                           active_only ? "SELECT " REGION_COLUMNS
                                         " FROM regions WHERE code > $1 AND active = 1 "
                                         "ORDER BY code LIMIT $2"
                                       : "SELECT " REGION_COLUMNS " FROM regions WHERE code > $1 "
                                         "ORDER BY code LIMIT $2",
                           STORE_PARAMS(STORE_TEXT(after_code ? after_code : ""), STORE_INT(limit)),
                           regions_visit_row, &v);
}

#define DATABASE_COLUMNS "db_code, region_code, active, dsn, created_at, updated_at"

/* store_row_reader_fn for a row of DATABASE_COLUMNS into a struct region_database_row. */
static enum db_status regions_read_database(struct db_stmt *s, void *out)
{
    static const struct store_column columns[] = {
        STORE_COLUMN(TEXT, struct region_database_row, db_code),
        STORE_COLUMN(TEXT, struct region_database_row, region_code),
        STORE_COLUMN(BOOL, struct region_database_row, active),
        STORE_COLUMN(TEXT, struct region_database_row, dsn), /* NULL → "" and !has_dsn */
        STORE_COLUMN(INT, struct region_database_row, created_at),
        STORE_COLUMN(INT, struct region_database_row, updated_at),
    };
    struct region_database_row *d = out;
    store_rows_read_columns(s, 0, columns, STORE_COLUMNS_COUNT(columns), d, sizeof *d);
    d->has_dsn = !db_column_is_null(s, 3);
    return DB_OK;
}

static enum db_status regions_database_get(struct db_conn *c, const char *db_code, bool lock,
                                           struct region_database_row *out)
{
    char sql[192];
    if (!store_rows_with_lock(
            c, "SELECT " DATABASE_COLUMNS " FROM region_databases WHERE db_code = $1", lock, sql,
            sizeof sql))
        return DB_ERROR;
    return store_rows_get_one(c, sql, STORE_PARAMS(STORE_TEXT(db_code)), regions_read_database,
                              out);
}

enum db_status store_region_database_get(struct db_conn *c, const char *db_code,
                                         struct region_database_row *out)
{
    return regions_database_get(c, db_code, false, out);
}

enum db_status store_region_database_get_for_update(struct db_conn *c, const char *db_code,
                                                    struct region_database_row *out)
{
    return regions_database_get(c, db_code, true, out);
}

enum db_status store_region_database_insert(struct db_conn *c, const struct region_database_row *d)
{
    return store_rows_change(
        c, "INSERT INTO region_databases (" DATABASE_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6)",
        STORE_PARAMS(STORE_TEXT(d->db_code), STORE_TEXT(d->region_code), STORE_BOOL(d->active),
                     STORE_TEXT(d->has_dsn ? d->dsn : NULL), STORE_INT(d->created_at),
                     STORE_INT(d->updated_at)),
        NULL);
}

enum db_status store_region_database_update(struct db_conn *c, const struct region_database_row *d)
{
    return store_rows_change(
        c, "UPDATE region_databases SET active = $2, dsn = $3, updated_at = $4 WHERE db_code = $1",
        STORE_PARAMS(STORE_TEXT(d->db_code), STORE_BOOL(d->active),
                     STORE_TEXT(d->has_dsn ? d->dsn : NULL), STORE_INT(d->updated_at)),
        NULL);
}

struct regions_database_visit {
    store_region_database_each_fn each;
    void *ctx;
    struct region_database_row row;
};

/* db_row_fn: one region database row to the caller's callback. */
static enum db_status regions_visit_database(struct db_stmt *s, void *arg)
{
    struct regions_database_visit *v = arg;
    regions_read_database(s, &v->row);
    return v->each(&v->row, v->ctx) != 0 ? DB_DONE : DB_OK;
}

enum db_status store_region_database_list(struct db_conn *c, const char *region_code,
                                          const char *after_db_code, int limit,
                                          store_region_database_each_fn each, void *ctx)
{
    struct regions_database_visit v = {.each = each, .ctx = ctx};
    return store_rows_walk(c,
                           "SELECT " DATABASE_COLUMNS " FROM region_databases "
                           "WHERE region_code = $1 AND db_code > $2 "
                           "ORDER BY db_code LIMIT $3",
                           STORE_PARAMS(STORE_TEXT(region_code),
                                        STORE_TEXT(after_db_code ? after_db_code : ""),
                                        STORE_INT(limit)),
                           regions_visit_database, &v);
}
