/*
 * signing_keys.h — the JWT signing key set shared by all nodes through the store.
 *
 * Private keys are kept in the store encrypted under the master key. A key is
 * published in JWKS from creation, signs from `activates_at`, and stays published
 * until every token it signed has expired.
 *
 * Lifecycle (docs/OAUTH.md "Signing keys"):
 *   - first start (or a new TENANTD_SIGNING_ALG): a key of the configured family is
 *     generated and signs at once; keys of other families are retired then;
 *   - `tenantd keys rotate`: a new key with activates_at = now + lead (+ up to 1 s);
 *   - when a key activates, its predecessor of the same family gets retired_at =
 *     that activation time and expires_at = retired_at + token TTL + 60 s, and
 *     leaves JWKS (and the table) at expires_at.
 * A refresher thread re-reads the table once a second (one cheap metadata query),
 * so a rotation made by the CLI or another node is seen within a second and the
 * token path does not read the store for keys; the JWKS endpoint re-reads when its
 * view is >100 ms old.
 */
#ifndef TENANTD_OAUTH_SIGNING_KEYS_H
#define TENANTD_OAUTH_SIGNING_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct service;
struct signing_keys;
struct signing_key_set;
struct jws_key;

/* Loads the key set (creating the first key when there is none) and starts its
 * refresher thread; close stops it. */
struct signing_keys *signing_keys_open(struct service *svc, char *err, size_t err_size);
void signing_keys_close(struct signing_keys *keys);

/* Milliseconds since the key set was last read successfully (-1 without keys). */
int64_t signing_keys_view_age_ms(struct signing_keys *keys);

/* `tenantd keys rotate`: adds a new key that signs after the publish lead time. */
int signing_keys_rotate(struct service *svc, char *err, size_t err_size);

/* Same, reporting the new key's kid (>= 64 bytes) and activation time. */
int signing_keys_rotate_report(struct service *svc, char *kid_out, size_t kid_size,
                               int64_t *activates_at, char *err, size_t err_size);

/* A counted reference to one key of the set in use; the key stays valid until
 * signing_keys_release even if the set is replaced meanwhile. */
struct signing_key_ref {
    struct signing_key_set *set;
    const struct jws_key *key;
    const char *header_b64; /* base64url of {"alg","typ":"at+jwt","kid"} (signers) */
    size_t header_b64_len;
    const char *kid;
};

/* The key that signs now: the newest key of the configured family whose
 * activates_at has passed and that is not retired. False when there is none. */
bool signing_keys_acquire_signer(struct signing_keys *keys, struct signing_key_ref *ref);

/* A published (not expired) key with this kid whose algorithm is alg (a JWS header
 * "alg"; both "Ed25519" and "EdDSA" name Ed25519 keys). kid and alg are untrusted.
 * False when there is none. */
bool signing_keys_acquire_verifier(struct signing_keys *keys, const char *kid, const char *alg,
                                   struct signing_key_ref *ref);

void signing_keys_release(struct signing_key_ref *ref);

/* The JWKS document ({"keys":[...]}, public members only) of every published key,
 * re-reading the store first when the view is older than 100 ms. malloc'd JSON
 * text (caller frees) with its length, or NULL on allocation failure. */
char *signing_keys_jwks(struct signing_keys *keys, size_t *len);

/* The header "alg" name this server signs with ("ES256", "RS256", "Ed25519" or
 * "EdDSA"). */
const char *signing_keys_alg_name(const struct signing_keys *keys);

#endif
