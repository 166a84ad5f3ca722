/*
 * domain/host_syntax — shared lexical rules for host names, IPv4 literals
 * and ports, used by allowed_domains, uris and storage_rules.
 *
 * Every function takes an explicit (pointer, length) span of untrusted bytes
 * and never reads past it; none allocates, none does I/O.
 */
#ifndef TENANTD_DOMAIN_HOST_SYNTAX_H
#define TENANTD_DOMAIN_HOST_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#define HOST_DNS_MAX_LEN 253
#define HOST_LABEL_MAX_LEN 63

/* ASCII whitespace as the trimming rules use it: SP, HT, LF, VT, FF, CR. */
bool host_syntax_char_is_space(char c);

/* Narrows the span *p, *len to drop leading and trailing host_syntax_char_is_space:
 * the one trimming rule for names, e-mail addresses and allowed domains. */
void host_syntax_trim(const char **p, size_t *len);

/* ASCII-only lowercase of one byte (bytes >= 0x80 are returned unchanged). */
char host_syntax_char_lower(char c);

/*
 * Strict dotted-quad IPv4: exactly four decimal octets 0..255 separated by
 * '.', no leading zeros ("010" is rejected, "0" is fine), no sign, no
 * other forms (hex, octal, fewer parts). Fills out[4] when out != NULL.
 */
bool host_syntax_ipv4_parse(const char *s, size_t len, unsigned char out[4]);

/*
 * True if the last dot-separated label of the span is non-empty and is all
 * ASCII digits, or "0x" followed by hex digits — the WHATWG URL "ends in a
 * number" test. Browsers parse such a host as IPv4, so it is never a DNS
 * name here; callers then require a strict dotted-quad.
 */
bool host_syntax_ends_in_number(const char *s, size_t len);

/*
 * DNS host name: labels of 1..63 characters from [a-z0-9-] (and [A-Z] when
 * allow_upper), not starting or ending with '-', total length 1..253, no
 * empty label (so no leading, trailing or doubled dot). When require_dot,
 * at least two labels are needed.
 */
bool host_syntax_dns_name_is_valid(const char *s, size_t len, bool require_dot, bool allow_upper);

/*
 * Port: 1..5 ASCII digits, no leading zero, value 1..65535. Returns the
 * port, or -1 when the span is empty or otherwise not such a port.
 */
long host_syntax_port_parse(const char *s, size_t len);

#endif
