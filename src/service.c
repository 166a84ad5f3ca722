/*
 * service.c — composition root: opens the process-wide context (see service.h).
 */
#include "service.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "oauth/app_cache.h"
#include "oauth/replay_cache.h"
#include "oauth/change_feed.h"
#include "crypto/master_key.h"
#include "oauth/signing_keys.h"
#include "ops/metrics.h"
#include "ops/readiness.h"
#include "store/db.h"
#include "store/migrations.h"
#include "util/throttle.h"

/* mkdir -p for the parent directories of path (mode 0700). */
static int service_make_parents(const char *path, char *err, size_t err_size)
{
    char buf[1024];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, err_size, "path too long");
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
            snprintf(err, err_size, "cannot create directory %s: %s", buf, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

int service_open(struct service *svc, const struct config *cfg, bool for_server, char *err,
                 size_t err_size)
{
    memset(svc, 0, sizeof *svc);
    svc->cfg = *cfg;
    char dir_probe[600];
    snprintf(dir_probe, sizeof dir_probe, "%s/", cfg->data_dir);
    if (service_make_parents(dir_probe, err, err_size))
        return -1;
    if (strncmp(cfg->database, "sqlite:", 7) == 0 &&
        service_make_parents(cfg->database + 7, err, err_size))
        return -1;

    /* One connection per HTTP thread and per write worker (a worker waiting for the
     * writer turn holds one, and must not starve the readers), plus two spare (the
     * outbox sender, signing-key refreshes). */
    svc->db = db_open(cfg->database, (unsigned)cfg->threads + config_write_workers(cfg) + 2, err,
                      err_size);
    if (!svc->db)
        return -1;
    if (migrations_apply(svc->db, err, err_size))
        goto fail;
    svc->keyring = master_keyring_load(cfg->master_key_file, cfg->data_dir, true, err, err_size);
    if (!svc->keyring)
        goto fail;
    svc->metrics = metrics_new();
    /* Login: 10 failures per 15 minutes per (email, address). */
    svc->login_throttle = throttle_new(10, 900, 16384);
    /* Login per address (spraying many emails): 100 failures per 15 minutes. */
    svc->login_address_throttle = throttle_new(100, 900, 16384);
    /* Sign-ups: 30 attempts per hour per address (every attempt counts). */
    svc->signup_throttle = throttle_new(30, 3600, 16384);
    /* Clients: 20 failures per minute per (client_id, address) — SPEC §3.6. */
    svc->client_throttle = throttle_new(20, 60, 65536);
    if (!svc->metrics || !svc->login_throttle || !svc->client_throttle ||
        !svc->login_address_throttle || !svc->signup_throttle) {
        snprintf(err, err_size, "out of memory");
        goto fail;
    }
    if (for_server) {
        struct app_cache_config cache_config = {
            .issuer = cfg->issuer,
            .audience = cfg->audience,
            .max_entries = (size_t)cfg->app_cache_max,
            .stale_max_ms = (int64_t)cfg->stale_max_seconds * 1000,
        };
        svc->app_cache = app_cache_new(svc->db, &cache_config);
        svc->assertion_replay = replay_cache_new((size_t)cfg->assertion_replay_max);
        if (!svc->app_cache || !svc->assertion_replay) {
            snprintf(err, err_size, "cannot create the app cache");
            goto fail;
        }
        int64_t retention_ms = (int64_t)cfg->change_log_retention_seconds * 1000;
        struct change_feed_config feed_config = {
            .poll_ms = CHANGE_FEED_DEFAULT_POLL_MS,
            .retention_ms = retention_ms,
            .prune_every_ms = retention_ms / 4 < 60000 ? retention_ms / 4 : 60000,
        };
        svc->change_feed = change_feed_start(svc->db, svc->app_cache, &feed_config, err, err_size);
        if (!svc->change_feed)
            goto fail;
        svc->signing_keys = signing_keys_open(svc, err, err_size);
        if (!svc->signing_keys)
            goto fail;
        svc->readiness = readiness_start(svc->db);
        if (!svc->readiness) {
            snprintf(err, err_size, "cannot start the readiness prober");
            goto fail;
        }
    }
    return 0;
fail:
    service_close(svc);
    return -1;
}

void service_close(struct service *svc)
{
    readiness_stop(svc->readiness);
    signing_keys_close(svc->signing_keys);
    change_feed_stop(svc->change_feed);
    app_cache_free(svc->app_cache);
    replay_cache_free(svc->assertion_replay);
    throttle_free(svc->client_throttle);
    throttle_free(svc->login_throttle);
    throttle_free(svc->login_address_throttle);
    throttle_free(svc->signup_throttle);
    metrics_free(svc->metrics);
    master_keyring_free(svc->keyring);
    db_close(svc->db);
    memset(svc, 0, sizeof *svc);
}
