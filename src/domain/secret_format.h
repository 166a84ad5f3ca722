/*
 * domain/secret_format — the recognisable text form of generated
 * credentials (SPEC §3.6): a fixed prefix, the random value in base62, and
 * a base62 CRC32 checksum, like GitHub's tokens. Secret scanners match the
 * prefix; the checksum lets the server reject a mistyped or truncated
 * secret before any lookup. The random bytes come from the caller (the
 * crypto/ layer's CSPRNG); nothing here does I/O.
 *
 *   secret    = prefix + base62(32 random bytes, 43 chars) + base62(crc32, 6 chars)
 *   client_id = "tdc_" + base62(16 random bytes, 22 chars)
 *
 * base62 alphabet: 0-9 A-Z a-z; numbers are big-endian and zero-padded to
 * the fixed width on the left. The checksum covers prefix + body.
 */
#ifndef TENANTD_DOMAIN_SECRET_FORMAT_H
#define TENANTD_DOMAIN_SECRET_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SECRET_FORMAT_RANDOM_BYTES 32
#define SECRET_FORMAT_BODY_LEN 43    /* 62^43 > 2^256 */
#define SECRET_FORMAT_CHECKSUM_LEN 6 /* 62^6 > 2^32 */
#define SECRET_FORMAT_PREFIX_MAX_LEN 16

#define CLIENT_SECRET_PREFIX "tdcs_"
#define CLIENT_SECRET_LEN 54 /* 5 + 43 + 6 */
#define API_KEY_PREFIX "tdk_"
#define API_KEY_LEN 53 /* 4 + 43 + 6 */
#define PLATFORM_SECRET_PREFIX "tdps_"
#define PLATFORM_SECRET_LEN 54 /* 5 + 43 + 6 */

#define CLIENT_ID_PREFIX "tdc_"
#define CLIENT_ID_RANDOM_BYTES 16
#define CLIENT_ID_BODY_LEN 22 /* 62^22 > 2^128 */
#define CLIENT_ID_LEN 26      /* 4 + 22 */

/* CRC-32/ISO-HDLC (IEEE 802.3, zlib's crc32): crc32("123456789") = 0xCBF43926. */
uint32_t secret_format_crc32(const void *data, size_t len);

/*
 * Builds prefix + body + checksum into out (NUL-terminated). prefix must
 * be 1..16 characters of [a-z0-9_]. Returns false (out "" when out_size >
 * 0) if the prefix is not acceptable or out_size < strlen(prefix) + 50.
 * Temporary copies of the random bytes are wiped before returning.
 */
bool secret_format_encode(const char *prefix, const unsigned char random[32], char *out,
                          size_t out_size);

/*
 * Contract: secret is untrusted. True iff it starts with prefix, has
 * exactly the expected length, only base62 characters after the prefix,
 * a body that encodes a 256-bit value, and a checksum that matches. This
 * is a format check, not authentication: callers still compare the hash.
 */
bool secret_format_is_well_formed(const char *prefix, const char *secret);

/* Builds "tdc_" + base62(random, 22 chars). Needs out_size >= 27. */
bool client_id_encode(const unsigned char random[16], char *out, size_t out_size);

/* Contract: s is untrusted. Prefix, length 26, base62, value < 2^128. */
bool client_id_is_well_formed(const char *s);

#endif
