/*
 * ref_form_decode.h — the fuzz harnesses' reference for form decoding
 * (application/x-www-form-urlencoded, as RFC 6749 §2.3.1 also uses for Basic
 * credentials): written the obvious way, to be compared with http/form.c's.
 */
#ifndef TENANTD_FUZZ_REF_FORM_DECODE_H
#define TENANTD_FUZZ_REF_FORM_DECODE_H

#include <stddef.h>
#include <stdint.h>

static int ref_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes in[0..len) into out (at least len + 1 bytes): the decoded length, or -1
 * when it is malformed or would yield a NUL. */
static long ref_decode(const uint8_t *in, size_t len, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (in[i] == '+') {
            out[o++] = ' ';
        } else if (in[i] == '%') {
            if (i + 2 >= len)
                return -1;
            int h = ref_hex(in[i + 1]), l = ref_hex(in[i + 2]);
            if (h < 0 || l < 0 || (h == 0 && l == 0))
                return -1;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else if (in[i] == 0) {
            return -1;
        } else {
            out[o++] = (char)in[i];
        }
    }
    out[o] = 0;
    return (long)o;
}

#endif
