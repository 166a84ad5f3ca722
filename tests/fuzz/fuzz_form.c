/*
 * tests/fuzz/fuzz_form — libFuzzer harness for the application/x-www-form-urlencoded
 * parser of the OAuth endpoints (src/http/form.c) and the scope check that reads
 * one of its values (src/oauth/scope.c).
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *          tests/fuzz/fuzz_form.c src/http/form.c src/oauth/scope.c -o build/fuzz/fuzz_form
 * Run:   build/fuzz/fuzz_form -max_total_time=30 -max_len=512
 *
 * The body is handed over WITHOUT a terminating NUL (as the server may), so any
 * read past `size` is caught by ASan. Besides memory safety it checks the
 * contract against an independent reference decoder: the same fields in the same
 * order, the same duplicate / too-many verdicts, failure exactly on malformed
 * percent-escapes or NUL bytes, and form_get returning the first occurrence.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"
#include "oauth/scope.h"

#include "ref_form_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = malloc(size ? size : 1); /* no terminator on purpose */
    if (!body)
        return 0;
    if (size)
        memcpy(body, data, size);

    /* The reference parse. */
    char names[FORM_MAX_FIELDS][512], values[FORM_MAX_FIELDS][512];
    size_t ref_count = 0;
    bool ref_ok = true, ref_dup = false, ref_many = false;
    size_t start = 0;
    while (size > 0 && start <= size && size < 512) {
        size_t end = start;
        while (end < size && data[end] != '&')
            end++;
        if (end > start) {
            size_t eq = start;
            while (eq < end && data[eq] != '=')
                eq++;
            if (ref_count >= FORM_MAX_FIELDS) {
                ref_many = true;
                break;
            }
            size_t vstart = eq < end ? eq + 1 : end;
            if (ref_decode(data + start, eq - start, names[ref_count]) < 0 ||
                ref_decode(data + vstart, end - vstart, values[ref_count]) < 0) {
                ref_ok = false;
                break;
            }
            for (size_t j = 0; j < ref_count; j++)
                if (strcmp(names[j], names[ref_count]) == 0)
                    ref_dup = true;
            ref_count++;
        }
        start = end + 1;
    }

    struct form f;
    int rc = form_parse(&f, body, size);
    if (size < 512) {
        if ((rc == 0) != ref_ok)
            abort();
        if (rc == 0) {
            if (f.count != ref_count || f.duplicate != ref_dup || f.too_many != ref_many)
                abort();
            for (size_t i = 0; i < f.count; i++) {
                if (strcmp(f.fields[i].name, names[i]) != 0 ||
                    strcmp(f.fields[i].value, values[i]) != 0)
                    abort();
                /* form_get returns the first field of that name */
                const char *got = form_get(&f, names[i]);
                size_t first = 0;
                while (strcmp(names[first], names[i]) != 0)
                    first++;
                if (got != f.fields[first].value)
                    abort();
            }
        }
    }
    if (rc == 0) {
        if (f.count > FORM_MAX_FIELDS)
            abort();
        const char *scope = form_get(&f, "scope");
        char granted[64];
        if (scope &&
            scope_grant(scope, "api read write platform:storage", true, granted, sizeof granted)) {
            /* granted scopes are a subset of the allowed ones, never platform:* */
            if (strstr(granted, "platform:") != NULL || strlen(granted) >= sizeof granted)
                abort();
        }
    } else if (f.count != 0 || f.buffer != NULL) {
        abort(); /* a failed parse leaves the form empty */
    }
    form_free(&f);

    char *one = form_decode_component(body, size);
    if (one) {
        if (strlen(one) > size)
            abort();
        free(one);
    }
    free(body);
    return 0;
}
