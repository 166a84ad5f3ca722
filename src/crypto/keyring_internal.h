/*
 * crypto/keyring_internal.h — raw key access for the AEAD envelope code.
 * Private to src/crypto/: nothing outside this directory may include it, so
 * master key bytes have exactly two readers (master_key.c and aead.c).
 */
#ifndef TENANTD_CRYPTO_KEYRING_INTERNAL_H
#define TENANTD_CRYPTO_KEYRING_INTERNAL_H

#include "crypto/master_key.h"

/* The current key's MASTER_KEY_LEN bytes. */
const unsigned char *master_keyring_current_key(const struct master_keyring *kr);

/* The key with id[0..MASTER_KEY_ID_LEN) (not necessarily NUL-terminated), or
 * NULL if the keyring has none. */
const unsigned char *master_keyring_find_key(const struct master_keyring *kr, const char *id);

#endif
