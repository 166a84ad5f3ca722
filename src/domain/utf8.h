/*
 * domain/utf8 — strict UTF-8 validation and code point iteration.
 *
 * Owns the one definition of "valid UTF-8" used by every rule in domain/:
 * shortest-form encodings only (no overlongs), no UTF-16 surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF. Pure: no I/O, no allocation.
 */
#ifndef TENANTD_DOMAIN_UTF8_H
#define TENANTD_DOMAIN_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Contract: s points to len bytes (untrusted; embedded NUL bytes are
 * treated as U+0000, which is valid UTF-8). Returns true iff the bytes are
 * well-formed UTF-8 per RFC 3629. s may be NULL only when len == 0.
 */
bool utf8_is_valid(const char *s, size_t len);

/*
 * Decodes the code point starting at s[*pos] (of a buffer of len bytes).
 * On success stores it in *cp, advances *pos past it and returns true.
 * Returns false (and leaves *pos unchanged) on an ill-formed or truncated
 * sequence, or when *pos >= len.
 */
bool utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp);

/*
 * Number of code points in the NUL-terminated string s (counts every byte
 * that is not a continuation byte). Meaningful only for valid UTF-8 — call
 * utf8_is_valid first. NULL counts as 0.
 */
size_t utf8_count(const char *s);

#endif
