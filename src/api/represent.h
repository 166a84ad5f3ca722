/*
 * represent.h — the JSON representations (SPEC §4.4) of the host-managed
 * resources and of apps, shared by every handler that shows them (the host API here,
 * /me and sign-up, the apps and app storage routes, the write helper's "the app as it
 * is now"), plus DSN redaction. (Keyset pagination by natural code is
 * api_page_parse_code in listing.h.)
 *
 * Every represent_* function returns a new reference (caller owns it; json_decref
 * or hand it to reply_json, which steals it). Times are RFC 3339 UTC.
 */
#ifndef TENANTD_API_REPRESENT_H
#define TENANTD_API_REPRESENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "api/listing.h"
#include "http/reply.h"
#include "http/request.h"
#include "store/app_storage.h"
#include "store/apps.h"
#include "store/plans.h"
#include "store/platform_clients.h"
#include "store/regions.h"
#include "store/tenants.h"

/* {id, name, status, app_limit, created_at} */
json_t *represent_tenant(const struct tenant_row *t);
/* {code, name, active, created_at, updated_at} */
json_t *represent_region(const struct region_row *r);
/* {db_code, region_code, active, dsn, created_at, updated_at}; dsn redacted (see
 * represent_redact_dsn) or null. */
json_t *represent_region_database(const struct region_database_row *d);
/* {code, name, tier, status, entitlements, created_at, updated_at}; entitlements is
 * the stored object (an empty object if the stored text were unreadable). */
json_t *represent_plan(const struct plan_row *p);
/* {id, name, client_id, scopes[], created_at, secret_rotated_at} — never a secret. */
json_t *represent_platform_client(const struct platform_client_row *p);

/* The SPEC §4.4 app: {id, tenant_id, name, client_id, ..., storage, jwks, ...}; never
 * a secret or a hash. */
json_t *represent_app(const struct app_row *a);
/* {mode:"managed"} when row is NULL, else {mode:"custom", provider, bucket, endpoint,
 * region, access_key_id, secret_access_key_last4}. */
json_t *represent_app_storage(const struct app_storage_row *row);
/* A stored JSON array text as a JSON value ([] when it does not parse). */
json_t *represent_json_array(const char *text);

/*
 * Contract: dsn is untrusted text (at most a few KiB). Writes into out a copy with
 * every password replaced by "***": the password of a URI's userinfo
 * (`scheme://user:PASSWORD@host`), and the value of every `password=` parameter in
 * a query string or a libpq keyword/value string (`host=x password='p w'`),
 * case-insensitively. Returns false (out "") when out_size is too small.
 */
bool represent_redact_dsn(const char *dsn, char *out, size_t out_size);

#endif
