/*
 * domain/names — display names, codes, ids, emails and passwords: the
 * lexical rules of SPEC §1 for everything a human or an operator names.
 * Pure: no I/O, no allocation.
 */
#ifndef TENANTD_DOMAIN_NAMES_H
#define TENANTD_DOMAIN_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define NAME_MAX_CHARS 100   /* tenant and app names (SPEC §1) */
#define EMAIL_MAX_LEN 254    /* bytes, without the NUL */
#define PASSWORD_MIN_LEN 10  /* bytes */
#define PASSWORD_MAX_LEN 256 /* bytes */
#define UUID_STR_LEN 36

/*
 * Contract: input is untrusted and NUL-terminated. Trims leading and
 * trailing ASCII whitespace (SP HT LF VT FF CR), then requires valid UTF-8,
 * no control characters (C0, DEL, C1: U+0000..U+001F, U+007F..U+009F; also
 * U+2028/U+2029 and the bidi controls U+202A..U+202E, U+2066..U+2069) and
 * 1..max_chars code points. Writes the trimmed name (NUL-terminated) to
 * out. Returns false with a static *reason (reason may be NULL) otherwise,
 * including when out_size cannot hold the result; out is then "".
 */
bool name_normalize(const char *input, size_t max_chars, char *out, size_t out_size,
                    const char **reason);

/*
 * ASCII-lowercases in into out (bytes >= 0x80 copied unchanged), the key
 * used for case-insensitive uniqueness. Always NUL-terminates when
 * out_size > 0; truncates to out_size - 1 bytes, so give it a buffer at
 * least strlen(in) + 1 bytes long. in == NULL yields "".
 */
void name_fold_case(const char *in, char *out, size_t out_size);

bool region_code_is_valid(const char *s); /* [a-z0-9-]{2,32} */
bool db_code_is_valid(const char *s);     /* [a-z0-9-]{2,64} */
bool plan_code_is_valid(const char *s);   /* [a-z0-9][a-z0-9_-]{1,63} */
bool uuid_is_valid(const char *s);        /* canonical lowercase 8-4-4-4-12 hex */

/*
 * Contract: input is untrusted. Trims ASCII whitespace and lowercases
 * (ASCII), then requires: printable ASCII only, exactly one '@', a local
 * part of 1..64 bytes of RFC 5322 dot-atom characters (no leading,
 * trailing or doubled '.'), and a domain that is a DNS name with at least
 * one dot (labels 1..63 of [a-z0-9-], not starting or ending with '-'),
 * total at most 254 bytes. Writes the normalised address to out; returns
 * false (out "") if it is not acceptable or does not fit in out_size.
 */
bool email_normalize(const char *input, char *out, size_t out_size);

/*
 * Contract: pw is untrusted. Accepts 10..256 bytes of valid UTF-8 (the
 * password is not trimmed or otherwise altered; any characters, spaces
 * included, are allowed). Returns false with a static *reason otherwise.
 */
bool password_is_acceptable(const char *pw, const char **reason);

#endif
