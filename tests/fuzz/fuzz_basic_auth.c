/*
 * tests/fuzz/fuzz_basic_auth.c — libFuzzer harness for the Basic credentials parser
 * of the OAuth endpoints (http_basic_credentials_parse, src/http/request.c), which
 * reads an untrusted Authorization header.
 *
 * Each input is used twice: as the header itself (cut at its first NUL, as a header
 * value is a C string), and as the decoded credentials, i.e. the header
 * "Basic " + base64(input), so every byte string — NULs and control characters
 * included — reaches the checks behind the base64 decoding. For the second form
 * the result is compared with an independent reference (issue 9 item 4: nothing
 * may be cut off at a NUL):
 *   - accepted exactly when the input holds no C0/DEL byte, has a colon, and both
 *     halves form-decode (no malformed escape, no %00);
 *   - then user and password are the form-decoded halves, split at the first
 *     colon, compared with their full lengths;
 *   - on refusal both outputs are NULL.
 *
 * Build: make build/fuzz/fuzz_basic_auth; run: make fuzz (seeds in
 * tests/fuzz/corpus/fuzz_basic_auth/).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64url.h"
#include "http/form.h"
#include "http/request.h"

#include "ref_form_decode.h"

#define FUZZ_MAX 2048

static void release(char *user, char *pass)
{
    free(user);
    free(pass);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX)
        return 0;
    char *user = NULL, *pass = NULL;

    /* 1. The input as a header value. */
    char *header = malloc(size + 1);
    if (!header)
        return 0;
    memcpy(header, data, size);
    header[size] = 0;
    int rc = http_basic_credentials_parse(header, &user, &pass);
    if (rc == 1) {
        if (!user || !pass)
            abort();
    } else if (user || pass || rc < -1 || rc > 1) {
        abort();
    }
    release(user, pass);
    free(header);

    /* 2. The input as the decoded credentials. */
    char framed[6 + ((FUZZ_MAX + 2) / 3) * 4 + 1];
    memcpy(framed, "Basic ", 6);
    if (size == 0)
        return 0; /* "Basic " alone is malformed; covered by the unit test */
    if (base64_encode(data, size, framed + 6, sizeof framed - 6) == 0)
        abort();
    user = pass = NULL;
    rc = http_basic_credentials_parse(framed, &user, &pass);

    bool clean = true;
    for (size_t i = 0; i < size; i++)
        if (data[i] < 0x20 || data[i] == 0x7f)
            clean = false;
    const uint8_t *colon = memchr(data, ':', size);
    static char ref_user[FUZZ_MAX + 1], ref_pass[FUZZ_MAX + 1];
    long user_len = -1, pass_len = -1;
    if (clean && colon) {
        size_t at = (size_t)(colon - data);
        user_len = ref_decode(data, at, ref_user);
        pass_len = ref_decode(colon + 1, size - at - 1, ref_pass);
    }
    bool want = clean && colon && user_len >= 0 && pass_len >= 0;
    if ((rc == 1) != want || (rc != 1 && rc != -1))
        abort();
    if (rc == 1) {
        if (strlen(user) != (size_t)user_len || memcmp(user, ref_user, (size_t)user_len) != 0 ||
            strlen(pass) != (size_t)pass_len || memcmp(pass, ref_pass, (size_t)pass_len) != 0)
            abort();
    } else if (user || pass) {
        abort();
    }
    release(user, pass);
    return 0;
}
