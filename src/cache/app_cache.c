/*
 * app_cache.c — client_id -> compiled facts for the token path (see app_cache.h).
 *
 * Layout: APP_CACHE_SHARDS shards, chosen by a hash of the client_id, each a
 * chained hash table behind its own pthread rwlock. Readers take the read lock,
 * copy the entry's facts and claims out and drop the lock, so signing happens
 * with no lock held and readers of different apps never meet on one lock.
 *
 * Entries are immutable: a reload builds a new entry and swaps it in under the
 * write lock. An entry older than APP_CACHE_MAX_AGE_MS is reloaded by the next
 * request that needs it (one indexed query, measured ~40 us on SQLite), which is
 * how changes made by other nodes or by the CLI arrive within a second. A popular
 * app therefore costs about one query per second per server thread at most.
 *
 * Eviction: when a shard is over its share of the entry or byte budget, the
 * entry loaded longest ago goes first. Every entry in use is reloaded at least
 * once a second, so "loaded longest ago" is "used longest ago" to within a
 * second: an LRU without touching shared state on the read path. Unknown
 * client_ids are remembered too (so a retrying deleted client costs no query),
 * but at most APP_CACHE_MAX_NEGATIVE of them, so random ids cannot fill memory.
 *
 * Invalidation bumps a generation counter; a fill that started before an
 * invalidation does not insert what it read (it may predate the change), so the
 * next request after an admin write always sees the committed state.
 */
#include "cache/app_cache.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "domain/utf8.h"
#include "service.h"
#include "store/app_facts.h"
#include "store/db.h"
#include "util/timeutil.h"

#define APP_CACHE_BUCKETS 256 /* per shard, power of two */
#define APP_CACHE_SHARD_ENTRIES (APP_CACHE_MAX_ENTRIES / APP_CACHE_SHARDS)
#define APP_CACHE_SHARD_BYTES (APP_CACHE_MAX_BYTES / APP_CACHE_SHARDS)
#define APP_CACHE_SHARD_NEGATIVE (APP_CACHE_MAX_NEGATIVE / APP_CACHE_SHARDS)

struct app_cache_entry {
    struct app_cache_entry *next;
    uint64_t hash;
    int64_t loaded_ms; /* monotonic */
    size_t bytes;      /* accounted size */
    bool negative;     /* "no live client has this id" */
    struct app_facts facts;
    char claims[]; /* facts.claims_len base64url chars + NUL */
};

struct app_cache_shard {
    pthread_rwlock_t lock;
    struct app_cache_entry *buckets[APP_CACHE_BUCKETS];
    size_t count;
    size_t negatives;
    size_t bytes;
} __attribute__((aligned(64)));

struct app_cache {
    struct service *svc;
    atomic_uint_fast64_t generation;
    atomic_size_t total;
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

/* ---- JSON text for the claims ------------------------------------------ */

size_t app_cache_json_string(char *out, size_t out_size, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = strlen(s);
    if (!utf8_is_valid(s, len))
        return 0;
    size_t o = 0;
    if (o >= out_size)
        return 0;
    out[o++] = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        char esc = 0;
        switch (ch) {
        case '"':
            esc = '"';
            break;
        case '\\':
            esc = '\\';
            break;
        case '\n':
            esc = 'n';
            break;
        case '\r':
            esc = 'r';
            break;
        case '\t':
            esc = 't';
            break;
        case '\b':
            esc = 'b';
            break;
        case '\f':
            esc = 'f';
            break;
        default:
            break;
        }
        if (esc) {
            if (out_size - o < 2)
                return 0;
            out[o++] = '\\';
            out[o++] = esc;
        } else if (ch < 0x20) {
            if (out_size - o < 6)
                return 0;
            memcpy(out + o, "\\u00", 4);
            out[o + 4] = hex[ch >> 4];
            out[o + 5] = hex[ch & 15];
            o += 6;
        } else {
            if (out_size - o < 1)
                return 0;
            out[o++] = (char)ch;
        }
    }
    if (out_size - o < 1)
        return 0;
    out[o++] = '"';
    return o;
}

/* Appends raw text; false when it does not fit (one byte stays for the NUL). */
static bool app_claims_raw(char *out, size_t out_size, size_t *pos, const char *text)
{
    size_t n = strlen(text);
    if (out_size - *pos <= n)
        return false;
    memcpy(out + *pos, text, n);
    *pos += n;
    return true;
}

/* Appends `,"name":"escaped value"` (no comma before the first member). */
static bool app_claims_string(char *out, size_t out_size, size_t *pos, const char *name,
                              const char *value)
{
    if (out[*pos - 1] != '{' && !app_claims_raw(out, out_size, pos, ","))
        return false;
    size_t n = app_cache_json_string(out + *pos, out_size - *pos - 1, name);
    if (!n)
        return false;
    *pos += n;
    if (!app_claims_raw(out, out_size, pos, ":"))
        return false;
    n = app_cache_json_string(out + *pos, out_size - *pos - 1, value);
    if (!n)
        return false;
    *pos += n;
    return true;
}

/* The allowed domains (JSON array text, as stored) as allowed_domain_1..3. */
static bool app_claims_domains(char *out, size_t out_size, size_t *pos, const char *stored)
{
    if (!stored || !*stored)
        return true;
    json_error_t jerr;
    json_t *list = json_loads(stored, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(list)) {
        json_decref(list);
        return false;
    }
    bool ok = true;
    size_t n = 0;
    for (size_t i = 0; ok && i < json_array_size(list) && n < 3; i++) {
        const char *d = json_string_value(json_array_get(list, i));
        if (!d) {
            ok = false;
            break;
        }
        if (!*d)
            continue;
        char name[24];
        snprintf(name, sizeof name, "allowed_domain_%zu", ++n);
        ok = app_claims_string(out, out_size, pos, name, d);
    }
    json_decref(list);
    return ok;
}

/* "entitlements": the plan's stored object plus "plan": code. */
static bool app_claims_entitlements(char *out, size_t out_size, size_t *pos, const char *stored,
                                    const char *plan_code)
{
    json_error_t jerr;
    json_t *obj = json_loads(stored && *stored ? stored : "{}", JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(obj)) {
        json_decref(obj);
        return false;
    }
    json_t *code = json_string(plan_code);
    if (!code || json_object_set_new(obj, "plan", code) != 0) {
        json_decref(obj);
        return false;
    }
    /* jansson escapes and validates UTF-8; compact, in stored member order. */
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text)
        return false;
    bool ok = app_claims_raw(out, out_size, pos, ",\"entitlements\":") &&
              app_claims_raw(out, out_size, pos, text);
    free(text);
    return ok;
}

size_t app_cache_compile_claims(const struct app_facts_row *row, const char *client_id,
                                const char *issuer, const char *audience, char *out,
                                size_t out_size)
{
    if (out_size < 4)
        return 0;
    size_t pos = 0;
    out[pos++] = '{';
    bool ok = app_claims_string(out, out_size, &pos, "iss", issuer) &&
              app_claims_string(out, out_size, &pos, "sub", client_id) &&
              app_claims_string(out, out_size, &pos, "client_id", client_id) &&
              app_claims_string(out, out_size, &pos, "aud", audience);
    if (ok && !row->platform) {
        ok =
            app_claims_string(out, out_size, &pos, "tenantid", row->tenant_id) &&
            app_claims_string(out, out_size, &pos, "appId", row->id) &&
            app_claims_string(out, out_size, &pos, "licenseRegionCode", row->license_region_code) &&
            app_claims_string(out, out_size, &pos, "dbCode", row->db_code) &&
            app_claims_domains(out, out_size, &pos, row->allowed_domains);
        if (ok && row->plan_code[0])
            ok = app_claims_entitlements(out, out_size, &pos, row->entitlements, row->plan_code);
    }
    ok = ok && app_claims_raw(out, out_size, &pos, ",");
    /* Pad with JSON whitespace so the base64url of this prefix ends on a
     * 3-byte boundary and the per-token tail can be encoded separately. */
    while (ok && pos % 3 != 0)
        ok = app_claims_raw(out, out_size, &pos, " ");
    if (!ok) {
        out[0] = 0;
        return 0;
    }
    out[pos] = 0;
    return pos;
}

/* ---- compiling a store row into an entry -------------------------------- */

static bool app_cache_scope_token_ok(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E */
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* Appends one scope token to the space-separated list. */
static bool app_cache_scopes_add(char *list, size_t size, const char *tok, size_t n)
{
    if (!app_cache_scope_token_ok(tok, n))
        return true; /* not a valid scope: never granted */
    size_t used = strlen(list);
    size_t need = n + (used ? 1 : 0);
    if (size - used <= need)
        return false;
    if (used)
        list[used++] = ' ';
    memcpy(list + used, tok, n);
    list[used + n] = 0;
    return true;
}

/* Platform client scopes as stored: a JSON array of strings, or space-separated. */
static bool app_cache_parse_scopes(const char *stored, char *list, size_t size)
{
    list[0] = 0;
    if (!stored)
        return true;
    const char *p = stored;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    if (*p == '[') {
        json_error_t jerr;
        json_t *arr = json_loads(stored, 0, &jerr);
        if (!json_is_array(arr)) {
            json_decref(arr);
            return false;
        }
        bool ok = true;
        for (size_t i = 0; ok && i < json_array_size(arr); i++) {
            const char *s = json_string_value(json_array_get(arr, i));
            ok = s && app_cache_scopes_add(list, size, s, strlen(s));
        }
        json_decref(arr);
        return ok;
    }
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != ',' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        if (p > start && !app_cache_scopes_add(list, size, start, (size_t)(p - start)))
            return false;
    }
    return true;
}

/* Builds the entry for a found row (malloc'd) or NULL when the row is unusable. */
static struct app_cache_entry *app_cache_compile(struct app_cache *cache, const char *client_id,
                                                 uint64_t h, const struct app_facts_row *row)
{
    const struct config *cfg = &cache->svc->cfg;
    char *json = malloc(APP_CACHE_CLAIMS_JSON_MAX + 1);
    if (!json)
        return NULL;
    size_t json_len = app_cache_compile_claims(row, client_id, cfg->issuer, cfg->audience, json,
                                               APP_CACHE_CLAIMS_JSON_MAX + 1);
    struct app_cache_entry *e = NULL;
    size_t b64_len = json_len ? base64url_encoded_len(json_len) : 0;
    if (!json_len || b64_len > APP_CACHE_CLAIMS_MAX)
        goto fail;
    e = calloc(1, sizeof *e + b64_len + 1);
    if (!e)
        goto fail;
    if (base64url_encode((const unsigned char *)json, json_len, e->claims, b64_len + 1) != b64_len)
        goto fail;
    struct app_facts *f = &e->facts;
    snprintf(f->client_id, sizeof f->client_id, "%s", client_id);
    snprintf(f->id, sizeof f->id, "%s", row->id);
    if (strlen(row->secret_hash) != 64 ||
        !crypto_hex_decode(row->secret_hash, 64, f->secret_sha256, sizeof f->secret_sha256))
        goto fail;
    if (row->platform) {
        f->kind = APP_KIND_PLATFORM_CLIENT;
        f->enabled = true;
        if (!app_cache_parse_scopes(row->scopes, f->scopes, sizeof f->scopes))
            goto fail;
    } else {
        f->kind = APP_KIND_TENANT_APP;
        snprintf(f->tenant_id, sizeof f->tenant_id, "%s", row->tenant_id);
        f->enabled = row->enabled;
        f->tenant_active = strcmp(row->tenant_status, "active") == 0;
        f->has_region = row->license_region_code[0] != 0;
        f->has_db_code = row->db_code[0] != 0;
        snprintf(f->plan_code, sizeof f->plan_code, "%s", row->plan_code);
        if (!row->plan_code[0])
            f->plan = APP_PLAN_NONE;
        else if (!row->plan_found || strcmp(row->plan_status, "draft") == 0)
            f->plan = APP_PLAN_UNAVAILABLE;
        else if (strcmp(row->plan_status, "retired") == 0)
            f->plan = APP_PLAN_RETIRED;
        else
            f->plan = APP_PLAN_USABLE;
    }
    f->claims_len = b64_len;
    e->hash = h;
    e->bytes = sizeof *e + b64_len + 1;
    free(json);
    return e;
fail:
    free(json);
    free(e);
    return NULL;
}

static struct app_cache_entry *app_cache_negative(const char *client_id, uint64_t h)
{
    struct app_cache_entry *e = calloc(1, sizeof *e + 1);
    if (!e)
        return NULL;
    snprintf(e->facts.client_id, sizeof e->facts.client_id, "%s", client_id);
    e->negative = true;
    e->hash = h;
    e->bytes = sizeof *e + 1;
    return e;
}

/* ---- the table ---------------------------------------------------------- */

struct app_cache *app_cache_new(struct service *svc)
{
    struct app_cache *cache = calloc(1, sizeof *cache);
    if (!cache)
        return NULL;
    cache->svc = svc;
    atomic_init(&cache->generation, 1);
    atomic_init(&cache->total, 0);
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        if (pthread_rwlock_init(&cache->shards[i].lock, NULL) != 0) {
            for (size_t j = 0; j < i; j++)
                pthread_rwlock_destroy(&cache->shards[j].lock);
            free(cache);
            return NULL;
        }
    }
    return cache;
}

/* Unlinks *link's entry from the shard and frees it. Caller holds the write lock. */
static void app_cache_unlink(struct app_cache *cache, struct app_cache_shard *sh,
                             struct app_cache_entry **link)
{
    struct app_cache_entry *e = *link;
    *link = e->next;
    sh->count--;
    sh->bytes -= e->bytes;
    if (e->negative)
        sh->negatives--;
    atomic_fetch_sub(&cache->total, 1);
    crypto_wipe(e->facts.secret_sha256, sizeof e->facts.secret_sha256);
    free(e);
}

/* Removes every entry of the shard for which drop(e, arg) is true. Write lock held. */
static void app_cache_sweep(struct app_cache *cache, struct app_cache_shard *sh,
                            bool (*drop)(const struct app_cache_entry *, const void *),
                            const void *arg)
{
    for (size_t b = 0; b < APP_CACHE_BUCKETS; b++) {
        struct app_cache_entry **link = &sh->buckets[b];
        while (*link) {
            if (drop(*link, arg))
                app_cache_unlink(cache, sh, link);
            else
                link = &(*link)->next;
        }
    }
}

static bool app_cache_drop_any(const struct app_cache_entry *e, const void *arg)
{
    return true;
}

void app_cache_free(struct app_cache *cache)
{
    if (!cache)
        return;
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        app_cache_sweep(cache, &cache->shards[i], app_cache_drop_any, NULL);
        pthread_rwlock_destroy(&cache->shards[i].lock);
    }
    free(cache);
}

size_t app_cache_size(struct app_cache *cache)
{
    return cache ? atomic_load(&cache->total) : 0;
}

static struct app_cache_entry **app_cache_find(struct app_cache_shard *sh, uint64_t h,
                                               const char *client_id)
{
    struct app_cache_entry **link = &sh->buckets[h % APP_CACHE_BUCKETS];
    for (; *link; link = &(*link)->next)
        if ((*link)->hash == h && strcmp((*link)->facts.client_id, client_id) == 0)
            return link;
    return NULL;
}

/* Copies a found entry out; the return value of app_cache_lookup. Lock held. */
static int app_cache_copy_out(const struct app_cache_entry *e, struct app_facts *facts,
                              char *claims_out, size_t claims_cap)
{
    if (e->negative)
        return 0;
    if (claims_out) {
        if (claims_cap < e->facts.claims_len + 1)
            return -1;
        memcpy(claims_out, e->claims, e->facts.claims_len + 1);
    }
    *facts = e->facts;
    return 1;
}

/* Evicts the entry loaded longest ago (a negative one when only_negative). */
static void app_cache_evict_one(struct app_cache *cache, struct app_cache_shard *sh,
                                bool only_negative)
{
    struct app_cache_entry **victim = NULL;
    for (size_t b = 0; b < APP_CACHE_BUCKETS; b++)
        for (struct app_cache_entry **link = &sh->buckets[b]; *link; link = &(*link)->next) {
            if (only_negative && !(*link)->negative)
                continue;
            if (!victim || (*link)->loaded_ms < (*victim)->loaded_ms)
                victim = link;
        }
    if (victim)
        app_cache_unlink(cache, sh, victim);
}

/* Inserts e (replacing any entry for the same id) within the shard's budgets.
 * Write lock held. */
static void app_cache_insert(struct app_cache *cache, struct app_cache_shard *sh,
                             struct app_cache_entry *e)
{
    struct app_cache_entry **old = app_cache_find(sh, e->hash, e->facts.client_id);
    if (old)
        app_cache_unlink(cache, sh, old);
    if (e->negative)
        while (sh->negatives >= APP_CACHE_SHARD_NEGATIVE && sh->negatives > 0)
            app_cache_evict_one(cache, sh, true);
    while (sh->count > 0 &&
           (sh->count >= APP_CACHE_SHARD_ENTRIES || sh->bytes + e->bytes > APP_CACHE_SHARD_BYTES))
        app_cache_evict_one(cache, sh, false);
    struct app_cache_entry **head = &sh->buckets[e->hash % APP_CACHE_BUCKETS];
    e->next = *head;
    *head = e;
    sh->count++;
    sh->bytes += e->bytes;
    if (e->negative)
        sh->negatives++;
    atomic_fetch_add(&cache->total, 1);
}

/* Miss path: one store query, compile, insert unless invalidated meanwhile. */
static int app_cache_fill(struct app_cache *cache, struct app_cache_shard *sh, uint64_t h,
                          const char *client_id, struct app_facts *facts, char *claims_out,
                          size_t claims_cap)
{
    uint64_t generation = atomic_load(&cache->generation);
    int64_t started = time_monotonic_ms();
    struct app_facts_row row;
    struct db_conn *c = db_acquire(cache->svc->db);
    int found = store_app_facts_load(c, client_id, &row);
    db_release(cache->svc->db, c);
    if (found < 0)
        return -1;
    struct app_cache_entry *e =
        found ? app_cache_compile(cache, client_id, h, &row) : app_cache_negative(client_id, h);
    app_facts_row_free(&row);
    if (!e) {
        if (found)
            fprintf(stderr, "tenantd: app cache: client %.64s has unusable stored data\n",
                    client_id);
        return -1;
    }
    /* The entry's age counts from before the query: it reflects the store as of
     * then, so it must not outlive started + max age. */
    e->loaded_ms = started;
    int rc = app_cache_copy_out(e, facts, claims_out, claims_cap);
    pthread_rwlock_wrlock(&sh->lock);
    if (atomic_load(&cache->generation) == generation) {
        app_cache_insert(cache, sh, e);
        e = NULL;
    }
    pthread_rwlock_unlock(&sh->lock);
    if (e) {
        crypto_wipe(e->facts.secret_sha256, sizeof e->facts.secret_sha256);
        free(e);
    }
    return rc;
}

int app_cache_lookup(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                     char *claims_out, size_t claims_cap)
{
    memset(facts, 0, sizeof *facts);
    if (!cache)
        return -1;
    size_t n = strnlen(client_id, APP_CACHE_CLIENT_ID_MAX + 1);
    if (n == 0 || n > APP_CACHE_CLIENT_ID_MAX)
        return 0;
    uint64_t h = app_cache_hash(client_id);
    struct app_cache_shard *sh = app_cache_shard_of(cache, h);
    int64_t now = time_monotonic_ms();
    pthread_rwlock_rdlock(&sh->lock);
    struct app_cache_entry **link = app_cache_find(sh, h, client_id);
    if (link && now - (*link)->loaded_ms < APP_CACHE_MAX_AGE_MS) {
        int rc = app_cache_copy_out(*link, facts, claims_out, claims_cap);
        pthread_rwlock_unlock(&sh->lock);
        return rc;
    }
    pthread_rwlock_unlock(&sh->lock);
    return app_cache_fill(cache, sh, h, client_id, facts, claims_out, claims_cap);
}

/* ---- invalidation -------------------------------------------------------- */

void app_cache_invalidate_client(struct app_cache *cache, const char *client_id)
{
    if (!cache || !client_id)
        return;
    atomic_fetch_add(&cache->generation, 1);
    uint64_t h = app_cache_hash(client_id);
    struct app_cache_shard *sh = app_cache_shard_of(cache, h);
    pthread_rwlock_wrlock(&sh->lock);
    struct app_cache_entry **link = app_cache_find(sh, h, client_id);
    if (link)
        app_cache_unlink(cache, sh, link);
    pthread_rwlock_unlock(&sh->lock);
}

static bool app_cache_drop_tenant(const struct app_cache_entry *e, const void *arg)
{
    return !e->negative && strcmp(e->facts.tenant_id, (const char *)arg) == 0;
}

static bool app_cache_drop_plan(const struct app_cache_entry *e, const void *arg)
{
    return !e->negative && strcmp(e->facts.plan_code, (const char *)arg) == 0;
}

static void app_cache_sweep_all(struct app_cache *cache,
                                bool (*drop)(const struct app_cache_entry *, const void *),
                                const void *arg)
{
    atomic_fetch_add(&cache->generation, 1);
    for (size_t i = 0; i < APP_CACHE_SHARDS; i++) {
        struct app_cache_shard *sh = &cache->shards[i];
        pthread_rwlock_wrlock(&sh->lock);
        app_cache_sweep(cache, sh, drop, arg);
        pthread_rwlock_unlock(&sh->lock);
    }
}

void app_cache_invalidate_tenant(struct app_cache *cache, const char *tenant_id)
{
    if (!cache || !tenant_id || !*tenant_id)
        return;
    app_cache_sweep_all(cache, app_cache_drop_tenant, tenant_id);
}

void app_cache_invalidate_plan(struct app_cache *cache, const char *plan_code)
{
    if (!cache || !plan_code || !*plan_code)
        return;
    app_cache_sweep_all(cache, app_cache_drop_plan, plan_code);
}

void app_cache_invalidate_all(struct app_cache *cache)
{
    if (!cache)
        return;
    app_cache_sweep_all(cache, app_cache_drop_any, NULL);
}
