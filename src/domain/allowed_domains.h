/*
 * domain/allowed_domains — SPEC §2 "Allowed domains": normalisation and
 * validation of an app's allowed_domains[] (at most 3), applied in the
 * SPEC's order (trim/strip scheme, strip '/', lowercase, structure,
 * wildcard, host, port, duplicates, count). Pure: no I/O.
 */
#ifndef TENANTD_DOMAIN_ALLOWED_DOMAINS_H
#define TENANTD_DOMAIN_ALLOWED_DOMAINS_H

#include <stddef.h>

#define DOMAIN_MAX_LEN 264 /* 253 host + ':' + 5 port + NUL, rounded */
#define DOMAIN_LIST_MAX 3

enum domain_error {
    DOMAIN_OK = 0,
    DOMAIN_INVALID,
    DOMAIN_WILDCARD,
    DOMAIN_INVALID_PORT,
    DOMAIN_DUPLICATE,
    DOMAIN_TOO_MANY
};

/*
 * Machine-readable error code for the API ("invalid_domain",
 * "wildcard_domain", "invalid_port", "duplicate_domain",
 * "too_many_domains"); "ok" for DOMAIN_OK. Never NULL.
 */
const char *domain_error_code(enum domain_error e);

/*
 * Normalises one allowed domain (untrusted input, NUL-terminated, any
 * length). On DOMAIN_OK, out holds the normalised "host" or "host:port"
 * (lowercase, no scheme, no trailing '/'). On error out is the empty
 * string. input == NULL is DOMAIN_INVALID. out must not be NULL.
 */
enum domain_error domain_normalize_allowed(const char *input, char out[DOMAIN_MAX_LEN]);

/*
 * Normalises a list of count untrusted inputs (count may exceed
 * DOMAIN_LIST_MAX). Checks run in SPEC order: every item (first failing
 * index wins), then duplicates after normalisation (the index of the first
 * item equal to an earlier one), then count > DOMAIN_LIST_MAX. On error
 * *bad_index is the offending index (count for DOMAIN_TOO_MANY).
 *
 * out must have room for min(count, DOMAIN_LIST_MAX) rows; no row at or
 * beyond DOMAIN_LIST_MAX is ever written, so a caller's
 * char out[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN] is always safe. Row contents
 * are unspecified on error. out may be NULL (validate only); bad_index may
 * be NULL. A count above
 * DOMAIN_LIST_MAX needs a temporary heap buffer; if that allocation fails
 * the result is DOMAIN_TOO_MANY (the list is rejected either way).
 */
enum domain_error domain_normalize_allowed_list(const char *const *inputs, size_t count,
                                                char out[][DOMAIN_MAX_LEN], size_t *bad_index);

#endif
