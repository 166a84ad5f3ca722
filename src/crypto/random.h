/*
 * crypto/random.h — the process's only source of randomness: the OpenSSL
 * CSPRNG (RAND_bytes, seeded from the OS) and random v4 UUIDs built on it.
 * Nothing in tenantd may use rand(), random() or /dev/urandom directly.
 */
#ifndef TENANTD_CRYPTO_RANDOM_H
#define TENANTD_CRYPTO_RANDOM_H

#include <stddef.h>

/* Fills buf with n bytes from the CSPRNG. Returns 0 on success, -1 on failure
 * (buf is then zeroed so a caller that ignores the result never uses stale
 * memory as a secret). n may be 0. Thread-safe. */
int crypto_random_bytes(void *buf, size_t n);

/* Writes a random RFC 9562 version-4 UUID, lowercase, NUL-terminated
 * ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx", 36 chars + NUL) into out.
 * Returns 0 on success, -1 on failure (out is then the empty string). */
int crypto_random_uuid(char out[37]);

#endif
