/*
 * credentials.c — secret and id minting (see credentials.h).
 */
#include "api/credentials.h"

#include <string.h>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "domain/secret_format.h"

int credential_new_secret(const char *prefix, char plaintext[64], char hash_hex[65])
{
    unsigned char random[SECRET_FORMAT_RANDOM_BYTES];
    if (crypto_random_bytes(random, sizeof random) != 0)
        return -1;
    bool ok = secret_format_encode(prefix, random, plaintext, 64);
    crypto_wipe(random, sizeof random);
    if (!ok)
        return -1;
    crypto_sha256_hex(plaintext, strlen(plaintext), hash_hex);
    return 0;
}

int credential_new_client_id(char out[32])
{
    unsigned char random[CLIENT_ID_RANDOM_BYTES];
    if (crypto_random_bytes(random, sizeof random) != 0)
        return -1;
    return client_id_encode(random, out, 32) ? 0 : -1;
}

void credential_hash(const char *plaintext, char hash_hex[65])
{
    crypto_sha256_hex(plaintext, strlen(plaintext), hash_hex);
}
