/*
 * rows.c — shared row-reading helpers for the store (see rows.h).
 */
#include "store/rows.h"

#include <stdio.h>

void store_rows_copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

int store_rows_found(int step_rc)
{
    return step_rc == DB_ROW ? 1 : step_rc == DB_DONE ? 0 : -1;
}

bool store_rows_with_lock(struct db_conn *c, const char *sql, bool lock, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s", sql, lock ? db_lock_suffix(c) : "");
    return n >= 0 && (size_t)n < size;
}

int store_rows_get_one(struct db_conn *c, const char *sql, int nparams, const char *const *params,
                       store_row_reader_fn read, void *out)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    for (int i = 0; i < nparams; i++)
        db_bind_text(s, i + 1, params[i]);
    int found = store_rows_found(db_step(s));
    if (found == 1 && read(s, out) != 0)
        found = -1;
    db_finalize(s);
    return found;
}
