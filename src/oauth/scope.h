/*
 * scope.h — the OAuth `scope` parameter (RFC 6749 §3.3): parsing a requested
 * scope string and deciding what is granted.
 *
 * Policy (docs/OAUTH.md "Scopes"): a tenant app may request any subset of the
 * server's configured API scopes (TENANTD_SCOPES, default "api") but never a
 * `platform:*` scope; no scope requested means no scope granted (and no `scope`
 * claim). A platform client may request any subset of the scopes it holds; no
 * scope requested grants all of them.
 */
#ifndef TENANTD_OAUTH_SCOPE_H
#define TENANTD_OAUTH_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

/* Scopes with this prefix belong to platform clients only. */
#define SCOPE_PLATFORM_PREFIX "platform:"

/*
 * Contract: requested is untrusted (NULL or "" = nothing requested); allowed is a
 * trusted space-separated list. Every requested token must be a valid scope-token
 * (%x21 / %x23-5B / %x5D-7E, tokens separated by spaces), appear in allowed, and —
 * when forbid_platform — not start with "platform:". On success writes the granted
 * scope (requested order, duplicates dropped, one space apart; "" when nothing was
 * requested) into out and returns true; returns false (out "") otherwise, including
 * when out_size is too small.
 */
bool scope_grant(const char *requested, const char *allowed, bool forbid_platform, char *out,
                 size_t out_size);

/*
 * The scopes a platform client holds, as stored (a JSON array of strings, or a
 * space/comma-separated list), as one space-separated list in out. Entries that
 * are not valid scope-tokens are never granted, so they are dropped. False when
 * the stored text is a malformed JSON array or the list does not fit.
 */
bool scope_list_from_stored(const char *stored, char *out, size_t out_size);

/* True when the space-separated list contains exactly the token scope. */
bool scope_list_contains(const char *list, const char *scope);

#endif
