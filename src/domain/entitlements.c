/*
 * domain/entitlements — validation of plan entitlements objects.
 * Keys are checked in the object's (insertion) order so the first bad key
 * reported is the first one the client wrote.
 */
#include "domain/entitlements.h"

#include <stdio.h>
#include <string.h>

static const char *const INTEGER_KEYS[] = {
    "maxApiRequestsPerMinute",   "maxDocumentUnitsPerDocument", "maxDocumentUnitsPerHour",
    "maxDocumentUnitsPerDay",    "maxDocumentUnitsPerWeek",     "maxDocumentUnitsPerMonth",
    "maxUploadBytesPerDocument",
};

/* Truncates s (of capacity size, already NUL-terminated) to a UTF-8 boundary. */
static void trim_to_utf8_boundary(char *s, size_t size)
{
    size_t len = strnlen(s, size);
    if (len == 0)
        return;
    /* Step back over an incomplete trailing sequence, if any. */
    size_t start = len;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0u) == 0x80u)
        start--;
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t need = lead >= 0xF0u ? 4 : lead >= 0xE0u ? 3 : lead >= 0xC0u ? 2 : 1;
    if (len - (start - 1) < need)
        s[start - 1] = '\0';
}

static bool fail(const char **code, const char *what, char *field, size_t field_size,
                 const char *key, const char *sub, long index)
{
    if (code != NULL)
        *code = what;
    if (field == NULL || field_size == 0)
        return false;
    int n;
    if (key == NULL)
        n = snprintf(field, field_size, "entitlements");
    else if (sub != NULL)
        n = snprintf(field, field_size, "entitlements.%s.%s", key, sub);
    else if (index >= 0)
        n = snprintf(field, field_size, "entitlements.%s[%ld]", key, index);
    else
        n = snprintf(field, field_size, "entitlements.%s", key);
    if (n < 0)
        field[0] = '\0';
    else if ((size_t)n >= field_size)
        trim_to_utf8_boundary(field, field_size);
    return false;
}

static bool is_integer_key(const char *key)
{
    for (size_t i = 0; i < sizeof INTEGER_KEYS / sizeof INTEGER_KEYS[0]; i++) {
        if (strcmp(key, INTEGER_KEYS[i]) == 0)
            return true;
    }
    return false;
}

static bool format_is_valid(const char *s, size_t len)
{
    if (len == 0 || len > ENTITLEMENTS_FORMAT_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '+' || c == '/' || c == '-'))
            return false;
    }
    return true;
}

static bool feature_name_is_valid(const char *s)
{
    size_t len = strnlen(s, ENTITLEMENTS_FEATURE_MAX_LEN + 1);
    if (len == 0 || len > ENTITLEMENTS_FEATURE_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

bool entitlements_validate(const json_t *obj, const char **code, char *field, size_t field_size)
{
    if (code != NULL)
        *code = NULL;
    if (field != NULL && field_size > 0)
        field[0] = '\0';
    if (obj == NULL || !json_is_object(obj))
        return fail(code, "invalid_value", field, field_size, NULL, NULL, -1);

    const char *key;
    size_t key_len;
    json_t *value;
    /* The iteration macros take a non-const object but do not modify it. */
    json_t *object = (json_t *)obj;
    json_object_keylen_foreach(object, key, key_len, value)
    {
        if (strlen(key) != key_len) {
            /* A key with an embedded NUL (JSON_ALLOW_NUL) would alias a known key. */
            return fail(code, "unknown_field", field, field_size, key, NULL, -1);
        } else if (is_integer_key(key)) {
            if (!json_is_integer(value) || json_integer_value(value) < 0 ||
                json_integer_value(value) > ENTITLEMENTS_INT_MAX)
                return fail(code, "invalid_value", field, field_size, key, NULL, -1);
        } else if (strcmp(key, "allowedFormats") == 0) {
            if (!json_is_array(value) || json_array_size(value) > ENTITLEMENTS_FORMATS_MAX)
                return fail(code, "invalid_value", field, field_size, key, NULL, -1);
            for (size_t i = 0; i < json_array_size(value); i++) {
                json_t *item = json_array_get(value, i);
                if (!json_is_string(item) ||
                    !format_is_valid(json_string_value(item), json_string_length(item)))
                    return fail(code, "invalid_value", field, field_size, key, NULL, (long)i);
                for (size_t j = 0; j < i; j++) {
                    if (json_equal(item, json_array_get(value, j)))
                        return fail(code, "invalid_value", field, field_size, key, NULL, (long)i);
                }
            }
        } else if (strcmp(key, "features") == 0) {
            if (!json_is_object(value) || json_object_size(value) > ENTITLEMENTS_FEATURES_MAX)
                return fail(code, "invalid_value", field, field_size, key, NULL, -1);
            const char *name;
            size_t name_len;
            json_t *flag;
            json_object_keylen_foreach(value, name, name_len, flag)
            {
                if (strlen(name) != name_len || !feature_name_is_valid(name) ||
                    !json_is_boolean(flag))
                    return fail(code, "invalid_value", field, field_size, key, name, -1);
            }
        } else {
            return fail(code, "unknown_field", field, field_size, key, NULL, -1);
        }
    }
    return true;
}
