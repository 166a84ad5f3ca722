/*
 * tests/fuzz/fuzz_uris — libFuzzer harness for uri_redirect_is_valid and
 * uri_redirect_list_is_valid.
 *
 * Build: clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
 *          tests/fuzz/fuzz_uris.c src/domain/uris.c src/domain/host_syntax.c \
 *          -o build/fuzz/fuzz_uris
 *
 * Besides memory safety it checks the contract: an accepted URI is at most
 * URI_MAX_LEN bytes of printable ASCII without '#', and every rejection
 * carries a reason.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/uris.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = malloc(size + 1);
    if (input == NULL)
        return 0;
    memcpy(input, data, size);
    input[size] = '\0';

    const char *reason = NULL;
    if (uri_redirect_is_valid(input, &reason)) {
        size_t len = strlen(input);
        if (len == 0 || len > URI_MAX_LEN || strchr(input, '#') != NULL)
            abort();
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)input[i];
            if (c <= 0x20 || c >= 0x7F)
                abort();
        }
        if (strchr(input, ':') == NULL)
            abort();
    } else if (reason == NULL || reason[0] == '\0') {
        abort();
    }

    const char *items[16];
    size_t count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(input, "\n", &save); tok != NULL && count < 16;
         tok = strtok_r(NULL, "\n", &save))
        items[count++] = tok;
    size_t bad = 0;
    reason = NULL;
    if (uri_redirect_list_is_valid(items, count, &bad, &reason)) {
        if (count > URI_LIST_MAX)
            abort();
        for (size_t i = 0; i < count; i++) {
            if (!uri_redirect_is_valid(items[i], NULL))
                abort();
        }
    } else if (reason == NULL || bad > count) {
        abort();
    }
    free(input);
    return 0;
}
