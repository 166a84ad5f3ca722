/*
 * domain/host_syntax — lexical rules for host names, IPv4 literals and ports.
 * See host_syntax.h for the contracts; everything here is pure.
 */
#include "domain/host_syntax.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool host_syntax_char_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void host_syntax_trim(const char **p, size_t *len)
{
    while (*len > 0 && host_syntax_char_is_space((*p)[0])) {
        (*p)++;
        (*len)--;
    }
    while (*len > 0 && host_syntax_char_is_space((*p)[*len - 1]))
        (*len)--;
}

char host_syntax_char_lower(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

bool host_syntax_ipv4_parse(const char *s, size_t len, unsigned char out[4])
{
    if (s == NULL || len < 7 || len > 15)
        return false;
    size_t pos = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (pos >= len || s[pos] != '.')
                return false;
            pos++;
        }
        size_t start = pos;
        unsigned value = 0;
        while (pos < len && is_digit(s[pos]) && pos - start < 3) {
            value = value * 10u + (unsigned)(s[pos] - '0');
            pos++;
        }
        size_t digits = pos - start;
        if (digits == 0 || value > 255u)
            return false;
        if (digits > 1 && s[start] == '0')
            return false; /* leading zero: ambiguous (octal in some parsers) */
        if (out != NULL)
            out[part] = (unsigned char)value;
    }
    return pos == len;
}

bool host_syntax_ends_in_number(const char *s, size_t len)
{
    if (s == NULL || len == 0)
        return false;
    size_t end = len;
    size_t start = end;
    while (start > 0 && s[start - 1] != '.')
        start--;
    if (start == end)
        return false;
    size_t i = start;
    bool hex = end - start >= 2 && s[start] == '0' && (s[start + 1] == 'x' || s[start + 1] == 'X');
    if (hex)
        i += 2;
    for (; i < end; i++) {
        char c = s[i];
        bool ok = is_digit(c) || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
        if (!ok)
            return false;
    }
    return true;
}

static bool is_label_char(char c, bool allow_upper)
{
    if ((c >= 'a' && c <= 'z') || is_digit(c) || c == '-')
        return true;
    return allow_upper && c >= 'A' && c <= 'Z';
}

bool host_syntax_dns_name_is_valid(const char *s, size_t len, bool require_dot, bool allow_upper)
{
    if (s == NULL || len == 0 || len > HOST_DNS_MAX_LEN)
        return false;
    size_t labels = 0;
    size_t pos = 0;
    while (pos <= len) {
        size_t start = pos;
        while (pos < len && s[pos] != '.') {
            if (!is_label_char(s[pos], allow_upper))
                return false;
            pos++;
        }
        size_t label_len = pos - start;
        if (label_len == 0 || label_len > HOST_LABEL_MAX_LEN)
            return false;
        if (s[start] == '-' || s[pos - 1] == '-')
            return false;
        labels++;
        pos++; /* skip the dot, or step past the end */
    }
    return !require_dot || labels >= 2;
}

long host_syntax_port_parse(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > 5)
        return -1;
    if (s[0] == '0')
        return -1; /* "0" itself is out of range; "080" is not canonical */
    long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return -1;
        value = value * 10 + (s[i] - '0');
    }
    if (value < 1 || value > 65535)
        return -1;
    return value;
}
