/*
 * migrations.h — versioned schema changes, applied in order inside transactions.
 */
#ifndef TENANTD_STORE_MIGRATIONS_H
#define TENANTD_STORE_MIGRATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* Applies every migration newer than the recorded version. Returns 0, or -1 with a
 * message in err. Safe to run concurrently from several processes (each migration
 * runs in a write transaction and re-checks the version inside it). */
int migrations_apply(struct db *db, char *err, size_t err_size);
/* The version the database is at (MAX(version) of schema_migrations) into *version:
 * DB_DONE or the failure (/readyz). */
enum db_status store_schema_version(struct db_conn *c, int64_t *version);
/* The readiness write probe, inside the caller's write transaction: rewrites the
 * newest schema_migrations row with its own values. That is still a write: SQLite
 * appends the page to the WAL (and fsyncs it at commit), PostgreSQL writes a new row
 * version; both refuse on a full disk, a read-only file system or a standby. DB_DONE
 * or the failure. */
enum db_status store_schema_write_probe(struct db_conn *c);
/* Highest known version (for /readyz and tests). */
int migrations_latest(void);

#endif
