/*
 * app_cache.h — the token path's view of apps: client_id -> compiled facts.
 *
 * Everything /connect/token needs (secret hash, enabled, tenant status, region,
 * db_code, plan status, pre-serialised claims) is compiled once per app from the
 * store and kept in memory, so issuing a token touches no database. Admin writes
 * commit first, then call the invalidation functions below before answering, so
 * the next request on this node sees the change.
 *
 * All functions accept a NULL cache (CLI commands run without one).
 */
#ifndef TENANTD_CACHE_APP_CACHE_H
#define TENANTD_CACHE_APP_CACHE_H

#include <stddef.h>

struct service;
struct app_cache;

struct app_cache *app_cache_new(struct service *svc);
void app_cache_free(struct app_cache *cache);
size_t app_cache_size(struct app_cache *cache);

void app_cache_invalidate_client(struct app_cache *cache, const char *client_id);
void app_cache_invalidate_tenant(struct app_cache *cache, const char *tenant_id);
void app_cache_invalidate_plan(struct app_cache *cache, const char *plan_code);
void app_cache_invalidate_all(struct app_cache *cache);

#endif
