/*
 * crypto/aead.c — AES-256-GCM envelopes under the master keyring (see
 * aead.h). The AES-256-GCM implementation is fetched from the default
 * provider once per process.
 */
#include "crypto/aead.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "crypto/keyring_internal.h"
#include "crypto/random.h"

#define AEAD_VERSION_PREFIX "v1."
#define AEAD_PREFIX_LEN (sizeof AEAD_VERSION_PREFIX - 1 + MASTER_KEY_ID_LEN + 1)
#define AEAD_NONCE_LEN 12
#define AEAD_TAG_LEN 16
#define AEAD_MAX_PLAINTEXT (16u * 1024 * 1024)

static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *aead_cipher; /* fetched once, never freed */

static void aead_fetch_cipher(void)
{
    aead_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *aead_get_cipher(void)
{
    pthread_once(&aead_once, aead_fetch_cipher);
    return aead_cipher;
}

static bool aead_is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool aead_envelope_key_id(const char *envelope, char out[17])
{
    out[0] = '\0';
    if (envelope == NULL ||
        strncmp(envelope, AEAD_VERSION_PREFIX, sizeof AEAD_VERSION_PREFIX - 1) != 0)
        return false;
    const char *id = envelope + sizeof AEAD_VERSION_PREFIX - 1;
    for (size_t i = 0; i < MASTER_KEY_ID_LEN; i++)
        if (!aead_is_lower_hex(id[i])) /* also stops at the NUL */
            return false;
    if (id[MASTER_KEY_ID_LEN] != '.')
        return false;
    memcpy(out, id, MASTER_KEY_ID_LEN);
    out[MASTER_KEY_ID_LEN] = '\0';
    return true;
}

char *aead_seal(const struct master_keyring *kr, const void *plaintext, size_t len, const char *aad)
{
    const EVP_CIPHER *cipher = aead_get_cipher();
    const char *aad_text = aad != NULL ? aad : "";
    size_t aad_len = strlen(aad_text);
    unsigned char *blob = NULL;
    char *envelope = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    int out_len = 0, final_len = 0;
    bool ok = false;

    if (kr == NULL || cipher == NULL || len > AEAD_MAX_PLAINTEXT || aad_len > INT_MAX ||
        (plaintext == NULL && len > 0))
        return NULL;
    size_t blob_len = AEAD_NONCE_LEN + len + AEAD_TAG_LEN;
    size_t b64_len = base64url_encoded_len(blob_len);
    blob = malloc(blob_len);
    envelope = malloc(AEAD_PREFIX_LEN + b64_len + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (blob == NULL || envelope == NULL || ctx == NULL)
        goto out;
    if (crypto_random_bytes(blob, AEAD_NONCE_LEN) != 0)
        goto out;
    /* The GCM default IV length is 12 bytes: no ctrl needed. */
    if (EVP_EncryptInit_ex2(ctx, cipher, master_keyring_current_key(kr), blob, NULL) != 1)
        goto out;
    if (aad_len > 0 &&
        EVP_EncryptUpdate(ctx, NULL, &out_len, (const unsigned char *)aad_text, (int)aad_len) != 1)
        goto out;
    out_len = 0;
    if (len > 0 &&
        EVP_EncryptUpdate(ctx, blob + AEAD_NONCE_LEN, &out_len, plaintext, (int)len) != 1)
        goto out;
    if (EVP_EncryptFinal_ex(ctx, blob + AEAD_NONCE_LEN + out_len, &final_len) != 1 ||
        (size_t)out_len + (size_t)final_len != len)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AEAD_TAG_LEN,
                            blob + AEAD_NONCE_LEN + len) != 1)
        goto out;
    int n = snprintf(envelope, AEAD_PREFIX_LEN + 1, "%s%s.", AEAD_VERSION_PREFIX,
                     master_keyring_current_id(kr));
    if (n != (int)AEAD_PREFIX_LEN)
        goto out;
    if (base64url_encode(blob, blob_len, envelope + AEAD_PREFIX_LEN, b64_len + 1) != b64_len)
        goto out;
    ok = true;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(blob); /* nonce || ciphertext || tag: nothing secret */
    if (!ok) {
        free(envelope);
        return NULL;
    }
    return envelope;
}

unsigned char *aead_open(const struct master_keyring *kr, const char *envelope, const char *aad,
                         size_t *out_len)
{
    const EVP_CIPHER *cipher = aead_get_cipher();
    const char *aad_text = aad != NULL ? aad : "";
    size_t aad_len = strlen(aad_text);
    char key_id[MASTER_KEY_ID_LEN + 1];
    unsigned char *blob = NULL;
    unsigned char *plain = NULL;
    size_t blob_len = 0, plain_len = 0;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0, final_len = 0;
    bool ok = false;

    if (out_len != NULL)
        *out_len = 0;
    if (kr == NULL || out_len == NULL || cipher == NULL || aad_len > INT_MAX ||
        !aead_envelope_key_id(envelope, key_id))
        return NULL;
    const unsigned char *key = master_keyring_find_key(kr, key_id);
    if (key == NULL)
        return NULL;

    const char *b64 = envelope + AEAD_PREFIX_LEN;
    size_t b64_len = strlen(b64);
    size_t max_blob = base64url_decoded_len(b64_len);
    if (max_blob < AEAD_NONCE_LEN + AEAD_TAG_LEN ||
        max_blob > AEAD_NONCE_LEN + AEAD_MAX_PLAINTEXT + AEAD_TAG_LEN)
        return NULL;
    blob = malloc(max_blob);
    if (blob == NULL || !base64url_decode(b64, b64_len, blob, max_blob, &blob_len) ||
        blob_len < AEAD_NONCE_LEN + AEAD_TAG_LEN)
        goto out;
    plain_len = blob_len - AEAD_NONCE_LEN - AEAD_TAG_LEN;
    plain = malloc(plain_len + 1);
    ctx = EVP_CIPHER_CTX_new();
    if (plain == NULL || ctx == NULL)
        goto out;
    if (EVP_DecryptInit_ex2(ctx, cipher, key, blob, NULL) != 1)
        goto out;
    if (aad_len > 0 &&
        EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad_text, (int)aad_len) != 1)
        goto out;
    n = 0;
    if (plain_len > 0 &&
        EVP_DecryptUpdate(ctx, plain, &n, blob + AEAD_NONCE_LEN, (int)plain_len) != 1)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG_LEN,
                            blob + AEAD_NONCE_LEN + plain_len) != 1)
        goto out;
    /* Final verifies the tag: only now is the plaintext authentic. */
    if (EVP_DecryptFinal_ex(ctx, plain + n, &final_len) != 1 ||
        (size_t)n + (size_t)final_len != plain_len)
        goto out;
    plain[plain_len] = '\0';
    ok = true;
out:
    EVP_CIPHER_CTX_free(ctx);
    free(blob);
    if (!ok) {
        if (plain != NULL)
            aead_free_plaintext(plain, plain_len);
        return NULL;
    }
    *out_len = plain_len;
    return plain;
}

void aead_free_plaintext(unsigned char *p, size_t len)
{
    if (p == NULL)
        return;
    crypto_wipe(p, len + 1);
    free(p);
}
