/*
 * client_address.h — who is really calling: the TCP peer, or, when the peer is a
 * trusted reverse proxy, the client it names (SPEC §3.6, TENANTD_TRUSTED_PROXIES).
 *
 * The rule (the one nginx's real_ip_recursive and most proxies document): take the
 * hops a request went through — the addresses in `Forwarded: for=` (RFC 7239), or
 * in `X-Forwarded-For` when there is no Forwarded header — followed by the peer;
 * walk from the right, skipping hops that are trusted proxies; the first untrusted
 * hop is the client. From a peer that is not trusted, the headers are ignored (a
 * caller could write anything in them). A malformed header from a trusted proxy
 * yields the proxy's own address: never an address nobody vouched for.
 *
 * Pure functions with no I/O, fuzzed (tests/fuzz/fuzz_client_address.c).
 */
#ifndef TENANTD_HTTP_CLIENT_ADDRESS_H
#define TENANTD_HTTP_CLIENT_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRUSTED_PROXIES_MAX 32
/* Hops examined at most (from the right); a longer chain ends at the proxy. */
#define CLIENT_ADDRESS_HOPS_MAX 16

struct ip_prefix {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char address[16]; /* network order; IPv4 in the first 4 bytes */
    unsigned prefix_len;
};

struct trusted_proxies {
    size_t count;
    struct ip_prefix prefixes[TRUSTED_PROXIES_MAX];
};

/*
 * Parses a list of CIDR prefixes or single addresses separated by commas and/or
 * spaces ("10.0.0.0/8, 192.168.1.7, fd00::/8"). Host bits set under the prefix are
 * refused (a typo such as 10.0.0.1/8 is probably not what was meant). Returns 0, or
 * -1 with a one-line message naming the entry.
 */
int trusted_proxies_parse(const char *text, struct trusted_proxies *out, char *err,
                          size_t err_size);

/* True when the textual address (IPv4, or IPv6 without brackets) is in the list.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 prefixes. */
bool trusted_proxies_contains(const struct trusted_proxies *proxies, const char *address);

/*
 * Writes the client's address into out (textual, without port or brackets).
 * peer: the TCP peer's address; forwarded / x_forwarded_for: the header values (all
 * occurrences joined by ","), or NULL. With an empty list, out is the peer.
 */
void client_address_resolve(const struct trusted_proxies *proxies, const char *peer,
                            const char *forwarded, const char *x_forwarded_for, char *out,
                            size_t out_size);

#endif
