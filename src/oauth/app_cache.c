/*
 * app_cache.c — client_id -> compiled facts for the token path (see app_cache.h).
 *
 * Layout: APP_CACHE_SHARDS shards chosen by a hash of the client_id. Each shard
 * has a chained hash table (sized at start for its share of max_entries, so
 * chains stay short), a ring of its entries for CLOCK eviction, and a
 * direct-mapped table of unknown client_ids, all behind one pthread rwlock.
 * Readers take the read lock, copy the facts and claims out and drop it, so
 * signing happens with no lock held and readers of different apps rarely meet.
 *
 * Entries are immutable once inserted, except for the CLOCK bit, which a reader
 * sets (atomically, and only when it is clear) and the eviction hand clears: a
 * client used since the hand last passed gets a second chance. The steady state
 * of a hot app writes no shared memory beyond a per-shard hit counter.
 *
 * Entries are compact: the facts the token path checks, the client's own claims
 * segment (base64url), and a reference to its plan's shared entitlements segment
 * (interned per plan text, reference counted). The global segment (iss, aud) is
 * encoded once per cache.
 *
 * Invalidation bumps the shard's generation (every shard's, for tenant, plan and
 * all); a fill that read the store before an invalidation does not insert what it
 * read, because it may predate the change.
 */
#include "oauth/app_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "oauth/client_assertion.h"
#include "oauth/scope.h"
#include "store/app_facts.h"
#include "store/db.h"
#include "util/timeutil.h"
#include "util/log.h"

/* A plan's entitlements claims, shared by every cached app on that plan. */
struct plan_segment {
    struct plan_segment *next;
    size_t refs;  /* entries holding it; guarded by the cache's plans_lock */
    char *source; /* plan code, NUL, stored entitlements text: what it was built from */
    size_t source_len;
    size_t b64_len;
    char b64[];
};

/* A previous secret still in its grace period (SPEC §3.7), kept out of line: only
 * apps in the middle of a rotation pay for it. */
struct app_cache_previous {
    int64_t expires_at; /* unix seconds */
    unsigned char sha256[32];
};

struct app_cache_entry {
    struct app_cache_entry *next;        /* hash chain */
    struct app_cache_previous *previous; /* NULL unless a grace rotation is running */
    struct client_jwks *jwks;            /* private_key_jwt apps: their keys, else NULL */
    uint64_t hash;
    struct plan_segment *plan; /* NULL without a plan */
    uint32_t slot;             /* index in the shard's ring */
    atomic_bool referenced;    /* CLOCK bit */
    uint8_t kind;
    uint8_t plan_state;
    bool enabled;
    bool tenant_active;
    bool has_region;
    bool has_db_code;
    bool private_key_jwt;
    bool dpop_required;
    uint16_t client_id_len;
    uint16_t plan_code_len;
    uint16_t scopes_len;
    uint16_t claims_len; /* this client's own segment, base64url */
    unsigned char secret_sha256[32];
    char id[37];
    char tenant_id[37];
    /* client_id, plan_code, scopes, claims: each NUL-terminated, in this order */
    char text[];
};

struct app_cache_negative {
    uint64_t hash;
    char client_id[];
};

struct app_cache_shard {
    pthread_rwlock_t lock;
    struct app_cache_entry **buckets;
    size_t bucket_mask;
    struct app_cache_entry **ring; /* entries, for the CLOCK hand */
    uint32_t ring_cap;
    uint32_t count;
    uint32_t hand;
    struct app_cache_negative **negatives;
    uint32_t negative_slots;
    uint32_t negative_count;
    atomic_uint_fast64_t generation;
    atomic_uint_fast64_t hits;
    atomic_uint_fast64_t misses;
    atomic_uint_fast64_t negative_hits;
    atomic_uint_fast64_t evictions;
} __attribute__((aligned(64)));

struct app_cache {
    struct db *db;
    int64_t stale_max_ms;
    char *global_b64; /* {"iss":..,"aud":.., encoded */
    size_t global_len;
    pthread_mutex_t plans_lock;
    struct plan_segment *plans;
    atomic_int_fast64_t feed_ok_ms; /* monotonic time of the last good feed read */
    atomic_bool reachable;
    atomic_size_t total;
    atomic_uint_fast64_t fills;
    atomic_uint_fast64_t fill_errors;
    atomic_uint_fast64_t refused_stale;
    atomic_uint_fast64_t refused_unreachable;
    struct app_cache_shard shards[APP_CACHE_SHARDS];
};

/* ---- hashing ------------------------------------------------------------ */

static uint64_t app_cache_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, then a final mix */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static struct app_cache_shard *app_cache_shard_of(struct app_cache *cache, uint64_t h)
{
    return &cache->shards[(h >> 40) % APP_CACHE_SHARDS];
}

static const char *entry_client_id(const struct app_cache_entry *e)
{
    return e->text;
}
static const char *entry_plan_code(const struct app_cache_entry *e)
{
    return e->text + e->client_id_len + 1;
}
static const char *entry_scopes(const struct app_cache_entry *e)
{
    return entry_plan_code(e) + e->plan_code_len + 1;
}
static const char *entry_claims(const struct app_cache_entry *e)
{
    return entry_scopes(e) + e->scopes_len + 1;
}

/* ---- encoded segments --------------------------------------------------- */

/* Scratch for a segment's JSON while it is compiled: per thread, so a fill makes
 * no large temporary allocation (which would fragment the heap the entries live
 * in). */
static _Thread_local char app_cache_json_scratch[CLAIMS_PREFIX_JSON_MAX + 1];

/* malloc'd base64url of json[0..len); NULL on failure. */
static char *app_cache_encode(const char *json, size_t len, size_t *b64_len)
{
    *b64_len = base64url_encoded_len(len);
    char *b64 = malloc(*b64_len + 1);
    if (b64 && base64url_encode((const unsigned char *)json, len, b64, *b64_len + 1) != *b64_len) {
        free(b64);
        return NULL;
    }
    return b64;
}

/* The shared segment for (plan_code, entitlements), one more reference to it;
 * NULL when the stored entitlements are unusable or memory ran out. */
static struct plan_segment *plan_segment_acquire(struct app_cache *cache, const char *plan_code,
                                                 const char *entitlements)
{
    size_t code_len = strlen(plan_code);
    const char *ent = entitlements ? entitlements : "";
    size_t source_len = code_len + 1 + strlen(ent);
    pthread_mutex_lock(&cache->plans_lock);
    for (struct plan_segment *p = cache->plans; p; p = p->next) {
        if (p->source_len == source_len && memcmp(p->source, plan_code, code_len + 1) == 0 &&
            strcmp(p->source + code_len + 1, ent) == 0) {
            p->refs++;
            pthread_mutex_unlock(&cache->plans_lock);
            return p;
        }
    }
    pthread_mutex_unlock(&cache->plans_lock);

    char *json = app_cache_json_scratch;
    size_t len = claims_plan_segment(entitlements, plan_code, json, CLAIMS_PREFIX_JSON_MAX + 1);
    size_t b64_len = len ? base64url_encoded_len(len) : 0;
    struct plan_segment *seg = len ? malloc(sizeof *seg + b64_len + 1) : NULL;
    char *source = seg ? malloc(source_len + 1) : NULL;
    if (!seg || !source ||
        base64url_encode((const unsigned char *)json, len, seg->b64, b64_len + 1) != b64_len) {
        free(seg);
        free(source);
        return NULL;
    }
    memcpy(source, plan_code, code_len + 1);
    memcpy(source + code_len + 1, ent, source_len - code_len);
    seg->source = source;
    seg->source_len = source_len;
    seg->b64_len = b64_len;
    seg->refs = 1;
    pthread_mutex_lock(&cache->plans_lock);
    seg->next = cache->plans;
    cache->plans = seg;
    pthread_mutex_unlock(&cache->plans_lock);
    return seg;
}

static void plan_segment_release(struct app_cache *cache, struct plan_segment *seg)
{
    if (!seg)
        return;
    pthread_mutex_lock(&cache->plans_lock);
    if (--seg->refs == 0) {
        for (struct plan_segment **link = &cache->plans; *link; link = &(*link)->next)
            if (*link == seg) {
                *link = seg->next;
                break;
            }
        free(seg->source);
        free(seg);
    }
    pthread_mutex_unlock(&cache->plans_lock);
}

static void app_cache_entry_free(struct app_cache *cache, struct app_cache_entry *e)
{
    if (!e)
        return;
    plan_segment_release(cache, e->plan);
    client_jwks_release(e->jwks);
    crypto_wipe(e->secret_sha256, sizeof e->secret_sha256);
    if (e->previous) {
        crypto_wipe(e->previous, sizeof *e->previous);
        free(e->previous);
    }
    free(e);
}

/* ---- compiling a store row into an entry -------------------------------- */

static enum app_plan_state app_cache_plan_state(const struct app_facts_row *row)
{
    if (!row->plan_code[0])
        return APP_PLAN_NONE;
    if (!row->plan_found || strcmp(row->plan_status, "draft") == 0)
        return APP_PLAN_UNAVAILABLE;
    if (strcmp(row->plan_status, "retired") == 0)
        return APP_PLAN_RETIRED;
    return APP_PLAN_USABLE;
}

/* Builds the entry for a found row (malloc'd), or NULL when the row is unusable. */
static struct app_cache_entry *app_cache_compile(struct app_cache *cache, const char *client_id,
                                                 uint64_t h, const struct app_facts_row *row)
{
    char scopes[APP_CACHE_SCOPES_MAX] = "";
    if (row->platform && !scope_list_from_stored(row->scopes, scopes, sizeof scopes))
        return NULL;
    char *json = app_cache_json_scratch;
    size_t json_len = claims_app_segment(row, client_id, json, CLAIMS_PREFIX_JSON_MAX + 1);
    if (!json_len)
        return NULL;
    size_t b64_len = base64url_encoded_len(json_len);
    const char *plan_code = row->platform ? "" : row->plan_code;
    size_t id_len = strlen(client_id), plan_len = strlen(plan_code), scopes_len = strlen(scopes);
    struct app_cache_entry *e = NULL;
    if (b64_len > UINT16_MAX || plan_len >= 65 || strlen(row->secret_hash) != 64)
        return NULL;
    e = calloc(1, sizeof *e + id_len + 1 + plan_len + 1 + scopes_len + 1 + b64_len + 1);
    if (!e)
        return NULL;
    if (!crypto_hex_decode(row->secret_hash, 64, e->secret_sha256, sizeof e->secret_sha256))
        goto fail;
    /* A grace period that already ended needs no room; one that ends while the
     * entry is cached is refused by the caller, which compares with the clock. */
    if (row->previous_secret_hash[0] && row->previous_secret_expires_at > time_now()) {
        e->previous = malloc(sizeof *e->previous);
        if (!e->previous || strlen(row->previous_secret_hash) != 64 ||
            !crypto_hex_decode(row->previous_secret_hash, 64, e->previous->sha256,
                               sizeof e->previous->sha256))
            goto fail;
        e->previous->expires_at = row->previous_secret_expires_at;
    }
    e->dpop_required = row->dpop_required;
    /* Keys are loaded for private_key_jwt apps only: the others never use them. */
    if (row->private_key_jwt) {
        e->private_key_jwt = true;
        e->jwks = client_jwks_load(row->jwks);
        if (!e->jwks)
            goto fail;
    }
    e->hash = h;
    e->client_id_len = (uint16_t)id_len;
    e->plan_code_len = (uint16_t)plan_len;
    e->scopes_len = (uint16_t)scopes_len;
    e->claims_len = (uint16_t)b64_len;
    char *w = e->text;
    memcpy(w, client_id, id_len + 1);
    w += id_len + 1;
    memcpy(w, plan_code, plan_len + 1);
    w += plan_len + 1;
    memcpy(w, scopes, scopes_len + 1);
    w += scopes_len + 1;
    /* the client's own claims segment, encoded straight into the entry */
    if (base64url_encode((const unsigned char *)json, json_len, w, b64_len + 1) != b64_len)
        goto fail;
    snprintf(e->id, sizeof e->id, "%s", row->id);
    if (row->platform) {
        e->kind = APP_KIND_PLATFORM_CLIENT;
        e->enabled = true;
    } else {
        e->kind = APP_KIND_TENANT_APP;
        snprintf(e->tenant_id, sizeof e->tenant_id, "%s", row->tenant_id);
        e->enabled = row->enabled;
        e->tenant_active = strcmp(row->tenant_status, "active") == 0;
        e->has_region = row->license_region_code[0] != 0;
        e->has_db_code = row->db_code[0] != 0;
        e->plan_state = (uint8_t)app_cache_plan_state(row);
        if (plan_len) {
            e->plan = plan_segment_acquire(cache, plan_code, row->entitlements);
            if (!e->plan)
                goto fail;
        }
    }
    if (cache->global_len + b64_len + (e->plan ? e->plan->b64_len : 0) > APP_CACHE_CLAIMS_MAX)
        goto fail;
    return e;
fail:
    app_cache_entry_free(cache, e);
    return NULL;
}

/* ---- the table ---------------------------------------------------------- */

static size_t next_power_of_two(size_t n)
{
    size_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

struct app_cache *app_cache_new(struct db *db, const struct app_cache_config *config)
{
    struct app_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->db = db;
    cache->stale_max_ms = config->stale_max_ms;
    pthread_mutex_init(&cache->plans_lock, NULL);
    atomic_init(&cache->feed_ok_ms, time_monotonic_ms());
    atomic_init(&cache->reachable, true);
    atomic_init(&cache->total, 0);
    size_t max = config->max_entries < APP_CACHE_SHARDS ? APP_CACHE_SHARDS : config->max_entries;
    size_t per_shard = (max + APP_CACHE_SHARDS - 1) / APP_CACHE_SHARDS;
    if (per_shard > UINT32_MAX / 2)
        per_shard = UINT32_MAX / 2;
    size_t buckets = next_power_of_two(per_shard);
    size_t shards_ready = 0;
    for (; shards_ready < APP_CACHE_SHARDS; shards_ready++) {
        struct app_cache_shard *sh = &cache->shards[shards_ready];
        /* Large calloc'd arrays are mapped lazily: pages cost memory only once used. */
        sh->buckets = calloc(buckets, sizeof *sh->buckets);
        sh->ring = calloc(per_shard, sizeof *sh->ring);
        /* Unknown ids: as many slots as entries, at most APP_CACHE_NEGATIVE_SLOTS. */
        size_t negative_slots = APP_CACHE_NEGATIVE_SLOTS / APP_CACHE_SHARDS;
        if (negative_slots > per_shard)
            negative_slots = per_shard;
        sh->negatives = calloc(negative_slots, sizeof *sh->negatives);
        if (!sh->buckets || !sh->ring || !sh->negatives ||
            pthread_rwlock_init(&sh->lock, NULL) != 0) {
            free(sh->buckets);
            free(sh->ring);
            free(sh->negatives);
            break;
        }
        sh->bucket_mask = buckets - 1;
        sh->ring_cap = (uint32_t)per_shard;
        sh->negative_slots = (uint32_t)negative_slots;
    }
    char global[1200];
    size_t global_len =
        shards_ready == APP_CACHE_SHARDS
            ? claims_global_segment(config->issuer, config->audience, global, sizeof global)
            : 0;
    cache->global_b64 =
        global_len ? app_cache_encode(global, global_len, &cache->global_len) : NULL;
    if (!cache->global_b64) {
        for (size_t i = 0; i < shards_ready; i++) {
            pthread_rwlock_destroy(&cache->shards[i].lock);
            free(cache->shards[i].buckets);
            free(cache->shards[i].ring);
            free(cache->shards[i].negatives);
        }
        pthread_mutex_destroy(&cache->plans_lock);
        free(cache);
        return NULL;
    }
    return cache;
}

int app_cache_set_issuer(struct app_cache *cache, const char *issuer, const char *audience)
{
    if (!cache)
        return 0;
    char global[1200];
    size_t len = claims_global_segment(issuer, audience, global, sizeof global);
    size_t b64_len = 0;
    char *b64 = len ? app_cache_encode(global, len, &b64_len) : NULL;
    if (!b64)
        return -1;
    free(cache->global_b64);
    cache->global_b64 = b64;
    cache->global_len = b64_len;
    return 0;
}

static struct app_cache_entry **app_cache_find(struct app_cache_shard *sh, uint64_t h,
                                               const char *client_id)
{
    struct app_cache_entry **link = &sh->buckets[h & sh->bucket_mask];
    for (; *link; link = &(*link)->next)
        if ((*link)->hash == h && strcmp(entry_client_id(*link), client_id) == 0)
            return link;
    return NULL;
}

/* Removes e from its hash chain and the ring, then frees it. Write lock held. */
static void app_cache_remove(struct app_cache *cache, struct app_cache_shard *sh,
                             struct app_cache_entry *e)
{
    for (struct app_cache_entry **link = &sh->buckets[e->hash & sh->bucket_mask]; *link;
         link = &(*link)->next)
        if (*link == e) {
            *link = e->next;
            break;
        }
    uint32_t last = --sh->count;
    if (e->slot != last) {
        sh->ring[e->slot] = sh->ring[last];
        sh->ring[e->slot]->slot = e->slot;
    }
    sh->ring[last] = NULL;
    if (sh->hand >= sh->count)
        sh->hand = 0;
    atomic_fetch_sub(&cache->total, 1);
    app_cache_entry_free(cache, e);
}

/* CLOCK: the first entry the hand finds unused since it last passed goes. */
static void app_cache_evict_one(struct app_cache *cache, struct app_cache_shard *sh)
{
    for (uint32_t steps = 0; sh->count > 0 && steps <= 2 * sh->count; steps++) {
        if (sh->hand >= sh->count)
            sh->hand = 0;
        struct app_cache_entry *e = sh->ring[sh->hand];
        if (atomic_load_explicit(&e->referenced, memory_order_relaxed)) {
            atomic_store_explicit(&e->referenced, false, memory_order_relaxed);
            sh->hand++;
            continue;
        }
        app_cache_remove(cache, sh, e);
        atomic_fetch_add_explicit(&sh->evictions, 1, memory_order_relaxed);
        return;
    }
}

static uint32_t app_cache_negative_slot(const struct app_cache_shard *sh, uint64_t h)
{
    return (uint32_t)(h % sh->negative_slots);
}

/* Forgets a remembered unknown client_id. Write lock held. */
static void app_cache_negative_forget(struct app_cache_shard *sh, uint64_t h, const char *client_id)
{
    struct app_cache_negative **slot = &sh->negatives[app_cache_negative_slot(sh, h)];
    if (*slot && (*slot)->hash == h && strcmp((*slot)->client_id, client_id) == 0) {
        free(*slot);
        *slot = NULL;
        sh->negative_count--;
    }
}

static bool app_cache_negative_has(const struct app_cache_shard *sh, uint64_t h,
                                   const char *client_id)
{
    const struct app_cache_negative *n = sh->negatives[app_cache_negative_slot(sh, h)];
    return n && n->hash == h && strcmp(n->client_id, client_id) == 0;
}

/* Remembers an unknown client_id, replacing whatever held its slot. Write lock held. */
static void app_cache_negative_insert(struct app_cache_shard *sh, struct app_cache_negative *n)
{
    struct app_cache_negative **slot = &sh->negatives[app_cache_negative_slot(sh, n->hash)];
    if (*slot)
        free(*slot);
    else
        sh->negative_count++;
    *slot = n;
}

static void app_cache_negative_clear(struct app_cache_shard *sh)
{
    for (uint32_t i = 0; i < sh->negative_slots; i++) {
        free(sh->negatives[i]);
        sh->negatives[i] = NULL;
    }
    sh->negative_count = 0;
}

/* Inserts e (replacing any entry for the same id), evicting when full. Write lock held. */
static void app_cache_insert(struct app_cache *cache, struct app_cache_shard *sh,
                             struct app_cache_entry *e)
{
    const char *client_id = entry_client_id(e);
    struct app_cache_entry **old = app_cache_find(sh, e->hash, client_id);
    if (old)
        app_cache_remove(cache, sh, *old);
    app_cache_negative_forget(sh, e->hash, client_id);
    while (sh->count >= sh->ring_cap)
        app_cache_evict_one(cache, sh);
    struct app_cache_entry **head = &sh->buckets[e->hash & sh->bucket_mask];
    e->next = *head;
    *head = e;
    e->slot = sh->count;
    sh->ring[sh->count++] = e;
    atomic_fetch_add(&cache->total, 1);
}

void app_cache_free(struct app_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        struct app_cache_shard *sh = &cache->shards[i];
        while (sh->count > 0)
            app_cache_remove(cache, sh, sh->ring[sh->count - 1]);
        app_cache_negative_clear(sh);
        pthread_rwlock_destroy(&sh->lock);
        free(sh->buckets);
        free(sh->ring);
        free(sh->negatives);
    }
    pthread_mutex_destroy(&cache->plans_lock);
    free(cache->global_b64);
    free(cache);
}

size_t app_cache_size(struct app_cache *cache)
{
    return cache ? atomic_load(&cache->total) : 0;
}

void app_cache_stats(struct app_cache *cache, struct app_cache_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!cache)
        return;
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        struct app_cache_shard *sh = &cache->shards[i];
        out->hits += atomic_load_explicit(&sh->hits, memory_order_relaxed);
        out->misses += atomic_load_explicit(&sh->misses, memory_order_relaxed);
        out->negative_hits += atomic_load_explicit(&sh->negative_hits, memory_order_relaxed);
        out->evictions += atomic_load_explicit(&sh->evictions, memory_order_relaxed);
        pthread_rwlock_rdlock(&sh->lock);
        out->negatives += sh->negative_count;
        pthread_rwlock_unlock(&sh->lock);
    }
    out->entries = atomic_load(&cache->total);
    out->fills = atomic_load(&cache->fills);
    out->fill_errors = atomic_load(&cache->fill_errors);
    out->refused_stale = atomic_load(&cache->refused_stale);
    out->refused_unreachable = atomic_load(&cache->refused_unreachable);
    out->database_reachable = atomic_load(&cache->reachable);
    out->since_feed_ok_ms = time_monotonic_ms() - atomic_load(&cache->feed_ok_ms);
    out->stale = out->since_feed_ok_ms > cache->stale_max_ms;
}

/* Copies a found entry out; the return value of app_cache_lookup. Read lock held. */
static int app_cache_copy_out(const struct app_cache *cache, const struct app_cache_entry *e,
                              struct app_facts *facts, char *claims_out, size_t claims_cap,
                              struct client_jwks **keys)
{
    size_t plan_len = e->plan ? e->plan->b64_len : 0;
    size_t total = cache->global_len + e->claims_len + plan_len;
    if (claims_out) {
        if (claims_cap < total + 1)
            return -1;
        memcpy(claims_out, cache->global_b64, cache->global_len);
        memcpy(claims_out + cache->global_len, entry_claims(e), e->claims_len);
        if (plan_len)
            memcpy(claims_out + cache->global_len + e->claims_len, e->plan->b64, plan_len);
        claims_out[total] = 0;
    }
    facts->kind = (enum app_kind)e->kind;
    memcpy(facts->client_id, entry_client_id(e), (size_t)e->client_id_len + 1);
    memcpy(facts->id, e->id, sizeof facts->id);
    memcpy(facts->tenant_id, e->tenant_id, sizeof facts->tenant_id);
    memcpy(facts->secret_sha256, e->secret_sha256, sizeof facts->secret_sha256);
    if (e->previous) {
        facts->has_previous = true;
        facts->previous_expires_at = e->previous->expires_at;
        memcpy(facts->previous_sha256, e->previous->sha256, sizeof facts->previous_sha256);
    }
    facts->private_key_jwt = e->private_key_jwt;
    facts->dpop_required = e->dpop_required;
    if (keys && e->jwks) {
        client_jwks_acquire(e->jwks);
        *keys = e->jwks;
    }
    facts->enabled = e->enabled;
    facts->tenant_active = e->tenant_active;
    facts->has_region = e->has_region;
    facts->has_db_code = e->has_db_code;
    facts->plan = (enum app_plan_state)e->plan_state;
    memcpy(facts->plan_code, entry_plan_code(e), (size_t)e->plan_code_len + 1);
    memcpy(facts->scopes, entry_scopes(e), (size_t)e->scopes_len + 1);
    facts->claims_len = total;
    return 1;
}

/* Miss path: one store query, compile, insert unless invalidated meanwhile. */
static int app_cache_fill(struct app_cache *cache, struct app_cache_shard *sh, uint64_t h,
                          const char *client_id, struct app_facts *facts, char *claims_out,
                          size_t claims_cap, struct client_jwks **keys)
{
    uint64_t generation = atomic_load(&sh->generation);
    struct app_facts_row row;
    atomic_fetch_add(&cache->fills, 1);
    struct db_conn *c = db_acquire(cache->db);
    enum db_status found = store_app_facts_load(c, client_id, &row);
    db_release(cache->db, c);
    if (db_is_failure(found) && found != DB_UNREADABLE) {
        /* The database did not answer: until the change feed reads it again, misses
         * are refused at once instead of each waiting on a dead connection. */
        atomic_fetch_add(&cache->fill_errors, 1);
        atomic_store(&cache->reachable, false);
        return -1;
    }
    struct app_cache_entry *e = NULL;
    struct app_cache_negative *n = NULL;
    int rc;
    if (found == DB_DONE) {
        e = app_cache_compile(cache, client_id, h, &row);
        if (!e) {
            log_event(LOG_ERROR, "app cache: client %.64s has unusable stored data", client_id);
            atomic_fetch_add(&cache->fill_errors, 1);
        }
        rc = e ? app_cache_copy_out(cache, e, facts, claims_out, claims_cap, keys) : -1;
    } else if (found == DB_NOT_FOUND) {
        size_t len = strlen(client_id);
        n = malloc(sizeof *n + len + 1);
        if (n) {
            n->hash = h;
            memcpy(n->client_id, client_id, len + 1);
        }
        rc = 0;
    } else {
        atomic_fetch_add(&cache->fill_errors, 1);
        rc = -1; /* unusable stored data */
    }
    app_facts_row_free(&row);
    if (e || n) {
        pthread_rwlock_wrlock(&sh->lock);
        if (atomic_load(&sh->generation) == generation) {
            if (e)
                app_cache_insert(cache, sh, e);
            else
                app_cache_negative_insert(sh, n);
            e = NULL;
            n = NULL;
        }
        pthread_rwlock_unlock(&sh->lock);
    }
    app_cache_entry_free(cache, e);
    free(n);
    return rc;
}

int app_cache_lookup(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                     char *claims_out, size_t claims_cap)
{
    return app_cache_lookup_keys(cache, client_id, facts, claims_out, claims_cap, NULL);
}

int app_cache_lookup_keys(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                          char *claims_out, size_t claims_cap, struct client_jwks **keys)
{
    memset(facts, 0, sizeof *facts);
    if (keys)
        *keys = NULL;
    if (!cache)
        return -1;
    size_t n = strnlen(client_id, APP_CACHE_CLIENT_ID_MAX + 1);
    if (n == 0 || n > APP_CACHE_CLIENT_ID_MAX)
        return 0;
    /* Fail closed once the cache may no longer be the truth (SPEC §3.2a). */
    if (time_monotonic_ms() - atomic_load_explicit(&cache->feed_ok_ms, memory_order_relaxed) >
        cache->stale_max_ms) {
        atomic_fetch_add(&cache->refused_stale, 1);
        return -1;
    }
    uint64_t h = app_cache_hash(client_id);
    struct app_cache_shard *sh = app_cache_shard_of(cache, h);
    pthread_rwlock_rdlock(&sh->lock);
    struct app_cache_entry **link = app_cache_find(sh, h, client_id);
    if (link) {
        struct app_cache_entry *e = *link;
        if (!atomic_load_explicit(&e->referenced, memory_order_relaxed))
            atomic_store_explicit(&e->referenced, true, memory_order_relaxed);
        int rc = app_cache_copy_out(cache, e, facts, claims_out, claims_cap, keys);
        pthread_rwlock_unlock(&sh->lock);
        atomic_fetch_add_explicit(&sh->hits, 1, memory_order_relaxed);
        return rc;
    }
    bool known_unknown = app_cache_negative_has(sh, h, client_id);
    pthread_rwlock_unlock(&sh->lock);
    if (known_unknown) {
        atomic_fetch_add_explicit(&sh->negative_hits, 1, memory_order_relaxed);
        return 0;
    }
    atomic_fetch_add_explicit(&sh->misses, 1, memory_order_relaxed);
    if (!atomic_load(&cache->reachable)) {
        atomic_fetch_add(&cache->refused_unreachable, 1);
        return -1;
    }
    int rc = app_cache_fill(cache, sh, h, client_id, facts, claims_out, claims_cap, keys);
    if (rc != 1 && keys && *keys) {
        client_jwks_release(*keys);
        *keys = NULL;
    }
    return rc;
}

/* ---- availability --------------------------------------------------------- */

void app_cache_feed_ok(struct app_cache *cache)
{
    if (!cache)
        return;
    atomic_store(&cache->feed_ok_ms, time_monotonic_ms());
    atomic_store(&cache->reachable, true);
}

void app_cache_feed_failed(struct app_cache *cache)
{
    if (cache)
        atomic_store(&cache->reachable, false);
}

/* ---- invalidation -------------------------------------------------------- */

void app_cache_invalidate_client(struct app_cache *cache, const char *client_id)
{
    if (!cache || !client_id)
        return;
    uint64_t h = app_cache_hash(client_id);
    struct app_cache_shard *sh = app_cache_shard_of(cache, h);
    pthread_rwlock_wrlock(&sh->lock);
    atomic_fetch_add(&sh->generation, 1);
    struct app_cache_entry **link = app_cache_find(sh, h, client_id);
    if (link)
        app_cache_remove(cache, sh, *link);
    app_cache_negative_forget(sh, h, client_id);
    pthread_rwlock_unlock(&sh->lock);
}

enum app_cache_match { MATCH_TENANT, MATCH_PLAN, MATCH_ALL };

static bool app_cache_matches(const struct app_cache_entry *e, enum app_cache_match match,
                              const char *key)
{
    switch (match) {
    case MATCH_TENANT:
        return strcmp(e->tenant_id, key) == 0;
    case MATCH_PLAN:
        return e->plan_code_len && strcmp(entry_plan_code(e), key) == 0;
    case MATCH_ALL:
    default:
        return true;
    }
}

/* Removes every matching entry of every shard (walks the rings: O(entries)). */
static void app_cache_sweep_all(struct app_cache *cache, enum app_cache_match match,
                                const char *key)
{
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        struct app_cache_shard *sh = &cache->shards[i];
        pthread_rwlock_wrlock(&sh->lock);
        atomic_fetch_add(&sh->generation, 1);
        for (uint32_t slot = 0; slot < sh->count;) {
            struct app_cache_entry *e = sh->ring[slot];
            if (app_cache_matches(e, match, key))
                app_cache_remove(cache, sh, e); /* the last entry moves into slot */
            else
                slot++;
        }
        if (match == MATCH_ALL)
            app_cache_negative_clear(sh);
        pthread_rwlock_unlock(&sh->lock);
    }
}

void app_cache_invalidate_tenant(struct app_cache *cache, const char *tenant_id)
{
    if (!cache || !tenant_id || !*tenant_id)
        return;
    app_cache_sweep_all(cache, MATCH_TENANT, tenant_id);
}

void app_cache_invalidate_plan(struct app_cache *cache, const char *plan_code)
{
    if (!cache || !plan_code || !*plan_code)
        return;
    app_cache_sweep_all(cache, MATCH_PLAN, plan_code);
}

void app_cache_invalidate_all(struct app_cache *cache)
{
    if (!cache)
        return;
    app_cache_sweep_all(cache, MATCH_ALL, NULL);
}
