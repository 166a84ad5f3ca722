/*
 * throttle.c — fixed-window failure counters (see throttle.h).
 */
#include "util/throttle.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

#define THROTTLE_SHARDS 16
#define THROTTLE_KEY_MAX 192

struct throttle_entry {
    char key[THROTTLE_KEY_MAX];
    int64_t window_start_ms;
    int failures;
    int used;
};

struct throttle_shard {
    pthread_mutex_t lock;
    struct throttle_entry *entries;
    size_t capacity;
};

struct throttle {
    int max_failures;
    int64_t window_ms;
    struct throttle_shard shards[THROTTLE_SHARDS];
};

static uint64_t throttle_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

struct throttle *throttle_new(int max_failures, int window_seconds, size_t max_entries)
{
    struct throttle *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->max_failures = max_failures;
    t->window_ms = (int64_t)window_seconds * 1000;
    size_t per_shard = max_entries / THROTTLE_SHARDS + 1;
    for (int i = 0; i < THROTTLE_SHARDS; i++) {
        pthread_mutex_init(&t->shards[i].lock, NULL);
        t->shards[i].entries = calloc(per_shard, sizeof(struct throttle_entry));
        t->shards[i].capacity = t->shards[i].entries ? per_shard : 0;
    }
    return t;
}

void throttle_free(struct throttle *t)
{
    if (!t)
        return;
    for (int i = 0; i < THROTTLE_SHARDS; i++) {
        pthread_mutex_destroy(&t->shards[i].lock);
        free(t->shards[i].entries);
    }
    free(t);
}

/* Finds key in shard (linear probing from its hash); with create, takes a free or
 * expired or oldest slot. Caller holds the shard lock. */
static struct throttle_entry *throttle_find(struct throttle *t, struct throttle_shard *sh,
                                            const char *key, uint64_t h, int64_t now, int create)
{
    if (sh->capacity == 0)
        return NULL;
    size_t start = (size_t)(h / THROTTLE_SHARDS) % sh->capacity;
    struct throttle_entry *victim = NULL;
    for (size_t i = 0; i < sh->capacity; i++) {
        struct throttle_entry *e = &sh->entries[(start + i) % sh->capacity];
        if (e->used && strcmp(e->key, key) == 0) {
            if (now - e->window_start_ms >= t->window_ms) {
                e->window_start_ms = now;
                e->failures = 0;
            }
            return e;
        }
        if (!e->used || now - e->window_start_ms >= t->window_ms) {
            if (!victim || victim->used)
                victim = e;
            if (!e->used)
                break;
        } else if (!victim || (victim->used && e->window_start_ms < victim->window_start_ms)) {
            victim = e;
        }
    }
    if (!create || !victim)
        return NULL;
    memset(victim, 0, sizeof *victim);
    size_t n = strlen(key);
    if (n >= THROTTLE_KEY_MAX)
        n = THROTTLE_KEY_MAX - 1;
    memcpy(victim->key, key, n);
    victim->used = 1;
    victim->window_start_ms = now;
    return victim;
}

int throttle_check(struct throttle *t, const char *key)
{
    uint64_t h = throttle_hash(key);
    struct throttle_shard *sh = &t->shards[h % THROTTLE_SHARDS];
    int64_t now = time_monotonic_ms();
    int wait = 0;
    pthread_mutex_lock(&sh->lock);
    struct throttle_entry *e = throttle_find(t, sh, key, h, now, 0);
    if (e && e->failures >= t->max_failures) {
        int64_t left = e->window_start_ms + t->window_ms - now;
        wait = (int)((left + 999) / 1000);
        if (wait < 1)
            wait = 1;
    }
    pthread_mutex_unlock(&sh->lock);
    return wait;
}

void throttle_record_failure(struct throttle *t, const char *key)
{
    uint64_t h = throttle_hash(key);
    struct throttle_shard *sh = &t->shards[h % THROTTLE_SHARDS];
    pthread_mutex_lock(&sh->lock);
    struct throttle_entry *e = throttle_find(t, sh, key, h, time_monotonic_ms(), 1);
    if (e)
        e->failures++;
    pthread_mutex_unlock(&sh->lock);
}

void throttle_reset(struct throttle *t, const char *key)
{
    uint64_t h = throttle_hash(key);
    struct throttle_shard *sh = &t->shards[h % THROTTLE_SHARDS];
    pthread_mutex_lock(&sh->lock);
    struct throttle_entry *e = throttle_find(t, sh, key, h, time_monotonic_ms(), 0);
    if (e)
        e->failures = 0; /* keep the slot: emptying it would break probe chains */
    pthread_mutex_unlock(&sh->lock);
}
