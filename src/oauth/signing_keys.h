/*
 * signing_keys.h — the JWT signing key set shared by all nodes through the store.
 *
 * Private keys are kept in the store encrypted under the master key. A key is
 * published in JWKS from creation, signs from `activates_at`, and stays published
 * until every token it signed has expired.
 */
#ifndef TENANTD_OAUTH_SIGNING_KEYS_H
#define TENANTD_OAUTH_SIGNING_KEYS_H

#include <stddef.h>

struct service;
struct signing_keys;

/* Loads the key set (creating the first key when there is none). */
struct signing_keys *signing_keys_open(struct service *svc, char *err, size_t err_size);
void signing_keys_close(struct signing_keys *keys);

/* `tenantd keys rotate`: adds a new key that signs after the publish lead time. */
int signing_keys_rotate(struct service *svc, char *err, size_t err_size);

#endif
