/*
 * crypto/password.c — Argon2id password hashing and verification (see
 * password.h).
 */
#include "crypto/password.h"

#include <stdint.h>
#include <string.h>

#include <argon2.h>

#include "crypto/hash.h"
#include "crypto/random.h"

#define PASSWORD_SALT_LEN 16u
#define PASSWORD_TAG_LEN 32u

/* A hash of a random throwaway password with exactly the production
 * parameters, generated once with libargon2. Its only job is to make
 * password_dummy_verify cost what a real verification costs; keep its
 * parameters in step with PASSWORD_ARGON2_* when they change. */
static const char password_dummy_encoded[] =
    "$argon2id$v=19$m=19456,t=2,p=1$kw6jEhlbTqWVNxpl75VO+A$"
    "Wdsyj1vqwMdKJx5rOlywSKDwhCGKKTIhIZEKyrBDyCQ";

static const char password_prefix[] = "$argon2id$";

int password_hash(const char *password, char *out, size_t out_size)
{
    unsigned char salt[PASSWORD_SALT_LEN];
    size_t need = argon2_encodedlen(PASSWORD_ARGON2_T_COST, PASSWORD_ARGON2_M_COST_KIB,
                                    PASSWORD_ARGON2_PARALLELISM, PASSWORD_SALT_LEN,
                                    PASSWORD_TAG_LEN, Argon2_id);

    if (out == NULL || out_size == 0)
        return -1;
    out[0] = '\0';
    if (password == NULL || out_size < need)
        return -1;
    size_t password_len = strlen(password);
    if (password_len > UINT32_MAX)
        return -1;
    if (crypto_random_bytes(salt, sizeof salt) != 0)
        return -1;
    int rc = argon2id_hash_encoded(PASSWORD_ARGON2_T_COST, PASSWORD_ARGON2_M_COST_KIB,
                                   PASSWORD_ARGON2_PARALLELISM, password, password_len, salt,
                                   sizeof salt, PASSWORD_TAG_LEN, out, out_size);
    crypto_wipe(salt, sizeof salt);
    if (rc != ARGON2_OK) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

bool password_verify(const char *encoded, const char *password)
{
    if (encoded == NULL || password == NULL)
        return false;
    if (strncmp(encoded, password_prefix, sizeof password_prefix - 1) != 0)
        return false;
    size_t password_len = strlen(password);
    if (password_len > UINT32_MAX)
        return false;
    /* argon2id_verify recomputes the tag and compares it in constant time. */
    return argon2id_verify(encoded, password, password_len) == ARGON2_OK;
}

void password_dummy_verify(const char *password)
{
    const char *p = password != NULL ? password : "";
    size_t password_len = strlen(p);
    if (password_len > UINT32_MAX)
        password_len = UINT32_MAX;
    (void)argon2id_verify(password_dummy_encoded, p, password_len);
}
