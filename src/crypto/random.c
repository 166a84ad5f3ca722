/*
 * crypto/random.c — CSPRNG bytes and v4 UUIDs (see random.h).
 */
#include "crypto/random.h"

#include <limits.h>
#include <string.h>

#include <openssl/rand.h>

int crypto_random_bytes(void *buf, size_t n)
{
    unsigned char *p = buf;
    /* RAND_bytes takes an int; feed very large requests in chunks. */
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) {
            memset(buf, 0, (size_t)(p - (unsigned char *)buf) + n);
            return -1;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return 0;
}

int crypto_random_uuid(char out[37])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];

    if (crypto_random_bytes(b, sizeof b) != 0) {
        out[0] = '\0';
        return -1;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx (RFC 9562) */

    size_t o = 0;
    for (size_t i = 0; i < sizeof b; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
    return 0;
}
