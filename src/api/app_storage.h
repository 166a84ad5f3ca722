/*
 * app_storage.h — an app's custom storage configuration at the HTTP edge: parsing
 * and validating the storage object (shared by PUT .../apps/{aid}/storage and the
 * `storage` member of app creation) and its public JSON form.
 */
#ifndef TENANTD_API_APP_STORAGE_H
#define TENANTD_API_APP_STORAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "domain/storage_rules.h"
#include "http/router.h"
#include "store/app_storage.h"
#include "util/problem.h"

/* A validated storage object. secret_access_key is plaintext: wipe the whole struct
 * with api_app_storage_input_wipe when done. */
struct app_storage_input {
    struct storage_config cfg; /* provider rules applied: canonical endpoint, region set */
    char access_key_id[STORAGE_ACCESS_KEY_ID_MAX_LEN + 1];
    char secret_access_key[STORAGE_SECRET_KEY_MAX_LEN + 1];
};

/*
 * Contract: obj is untrusted request JSON. Accepts exactly {provider, bucket,
 * access_key_id, secret_access_key, endpoint?, region?} (endpoint/region may be null =
 * absent) and validates them with domain/storage_rules.h, applying the provider rules
 * (defaults, required endpoint). On failure fills p (400 with invalid_provider,
 * invalid_bucket, invalid_endpoint, invalid_region, invalid_access_key_id,
 * invalid_secret_access_key, endpoint_required, endpoint_or_region_required,
 * unknown_field, missing_field or invalid_type), the field named with
 * field_prefix prepended (e.g. "storage."), and returns false. in is wiped on failure.
 */
bool api_app_storage_parse(const json_t *obj, const char *field_prefix,
                           struct app_storage_input *in, struct problem *p);

/* Wipes the secret the parser copied out of the request JSON: the string value of
 * obj's "secret_access_key" (jansson's buffer) is overwritten in place. NULL is fine. */
void api_app_storage_wipe_json(json_t *obj);

/* Wipes in (plaintext secret included). */
void api_app_storage_input_wipe(struct app_storage_input *in);

/* Fills a store row for app_id from a validated input (no secret in the row). */
void api_app_storage_row_from_input(const struct app_storage_input *in, const char *app_id,
                                    int64_t now, struct app_storage_row *row);

/* Audit detail for a storage change (never the secret). New reference. */
json_t *api_app_storage_audit_detail(const struct app_storage_row *row);

extern const struct http_route api_app_storage_routes[];
extern const size_t api_app_storage_routes_count;

#endif
