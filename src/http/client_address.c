/*
 * client_address.c — the real client behind trusted proxies (see client_address.h).
 */
#include "http/client_address.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* Parses exactly text[0..len) as an IPv4 or IPv6 address. */
static bool ip_parse(const char *text, size_t len, struct ip_prefix *out)
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, text, len);
    buf[len] = 0;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->address) == 1) {
        out->family = AF_INET;
        out->prefix_len = 32;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->address) == 1) {
        out->family = AF_INET6;
        out->prefix_len = 128;
        /* ::ffff:a.b.c.d is an IPv4 client seen through a dual-stack socket */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(out->address, mapped, sizeof mapped) == 0) {
            memmove(out->address, out->address + 12, 4);
            memset(out->address + 4, 0, 12);
            out->family = AF_INET;
            out->prefix_len = 32;
        }
        return true;
    }
    return false;
}

static bool prefix_has_host_bits(const struct ip_prefix *p)
{
    unsigned bits = p->family == AF_INET ? 32 : 128;
    for (unsigned i = p->prefix_len; i < bits; i++)
        if (p->address[i / 8] & (0x80 >> (i % 8)))
            return true;
    return false;
}

int trusted_proxies_parse(const char *text, struct trusted_proxies *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    const char *p = text ? text : "";
    while (*p) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        const char *slash = memchr(start, '/', len);
        size_t addr_len = slash ? (size_t)(slash - start) : len;
        struct ip_prefix prefix;
        bool ok = ip_parse(start, addr_len, &prefix);
        if (ok && slash) {
            /* a prefix length applies to the address as written: no IPv4-mapped
             * shortcut for a prefix such as ::ffff:0:0/96 */
            char buf[INET6_ADDRSTRLEN + 1];
            memcpy(buf, start, addr_len);
            buf[addr_len] = 0;
            int written_family = strchr(buf, ':') ? AF_INET6 : AF_INET;
            if (written_family != prefix.family)
                ok = false;
            unsigned max = prefix.family == AF_INET ? 32 : 128;
            const char *digits = slash + 1;
            size_t ndigits = len - addr_len - 1;
            unsigned value = 0;
            if (ndigits == 0 || ndigits > 3)
                ok = false;
            for (size_t i = 0; ok && i < ndigits; i++) {
                if (!isdigit((unsigned char)digits[i]))
                    ok = false;
                else
                    value = value * 10 + (unsigned)(digits[i] - '0');
            }
            if (ok && value > max)
                ok = false;
            if (ok)
                prefix.prefix_len = value;
        }
        if (!ok) {
            snprintf(err, err_size,
                     "TENANTD_TRUSTED_PROXIES: \"%.*s\" is not an address or CIDR prefix",
                     (int)(len > 64 ? 64 : len), start);
            return -1;
        }
        if (prefix_has_host_bits(&prefix)) {
            snprintf(err, err_size,
                     "TENANTD_TRUSTED_PROXIES: \"%.*s\" has bits set after the prefix length",
                     (int)(len > 64 ? 64 : len), start);
            return -1;
        }
        if (out->count == TRUSTED_PROXIES_MAX) {
            snprintf(err, err_size, "TENANTD_TRUSTED_PROXIES: at most %d entries",
                     TRUSTED_PROXIES_MAX);
            return -1;
        }
        out->prefixes[out->count++] = prefix;
    }
    return 0;
}

static bool prefix_matches(const struct ip_prefix *prefix, const struct ip_prefix *addr)
{
    if (prefix->family != addr->family)
        return false;
    unsigned full = prefix->prefix_len / 8, rest = prefix->prefix_len % 8;
    if (memcmp(prefix->address, addr->address, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (prefix->address[full] & mask) == (addr->address[full] & mask);
}

static bool trusted_parsed(const struct trusted_proxies *proxies, const struct ip_prefix *addr)
{
    for (size_t i = 0; i < proxies->count; i++)
        if (prefix_matches(&proxies->prefixes[i], addr))
            return true;
    return false;
}

bool trusted_proxies_contains(const struct trusted_proxies *proxies, const char *address)
{
    struct ip_prefix addr;
    return proxies && address && ip_parse(address, strlen(address), &addr) &&
           trusted_parsed(proxies, &addr);
}

/* One hop as written in a header: "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:80",
 * "::1", optionally in double quotes (Forwarded). False when it is no address
 * ("unknown", "_hidden", garbage). */
static bool hop_parse(const char *s, size_t len, struct ip_prefix *out)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"')
        s++, len -= 2;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close)
            return false;
        size_t after = len - (size_t)(close - s) - 1;
        if (after && close[1] != ':')
            return false;
        return ip_parse(s + 1, (size_t)(close - s) - 1, out) && out->family == AF_INET6;
    }
    const char *colon = memchr(s, ':', len);
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - s) - 1))
        return ip_parse(s, (size_t)(colon - s), out) && out->family == AF_INET; /* a.b.c.d:port */
    return ip_parse(s, len, out);
}

/* The `for=` value of one Forwarded element (pairs separated by ';'). */
static bool forwarded_element_for(const char *s, size_t len, struct ip_prefix *out)
{
    const char *end = s + len;
    while (s < end) {
        const char *pair_end = s;
        bool quoted = false;
        while (pair_end < end && (quoted || *pair_end != ';')) {
            if (*pair_end == '"')
                quoted = !quoted;
            pair_end++;
        }
        while (s < pair_end && (*s == ' ' || *s == '\t'))
            s++;
        if (pair_end - s > 4 && strncasecmp(s, "for=", 4) == 0)
            return hop_parse(s + 4, (size_t)(pair_end - s - 4), out);
        s = pair_end < end ? pair_end + 1 : end;
    }
    return false;
}

/* Splits the header into hops (elements separated by ',' outside quotes). Returns
 * the number of hops kept (the rightmost CLIENT_ADDRESS_HOPS_MAX); valid[i] says
 * whether hop i named an address. */
static size_t hops_split(const char *header, bool forwarded, struct ip_prefix *hops, bool *valid)
{
    size_t n = 0;
    const char *p = header;
    while (*p) {
        const char *start = p;
        bool quoted = false;
        while (*p && (quoted || *p != ',')) {
            if (*p == '"')
                quoted = !quoted;
            p++;
        }
        size_t len = (size_t)(p - start);
        if (n == CLIENT_ADDRESS_HOPS_MAX) { /* keep the rightmost ones */
            memmove(hops, hops + 1, (n - 1) * sizeof *hops);
            memmove(valid, valid + 1, (n - 1) * sizeof *valid);
            n--;
        }
        valid[n] = forwarded ? forwarded_element_for(start, len, &hops[n])
                             : hop_parse(start, len, &hops[n]);
        n++;
        if (*p == ',')
            p++;
    }
    return n;
}

void client_address_resolve(const struct trusted_proxies *proxies, const char *peer,
                            const char *forwarded, const char *x_forwarded_for, char *out,
                            size_t out_size)
{
    snprintf(out, out_size, "%s", peer ? peer : "");
    struct ip_prefix current;
    if (!proxies || proxies->count == 0 || !peer || !ip_parse(peer, strlen(peer), &current) ||
        !trusted_parsed(proxies, &current))
        return;
    const char *header = forwarded && *forwarded ? forwarded : x_forwarded_for;
    if (!header || !*header)
        return;
    struct ip_prefix hops[CLIENT_ADDRESS_HOPS_MAX];
    bool valid[CLIENT_ADDRESS_HOPS_MAX];
    size_t n = hops_split(header, header == forwarded, hops, valid);
    bool moved = false;
    for (size_t i = n; i > 0 && trusted_parsed(proxies, &current); i--) {
        if (!valid[i - 1])
            break; /* the trusted hop to the right vouched for no address */
        current = hops[i - 1];
        moved = true;
    }
    if (!moved)
        return;
    char text[INET6_ADDRSTRLEN];
    if (inet_ntop(current.family, current.address, text, sizeof text))
        snprintf(out, out_size, "%s", text);
}
