/*
 * storage_access.h — the platform using an app's storage on the app's behalf
 * (SPEC §4.3 storage test, §4.6 presign): the credentials are decrypted only for
 * the duration of one signed request or one signature, and never leave tenantd.
 */
#ifndef TENANTD_API_STORAGE_ACCESS_H
#define TENANTD_API_STORAGE_ACCESS_H

#include <stddef.h>

#include "http/router.h"

/* POST /api/v1/tenants/{tid}/apps/{aid}/storage/test */
extern const struct http_route api_storage_test_routes[];
extern const size_t api_storage_test_routes_count;
/* POST /internal/v1/apps/{aid}/storage/presign */
extern const struct http_route internal_routes[];
extern const size_t internal_routes_count;

#endif
