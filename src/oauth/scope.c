/*
 * scope.c — requested scope validation and granting (see scope.h).
 */
#include "oauth/scope.h"

#include <jansson.h>
#include <string.h>

/* True when list (space-separated) holds the token s[0..n). */
static bool scope_list_has(const char *list, const char *s, size_t n)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if ((size_t)(p - start) == n && n > 0 && memcmp(start, s, n) == 0)
            return true;
    }
    return false;
}

bool scope_list_contains(const char *list, const char *scope)
{
    return list && scope && scope_list_has(list, scope, strlen(scope));
}

static bool scope_char_ok(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

bool scope_grant(const char *requested, const char *allowed, bool forbid_platform, char *out,
                 size_t out_size)
{
    if (out_size == 0)
        return false;
    out[0] = 0;
    if (!requested)
        return true;
    size_t used = 0;
    const char *p = requested;
    while (*p) {
        if (*p == ' ') {
            p++;
            continue;
        }
        const char *start = p;
        while (*p && *p != ' ') {
            if (!scope_char_ok((unsigned char)*p))
                goto refuse;
            p++;
        }
        size_t n = (size_t)(p - start);
        size_t prefix = sizeof SCOPE_PLATFORM_PREFIX - 1;
        if (forbid_platform && n >= prefix && memcmp(start, SCOPE_PLATFORM_PREFIX, prefix) == 0)
            goto refuse;
        if (!allowed || !scope_list_has(allowed, start, n))
            goto refuse;
        if (scope_list_has(out, start, n))
            continue; /* requested twice: granted once */
        size_t need = n + (used ? 1 : 0);
        if (out_size - used <= need)
            goto refuse;
        if (used)
            out[used++] = ' ';
        memcpy(out + used, start, n);
        used += n;
        out[used] = 0;
    }
    return true;
refuse:
    out[0] = 0;
    return false;
}

/* Appends one stored scope to the list (dropped when it is not a scope-token). */
static bool scope_list_add(char *list, size_t size, const char *tok, size_t n)
{
    if (n == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (!scope_char_ok((unsigned char)tok[i]))
            return true; /* not a valid scope: never granted */
    size_t used = strlen(list);
    size_t need = n + (used ? 1 : 0);
    if (size - used <= need)
        return false;
    if (used)
        list[used++] = ' ';
    memcpy(list + used, tok, n);
    list[used + n] = 0;
    return true;
}

bool scope_list_from_stored(const char *stored, char *out, size_t out_size)
{
    if (out_size == 0)
        return false;
    out[0] = 0;
    if (!stored)
        return true;
    const char *p = stored;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p == '[') {
        json_error_t jerr;
        json_t *arr = json_loads(stored, 0, &jerr);
        bool ok = json_is_array(arr);
        for (size_t i = 0; ok && i < json_array_size(arr); i++) {
            const char *s = json_string_value(json_array_get(arr, i));
            ok = s && scope_list_add(out, out_size, s, strlen(s));
        }
        json_decref(arr);
        if (!ok)
            out[0] = 0;
        return ok;
    }
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != ',' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (p > start && !scope_list_add(out, out_size, start, (size_t)(p - start))) {
            out[0] = 0;
            return false;
        }
    }
    return true;
}
