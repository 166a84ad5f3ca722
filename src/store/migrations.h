/*
 * migrations.h — versioned schema changes, applied in order inside transactions.
 */
#ifndef TENANTD_STORE_MIGRATIONS_H
#define TENANTD_STORE_MIGRATIONS_H

#include <stddef.h>

#include "store/db.h"

/* Applies every migration newer than the recorded version. Returns 0, or -1 with a
 * message in err. Safe to run concurrently from several processes (each migration
 * runs in a write transaction and re-checks the version inside it). */
int migrations_apply(struct db *db, char *err, size_t err_size);
/* Highest known version (for /readyz and tests). */
int migrations_latest(void);

#endif
