/*
 * app_cache.h — the token path's view of apps: client_id -> compiled facts.
 *
 * Everything /connect/token needs (secret hash, enabled, tenant status, region,
 * db_code, plan status, pre-serialised claims) is compiled once per app from the
 * store and kept in memory, so issuing a token touches no database. Admin writes
 * commit first, then call the invalidation functions below before answering, so
 * the next request on this node sees the change. Entries also expire after
 * APP_CACHE_MAX_AGE_MS, so a change made by another node or process (CLI) is seen
 * within that time (SPEC §3.2: "on every other node within 1 second").
 *
 * Memory is bounded: at most APP_CACHE_MAX_ENTRIES entries and APP_CACHE_MAX_BYTES
 * bytes, of which at most APP_CACHE_MAX_NEGATIVE remember unknown client_ids. An
 * entry is ~0.9 KB of facts plus its claims (~1 KB typical, at most
 * APP_CACHE_CLAIMS_MAX with the largest plan entitlements the schema allows). The
 * table is sharded, each shard behind its own rwlock; lookups copy the facts out,
 * so no lock is held while the caller signs. See docs/OAUTH.md "App cache".
 *
 * All functions accept a NULL cache (CLI commands run without one).
 */
#ifndef TENANTD_CACHE_APP_CACHE_H
#define TENANTD_CACHE_APP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct service;
struct app_cache;
struct app_facts_row;

#define APP_CACHE_SHARDS 64
#define APP_CACHE_MAX_ENTRIES 65536
#define APP_CACHE_MAX_BYTES (128u * 1024u * 1024u)
#define APP_CACHE_MAX_NEGATIVE 4096
#define APP_CACHE_MAX_AGE_MS 1000
/* Longest client_id looked up; longer ones are unknown without a query. */
#define APP_CACHE_CLIENT_ID_MAX 128
/* Largest pre-encoded claims prefix (base64url characters), worst-case plan
 * entitlements included; compile fails beyond it. */
#define APP_CACHE_CLAIMS_MAX (28 * 1024)
#define APP_CACHE_CLAIMS_JSON_MAX (APP_CACHE_CLAIMS_MAX / 4 * 3)
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
    bool enabled;
    bool tenant_active;
    bool has_region;
    bool has_db_code;
    enum app_plan_state plan;
    char plan_code[65];
    char scopes[APP_CACHE_SCOPES_MAX]; /* platform clients: granted scopes, one space apart */
    size_t claims_len;                 /* base64url characters of the claims prefix */
};

struct app_cache *app_cache_new(struct service *svc);
void app_cache_free(struct app_cache *cache);
size_t app_cache_size(struct app_cache *cache);

/*
 * Looks up client_id (untrusted, NUL-terminated). On a miss or an entry older
 * than APP_CACHE_MAX_AGE_MS, loads it from the store (one query) and caches the
 * result, including "unknown". Returns 1 and fills *facts (and, when claims_out is
 * not NULL, copies the base64url claims prefix, NUL-terminated, into claims_out),
 * 0 when no live client has this id, -1 on a store failure or when claims_cap is
 * below facts->claims_len + 1 (use APP_CACHE_CLAIMS_MAX + 1). Never holds a lock
 * once it returns. Must not be called while the caller holds a database connection.
 */
int app_cache_lookup(struct app_cache *cache, const char *client_id, struct app_facts *facts,
                     char *claims_out, size_t claims_cap);

void app_cache_invalidate_client(struct app_cache *cache, const char *client_id);
void app_cache_invalidate_tenant(struct app_cache *cache, const char *tenant_id);
void app_cache_invalidate_plan(struct app_cache *cache, const char *plan_code);
void app_cache_invalidate_all(struct app_cache *cache);

/*
 * Compiles the constant claims of a client's tokens as the start of a JSON object:
 *   {"iss":..,"sub":..,"client_id":..,"aud":..[,"tenantid":..,"appId":..,
 *    "licenseRegionCode":..,"dbCode":..,"allowed_domain_N":..,"entitlements":{..,"plan":..}],
 * followed by spaces so that the length is a multiple of 3: its base64url
 * encoding can then be concatenated with the encoding of the per-token tail
 * ("iat", "nbf", "exp", "jti", "scope", "}"). Every string is JSON-escaped; stored
 * JSON (allowed_domains, entitlements) is parsed and re-serialised, so a bad row
 * cannot inject claims. Returns the length written (NUL-terminated), or 0 when the
 * row holds invalid data (bad JSON, invalid UTF-8) or out_size is too small.
 * Exposed for unit tests; the cache calls it on a miss.
 */
size_t app_cache_compile_claims(const struct app_facts_row *row, const char *client_id,
                                const char *issuer, const char *audience, char *out,
                                size_t out_size);

/*
 * Writes s as a JSON string literal (quotes included) at out, for at most
 * out_size bytes plus no NUL. s must be valid UTF-8 (checked); control characters,
 * '"' and '\' are escaped. Returns the bytes written or 0 (invalid UTF-8, no room).
 */
size_t app_cache_json_string(char *out, size_t out_size, const char *s);

#endif
