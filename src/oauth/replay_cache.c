/*
 * replay_cache.c — bounded one-time-value memory (see replay_cache.h).
 *
 * REPLAY_CACHE_SHARDS shards picked by the key's first byte. Each shard owns a
 * fixed array of nodes used as a FIFO ring (insertion order) and a chained hash
 * index over them (int32 links, -1 = end). Inserting first drops expired nodes
 * from the ring's head; since every value's lifetime is short and bounded by its
 * caller, the head expires soon after it was inserted, so FIFO order is close to
 * expiry order. A full ring whose head is still alive means "full of live
 * values": REPLAY_FULL.
 */
#include "oauth/replay_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"

#define REPLAY_CACHE_SHARDS 16

struct replay_node {
    unsigned char key[REPLAY_CACHE_KEY_LEN];
    int64_t expires_at;
    int32_t next; /* hash chain */
};

struct replay_shard {
    pthread_mutex_t lock;
    struct replay_node *nodes; /* ring of capacity cap */
    int32_t *buckets;          /* heads, -1 when empty */
    uint32_t bucket_mask;
    uint32_t cap, head, count;
} __attribute__((aligned(64)));

struct replay_cache {
    atomic_size_t total;
    struct replay_shard shards[REPLAY_CACHE_SHARDS];
};

static uint32_t replay_bucket(const struct replay_shard *sh, const unsigned char *key)
{
    uint32_t h;
    memcpy(&h, key + 4, sizeof h);
    return h & sh->bucket_mask;
}

void replay_cache_key(const char *scope, const char *value, unsigned char key[REPLAY_CACHE_KEY_LEN])
{
    size_t a = strlen(scope), b = strlen(value);
    unsigned char digest[CRYPTO_SHA256_LEN];
    char *buf = malloc(a + 1 + b);
    if (!buf) { /* still deterministic: hash the parts' hashes */
        unsigned char parts[2 * CRYPTO_SHA256_LEN];
        crypto_sha256(scope, a, parts);
        crypto_sha256(value, b, parts + CRYPTO_SHA256_LEN);
        crypto_sha256(parts, sizeof parts, digest);
    } else {
        memcpy(buf, scope, a);
        buf[a] = 0;
        memcpy(buf + a + 1, value, b);
        crypto_sha256(buf, a + 1 + b, digest);
        free(buf);
    }
    memcpy(key, digest, REPLAY_CACHE_KEY_LEN);
}

struct replay_cache *replay_cache_new(size_t max_entries)
{
    if (max_entries < REPLAY_CACHE_SHARDS)
        max_entries = REPLAY_CACHE_SHARDS;
    size_t per = (max_entries + REPLAY_CACHE_SHARDS - 1) / REPLAY_CACHE_SHARDS;
    if (per > INT32_MAX / 2)
        per = INT32_MAX / 2;
    size_t buckets = 1;
    while (buckets < per)
        buckets <<= 1;
    struct replay_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    size_t ready = 0;
    for (; ready < REPLAY_CACHE_SHARDS; ready++) {
        struct replay_shard *sh = &cache->shards[ready];
        /* calloc'd arrays are mapped lazily: capacity costs address space only */
        sh->nodes = calloc(per, sizeof *sh->nodes);
        sh->buckets = malloc(buckets * sizeof *sh->buckets);
        if (!sh->nodes || !sh->buckets || pthread_mutex_init(&sh->lock, NULL) != 0) {
            free(sh->nodes);
            free(sh->buckets);
            break;
        }
        memset(sh->buckets, 0xff, buckets * sizeof *sh->buckets); /* all -1 */
        sh->bucket_mask = (uint32_t)(buckets - 1);
        sh->cap = (uint32_t)per;
    }
    if (ready < REPLAY_CACHE_SHARDS) {
        for (size_t i = 0; i < ready; i++) {
            pthread_mutex_destroy(&cache->shards[i].lock);
            free(cache->shards[i].nodes);
            free(cache->shards[i].buckets);
        }
        free(cache);
        return NULL;
    }
    return cache;
}

void replay_cache_free(struct replay_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < REPLAY_CACHE_SHARDS; i++) {
        pthread_mutex_destroy(&cache->shards[i].lock);
        free(cache->shards[i].nodes);
        free(cache->shards[i].buckets);
    }
    free(cache);
}

/* Unlinks the ring's head node from its chain and drops it. Lock held. */
static void replay_drop_head(struct replay_cache *cache, struct replay_shard *sh)
{
    struct replay_node *node = &sh->nodes[sh->head];
    int32_t *link = &sh->buckets[replay_bucket(sh, node->key)];
    while (*link != -1 && *link != (int32_t)sh->head)
        link = &sh->nodes[*link].next;
    if (*link == (int32_t)sh->head)
        *link = node->next;
    sh->head = (sh->head + 1) % sh->cap;
    sh->count--;
    atomic_fetch_sub_explicit(&cache->total, 1, memory_order_relaxed);
}

enum replay_result replay_cache_check_and_remember(struct replay_cache *cache,
                                                   const unsigned char key[REPLAY_CACHE_KEY_LEN],
                                                   int64_t expires_at, int64_t now)
{
    struct replay_shard *sh = &cache->shards[key[0] % REPLAY_CACHE_SHARDS];
    enum replay_result result = REPLAY_FRESH;
    pthread_mutex_lock(&sh->lock);
    while (sh->count > 0 && sh->nodes[sh->head].expires_at < now)
        replay_drop_head(cache, sh);
    for (int32_t i = sh->buckets[replay_bucket(sh, key)]; i != -1; i = sh->nodes[i].next) {
        if (memcmp(sh->nodes[i].key, key, REPLAY_CACHE_KEY_LEN) == 0 &&
            sh->nodes[i].expires_at >= now) {
            result = REPLAY_SEEN;
            break;
        }
    }
    if (result == REPLAY_FRESH && sh->count == sh->cap)
        result = REPLAY_FULL;
    if (result == REPLAY_FRESH) {
        uint32_t slot = (sh->head + sh->count) % sh->cap;
        struct replay_node *node = &sh->nodes[slot];
        memcpy(node->key, key, REPLAY_CACHE_KEY_LEN);
        node->expires_at = expires_at;
        int32_t *bucket = &sh->buckets[replay_bucket(sh, key)];
        node->next = *bucket;
        *bucket = (int32_t)slot;
        sh->count++;
        atomic_fetch_add_explicit(&cache->total, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&sh->lock);
    return result;
}

size_t replay_cache_size(struct replay_cache *cache)
{
    return cache ? atomic_load_explicit(&cache->total, memory_order_relaxed) : 0;
}
