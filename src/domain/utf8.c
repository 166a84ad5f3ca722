/*
 * domain/utf8 — strict UTF-8 decoder (RFC 3629, Unicode Table 3-7).
 *
 * The well-formed byte sequences are exactly:
 *   00..7F
 *   C2..DF 80..BF
 *   E0     A0..BF 80..BF
 *   E1..EC 80..BF 80..BF
 *   ED     80..9F 80..BF         (excludes surrogates)
 *   EE..EF 80..BF 80..BF
 *   F0     90..BF 80..BF 80..BF  (excludes overlongs)
 *   F1..F3 80..BF 80..BF 80..BF
 *   F4     80..8F 80..BF 80..BF  (nothing above U+10FFFF)
 */
#include "domain/utf8.h"

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0u) == 0x80u;
}

bool utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp)
{
    if (s == NULL || pos == NULL || cp == NULL || *pos >= len)
        return false;
    const unsigned char *p = (const unsigned char *)s + *pos;
    size_t avail = len - *pos;
    unsigned char c0 = p[0];

    if (c0 < 0x80u) {
        *cp = c0;
        *pos += 1;
        return true;
    }
    size_t need;
    unsigned char lo = 0x80u, hi = 0xBFu; /* allowed range of the 2nd byte */
    uint32_t value;
    if (c0 >= 0xC2u && c0 <= 0xDFu) {
        need = 2;
        value = c0 & 0x1Fu;
    } else if (c0 >= 0xE0u && c0 <= 0xEFu) {
        need = 3;
        value = c0 & 0x0Fu;
        if (c0 == 0xE0u)
            lo = 0xA0u;
        else if (c0 == 0xEDu)
            hi = 0x9Fu;
    } else if (c0 >= 0xF0u && c0 <= 0xF4u) {
        need = 4;
        value = c0 & 0x07u;
        if (c0 == 0xF0u)
            lo = 0x90u;
        else if (c0 == 0xF4u)
            hi = 0x8Fu;
    } else {
        return false; /* 80..C1 (continuation / overlong lead) or F5..FF */
    }
    if (avail < need)
        return false;
    if (p[1] < lo || p[1] > hi)
        return false;
    for (size_t i = 1; i < need; i++) {
        if (!is_continuation(p[i]))
            return false;
        value = (value << 6) | (uint32_t)(p[i] & 0x3Fu);
    }
    *cp = value;
    *pos += need;
    return true;
}

bool utf8_is_valid(const char *s, size_t len)
{
    if (len == 0)
        return true;
    if (s == NULL)
        return false;
    size_t pos = 0;
    uint32_t cp;
    while (pos < len) {
        /* Fast path for ASCII runs. */
        if ((unsigned char)s[pos] < 0x80u) {
            pos++;
            continue;
        }
        if (!utf8_next(s, len, &pos, &cp))
            return false;
    }
    return true;
}

size_t utf8_count(const char *s)
{
    size_t n = 0;
    if (s == NULL)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (!is_continuation(*p))
            n++;
    }
    return n;
}
