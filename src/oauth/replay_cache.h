/*
 * replay_cache.h — "have I seen this one-time value before?" for values that
 * carry their own expiry: private_key_jwt assertion jti values (RFC 7523 §3
 * item 7, SPEC §3.7), scoped by client.
 *
 * A value is remembered until its expiry (the assertion's exp plus the allowed
 * clock skew), then forgotten. Memory is bounded: at most max_entries values are
 * held; when every slot holds an unexpired value the cache refuses new ones
 * (REPLAY_FULL) instead of forgetting a live one — failing closed, since
 * forgetting would re-open a replay window.
 *
 * Per node: see docs/OAUTH.md "private_key_jwt" for what that means with several
 * nodes. Thread-safe (sharded, one mutex per shard, held for a few pointer
 * steps); nothing here touches the database.
 */
#ifndef TENANTD_OAUTH_REPLAY_CACHE_H
#define TENANTD_OAUTH_REPLAY_CACHE_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_CACHE_DEFAULT_MAX 1000000
#define REPLAY_CACHE_KEY_LEN 16

struct replay_cache;

enum replay_result {
    REPLAY_FRESH = 0, /* not seen before: now remembered until expires_at */
    REPLAY_SEEN,      /* seen, and not yet expired: a replay */
    REPLAY_FULL,      /* no room without forgetting a live value: refuse */
};

/* NULL on allocation failure. max_entries >= 16. */
struct replay_cache *replay_cache_new(size_t max_entries);
void replay_cache_free(struct replay_cache *cache);

/*
 * The key of a (scope, value) pair: the first 16 bytes of SHA-256(scope NUL
 * value). Collisions between different pairs are as likely as guessing 128
 * random bits.
 */
void replay_cache_key(const char *scope, const char *value,
                      unsigned char key[REPLAY_CACHE_KEY_LEN]);

/* Checks key and, when fresh, remembers it until expires_at (unix seconds).
 * now is the current unix time. */
enum replay_result replay_cache_check_and_remember(struct replay_cache *cache,
                                                   const unsigned char key[REPLAY_CACHE_KEY_LEN],
                                                   int64_t expires_at, int64_t now);

/* Values remembered right now (including expired ones not yet dropped). */
size_t replay_cache_size(struct replay_cache *cache);

#endif
