/*
 * app_cache.h — the token path's view of clients: client_id -> compiled facts.
 *
 * Everything /connect/token needs (secret hash, enabled, tenant status, region,
 * db_code, plan status, the pre-encoded constant claims) is compiled once per
 * client from the store and kept in memory, so issuing a token for a known client
 * touches no database (SPEC §3.2a).
 *
 * Entries never expire on a timer. They leave the cache when the change feed
 * (oauth/change_feed.h) reports a change to their client, tenant or plan, or when
 * the CLOCK eviction needs room: the cache holds at most `max_entries` clients
 * (TENANTD_APP_CACHE_MAX). Unknown client_ids are remembered in a separate,
 * fixed-size direct-mapped table, so random ids cannot fill memory and a retrying
 * deleted client costs no query.
 *
 * Availability: the change feed reports each successful read (app_cache_feed_ok)
 * and each failure (app_cache_feed_failed). While the database is unreachable,
 * cached clients keep getting tokens until stale_max_ms have passed since the last
 * successful read (then every lookup fails closed), and uncached clients are
 * refused at once without trying the database.
 *
 * Memory: one entry is ~0.5 KiB for a typical app (facts plus its own encoded
 * claims); the global claims (iss, aud) and each plan's entitlements are encoded
 * once and shared. See docs/OAUTH.md "App cache".
 *
 * Thread safety: APP_CACHE_SHARDS shards, each behind its own rwlock; lookups copy
 * the facts out, so no lock is held while the caller signs. All functions accept a
 * NULL cache (CLI commands run without one).
 */
#ifndef TENANTD_OAUTH_APP_CACHE_H
#define TENANTD_OAUTH_APP_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oauth/claims.h"

struct db;
struct app_cache;

#define APP_CACHE_SHARDS 64
#define APP_CACHE_DEFAULT_MAX 1000000
#define APP_CACHE_DEFAULT_STALE_MAX_SECONDS 300
/* Unknown client_ids remembered at most (direct-mapped slots, overwritten on
 * collision; never more than max_entries). */
#define APP_CACHE_NEGATIVE_SLOTS 65536
/* Longest client_id looked up; longer ones are unknown without a query. */
#define APP_CACHE_CLIENT_ID_MAX 128
/* Largest encoded claims prefix a lookup can copy out (see claims.h). */
#define APP_CACHE_CLAIMS_MAX CLAIMS_PREFIX_MAX
#define APP_CACHE_SCOPES_MAX 512

enum app_kind {
    APP_KIND_TENANT_APP = 1,
    APP_KIND_PLATFORM_CLIENT = 2,
};

enum app_plan_state {
    APP_PLAN_NONE = 0,    /* no plan assigned */
    APP_PLAN_USABLE,      /* active or archived */
    APP_PLAN_RETIRED,     /* blocks issuance */
    APP_PLAN_UNAVAILABLE, /* assigned plan missing or still a draft: blocks issuance */
};

/* The scalar facts of one client, copied out of the cache per request. */
struct app_facts {
    enum app_kind kind;
    char client_id[APP_CACHE_CLIENT_ID_MAX + 1];
    char id[37];        /* app id, or platform client id */
    char tenant_id[37]; /* "" for platform clients */
    unsigned char secret_sha256[32];
    /* Grace rotation (SPEC §3.7): the previous secret, to be accepted only while
     * time_now() < previous_expires_at (unix seconds; compared at use, since the
     * entry may be older than the expiry). has_previous false when there is none. */
    bool has_previous;
    int64_t previous_expires_at;
    unsigned char previous_sha256[32];
    /* SPEC §3.7: the app authenticates with private_key_jwt only (its shared
     * secret is refused); its keys come from app_cache_lookup_keys. */
    bool private_key_jwt;
    bool dpop_required; /* dpop_bound_access_tokens: tokens only with a DPoP proof */
    bool enabled;
    bool tenant_active;
    bool has_region;
    bool has_db_code;
    enum app_plan_state plan;
    char plan_code[65];
    char scopes[APP_CACHE_SCOPES_MAX]; /* platform clients: granted scopes, one space apart */
    size_t claims_len;                 /* base64url characters of the claims prefix */
};

struct app_cache_config {
    const char *issuer;
    const char *audience;
    size_t max_entries;   /* clients cached at most (>= APP_CACHE_SHARDS) */
    int64_t stale_max_ms; /* how long cached facts serve without a feed read */
};

/* What /metrics and /readyz report. Counters are totals since start. */
struct app_cache_stats {
    size_t entries;
    size_t negatives;
    uint64_t hits;
    uint64_t misses;        /* lookups that were not in the cache (then filled or refused) */
    uint64_t negative_hits; /* unknown client_ids answered from the negative table */
    uint64_t evictions;
    uint64_t fills;       /* database round trips made by the token path */
    uint64_t fill_errors; /* of which failed */
    uint64_t refused_stale;
    uint64_t refused_unreachable;
    bool database_reachable;  /* as of the last feed read or fill */
    int64_t since_feed_ok_ms; /* time since the last successful feed read */
    bool stale;               /* past stale_max_ms: failing closed */
};

/* NULL on allocation failure. The cache starts fresh (as if the feed was just read). */
struct app_cache *app_cache_new(struct db *db, const struct app_cache_config *config);
void app_cache_free(struct app_cache *cache);
/* Replaces the issuer and audience of every token's claims. Only before serving
 * (serve fixes a default issuer once the port is bound). 0, or -1 when invalid. */
int app_cache_set_issuer(struct app_cache *cache, const char *issuer, const char *audience);
size_t app_cache_size(struct app_cache *cache);
void app_cache_stats(struct app_cache *cache, struct app_cache_stats *out);

/*
 * Looks up client_id (untrusted, NUL-terminated). On a miss, loads it from the
 * store (one query) and caches the result, including "unknown". Returns 1 and
 * fills *facts (and, when claims_out is not NULL, copies the base64url claims
 * prefix, NUL-terminated, into claims_out), 0 when no live client has this id,
 * -1 when the answer cannot be given now: the cached facts are older than the
 * stale bound, the database is unreachable for a miss, a store failure, or
 * claims_cap below facts->claims_len + 1 (use APP_CACHE_CLAIMS_MAX + 1). Never
 * holds a lock once it returns. Must not be called while the caller holds a
 * database connection.
 */
int app_cache_lookup(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                     char *claims_out, size_t claims_cap);

/*
 * app_cache_lookup, plus one reference to the client's public keys
 * (private_key_jwt apps; *keys NULL for every other client and on any result but
 * 1). Release it with client_jwks_release once the assertion is verified.
 */
struct client_jwks;
int app_cache_lookup_keys(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                          char *claims_out, size_t claims_cap, struct client_jwks **keys);

/* Forget what may have changed. Any lookup that started before an invalidation and
 * is still loading does not cache what it read. */
void app_cache_invalidate_client(struct app_cache *cache, const char *client_id);
void app_cache_invalidate_tenant(struct app_cache *cache, const char *tenant_id);
void app_cache_invalidate_plan(struct app_cache *cache, const char *plan_code);
void app_cache_invalidate_all(struct app_cache *cache);

/* The change feed's reports: a successful read (the cache is the truth as of now),
 * or a failed one (the database is unreachable). */
void app_cache_feed_ok(struct app_cache *cache);
void app_cache_feed_failed(struct app_cache *cache);

#endif
