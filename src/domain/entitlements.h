/*
 * domain/entitlements — the schema of a plan's entitlements object
 * (SPEC §1 Plan). Known keys only, so typos never reach tokens. Pure: no
 * I/O; uses jansson only to read the already-parsed value.
 */
#ifndef TENANTD_DOMAIN_ENTITLEMENTS_H
#define TENANTD_DOMAIN_ENTITLEMENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define ENTITLEMENTS_INT_MAX 9007199254740991LL /* 2^53 - 1: exact in every JSON reader */
#define ENTITLEMENTS_FORMATS_MAX 50
#define ENTITLEMENTS_FORMAT_MAX_LEN 100
#define ENTITLEMENTS_FEATURES_MAX 100
#define ENTITLEMENTS_FEATURE_MAX_LEN 64

/*
 * Contract: obj is an untrusted, parsed JSON value (may be NULL). Accepts
 * an object whose keys are all known:
 *   maxApiRequestsPerMinute, maxDocumentUnitsPerDocument,
 *   maxDocumentUnitsPerHour, maxDocumentUnitsPerDay,
 *   maxDocumentUnitsPerWeek, maxDocumentUnitsPerMonth,
 *   maxUploadBytesPerDocument   — JSON integers 0..2^53-1 (not null, not
 *                                 1.0, not strings);
 *   allowedFormats              — array of at most 50 distinct strings,
 *                                 each 1..100 chars of [A-Za-z0-9._+/-];
 *   features                    — object of at most 100 booleans, names
 *                                 1..64 chars of [A-Za-z0-9_].
 * "plan" is reserved (the token adds it) and is an unknown_field.
 * On failure returns false with *code = "unknown_field" or
 * "invalid_value" and the dotted path in field (NUL-terminated, truncated
 * to field_size on a UTF-8 boundary): "entitlements",
 * "entitlements.maxApiRequestsPerMinute", "entitlements.features.x",
 * "entitlements.allowedFormats[3]". code and field may be NULL.
 */
bool entitlements_validate(const json_t *obj, const char **code, char *field, size_t field_size);

#endif
