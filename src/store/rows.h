/*
 * rows.h — the small pieces every store/<resource>.c shares: a NULL-safe bounded
 * text copy, the "<select><lock suffix>" builder for reads that row-lock inside a
 * write transaction, typed statement parameters, and the three statement shapes
 * behind every store function — run one change (store_rows_change), look up one
 * row (store_rows_get_one), walk rows (store_rows_walk). No SQL of its own; callers
 * pass their statements. All return enum db_status (store/db.h): DB_DONE, DB_NOT_FOUND
 * or a failure.
 */
#ifndef TENANTD_STORE_ROWS_H
#define TENANTD_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/db.h"

/* Copies src (NULL → "") into dst of size bytes, truncating; dst is always
 * NUL-terminated (size > 0). */
void store_rows_copy_text(char *dst, size_t size, const char *src);

/* Maps the DB_* of a first db_step to DB_DONE (a row), DB_NOT_FOUND (no row) or the
 * failure. */
enum db_status store_rows_found(int step_rc);

/* Writes "<sql><lock suffix of c>" (just sql when lock is false) into buf. false when
 * it does not fit. */
bool store_rows_with_lock(struct db_conn *c, const char *sql, bool lock, char *buf, size_t size);

/*
 * A row struct described as a table: which column fills which field. Readers of plain
 * rows are one store_rows_read_columns call over such a table instead of a line per
 * column. TEXT fields are char arrays (bounded copy, NULL → ""), INT fields int64_t,
 * BOOL fields bool.
 */
enum store_column_kind { STORE_COLUMN_TEXT, STORE_COLUMN_INT, STORE_COLUMN_BOOL };
struct store_column {
    enum store_column_kind kind;
    size_t offset, size;
};
#define STORE_COLUMN(kind, type, field)                                                            \
    {                                                                                              \
        STORE_COLUMN_##kind, offsetof(type, field), sizeof(((type *)0)->field)                     \
    }
#define STORE_COLUMNS_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* Clears out (size bytes) and reads columns first, first + 1, ... of the current row
 * of s into the fields columns[0..n-1] name. */
void store_rows_read_columns(struct db_stmt *s, int first, const struct store_column *columns,
                             size_t n, void *out, size_t size);

/* One statement parameter ($1 is params[0]): text (NULL binds SQL NULL) or integer. */
struct store_param {
    bool is_int;
    const char *text;
    int64_t number;
};
#define STORE_TEXT(v) ((struct store_param){false, (v), 0})
#define STORE_INT(v) ((struct store_param){true, NULL, (int64_t)(v)})
#define STORE_BOOL(v) ((struct store_param){true, NULL, (v) ? 1 : 0})
#define STORE_NULL ((struct store_param){false, NULL, 0})
/* Params as a compound-literal array and its length: STORE_PARAMS(STORE_TEXT(id), ...). */
#define STORE_PARAMS(...)                                                                          \
    (const struct store_param[]){__VA_ARGS__},                                                     \
        sizeof((const struct store_param[]){__VA_ARGS__}) / sizeof(struct store_param)

/* Prepares sql and binds params[0..n-1] as $1..$n (bound values, never spliced into
 * the SQL). NULL when the statement cannot be prepared. */
struct db_stmt *store_rows_prepare(struct db_conn *c, const char *sql,
                                   const struct store_param *params, size_t n);

/*
 * Runs a statement without result rows (INSERT/UPDATE/DELETE). Returns DB_DONE (also
 * when it matched no row), or the failure. When changed is not NULL it receives
 * whether a row changed (false on failure).
 */
enum db_status store_rows_change(struct db_conn *c, const char *sql,
                                 const struct store_param *params, size_t n, bool *changed);
/* rc narrowed to DB_DONE, DB_BUSY or DB_ERROR, for callers that only tell "retry
 * shortly" from "failed" (the thread still remembers the gravest failure). */
enum db_status store_rows_busy_or_error(enum db_status rc);

/* The same for a targeted change: DB_DONE when a row changed, DB_NOT_FOUND when none
 * matched, or the failure. */
enum db_status store_rows_change_one(struct db_conn *c, const char *sql,
                                     const struct store_param *params, size_t n);

/* Reads the current row of s into out: DB_OK, or a failure (DB_ERROR) when the row
 * cannot be represented (an allocation failed, a stored value does not fit). */
typedef enum db_status (*store_row_reader_fn)(struct db_stmt *s, void *out);

/*
 * Prepares sql with params, steps once and, when a row came back, reads it with
 * read(s, out). Returns DB_DONE (found and read), DB_NOT_FOUND (no row; out
 * untouched) or the failure (of the database, or of read).
 */
enum db_status store_rows_get_one(struct db_conn *c, const char *sql,
                                  const struct store_param *params, size_t n,
                                  store_row_reader_fn read, void *out);

/* Reads one integer column (e.g. COUNT(*)) into *out: DB_DONE, DB_NOT_FOUND or the
 * failure. */
enum db_status store_rows_get_int(struct db_conn *c, const char *sql,
                                  const struct store_param *params, size_t n, int64_t *out);

/* Whether sql returns a row: DB_DONE, DB_NOT_FOUND or the failure. */
enum db_status store_rows_exists(struct db_conn *c, const char *sql,
                                 const struct store_param *params, size_t n);

/* Prepares sql with params and walks its rows with db_each_row(each, ctx). */
enum db_status store_rows_walk(struct db_conn *c, const char *sql, const struct store_param *params,
                               size_t n, db_row_fn each, void *ctx);

#endif
