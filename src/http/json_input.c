/*
 * json_input.c — parsing and typed access to JSON request bodies (see json_input.h).
 */
#include "http/json_input.h"

#include <string.h>

json_t *json_input_parse(const char *body, size_t len, bool allow_empty, struct problem *p)
{
    if (len == 0) {
        if (allow_empty)
            return json_object();
        problem_set(p, 400, "invalid_json", NULL, "request body must be a JSON object");
        return NULL;
    }
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        problem_set(p, 400, "invalid_json", NULL, "malformed JSON at line %d column %d: %s",
                    err.line, err.column, err.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        problem_set(p, 400, "invalid_json", NULL, "request body must be a JSON object");
        return NULL;
    }
    return root;
}

json_t *json_input_object(const struct http_request *req, bool allow_empty, struct problem *p)
{
    /* A JSON body must say so. Browsers send text/plain and form types cross-site
     * without a preflight, so accepting them would allow login CSRF and similar. */
    if (req->body_len > 0 && !http_request_content_type_is(req, "application/json")) {
        problem_set(p, 415, "unsupported_media_type", NULL,
                    "send the body as Content-Type: application/json");
        return NULL;
    }
    return json_input_parse(req->body, req->body_len, allow_empty, p);
}

bool json_input_reject_unknown(const json_t *obj, const char *const *allowed, struct problem *p)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], key) == 0) {
                known = true;
                break;
            }
        if (!known) {
            problem_set(p, 400, "unknown_field", key, "unknown field \"%.64s\"", key);
            return false;
        }
    }
    return true;
}

bool json_input_none(const struct http_request *req, struct problem *p)
{
    static const char *const allowed[] = {NULL};
    json_t *body = json_input_object(req, true, p);
    bool ok = body && json_input_reject_unknown(body, allowed, p);
    json_decref(body);
    return ok;
}

/* The value of key, or NULL when the body has none: then *ok is false (400
 * missing_field) if the field is required. One rule for every typed getter below. */
static json_t *json_input_field(const json_t *obj, const char *key, bool required, bool *present,
                                bool *ok, struct problem *p)
{
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL;
    *ok = v != NULL || !required;
    if (!*ok)
        problem_set(p, 400, "missing_field", key, "%s is required", key);
    return v;
}

bool json_input_get_string(const json_t *obj, const char *key, bool required, bool nullable,
                           const char **out, struct problem *p)
{
    *out = NULL;
    bool ok;
    json_t *v = json_input_field(obj, key, required, NULL, &ok, p);
    if (!v)
        return ok;
    if (json_is_null(v) && nullable)
        return true;
    if (!json_is_string(v)) {
        problem_set(p, 400, "invalid_type", key, "%s must be a string", key);
        return false;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        problem_set(p, 400, "invalid_value", key, "%s must not contain NUL characters", key);
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool json_input_get_bool(const json_t *obj, const char *key, bool required, bool *present,
                         bool *out, struct problem *p)
{
    bool ok;
    json_t *v = json_input_field(obj, key, required, present, &ok, p);
    if (!v)
        return ok;
    if (!json_is_boolean(v)) {
        problem_set(p, 400, "invalid_type", key, "%s must be true or false", key);
        return false;
    }
    *out = json_is_true(v);
    return true;
}

bool json_input_get_int(const json_t *obj, const char *key, bool required, bool *present,
                        long long min, long long max, long long *out, struct problem *p)
{
    bool ok;
    json_t *v = json_input_field(obj, key, required, present, &ok, p);
    if (!v)
        return ok;
    if (!json_is_integer(v)) {
        problem_set(p, 400, "invalid_type", key, "%s must be an integer", key);
        return false;
    }
    long long n = json_integer_value(v);
    if (n < min || n > max) {
        problem_set(p, 400, "invalid_value", key, "%s must be between %lld and %lld", key, min,
                    max);
        return false;
    }
    *out = n;
    return true;
}

bool json_input_get_string_array(const json_t *obj, const char *key, size_t max_items,
                                 const char **items, size_t *count, bool *present,
                                 struct problem *p)
{
    *count = 0;
    json_t *v = json_object_get(obj, key);
    if (present)
        *present = v != NULL && !json_is_null(v);
    if (!v || json_is_null(v))
        return true;
    if (!json_is_array(v)) {
        problem_set(p, 400, "invalid_type", key, "%s must be an array of strings", key);
        return false;
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || strlen(json_string_value(item)) != json_string_length(item)) {
            char field[96];
            snprintf(field, sizeof field, "%s[%zu]", key, i);
            problem_set(p, 400, "invalid_type", field, "%s must be a string", field);
            return false;
        }
        if (i < max_items)
            items[i] = json_string_value(item);
    }
    *count = json_array_size(v);
    return true;
}
