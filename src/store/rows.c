/*
 * rows.c — shared statement and row helpers for the store (see rows.h).
 */
#include "store/rows.h"

#include <stdio.h>
#include <string.h>

void store_rows_copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

void store_rows_read_columns(struct db_stmt *s, int first, const struct store_column *columns,
                             size_t n, void *out, size_t size)
{
    memset(out, 0, size);
    for (size_t i = 0; i < n; i++) {
        char *field = (char *)out + columns[i].offset;
        int col = first + (int)i;
        if (columns[i].kind == STORE_COLUMN_TEXT) {
            store_rows_copy_text(field, columns[i].size, db_column_text(s, col));
        } else if (columns[i].kind == STORE_COLUMN_INT) {
            int64_t v = db_column_int(s, col);
            memcpy(field, &v, sizeof v);
        } else {
            bool v = db_column_bool(s, col);
            memcpy(field, &v, sizeof v);
        }
    }
}

enum db_status store_rows_found(int step_rc)
{
    return step_rc == DB_ROW    ? DB_DONE
           : step_rc == DB_DONE ? DB_NOT_FOUND
           : step_rc == DB_OK   ? DB_ERROR
                                : (enum db_status)step_rc;
}

bool store_rows_with_lock(struct db_conn *c, const char *sql, bool lock, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s", sql, lock ? db_lock_suffix(c) : "");
    return n >= 0 && (size_t)n < size;
}

struct db_stmt *store_rows_prepare(struct db_conn *c, const char *sql,
                                   const struct store_param *params, size_t n)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (params[i].is_int)
            db_bind_int(s, (int)i + 1, params[i].number);
        else
            db_bind_text(s, (int)i + 1, params[i].text);
    }
    return s;
}

enum db_status store_rows_change(struct db_conn *c, const char *sql,
                                 const struct store_param *params, size_t n, bool *changed)
{
    if (changed)
        *changed = false;
    struct db_stmt *s = store_rows_prepare(c, sql, params, n);
    if (!s)
        return DB_ERROR;
    int rc = db_step(s);
    if (rc == DB_ROW) /* a RETURNING row: the change ran */
        rc = DB_DONE;
    if (changed && rc == DB_DONE)
        *changed = db_changes(s) > 0;
    db_finalize(s);
    return (enum db_status)rc;
}

enum db_status store_rows_busy_or_error(enum db_status rc)
{
    return rc == DB_DONE || rc == DB_BUSY ? rc : DB_ERROR;
}

enum db_status store_rows_change_one(struct db_conn *c, const char *sql,
                                     const struct store_param *params, size_t n)
{
    bool changed;
    enum db_status rc = store_rows_change(c, sql, params, n, &changed);
    return rc == DB_DONE && !changed ? DB_NOT_FOUND : rc;
}

enum db_status store_rows_get_one(struct db_conn *c, const char *sql,
                                  const struct store_param *params, size_t n,
                                  store_row_reader_fn read, void *out)
{
    struct db_stmt *s = store_rows_prepare(c, sql, params, n);
    if (!s)
        return DB_ERROR;
    enum db_status found = store_rows_found(db_step(s));
    if (found == DB_DONE) {
        enum db_status r = read(s, out);
        if (r != DB_OK)
            found = r == DB_DONE ? DB_ERROR : r;
    }
    db_finalize(s);
    return found;
}

/* store_row_reader_fn for one integer column. */
static enum db_status rows_read_int(struct db_stmt *s, void *out)
{
    *(int64_t *)out = db_column_int(s, 0);
    return DB_OK;
}

enum db_status store_rows_get_int(struct db_conn *c, const char *sql,
                                  const struct store_param *params, size_t n, int64_t *out)
{
    return store_rows_get_one(c, sql, params, n, rows_read_int, out);
}

/* store_row_reader_fn that reads nothing: the row's existence is the answer. */
static enum db_status rows_read_nothing(struct db_stmt *s, void *out)
{
    (void)s;
    (void)out;
    return DB_OK;
}

enum db_status store_rows_exists(struct db_conn *c, const char *sql,
                                 const struct store_param *params, size_t n)
{
    return store_rows_get_one(c, sql, params, n, rows_read_nothing, NULL);
}

enum db_status store_rows_walk(struct db_conn *c, const char *sql, const struct store_param *params,
                               size_t n, db_row_fn each, void *ctx)
{
    struct db_stmt *s = store_rows_prepare(c, sql, params, n);
    if (!s)
        return DB_ERROR;
    enum db_status rc = db_each_row(s, each, ctx);
    db_finalize(s);
    return rc;
}
