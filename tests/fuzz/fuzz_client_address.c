/*
 * tests/fuzz/fuzz_client_address — libFuzzer harness for the forwarding headers and
 * the TENANTD_TRUSTED_PROXIES list (http/client_address.h).
 *
 * Input: up to three NUL-separated parts: a trusted-proxies list, a Forwarded value
 * and an X-Forwarded-For value. Besides memory safety it checks the contract: the
 * result is always NUL-terminated within the buffer, and with an untrusted peer it is
 * the peer itself, whatever the headers say.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/client_address.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = malloc(size + 3);
    if (!input)
        return 0;
    memcpy(input, data, size);
    input[size] = input[size + 1] = input[size + 2] = 0;
    const char *list = input;
    const char *forwarded = list + strlen(list) + 1;
    const char *xff = forwarded <= input + size ? forwarded + strlen(forwarded) + 1 : forwarded;
    if (xff > input + size + 2)
        xff = input + size + 2;

    struct trusted_proxies tp;
    char err[160];
    if (trusted_proxies_parse(list, &tp, err, sizeof err) != 0)
        trusted_proxies_parse("10.0.0.0/8,fd00::/8,127.0.0.1", &tp, err, sizeof err);
    char out[64];
    client_address_resolve(&tp, "10.1.2.3", forwarded, xff, out, sizeof out);
    if (strnlen(out, sizeof out) == sizeof out)
        abort();
    /* 203.0.113.1 is never in the fallback list; with a fuzzed list it may be */
    client_address_resolve(&tp, "203.0.113.1", forwarded, xff, out, sizeof out);
    if (!trusted_proxies_contains(&tp, "203.0.113.1") && strcmp(out, "203.0.113.1") != 0)
        abort();
    client_address_resolve(&tp, "fd00::5", forwarded, xff, out, sizeof out);
    (void)trusted_proxies_contains(&tp, forwarded);
    free(input);
    return 0;
}
