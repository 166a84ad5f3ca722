/*
 * audit_log.h — the audit_events table in the store: recording an event and reading
 * one filtered page of them, newest first.
 *
 * The filter is parsed and validated at the HTTP edge (api/audit.c); here every value
 * is bound as a parameter and the conditions are fixed strings of this file, so no
 * input reaches the SQL text. Functions return enum db_status (store/db.h).
 */
#ifndef TENANTD_STORE_AUDIT_LOG_H
#define TENANTD_STORE_AUDIT_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

/* One event. Text fields may be NULL (SQL NULL); in a listing they point into the
 * current row and are valid only during the callback. */
struct audit_event_row {
    const char *id;
    const char *tenant_id; /* NULL for platform-level events */
    const char *actor_user_id;
    const char *actor_email; /* "system" when no user acted */
    const char *action;
    const char *target_type;
    const char *target_id;
    const char *detail; /* compact JSON text, or NULL */
    const char *remote_addr;
    int64_t created_at;
};

/* Inserts e (every field as given; id and created_at filled by the caller). DB_DONE or
 * the failure. */
enum db_status store_audit_event_insert(struct db_conn *c, const struct audit_event_row *e);

/* Which events a listing returns (docs/HOST_API.md "Audit log"). Empty strings and
 * false flags filter nothing. */
struct audit_filter {
    enum { AUDIT_SCOPE_TENANT, AUDIT_SCOPE_PLATFORM, AUDIT_SCOPE_ALL } scope;
    char tenant_id[37];  /* AUDIT_SCOPE_TENANT: the tenant */
    char action[65];     /* exact action, or with action_prefix the part before '*' */
    char action_end[65]; /* prefix: the first string after every string it starts */
    bool action_prefix;
    char actor[255]; /* actor email, compared case-insensitively */
    char target_type[33];
    char target_id[129];
    bool has_since, has_until;
    int64_t since, until; /* created_at >= since, created_at < until */
};

/* Called per event, newest first; return 0 to go on, non-zero to stop. */
typedef int (*store_audit_each_fn)(const struct audit_event_row *event, void *ctx);

/*
 * The events of f with id < before_id ("" = from the newest), newest first, at most
 * limit rows, each handed to each(event, ctx). DB_DONE or the failure.
 */
enum db_status store_audit_list(struct db_conn *c, const struct audit_filter *f,
                                const char *before_id, int limit, store_audit_each_fn each,
                                void *ctx);

#endif
