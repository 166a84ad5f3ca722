/*
 * tests/fuzz/fuzz_allowed_domains — libFuzzer harness for
 * domain_normalize_allowed / domain_normalize_allowed_list.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *          tests/fuzz/fuzz_allowed_domains.c src/domain/allowed_domains.c src/domain/host_syntax.c
 * \ -o build/fuzz/fuzz_allowed_domains
 *
 * Besides memory safety it checks the contract: a successful result is
 * short, lowercase, has no scheme, '/', '*', whitespace or userinfo, and is
 * a fixed point (normalising it again yields itself); the list function
 * agrees with the single-item one.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/allowed_domains.h"

static void check_output(const char *out)
{
    size_t len = strlen(out);
    if (len == 0 || len >= DOMAIN_MAX_LEN)
        abort();
    for (size_t i = 0; i < len; i++) {
        char c = out[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == ':';
        if (!ok)
            abort();
    }
    char again[DOMAIN_MAX_LEN];
    if (domain_normalize_allowed(out, again) != DOMAIN_OK || strcmp(out, again) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = malloc(size + 1);
    if (input == NULL)
        return 0;
    memcpy(input, data, size);
    input[size] = '\0';

    char out[DOMAIN_MAX_LEN];
    enum domain_error e = domain_normalize_allowed(input, out);
    if (e == DOMAIN_OK)
        check_output(out);
    else if (out[0] != '\0' || e == DOMAIN_DUPLICATE || e == DOMAIN_TOO_MANY)
        abort();

    /* Split the input at NUL-free '\n' boundaries into a list. */
    const char *items[8];
    size_t count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(input, "\n", &save); tok != NULL && count < 8;
         tok = strtok_r(NULL, "\n", &save))
        items[count++] = tok;
    char rows[DOMAIN_LIST_MAX][DOMAIN_MAX_LEN];
    size_t bad = 0;
    enum domain_error le = domain_normalize_allowed_list(items, count, rows, &bad);
    if (le == DOMAIN_OK) {
        if (count > DOMAIN_LIST_MAX)
            abort();
        for (size_t i = 0; i < count; i++) {
            char single[DOMAIN_MAX_LEN];
            if (domain_normalize_allowed(items[i], single) != DOMAIN_OK ||
                strcmp(single, rows[i]) != 0)
                abort();
        }
    } else if (le == DOMAIN_TOO_MANY) {
        if (bad != count || count <= DOMAIN_LIST_MAX)
            abort();
    } else if (bad >= count) {
        abort();
    }
    free(input);
    return 0;
}
