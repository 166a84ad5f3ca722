/*
 * domain/allowed_domains — SPEC §2 allowed-domain normalisation.
 *
 * The input is never copied before it is known to fit: all structural
 * checks run on a (pointer, length) span of the caller's string, and only
 * a host of at most 253 bytes plus a canonical port is written to out.
 * Decisions where SPEC is silent are listed in docs/RULES.md.
 */
#include "domain/allowed_domains.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/host_syntax.h"

const char *domain_error_code(enum domain_error e)
{
    switch (e) {
    case DOMAIN_OK:
        return "ok";
    case DOMAIN_INVALID:
        return "invalid_domain";
    case DOMAIN_WILDCARD:
        return "wildcard_domain";
    case DOMAIN_INVALID_PORT:
        return "invalid_port";
    case DOMAIN_DUPLICATE:
        return "duplicate_domain";
    case DOMAIN_TOO_MANY:
        return "too_many_domains";
    }
    return "invalid_domain";
}

static bool span_has_prefix_ci(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && strncasecmp(p, prefix, n) == 0;
}

enum domain_error domain_normalize_allowed(const char *input, char out[DOMAIN_MAX_LEN])
{
    out[0] = '\0';
    if (input == NULL)
        return DOMAIN_INVALID;

    /* 1. trim; strip one leading http:// or https:// (case-insensitive). */
    const char *p = input;
    size_t len = strlen(input);
    host_syntax_trim(&p, &len);
    if (span_has_prefix_ci(p, len, "https://")) {
        p += 8;
        len -= 8;
    } else if (span_has_prefix_ci(p, len, "http://")) {
        p += 7;
        len -= 7;
    }

    /* 2. strip trailing '/' (lowercasing happens when copying below). */
    while (len > 0 && p[len - 1] == '/')
        len--;

    /* 3. no path, query, fragment, userinfo or whitespace. */
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '/' || c == '?' || c == '#' || c == '@' || host_syntax_char_is_space(c))
            return DOMAIN_INVALID;
    }

    /* 4. wildcards anywhere. */
    if (memchr(p, '*', len) != NULL)
        return DOMAIN_WILDCARD;

    /* 5. host: localhost, a DNS name with a dot, or an IPv4 literal. */
    const char *colon = memchr(p, ':', len);
    size_t host_len = colon != NULL ? (size_t)(colon - p) : len;
    if (host_len == 0 || host_len > HOST_DNS_MAX_LEN)
        return DOMAIN_INVALID;
    if (colon != NULL && memchr(colon + 1, ':', len - host_len - 1) != NULL)
        return DOMAIN_INVALID; /* several ':' — e.g. an IPv6 literal */
    char host[HOST_DNS_MAX_LEN + 1];
    for (size_t i = 0; i < host_len; i++)
        host[i] = host_syntax_char_lower(p[i]);
    host[host_len] = '\0';
    bool host_ok;
    if (strcmp(host, "localhost") == 0)
        host_ok = true;
    else if (host_syntax_ends_in_number(host, host_len))
        host_ok = host_syntax_ipv4_parse(host, host_len, NULL);
    else
        host_ok = host_syntax_dns_name_is_valid(host, host_len, true, false);
    if (!host_ok)
        return DOMAIN_INVALID;

    /* 6. optional port 1..65535, digits only, canonical (no leading zero). */
    long port = 0;
    if (colon != NULL) {
        port = host_syntax_port_parse(colon + 1, len - host_len - 1);
        if (port < 0)
            return DOMAIN_INVALID_PORT;
    }

    int n = colon != NULL ? snprintf(out, DOMAIN_MAX_LEN, "%s:%ld", host, port)
                          : snprintf(out, DOMAIN_MAX_LEN, "%s", host);
    if (n < 0 || (size_t)n >= DOMAIN_MAX_LEN) {
        out[0] = '\0';
        return DOMAIN_INVALID; /* unreachable: 253 + 1 + 5 < 264 */
    }
    return DOMAIN_OK;
}

/* Orders row pointers by content, then by position (i.e. original index). */
static int compare_rows(const void *a, const void *b)
{
    const char *ra = *(const char *const *)a;
    const char *rb = *(const char *const *)b;
    int c = strcmp(ra, rb);
    if (c != 0)
        return c;
    return (ra > rb) - (ra < rb);
}

/*
 * Index of the first row equal to an earlier row, or count when all rows
 * are distinct. Small lists compare pairwise; long ones (only possible in a
 * list that is about to be rejected) sort pointers so that a large request
 * body cannot make this quadratic.
 */
static size_t first_duplicate(char rows[][DOMAIN_MAX_LEN], size_t count)
{
    if (count <= 16) {
        for (size_t i = 1; i < count; i++) {
            for (size_t j = 0; j < i; j++) {
                if (strcmp(rows[i], rows[j]) == 0)
                    return i;
            }
        }
        return count;
    }
    const char **sorted = malloc(count * sizeof *sorted);
    if (sorted == NULL)
        return count; /* count > 16 here: the list fails as too_many anyway */
    for (size_t i = 0; i < count; i++)
        sorted[i] = rows[i];
    qsort(sorted, count, sizeof *sorted, compare_rows);
    size_t best = count;
    for (size_t i = 1; i < count; i++) {
        /* In a run of equal rows, the 2nd (by index) is the first duplicate. */
        if (strcmp(sorted[i], sorted[i - 1]) == 0 &&
            (i < 2 || strcmp(sorted[i - 1], sorted[i - 2]) != 0)) {
            size_t idx = (size_t)(sorted[i] - rows[0]) / DOMAIN_MAX_LEN;
            if (idx < best)
                best = idx;
        }
    }
    free(sorted);
    return best;
}

enum domain_error domain_normalize_allowed_list(const char *const *inputs, size_t count,
                                                char out[][DOMAIN_MAX_LEN], size_t *bad_index)
{
    size_t bad_scratch;
    if (bad_index == NULL)
        bad_index = &bad_scratch;
    *bad_index = 0;
    if (count == 0)
        return DOMAIN_OK;
    if (inputs == NULL)
        return DOMAIN_INVALID;

    char scratch[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    char(*rows)[DOMAIN_MAX_LEN] = out != NULL ? out : scratch;
    char(*heap)[DOMAIN_MAX_LEN] = NULL;
    if (count > DOMAIN_LIST_MAX) {
        if (count > SIZE_MAX / DOMAIN_MAX_LEN || (heap = calloc(count, DOMAIN_MAX_LEN)) == NULL) {
            *bad_index = count;
            return DOMAIN_TOO_MANY;
        }
        rows = heap;
    }

    enum domain_error result = DOMAIN_OK;
    for (size_t i = 0; i < count; i++) {
        result = domain_normalize_allowed(inputs[i], rows[i]);
        if (result != DOMAIN_OK) {
            *bad_index = i;
            goto done;
        }
    }
    size_t dup = first_duplicate(rows, count);
    if (dup < count) {
        *bad_index = dup;
        result = DOMAIN_DUPLICATE;
        goto done;
    }
    if (count > DOMAIN_LIST_MAX) {
        *bad_index = count;
        result = DOMAIN_TOO_MANY;
    }
done:
    /* A heap list is longer than DOMAIN_LIST_MAX, so it always ends in an
     * error and out is left unwritten. */
    free(heap);
    return result;
}
