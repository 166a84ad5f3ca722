/*
 * crypto/password.h — human passwords: Argon2id (libargon2) with the OWASP
 * baseline parameters m=19456 KiB, t=2, p=1, a 16-byte random salt and a
 * 32-byte tag, stored as the standard PHC-style encoded string
 * "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
 *
 * Each call costs ~19 MiB of memory and tens of milliseconds of one core by
 * design: callers must throttle logins and bound concurrent verifications.
 * Client secrets and API keys (>= 256 random bits) use SHA-256 instead (see
 * DESIGN.md); never use these functions on the token path.
 */
#ifndef TENANTD_CRYPTO_PASSWORD_H
#define TENANTD_CRYPTO_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_ARGON2_M_COST_KIB 19456u
#define PASSWORD_ARGON2_T_COST 2u
#define PASSWORD_ARGON2_PARALLELISM 1u
/* Enough for any encoded string password_hash produces (98 bytes + NUL). */
#define PASSWORD_HASH_MAX 128

/* Hashes password (NUL-terminated, untrusted, any length the caller accepts)
 * into out as an encoded Argon2id string with a fresh random salt.
 * Returns 0 on success; -1 on failure (out too small — it needs
 * PASSWORD_HASH_MAX bytes —, RNG or memory failure), with out = "". */
int password_hash(const char *password, char *out, size_t out_size);

/* True when password matches encoded. encoded comes from the store; anything
 * that is not an "$argon2id$" string (e.g. empty, other variant, garbage)
 * returns false. password is untrusted. Time depends on the encoded
 * parameters, not on the password. */
bool password_verify(const char *encoded, const char *password);

/* Spends the same time as password_verify against a fixed dummy hash with
 * the current parameters; call it when the account does not exist so that a
 * login response time does not reveal whether an email is registered. */
void password_dummy_verify(const char *password);

#endif
