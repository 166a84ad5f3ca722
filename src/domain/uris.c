/*
 * domain/uris — redirect / post-logout URI validation (SPEC §2).
 *
 * One pass checks the byte-level rules over the whole string, then the
 * scheme decides which structural rules apply. Decisions where SPEC is
 * silent (userinfo, ports, IP literals, case of the scheme) are recorded in
 * docs/RULES.md.
 */
#include "domain/uris.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/host_syntax.h"

static bool set_reason(const char **reason, const char *message)
{
    if (reason != NULL)
        *reason = message;
    return false;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 unreserved / gen-delims / sub-delims, plus '%' (checked apart). */
static bool is_uri_char(char c)
{
    if (is_alpha(c) || is_digit(c))
        return true;
    return strchr("-._~:/?#[]@!$&'()*+,;=%", c) != NULL;
}

/* Host of an http(s) authority: bracketed IPv6, IPv4, or a reg-name. */
static bool host_is_acceptable(const char *h, size_t len)
{
    if (len == 0)
        return false;
    if (h[0] == '[') {
        if (len < 4 || h[len - 1] != ']' || len - 2 >= INET6_ADDRSTRLEN)
            return false;
        char literal[INET6_ADDRSTRLEN];
        memcpy(literal, h + 1, len - 2);
        literal[len - 2] = '\0';
        unsigned char addr[16];
        return inet_pton(AF_INET6, literal, addr) == 1;
    }
    for (size_t i = 0; i < len; i++) {
        char c = h[i];
        if (!(is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'))
            return false;
    }
    if (host_syntax_ends_in_number(h, len))
        return host_syntax_ipv4_parse(h, len, NULL);
    return true;
}

static bool check_web_uri(const char *rest, const char **reason)
{
    if (strncmp(rest, "//", 2) != 0)
        return set_reason(reason, "must be an absolute URI with an authority (scheme://host)");
    const char *auth = rest + 2;
    size_t auth_len = strcspn(auth, "/?");
    if (memchr(auth, '@', auth_len) != NULL)
        return set_reason(reason, "must not contain user information");
    size_t host_len;
    if (auth_len > 0 && auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (close == NULL)
            return set_reason(reason, "has an invalid host");
        host_len = (size_t)(close - auth) + 1;
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host_len = colon != NULL ? (size_t)(colon - auth) : auth_len;
    }
    if (host_len == 0)
        return set_reason(reason, "must have a host");
    if (!host_is_acceptable(auth, host_len))
        return set_reason(reason, "has an invalid host");
    if (host_len < auth_len) {
        if (auth[host_len] != ':' ||
            host_syntax_port_parse(auth + host_len + 1, auth_len - host_len - 1) < 0)
            return set_reason(reason, "has an invalid port");
    }
    if (strpbrk(auth + auth_len, "[]") != NULL)
        return set_reason(reason, "contains characters not allowed in a URI");
    return true;
}

bool uri_redirect_is_valid(const char *uri, const char **reason)
{
    if (uri == NULL || uri[0] == '\0')
        return set_reason(reason, "must not be empty");
    size_t len = strnlen(uri, URI_MAX_LEN + 1);
    if (len > URI_MAX_LEN)
        return set_reason(reason, "must be at most 2048 bytes");

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)uri[i];
        if (c <= 0x20u || c == 0x7Fu)
            return set_reason(reason, "must not contain whitespace or control characters");
        if (c >= 0x80u)
            return set_reason(reason, "must not contain raw non-ASCII characters "
                                      "(percent-encode them)");
        if (c == '#')
            return set_reason(reason, "must not contain a fragment");
        if (!is_uri_char((char)c))
            return set_reason(reason, "contains characters not allowed in a URI");
        if (c == '%' && !(i + 2 < len && is_hex(uri[i + 1]) && is_hex(uri[i + 2])))
            return set_reason(reason, "contains an invalid percent-encoding");
    }

    size_t scheme_len = 0;
    if (!is_alpha(uri[0]))
        return set_reason(reason, "must be an absolute URI with a scheme");
    while (scheme_len < len &&
           (is_alpha(uri[scheme_len]) || is_digit(uri[scheme_len]) || uri[scheme_len] == '+' ||
            uri[scheme_len] == '-' || uri[scheme_len] == '.'))
        scheme_len++;
    if (scheme_len == len || uri[scheme_len] != ':')
        return set_reason(reason, "must be an absolute URI with a scheme");
    const char *rest = uri + scheme_len + 1;

    if ((scheme_len == 4 && strncasecmp(uri, "http", 4) == 0) ||
        (scheme_len == 5 && strncasecmp(uri, "https", 5) == 0))
        return check_web_uri(rest, reason);

    if (memchr(uri, '.', scheme_len) == NULL)
        return set_reason(reason, "scheme not allowed (use http, https or a custom scheme "
                                  "containing a '.')");
    if (rest[0] == '\0')
        return set_reason(reason, "must have content after the scheme");
    if (strncmp(rest, "//", 2) == 0) {
        const char *auth = rest + 2;
        size_t auth_len = strcspn(auth, "/?");
        if (memchr(auth, '@', auth_len) != NULL)
            return set_reason(reason, "must not contain user information");
    }
    if (strpbrk(rest, "[]") != NULL)
        return set_reason(reason, "contains characters not allowed in a URI");
    return true;
}

/* Orders pointers to list slots by string, then by slot (original index). */
static int compare_slots(const void *a, const void *b)
{
    const char *const *sa = *(const char *const *const *)a;
    const char *const *sb = *(const char *const *const *)b;
    int c = strcmp(*sa, *sb);
    if (c != 0)
        return c;
    return (sa > sb) - (sa < sb);
}

/*
 * Index of the first URI equal to an earlier one, or count if none. Short
 * lists compare pairwise; a long list (which fails the count rule anyway)
 * is sorted through a temporary pointer array so that a large request body
 * cannot make this quadratic. If that allocation fails, count is returned
 * and the list is rejected as too long.
 */
static size_t first_duplicate(const char *const *uris, size_t count)
{
    if (count <= 16) {
        for (size_t i = 1; i < count; i++) {
            for (size_t j = 0; j < i; j++) {
                if (strcmp(uris[i], uris[j]) == 0)
                    return i;
            }
        }
        return count;
    }
    const char *const **slots = malloc(count * sizeof *slots);
    if (slots == NULL)
        return count;
    for (size_t i = 0; i < count; i++)
        slots[i] = &uris[i];
    qsort(slots, count, sizeof *slots, compare_slots);
    size_t best = count;
    for (size_t i = 1; i < count; i++) {
        if (strcmp(*slots[i], *slots[i - 1]) == 0 &&
            (i < 2 || strcmp(*slots[i - 1], *slots[i - 2]) != 0)) {
            size_t idx = (size_t)(slots[i] - uris);
            if (idx < best)
                best = idx;
        }
    }
    free(slots);
    return best;
}

bool uri_redirect_list_is_valid(const char *const *uris, size_t count, size_t *bad_index,
                                const char **reason)
{
    size_t bad_scratch;
    if (bad_index == NULL)
        bad_index = &bad_scratch;
    *bad_index = 0;
    if (count == 0)
        return true;
    if (uris == NULL)
        return set_reason(reason, "must not be empty");
    for (size_t i = 0; i < count; i++) {
        if (!uri_redirect_is_valid(uris[i], reason)) {
            *bad_index = i;
            return false;
        }
    }
    size_t dup = first_duplicate(uris, count);
    if (dup < count) {
        *bad_index = dup;
        return set_reason(reason, "duplicate URI");
    }
    if (count > URI_LIST_MAX) {
        *bad_index = count;
        return set_reason(reason, "at most 10 URIs are allowed");
    }
    return true;
}
