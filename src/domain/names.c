/*
 * domain/names — names, codes, UUIDs, emails and password acceptance.
 * Rules are in names.h; choices SPEC leaves open are in docs/RULES.md.
 */
#include "domain/names.h"

#include <stdint.h>
#include <string.h>

#include "domain/host_syntax.h"
#include "domain/utf8.h"

static bool fail(const char **reason, const char *message)
{
    if (reason != NULL)
        *reason = message;
    return false;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * Control characters (Cc: C0, DEL, C1), the line/paragraph separators
 * U+2028/U+2029 (they break logs and JavaScript string literals), and the
 * bidirectional embedding/override/isolate controls U+202A..U+202E and
 * U+2066..U+2069 (they let a name display as something it is not).
 */
static bool is_forbidden_in_name(uint32_t cp)
{
    if (cp < 0x20u || (cp >= 0x7Fu && cp <= 0x9Fu))
        return true;
    if (cp == 0x2028u || cp == 0x2029u)
        return true;
    return (cp >= 0x202Au && cp <= 0x202Eu) || (cp >= 0x2066u && cp <= 0x2069u);
}

bool name_normalize(const char *input, size_t max_chars, char *out, size_t out_size,
                    const char **reason)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if (input == NULL)
        return fail(reason, "is required");
    const char *p = input;
    size_t len = strlen(input);
    host_syntax_trim(&p, &len);
    if (len == 0)
        return fail(reason, "must not be empty");

    size_t pos = 0, chars = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(p, len, &pos, &cp))
            return fail(reason, "must be valid UTF-8");
        if (is_forbidden_in_name(cp))
            return fail(reason, "must not contain control characters");
        chars++;
        if (chars > max_chars)
            return fail(reason, "is too long");
    }
    if (out == NULL || len >= out_size)
        return fail(reason, "is too long");
    memcpy(out, p, len);
    out[len] = '\0';
    return true;
}

void name_fold_case(const char *in, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return;
    size_t i = 0;
    if (in != NULL) {
        for (; in[i] != '\0' && i + 1 < out_size; i++)
            out[i] = host_syntax_char_lower(in[i]);
    }
    out[i] = '\0';
}

static bool code_matches(const char *s, size_t min, size_t max)
{
    if (s == NULL)
        return false;
    size_t len = strnlen(s, max + 1);
    if (len < min || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

bool region_code_is_valid(const char *s)
{
    return code_matches(s, 2, 32);
}

bool db_code_is_valid(const char *s)
{
    return code_matches(s, 2, 64);
}

bool plan_code_is_valid(const char *s)
{
    if (s == NULL || !is_lower_alnum(s[0]))
        return false;
    size_t len = strnlen(s, 65);
    if (len < 2 || len > 64)
        return false;
    for (size_t i = 1; i < len; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-')
            return false;
    }
    return true;
}

bool uuid_is_valid(const char *s)
{
    if (s == NULL || strnlen(s, UUID_STR_LEN + 1) != UUID_STR_LEN)
        return false;
    for (size_t i = 0; i < UUID_STR_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

/* RFC 5322 atext (letters are already lowercase here). */
static bool is_atext(char c)
{
    if (is_lower_alnum(c))
        return true;
    return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

bool email_normalize(const char *input, char *out, size_t out_size)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    if (input == NULL || out == NULL)
        return false;
    const char *p = input;
    size_t len = strlen(input);
    host_syntax_trim(&p, &len);
    if (len == 0 || len > EMAIL_MAX_LEN || len >= out_size)
        return false;

    char buf[EMAIL_MAX_LEN + 1];
    for (size_t i = 0; i < len; i++)
        buf[i] = host_syntax_char_lower(p[i]);
    buf[len] = '\0';

    const char *at = memchr(buf, '@', len);
    if (at == NULL || memchr(at + 1, '@', len - (size_t)(at - buf) - 1) != NULL)
        return false;
    size_t local_len = (size_t)(at - buf);
    size_t domain_len = len - local_len - 1;
    if (local_len == 0 || local_len > 64)
        return false;
    if (buf[0] == '.' || buf[local_len - 1] == '.')
        return false;
    for (size_t i = 0; i < local_len; i++) {
        if (buf[i] == '.') {
            if (buf[i + 1] == '.')
                return false;
        } else if (!is_atext(buf[i])) {
            return false;
        }
    }
    if (!host_syntax_dns_name_is_valid(at + 1, domain_len, true, false))
        return false;

    memcpy(out, buf, len + 1);
    return true;
}

bool password_is_acceptable(const char *pw, const char **reason)
{
    if (pw == NULL)
        return fail(reason, "is required");
    size_t len = strnlen(pw, PASSWORD_MAX_LEN + 1);
    if (len < PASSWORD_MIN_LEN)
        return fail(reason, "must be at least 10 bytes");
    if (len > PASSWORD_MAX_LEN)
        return fail(reason, "must be at most 256 bytes");
    if (!utf8_is_valid(pw, len))
        return fail(reason, "must be valid UTF-8");
    return true;
}
