/*
 * claims.h — the constant part of an access token's claims (SPEC §3.3), compiled
 * once per app and pre-encoded so the token path only appends iat/nbf/exp/jti.
 *
 * The constant claims are three JSON segments, each ending in "," and padded
 * with spaces to a multiple of 3 bytes, so that their base64url encodings
 * concatenate with each other and with the per-token tail:
 *   global  {"iss":..,"aud":..,                       one per server
 *   app     "sub":..,"client_id":..[,"tenantid":..,"appId":..,"licenseRegionCode":..,
 *           "dbCode":..,"allowed_domain_N":..],         one per app
 *   plan    "entitlements":{..,"plan":..},             one per plan, shared by its apps
 * Every string is JSON-escaped and stored JSON (allowed_domains, entitlements) is
 * parsed and re-serialised, so a bad row cannot inject claims. Each function
 * returns the segment's length (NUL-terminated in out), or 0 when the input is
 * invalid (bad JSON, invalid UTF-8) or out_size is too small.
 */
#ifndef TENANTD_OAUTH_CLAIMS_H
#define TENANTD_OAUTH_CLAIMS_H

#include <stddef.h>

struct app_facts_row;

/* Largest encoded claims prefix (base64url characters, all segments), worst-case
 * plan entitlements and domains included. */
#define CLAIMS_PREFIX_MAX (28 * 1024)
#define CLAIMS_PREFIX_JSON_MAX (CLAIMS_PREFIX_MAX / 4 * 3)

size_t claims_global_segment(const char *issuer, const char *audience, char *out, size_t out_size);
size_t claims_app_segment(const struct app_facts_row *row, const char *client_id, char *out,
                          size_t out_size);
size_t claims_plan_segment(const char *entitlements, const char *plan_code, char *out,
                           size_t out_size);

/*
 * The three segments concatenated (the plan one only when the row has a plan):
 * exactly the JSON whose encoding precedes the per-token tail. For tests and
 * tools; the cache keeps the segments apart to share the global and plan ones.
 */
size_t claims_compile(const struct app_facts_row *row, const char *client_id, const char *issuer,
                      const char *audience, char *out, size_t out_size);

/*
 * Writes s as a JSON string literal (quotes included) at out, for at most
 * out_size bytes plus no NUL. s must be valid UTF-8 (checked); control characters,
 * '"' and '\' are escaped. Returns the bytes written or 0 (invalid UTF-8, no room).
 */
size_t claims_json_string(char *out, size_t out_size, const char *s);

#endif
