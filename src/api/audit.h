/*
 * audit.h — the audit trail: who did what to which target, when, from where.
 *
 * audit_record() writes inside the caller's transaction, so an event exists if and
 * only if the change it describes was committed.
 */
#ifndef TENANTD_API_AUDIT_H
#define TENANTD_API_AUDIT_H

#include <jansson.h>

#include "api/context.h"
#include "http/request.h"
#include "http/router.h"
#include "store/db.h"

/* detail (nullable, reference stolen) must never contain a secret. Returns DB_DONE on
 * success. who may be NULL for system actions. */
int audit_record(struct db_conn *c, const struct principal *who, const struct http_request *req,
                 const char *tenant_id, const char *action, const char *target_type,
                 const char *target_id, json_t *detail);

extern const struct http_route api_audit_routes[];
extern const size_t api_audit_routes_count;

#endif
