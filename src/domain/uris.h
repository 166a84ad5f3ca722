/*
 * domain/uris — SPEC §2 "Redirect and post-logout URIs": the shape of one
 * redirect URI and of a list of them. Pure: no I/O, no allocation.
 */
#ifndef TENANTD_DOMAIN_URIS_H
#define TENANTD_DOMAIN_URIS_H

#include <stdbool.h>
#include <stddef.h>

#define URI_MAX_LEN 2048
#define URI_LIST_MAX 10

/*
 * Contract: uri is untrusted, NUL-terminated, any length. Returns true if
 * it is an acceptable redirect / post-logout URI:
 *  - at most URI_MAX_LEN bytes, printable ASCII only (no whitespace, no
 *    control characters, no raw non-ASCII: percent-encode it), only
 *    characters RFC 3986 allows, every '%' followed by two hex digits;
 *  - no fragment ('#' anywhere);
 *  - scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':';
 *  - http / https (any case): "//" + authority with a non-empty host
 *    (DNS-style name, IPv4 or bracketed IPv6 literal), no userinfo, an
 *    optional port 1..65535;
 *  - any other scheme only if it contains a '.', e.g. com.example.app:/cb,
 *    with something after the ':'. So javascript:, data:, file: are out.
 * On false, *reason (when reason != NULL) is a static English message.
 */
bool uri_redirect_is_valid(const char *uri, const char **reason);

/*
 * Validates a list of count untrusted URIs in this order: each URI (first
 * invalid index wins), then duplicates (exact byte comparison; the index of
 * the first URI equal to an earlier one), then count > URI_LIST_MAX.
 * Returns true, or false with *bad_index (count for "too many") and
 * *reason. bad_index and reason may be NULL. count == 0 is valid.
 */
bool uri_redirect_list_is_valid(const char *const *uris, size_t count, size_t *bad_index,
                                const char **reason);

#endif
