/*
 * config.h — server configuration from TENANTD_* environment variables and the
 * `serve` flags. Every command reads the same variables, so `migrate`, `admin`,
 * `keys` and `demo` act on the database `serve` uses. Values are validated here,
 * once; the rest of the code trusts struct config.
 */
#ifndef TENANTD_CONFIG_H
#define TENANTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/client_address.h"
#include "util/log.h"

struct config {
    char listen_host[64];
    uint16_t listen_port;
    char database[1024]; /* sqlite:PATH or postgres://... */
    char issuer[512];    /* no trailing slash */
    char data_dir[512];
    char audience[128];
    char scopes[512];     /* space-separated API scopes a tenant app may request */
    char signing_alg[16]; /* ES256 | RS256 | Ed25519 | EdDSA */
    int app_limit_default;
    unsigned threads;
    int key_publish_lead_seconds; /* how long a new key is published before it signs */
    int token_ttl_seconds;        /* 900 per SPEC */
    int invitation_ttl_seconds;   /* 72 h per SPEC; TENANTD_INVITATION_TTL_SECONDS for tests */
    bool cookie_secure;           /* issuer is https */
    bool issuer_explicit;         /* set by flag/env; else derived from the bound port */
    int app_cache_max;            /* TENANTD_APP_CACHE_MAX: clients cached at most */
    int assertion_replay_max;     /* TENANTD_ASSERTION_REPLAY_MAX: jti values remembered at most */
    int stale_max_seconds;        /* TENANTD_STALE_MAX_SECONDS: SPEC §3.2a, default 300 */
    int change_log_retention_seconds;       /* TENANTD_CHANGE_LOG_RETENTION_SECONDS */
    struct trusted_proxies trusted_proxies; /* TENANTD_TRUSTED_PROXIES (SPEC §3.6) */
    enum log_format log_format;             /* TENANTD_LOG_FORMAT (json if stderr is no tty) */
    enum log_level log_level;               /* TENANTD_LOG_LEVEL (info) */
    char metrics_token[129]; /* TENANTD_METRICS_TOKEN: when set, /metrics needs it as Bearer */
    char smtp_url[512];
    char smtp_from[256]; /* envelope and header From: (TENANTD_SMTP_FROM) */
    struct {
        bool configured;
        char endpoint[512];
        char bucket[64];
        char region[64];
        char access_key_id[256];
        char secret_access_key[256];
    } managed_storage;
};

/*
 * Fills cfg from defaults, then the environment, then the flags in argv (only for
 * `serve`: --listen, --database, --issuer, --data-dir; pass argc 0 otherwise).
 * Returns 0, or -1 with a one-line message in err.
 */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t err_size);

/* Sets the issuer to http://HOST:PORT (an IPv6 host in brackets): the default when
 * none is configured. */
void config_default_issuer(struct config *cfg, unsigned port);

/* How many write workers run admin mutations (http/server.h): as many as HTTP threads,
 * at least 2 (one waiting for the writer turn must not hold up a sign-in), at most 8
 * (writes are serialised anyway; each worker may hold a database connection). */
unsigned config_write_workers(const struct config *cfg);

#endif
