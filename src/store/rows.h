/*
 * rows.h — the small pieces every store/<resource>.c shares for reading rows:
 * a NULL-safe bounded text copy, the "<select><lock suffix>" builder for reads
 * that row-lock inside a write transaction, and the one-row lookup
 * (prepare → bind text keys → step once → read the row) behind every
 * store_*_get function. No SQL of its own; callers pass their statements.
 */
#ifndef TENANTD_STORE_ROWS_H
#define TENANTD_STORE_ROWS_H

#include <stdbool.h>
#include <stddef.h>

#include "store/db.h"

/* Copies src (NULL → "") into dst of size bytes, truncating; dst is always
 * NUL-terminated (size > 0). */
void store_rows_copy_text(char *dst, size_t size, const char *src);

/* Maps the DB_* of a first db_step to 1 (a row), 0 (no row) or -1 (error). */
int store_rows_found(int step_rc);

/* Writes "<sql><lock suffix of c>" (just sql when lock is false) into buf. false when
 * it does not fit. */
bool store_rows_with_lock(struct db_conn *c, const char *sql, bool lock, char *buf, size_t size);

/* Reads the current row of s into out: 0, or -1 when the row cannot be represented
 * (an allocation failed, a stored value does not fit). */
typedef int (*store_row_reader_fn)(struct db_stmt *s, void *out);

/*
 * Prepares sql, binds params[0..nparams-1] as text $1..$n (bound values, never
 * spliced into the SQL), steps once and, when a row came back, reads it with
 * read(s, out). Returns 1 (found and read), 0 (no row; out untouched) or -1 (a
 * database error, or read failed).
 */
int store_rows_get_one(struct db_conn *c, const char *sql, int nparams, const char *const *params,
                       store_row_reader_fn read, void *out);

#endif
