/*
 * service.h — the process-wide context every handler reaches through
 * req->service: configuration, database pool, master keyring, caches, metrics,
 * throttles. service.c is the composition root: it opens them in order and
 * closes them in reverse.
 */
#ifndef TENANTD_SERVICE_H
#define TENANTD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct db;
struct master_keyring;
struct metrics;
struct throttle;
struct app_cache;
struct signing_keys;
struct change_feed;
struct readiness;
struct replay_cache;

struct service {
    struct config cfg;
    struct db *db;
    struct master_keyring *keyring;
    struct metrics *metrics;
    struct throttle *login_throttle;         /* email + address */
    struct throttle *login_address_throttle; /* address alone: password spraying */
    struct throttle *signup_throttle;        /* sign-up attempts per address */
    struct throttle *client_throttle;        /* client_id + address, and address alone */
    struct app_cache *app_cache;             /* token path: client_id -> compiled facts */
    struct change_feed *change_feed;         /* keeps app_cache in step with the store */
    struct signing_keys *signing_keys;
    struct readiness *readiness;           /* /readyz's degraded checks (servers only) */
    struct replay_cache *assertion_replay; /* private_key_jwt: jti values seen (per node) */
};

/*
 * Opens the database (and migrates it), the master keyring (created on first use when
 * create_master_key), metrics and throttles. for_server additionally loads/creates
 * signing keys and the app cache. Returns 0 or -1 with a one-line message.
 */
int service_open(struct service *svc, const struct config *cfg, bool for_server, char *err,
                 size_t err_size);
void service_close(struct service *svc);

#endif
