/*
 * fields.c — shared body field rules (see fields.h).
 */
#include "api/fields.h"

#include "domain/names.h"

bool api_field_name(const char *value, char *out, size_t out_size, struct problem *p)
{
    const char *reason = NULL;
    if (!name_normalize(value, NAME_MAX_CHARS, out, out_size, &reason)) {
        problem_set(p, 400, "invalid_name", "name", "name %s",
                    reason ? reason : "must be 1 to 100 characters");
        return false;
    }
    return true;
}
