/*
 * config.c — defaults, environment and flags, validated once (see config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int config_copy(char *dst, size_t size, const char *value, const char *name, char *err,
                       size_t err_size)
{
    int n = snprintf(dst, size, "%s", value);
    if (n < 0 || (size_t)n >= size) {
        snprintf(err, err_size, "%s is too long", name);
        return -1;
    }
    return 0;
}

/* HOST:PORT with an IPv4 host, or [IPv6]:PORT; the brackets are not kept. */
static int config_parse_listen(struct config *cfg, const char *value, char *err, size_t err_size)
{
    const char *host = value, *colon;
    size_t host_len;
    if (value[0] == '[') {
        const char *close = strchr(value, ']');
        colon = close && close[1] == ':' ? close + 1 : NULL;
        host = value + 1;
        host_len = close ? (size_t)(close - host) : 0;
    } else {
        colon = strrchr(value, ':');
        host_len = colon ? (size_t)(colon - value) : 0;
        if (colon && memchr(value, ':', host_len))
            colon = NULL; /* an IPv6 host needs brackets */
    }
    if (!colon || host_len == 0 || host_len >= sizeof cfg->listen_host) {
        snprintf(err, err_size, "--listen must be HOST:PORT or [IPv6]:PORT (got \"%.64s\")", value);
        return -1;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == 0 || port < 0 || port > 65535) {
        snprintf(err, err_size, "--listen port must be 0-65535 (got \"%.16s\")", colon + 1);
        return -1;
    }
    memcpy(cfg->listen_host, host, host_len);
    cfg->listen_host[host_len] = 0;
    cfg->listen_port = (uint16_t)port;
    return 0;
}

void config_default_issuer(struct config *cfg, unsigned port)
{
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    snprintf(cfg->issuer, sizeof cfg->issuer, "http://%s%s%s:%u", v6 ? "[" : "", cfg->listen_host,
             v6 ? "]" : "", port);
}

static int config_parse_int(const char *value, const char *name, long min, long max, int *out,
                            char *err, size_t err_size)
{
    char *end;
    long v = strtol(value, &end, 10);
    if (!*value || *end || v < min || v > max) {
        snprintf(err, err_size, "%s must be an integer between %ld and %ld", name, min, max);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* Wipes a secret read from a file when its buffer goes out of scope. */
static void config_wipe(char (*buf)[4096])
{
    explicit_bzero(*buf, sizeof *buf);
}

/*
 * The secret-bearing variables also come as NAME_FILE: a path whose contents are the
 * value (one trailing "\n" or "\r\n" removed), so secrets need not sit in the
 * environment (systemd credentials, Docker/Kubernetes secrets). Contract: sets *out
 * to NAME's value, the file's contents (in buf, which the caller wipes), or NULL when
 * neither is set. Both set, an unreadable, empty or over-long file, or a NUL byte in
 * it → -1 with a one-line message naming the variable (never the contents).
 */
static int config_secret_env(const char *name, char (*buf)[4096], const char **out, char *err,
                             size_t err_size)
{
    char file_var[96];
    snprintf(file_var, sizeof file_var, "%s_FILE", name);
    const char *value = getenv(name);
    const char *path = getenv(file_var);
    *out = NULL;
    if (path && *path && value && *value) {
        snprintf(err, err_size, "set %s or %s, not both", name, file_var);
        return -1;
    }
    if (!path || !*path) {
        *out = value && *value ? value : NULL;
        return 0;
    }
    FILE *in = fopen(path, "re");
    if (!in) {
        snprintf(err, err_size, "cannot read %s (%.200s): %s", file_var, path, strerror(errno));
        return -1;
    }
    size_t n = fread(*buf, 1, sizeof *buf, in);
    bool failed = ferror(in) != 0;
    fclose(in);
    if (failed) {
        snprintf(err, err_size, "cannot read %s (%.200s)", file_var, path);
        return -1;
    }
    if (n == sizeof *buf) {
        snprintf(err, err_size, "%s: the file is too long (at most %zu bytes)", file_var,
                 sizeof *buf - 1);
        return -1;
    }
    (*buf)[n] = 0;
    if (strlen(*buf) != n) {
        snprintf(err, err_size, "%s: the file contains a NUL byte", file_var);
        return -1;
    }
    if (n > 0 && (*buf)[n - 1] == '\n') {
        (*buf)[--n] = 0;
        if (n > 0 && (*buf)[n - 1] == '\r')
            (*buf)[--n] = 0;
    }
    if (n == 0) {
        snprintf(err, err_size, "%s: the file is empty", file_var);
        return -1;
    }
    *out = *buf;
    return 0;
}

static int config_apply(struct config *cfg, const char *name, const char *value, char *err,
                        size_t err_size)
{
    if (strcmp(name, "listen") == 0)
        return config_parse_listen(cfg, value, err, err_size);
    if (strcmp(name, "database") == 0) {
        /* The same schemes db_open accepts: a wrong one is a configuration error (exit 2),
         * not a failure to reach the database. */
        if (strncmp(value, "sqlite:", 7) != 0 && strncmp(value, "postgres://", 11) != 0 &&
            strncmp(value, "postgresql://", 13) != 0) {
            snprintf(err, err_size, "database must be sqlite:PATH or a postgres:// URL");
            return -1;
        }
        return config_copy(cfg->database, sizeof cfg->database, value, "database", err, err_size);
    }
    if (strcmp(name, "issuer") == 0) {
        if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0) {
            snprintf(err, err_size, "issuer must be an http(s) URL");
            return -1;
        }
        if (config_copy(cfg->issuer, sizeof cfg->issuer, value, "issuer", err, err_size))
            return -1;
        cfg->issuer_explicit = true;
        size_t n = strlen(cfg->issuer);
        while (n > 0 && cfg->issuer[n - 1] == '/')
            cfg->issuer[--n] = 0;
        return 0;
    }
    if (strcmp(name, "data-dir") == 0)
        return config_copy(cfg->data_dir, sizeof cfg->data_dir, value, "data-dir", err, err_size);
    snprintf(err, err_size, "unknown option --%s", name);
    return -1;
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t err_size)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->database, sizeof cfg->database, "sqlite:./var/tenantd.db");
    snprintf(cfg->data_dir, sizeof cfg->data_dir, "./var");
    snprintf(cfg->audience, sizeof cfg->audience, "tenantd-api");
    snprintf(cfg->scopes, sizeof cfg->scopes, "api");
    snprintf(cfg->signing_alg, sizeof cfg->signing_alg, "ES256");
    cfg->app_limit_default = 3;
    cfg->threads = 4;
    cfg->key_publish_lead_seconds = 60;
    cfg->token_ttl_seconds = 900;
    cfg->invitation_ttl_seconds = 72 * 3600;
    cfg->app_cache_max = 1000000;
    cfg->log_format = isatty(STDERR_FILENO) ? LOG_FORMAT_TEXT : LOG_FORMAT_JSON;
    cfg->log_level = LOG_INFO;
    cfg->assertion_replay_max = 1000000;
    cfg->stale_max_seconds = 300;
    cfg->change_log_retention_seconds = 3600;

    static const struct {
        const char *env, *option;
    } mapped[] = {{"TENANTD_LISTEN", "listen"},
                  {"TENANTD_DATABASE", "database"},
                  {"TENANTD_ISSUER", "issuer"},
                  {"TENANTD_DATA_DIR", "data-dir"}};
    char secret_file[4096] __attribute__((cleanup(config_wipe)));
    for (size_t i = 0; i < sizeof mapped / sizeof mapped[0]; i++) {
        const char *v = getenv(mapped[i].env);
        /* A PostgreSQL URI may hold a password: TENANTD_DATABASE_FILE too. */
        if (strcmp(mapped[i].env, "TENANTD_DATABASE") == 0 &&
            config_secret_env(mapped[i].env, &secret_file, &v, err, err_size) != 0)
            return -1;
        if (v && *v && config_apply(cfg, mapped[i].option, v, err, err_size))
            return -1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            snprintf(err, err_size, "unexpected argument \"%.64s\"", arg);
            return -1;
        }
        const char *name = arg + 2, *value;
        char key[32];
        const char *eq = strchr(name, '=');
        if (eq) {
            snprintf(key, sizeof key, "%.*s", (int)(eq - name), name);
            value = eq + 1;
        } else {
            if (i + 1 >= argc) {
                snprintf(err, err_size, "option %s needs a value", arg);
                return -1;
            }
            snprintf(key, sizeof key, "%s", name);
            value = argv[++i];
        }
        if (config_apply(cfg, key, value, err, err_size))
            return -1;
    }

    const char *v;
    if ((v = getenv("TENANTD_AUDIENCE")) && *v &&
        config_copy(cfg->audience, sizeof cfg->audience, v, "TENANTD_AUDIENCE", err, err_size))
        return -1;
    if ((v = getenv("TENANTD_SCOPES")) && *v &&
        config_copy(cfg->scopes, sizeof cfg->scopes, v, "TENANTD_SCOPES", err, err_size))
        return -1;
    if ((v = getenv("TENANTD_SIGNING_ALG")) && *v) {
        if (strcmp(v, "ES256") && strcmp(v, "RS256") && strcmp(v, "Ed25519") &&
            strcmp(v, "EdDSA")) {
            snprintf(err, err_size, "TENANTD_SIGNING_ALG must be ES256, RS256, Ed25519 or EdDSA");
            return -1;
        }
        snprintf(cfg->signing_alg, sizeof cfg->signing_alg, "%s", v);
    }
    if ((v = getenv("TENANTD_APP_LIMIT_DEFAULT")) && *v &&
        config_parse_int(v, "TENANTD_APP_LIMIT_DEFAULT", 0, 100000, &cfg->app_limit_default, err,
                         err_size))
        return -1;
    int threads = (int)cfg->threads;
    if ((v = getenv("TENANTD_THREADS")) && *v &&
        config_parse_int(v, "TENANTD_THREADS", 1, 64, &threads, err, err_size))
        return -1;
    cfg->threads = (unsigned)threads;
    if ((v = getenv("TENANTD_KEY_PUBLISH_LEAD_SECONDS")) && *v &&
        config_parse_int(v, "TENANTD_KEY_PUBLISH_LEAD_SECONDS", 0, 86400,
                         &cfg->key_publish_lead_seconds, err, err_size))
        return -1;
    if ((v = getenv("TENANTD_LOG_FORMAT")) && *v && !log_parse_format(v, &cfg->log_format)) {
        snprintf(err, err_size, "TENANTD_LOG_FORMAT must be json or text");
        return -1;
    }
    if ((v = getenv("TENANTD_LOG_LEVEL")) && *v && !log_parse_level(v, &cfg->log_level)) {
        snprintf(err, err_size, "TENANTD_LOG_LEVEL must be debug, info, warn or error");
        return -1;
    }
    if ((v = getenv("TENANTD_TRUSTED_PROXIES")) && *v &&
        trusted_proxies_parse(v, &cfg->trusted_proxies, err, err_size) != 0)
        return -1;
    if ((v = getenv("TENANTD_APP_CACHE_MAX")) && *v &&
        config_parse_int(v, "TENANTD_APP_CACHE_MAX", 64, 100000000, &cfg->app_cache_max, err,
                         err_size))
        return -1;
    if ((v = getenv("TENANTD_ASSERTION_REPLAY_MAX")) && *v &&
        config_parse_int(v, "TENANTD_ASSERTION_REPLAY_MAX", 16, 100000000,
                         &cfg->assertion_replay_max, err, err_size))
        return -1;
    if ((v = getenv("TENANTD_STALE_MAX_SECONDS")) && *v &&
        config_parse_int(v, "TENANTD_STALE_MAX_SECONDS", 1, 86400, &cfg->stale_max_seconds, err,
                         err_size))
        return -1;
    /* The retention must outlast the stale bound: a node that was cut off for less
     * than that catches up from the log instead of dropping its cache. */
    if ((v = getenv("TENANTD_CHANGE_LOG_RETENTION_SECONDS")) && *v &&
        config_parse_int(v, "TENANTD_CHANGE_LOG_RETENTION_SECONDS", 60, 30 * 86400,
                         &cfg->change_log_retention_seconds, err, err_size))
        return -1;
    if (cfg->change_log_retention_seconds <= cfg->stale_max_seconds) {
        snprintf(err, err_size,
                 "TENANTD_CHANGE_LOG_RETENTION_SECONDS must be longer than "
                 "TENANTD_STALE_MAX_SECONDS");
        return -1;
    }
    if (config_secret_env("TENANTD_METRICS_TOKEN", &secret_file, &v, err, err_size) != 0)
        return -1;
    if (v) {
        if (strlen(v) < 16 || strlen(v) >= sizeof cfg->metrics_token || strpbrk(v, " \t\r\n")) {
            snprintf(err, err_size,
                     "TENANTD_METRICS_TOKEN must be 16-128 characters without spaces");
            return -1;
        }
        snprintf(cfg->metrics_token, sizeof cfg->metrics_token, "%s", v);
    }
    if ((v = getenv("TENANTD_INVITATION_TTL_SECONDS")) && *v &&
        config_parse_int(v, "TENANTD_INVITATION_TTL_SECONDS", 1, 30 * 86400,
                         &cfg->invitation_ttl_seconds, err, err_size))
        return -1;
    if (config_secret_env("TENANTD_SMTP_URL", &secret_file, &v, err, err_size) != 0)
        return -1;
    if (v) {
        if (strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0) {
            snprintf(err, err_size, "TENANTD_SMTP_URL must be an smtp:// or smtps:// URL");
            return -1;
        }
        if (config_copy(cfg->smtp_url, sizeof cfg->smtp_url, v, "TENANTD_SMTP_URL", err, err_size))
            return -1;
    }
    snprintf(cfg->smtp_from, sizeof cfg->smtp_from, "tenantd@localhost");
    if ((v = getenv("TENANTD_SMTP_FROM")) && *v) {
        if (strpbrk(v, "\r\n<>\" ") || !strchr(v, '@')) {
            snprintf(err, err_size, "TENANTD_SMTP_FROM must be a plain email address");
            return -1;
        }
        if (config_copy(cfg->smtp_from, sizeof cfg->smtp_from, v, "TENANTD_SMTP_FROM", err,
                        err_size))
            return -1;
    }

    struct {
        const char *env;
        char *dst;
        size_t size;
    } storage[] = {
        {"TENANTD_MANAGED_STORAGE_ENDPOINT", cfg->managed_storage.endpoint,
         sizeof cfg->managed_storage.endpoint},
        {"TENANTD_MANAGED_STORAGE_BUCKET", cfg->managed_storage.bucket,
         sizeof cfg->managed_storage.bucket},
        {"TENANTD_MANAGED_STORAGE_REGION", cfg->managed_storage.region,
         sizeof cfg->managed_storage.region},
        {"TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID", cfg->managed_storage.access_key_id,
         sizeof cfg->managed_storage.access_key_id},
        {"TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY", cfg->managed_storage.secret_access_key,
         sizeof cfg->managed_storage.secret_access_key},
    };
    int set = 0;
    for (size_t i = 0; i < sizeof storage / sizeof storage[0]; i++) {
        v = getenv(storage[i].env);
        if (strcmp(storage[i].env, "TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY") == 0 &&
            config_secret_env(storage[i].env, &secret_file, &v, err, err_size) != 0)
            return -1;
        if (v && *v) {
            if (config_copy(storage[i].dst, storage[i].size, v, storage[i].env, err, err_size))
                return -1;
            set++;
        }
    }
    if (!cfg->managed_storage.region[0])
        snprintf(cfg->managed_storage.region, sizeof cfg->managed_storage.region, "us-east-1");
    cfg->managed_storage.configured =
        cfg->managed_storage.endpoint[0] && cfg->managed_storage.bucket[0] &&
        cfg->managed_storage.access_key_id[0] && cfg->managed_storage.secret_access_key[0];
    if (set > 0 && !cfg->managed_storage.configured &&
        !(set == 1 && getenv("TENANTD_MANAGED_STORAGE_REGION"))) {
        snprintf(err, err_size,
                 "managed storage needs TENANTD_MANAGED_STORAGE_ENDPOINT, _BUCKET, "
                 "_ACCESS_KEY_ID and _SECRET_ACCESS_KEY together");
        return -1;
    }

    if (!cfg->issuer[0])
        config_default_issuer(cfg, cfg->listen_port);
    cfg->cookie_secure = strncmp(cfg->issuer, "https://", 8) == 0;
    return 0;
}

unsigned config_write_workers(const struct config *cfg)
{
    unsigned n = cfg->threads;
    return n < 2 ? 2 : n > 8 ? 8 : n;
}
