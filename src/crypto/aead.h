/*
 * crypto/aead.h — sealed envelopes for secrets at rest: AES-256-GCM under
 * the master keyring (master_key.h), as a self-describing ASCII string
 *
 *   "v1." <16-hex master key id> "." base64url(nonce[12] || ciphertext || tag[16])
 *
 * The nonce is random per envelope (safe for ~2^32 envelopes per key, far
 * beyond what one key seals before rotation). The caller's aad string
 * ("additional authenticated data", e.g. "storage:<app_id>") is
 * authenticated but not stored: an envelope copied to another row or
 * purpose fails to open.
 */
#ifndef TENANTD_CRYPTO_AEAD_H
#define TENANTD_CRYPTO_AEAD_H

#include <stdbool.h>
#include <stddef.h>

#include "crypto/master_key.h"

/* Seals plaintext[0..len) (len <= 16 MiB; plaintext may be NULL when len is
 * 0) with the keyring's current key, binding aad (NUL-terminated; NULL means
 * ""). Returns a malloc'd NUL-terminated envelope the caller frees with
 * free(), or NULL on failure. */
char *aead_seal(const struct master_keyring *kr, const void *plaintext, size_t len,
                const char *aad);

/* Opens an envelope (untrusted: from the database) sealed with any key of
 * the keyring under the same aad (NULL means ""). Returns the malloc'd
 * plaintext with a NUL appended (not counted in *out_len) and sets *out_len,
 * or NULL on any failure: malformed envelope, unknown version or key id,
 * wrong aad, tampered bytes, allocation failure. The caller releases it with
 * aead_free_plaintext (which wipes it), never with plain free(). */
unsigned char *aead_open(const struct master_keyring *kr, const char *envelope, const char *aad,
                         size_t *out_len);

/* Wipes p[0..len] (plaintext and its NUL) and frees it. NULL is fine. */
void aead_free_plaintext(unsigned char *p, size_t len);

/* Extracts the master key id from an envelope (untrusted) into out (16 hex
 * chars + NUL), to find envelopes a rotation must re-seal. Checks only the
 * "v1.<id>." prefix shape. Returns false (out = "") if it does not match. */
bool aead_envelope_key_id(const char *envelope, char out[17]);

#endif
