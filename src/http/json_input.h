/*
 * json_input.h — JSON request bodies, validated at the edge.
 *
 * A write handler parses its body with json_input_object(), declares the fields it
 * accepts with json_input_reject_unknown() (400 unknown_field names the first
 * stranger), then reads typed fields with the json_input_get_* helpers, which
 * fill a problem naming the field (missing_field / invalid_type) on failure.
 */
#ifndef TENANTD_HTTP_JSON_INPUT_H
#define TENANTD_HTTP_JSON_INPUT_H

#include <jansson.h>
#include <stdbool.h>

#include "http/request.h"
#include "util/problem.h"

/* New reference to the body's top-level object, or NULL with 415 unsupported_media_type
 * when a body is not sent as application/json, or 400 invalid_json (also for an empty
 * body, a non-object, or a body with duplicate keys). When
 * allow_empty is true an empty body yields an empty object. */
json_t *json_input_object(const struct http_request *req, bool allow_empty, struct problem *p);
/* The parsing half of json_input_object, without the Content-Type check (fuzzed). */
json_t *json_input_parse(const char *body, size_t len, bool allow_empty, struct problem *p);

/* allowed is a NULL-terminated list. */
bool json_input_reject_unknown(const json_t *obj, const char *const *allowed, struct problem *p);

/* The body of an action that takes no fields: none, or an empty JSON object. Otherwise
 * false with p set (json_input_object's 4xx, or 400 unknown_field). */
bool json_input_none(const struct http_request *req, struct problem *p);

/* String field. required: missing -> missing_field. Present but not a string (or null
 * when !nullable) -> invalid_type. *out NULL when absent/null. Returns false on error. */
bool json_input_get_string(const json_t *obj, const char *key, bool required, bool nullable,
                           const char **out, struct problem *p);
bool json_input_get_bool(const json_t *obj, const char *key, bool required, bool *present,
                         bool *out, struct problem *p);
bool json_input_get_int(const json_t *obj, const char *key, bool required, bool *present,
                        long long min, long long max, long long *out, struct problem *p);
/* Array of strings (max_items). *out borrowed array or NULL when absent. Fills items/count
 * (caller array of max_items). */
bool json_input_get_string_array(const json_t *obj, const char *key, size_t max_items,
                                 const char **items, size_t *count, bool *present,
                                 struct problem *p);

#endif
