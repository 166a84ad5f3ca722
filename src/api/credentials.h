/*
 * credentials.h — minting the secrets the admin API hands out exactly once:
 * client secrets, platform-client secrets, personal API keys, client ids.
 *
 * A secret is >= 256 bits from the OS CSPRNG in the recognisable format of
 * domain/secret_format.h; only its SHA-256 (hex) is stored. SHA-256 suffices
 * because the input has full entropy (DESIGN "Secrets").
 */
#ifndef TENANTD_API_CREDENTIALS_H
#define TENANTD_API_CREDENTIALS_H

#include <stddef.h>

/* plaintext gets prefix + body + checksum (size >= 64); hash_hex its SHA-256. 0 or -1. */
int credential_new_secret(const char *prefix, char plaintext[64], char hash_hex[65]);
/* New opaque client id ("tdc_..."). 0 or -1. */
int credential_new_client_id(char out[32]);
/* SHA-256 hex of a presented secret (for lookups and comparisons). */
void credential_hash(const char *plaintext, char hash_hex[65]);

#endif
