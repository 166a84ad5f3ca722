/*
 * crypto/master_key.h — the master keyring: the 256-bit keys that encrypt
 * secrets at rest (storage credentials, signing private keys, Demo UI
 * workspace secrets; see aead.h). The keys live in files outside the
 * database:
 *
 *   <data_dir>/master.key         current key: 64 hex chars (+ optional
 *                                 trailing newline), mode 0600
 *   <data_dir>/master.key.old*    older keys, kept for decryption only while
 *                                 a rotation re-encrypts what they sealed
 *
 * A configured key file (TENANTD_MASTER_KEY_FILE, read by config.c) names
 * the current key file instead (its old keys are then "<that path>.old*").
 * A key's id is the first 16 hex chars of SHA-256("tenantd-master-key-id" ||
 * key); envelopes record it so the right key is found after a rotation.
 *
 * Key bytes are held in their own anonymous mapping, excluded from core dumps
 * (MADV_DONTDUMP), locked in RAM when RLIMIT_MEMLOCK allows, and wiped on free.
 */
#ifndef TENANTD_CRYPTO_MASTER_KEY_H
#define TENANTD_CRYPTO_MASTER_KEY_H

#include <stdbool.h>
#include <stddef.h>

#define MASTER_KEY_LEN 32
#define MASTER_KEY_ID_LEN 16
/* Upper bound on keys in a keyring (current + old); more old files is an
 * error, not a silent truncation. */
#define MASTER_KEYRING_MAX 64

struct master_keyring; /* opaque */

/* The current key file's path: key_file when it is set (non-NULL, non-empty), else
 * "<data_dir>/master.key". Returns 0, or -1 with a one-line reason in err (neither
 * set, or the path does not fit out). */
int master_key_path(const char *key_file, const char *data_dir, char *out, size_t out_size,
                    char *err, size_t err_size);

/* Loads the current key file (master_key_path) and any old key files (see above).
 * When the current key file does not exist and create_if_missing is true,
 * creates missing parent directories (mode 0700) and a new key file (see
 * master_key_write_new); a concurrent creator winning the race is fine.
 * Refuses (returns NULL) a key file that is not a regular file, that is
 * accessible by group or others (any of mode 077), or whose content is not
 * exactly 64 hex digits plus optional trailing whitespace. On failure returns
 * NULL and writes a one-line reason (a path, never key material) into
 * err[0..err_size). data_dir may be NULL only when key_file is set. The
 * returned keyring is immutable and safe to share between threads; free it
 * with master_keyring_free. */
struct master_keyring *master_keyring_load(const char *key_file, const char *data_dir,
                                           bool create_if_missing, char *err, size_t err_size);

/* Wipes and releases the keyring. NULL is fine. */
void master_keyring_free(struct master_keyring *kr);

/* Id (16 lowercase hex chars, NUL-terminated) of the key new envelopes are
 * sealed with. Valid as long as the keyring. */
const char *master_keyring_current_id(const struct master_keyring *kr);

/* Number of keys loaded (1 + the old keys with distinct ids). */
size_t master_keyring_count(const struct master_keyring *kr);

/* True when the keyring holds a key with this id (16 hex chars). */
bool master_keyring_has_id(const struct master_keyring *kr, const char *id);

/* Generates 32 random bytes and writes them hex-encoded (64 chars + '\n') to
 * path with mode 0600. The file appears atomically complete (written to a
 * private temporary file, then hard-linked into place) and is never
 * overwritten: an existing path fails with EEXIST semantics. The parent
 * directory must exist. Returns 0 on success, -1 with a reason in err. */
int master_key_write_new(const char *path, char *err, size_t err_size);

#endif
