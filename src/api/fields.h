/*
 * fields.h — request body fields that several resources validate alike, so that the
 * rule and its 400 answer are written once.
 */
#ifndef TENANTD_API_FIELDS_H
#define TENANTD_API_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/problem.h"

/*
 * Contract: value is untrusted JSON input (may be NULL). A display name (regions,
 * plans, tenants): 1–100 characters after trimming (domain/names.h). Writes the
 * trimmed name to out; on failure fills p with 400 invalid_name naming `name`.
 */
bool api_field_name(const char *value, char *out, size_t out_size, struct problem *p);

#endif
