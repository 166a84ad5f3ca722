/*
 * config.c — the configuration table and the one loader that walks it: defaults,
 * environment (and NAME_FILE for secrets), `serve` flags, then the rules between
 * settings (see config.h). The documentation derived from the same table is in
 * config_doc.c.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oauth/jws.h"

/* ---- checks and parsers the table names ------------------------------------ */

/* HOST:PORT with an IPv4 host, or [IPv6]:PORT; the brackets are not kept. */
static int config_apply_listen(struct config *cfg, const char *value, const char *name, char *err,
                               size_t err_size)
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
        snprintf(err, err_size, "--%s must be HOST:PORT or [IPv6]:PORT (got \"%.64s\")", name,
                 value);
        return -1;
    }
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == 0 || port < 0 || port > 65535) {
        snprintf(err, err_size, "--%s port must be 0-65535 (got \"%.16s\")", name, colon + 1);
        return -1;
    }
    memcpy(cfg->listen_host, host, host_len);
    cfg->listen_host[host_len] = 0;
    cfg->listen_port = (uint16_t)port;
    return 0;
}

/* The same schemes db_open accepts: a wrong one is a configuration error (exit 2),
 * not a failure to reach the database. */
static int config_check_database(const char *value, const char *name, char *err, size_t err_size)
{
    if (strncmp(value, "sqlite:", 7) != 0 && strncmp(value, "postgres://", 11) != 0 &&
        strncmp(value, "postgresql://", 13) != 0) {
        snprintf(err, err_size, "%s must be sqlite:PATH or a postgres:// URL", name);
        return -1;
    }
    return 0;
}

static int config_check_issuer(const char *value, const char *name, char *err, size_t err_size)
{
    if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0) {
        snprintf(err, err_size, "%s must be an http(s) URL", name);
        return -1;
    }
    return 0;
}

static int config_check_smtp_url(const char *value, const char *name, char *err, size_t err_size)
{
    if (strncmp(value, "smtp://", 7) != 0 && strncmp(value, "smtps://", 8) != 0) {
        snprintf(err, err_size, "%s must be an smtp:// or smtps:// URL", name);
        return -1;
    }
    return 0;
}

static int config_check_email(const char *value, const char *name, char *err, size_t err_size)
{
    if (strpbrk(value, "\r\n<>\" ") || !strchr(value, '@')) {
        snprintf(err, err_size, "%s must be a plain email address", name);
        return -1;
    }
    return 0;
}

#define CONFIG_METRICS_TOKEN_MIN 16
#define CONFIG_METRICS_TOKEN_MAX 128 /* sizeof config.metrics_token - 1 */

static int config_check_metrics_token(const char *value, const char *name, char *err,
                                      size_t err_size)
{
    size_t n = strlen(value);
    if (n < CONFIG_METRICS_TOKEN_MIN || n > CONFIG_METRICS_TOKEN_MAX || strpbrk(value, " \t\r\n")) {
        snprintf(err, err_size, "%s must be %d-%d characters without spaces", name,
                 CONFIG_METRICS_TOKEN_MIN, CONFIG_METRICS_TOKEN_MAX);
        return -1;
    }
    return 0;
}

static int config_apply_trusted_proxies(struct config *cfg, const char *value, const char *name,
                                        char *err, size_t err_size)
{
    return trusted_proxies_parse(value, &cfg->trusted_proxies, err, err_size);
}

/* The log's names are log.c's to parse; the table lists them (a unit test checks
 * that every listed name parses). */
static const char *const config_log_formats[] = {"json", "text", NULL};
static const char *const config_log_levels[] = {"debug", "info", "warn", "error", NULL};

static int config_apply_log_format(struct config *cfg, const char *value, const char *name,
                                   char *err, size_t err_size)
{
    if (log_parse_format(value, &cfg->log_format))
        return 0;
    snprintf(err, err_size, "%s: unknown log format", name);
    return -1;
}

static int config_apply_log_level(struct config *cfg, const char *value, const char *name,
                                  char *err, size_t err_size)
{
    if (log_parse_level(value, &cfg->log_level))
        return 0;
    snprintf(err, err_size, "%s: unknown log level", name);
    return -1;
}

/* ---- the table ----------------------------------------------------------------- */

#define CONFIG_FIELD(member)                                                                       \
    .offset = offsetof(struct config, member), .size = sizeof(((struct config *)0)->member)

/* An integer setting: variable, field, bounds, default, help. */
#define CONFIG_INTEGER_SETTING(variable, member, lowest, highest, default, text)                   \
    {                                                                                              \
        .env = variable, .type = CONFIG_INTEGER, CONFIG_FIELD(member), .min = lowest,              \
        .max = highest, .default_value = default, .help = text,                                    \
    }

const struct config_option config_options[] = {
    {
        .env = "TENANTD_LISTEN",
        .flag = "listen",
        .flag_value = "HOST:PORT",
        .type = CONFIG_TEXT,
        .default_value = "127.0.0.1:8080",
        .values = "`IPv4:PORT` or `[IPv6]:PORT`",
        .help = "where the server listens (port 0: any free port)",
        .apply = config_apply_listen,
    },
    {
        .env = "TENANTD_DATABASE",
        .flag = "database",
        .flag_value = "URL",
        .type = CONFIG_TEXT,
        .from_file = true, /* a PostgreSQL URI may hold a password */
        CONFIG_FIELD(database),
        .default_value = "sqlite:./var/tenantd.db",
        .values = "`sqlite:PATH` or `postgres://...`",
        .help = "the database; PostgreSQL for several nodes (see `docs/POSTGRES.md`)",
        .check = config_check_database,
    },
    {
        .env = "TENANTD_ISSUER",
        .flag = "issuer",
        .flag_value = "URL",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(issuer),
        .default_text = "`http://<listen>`",
        .values = "`http://` or `https://` URL",
        .help = "token `iss`, base of metadata URLs; `https://` turns on `Secure` cookies and "
                "HSTS. Set it in production: tokens only verify against the issuer that "
                "signed them",
        .check = config_check_issuer,
    },
    {
        .env = "TENANTD_DATA_DIR",
        .flag = "data-dir",
        .flag_value = "DIR",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(data_dir),
        .default_value = "./var",
        .values = "directory",
        .help = "holds `master.key` (0600)",
    },
    {
        .env = "TENANTD_MASTER_KEY_FILE",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(master_key_file),
        .default_text = "`<data-dir>/master.key`",
        .values = "file",
        .help = "AES-256 master key for secrets at rest (created when missing)",
    },
    {
        .env = "TENANTD_SIGNING_ALG",
        .type = CONFIG_CHOICE,
        CONFIG_FIELD(signing_alg),
        .choices = jws_alg_names,
        .default_value = "ES256",
        .help = "how tokens are signed (`EdDSA` is the older name of `Ed25519`)",
    },
    {
        .env = "TENANTD_AUDIENCE",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(audience),
        .default_value = "tenantd-api",
        .help = "token `aud`",
    },
    {
        .env = "TENANTD_SCOPES",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(scopes),
        .default_value = "api",
        .values = "space-separated names",
        .help = "API scopes apps may request",
    },
    CONFIG_INTEGER_SETTING("TENANTD_APP_LIMIT_DEFAULT", app_limit_default, 0, 100000, "3",
                           "`app_limit` of new tenants"),
    CONFIG_INTEGER_SETTING(
        "TENANTD_THREADS", threads, 1, 64, "4",
        "HTTP worker threads (and as many write workers for admin changes, 2-8)"),
    CONFIG_INTEGER_SETTING("TENANTD_KEY_PUBLISH_LEAD_SECONDS", key_publish_lead_seconds, 0, 86400,
                           "60", "how long a rotated key is published before it signs"),
    {
        .env = "TENANTD_MANAGED_STORAGE_ENDPOINT",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(managed_storage.endpoint),
        .values = "URL",
        .help = "platform-managed S3 storage (`docs/STORAGE.md`): the endpoint; with "
                "`_BUCKET`, `_ACCESS_KEY_ID` and `_SECRET_ACCESS_KEY`, all four or none",
    },
    {
        .env = "TENANTD_MANAGED_STORAGE_BUCKET",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(managed_storage.bucket),
        .help = "managed storage: the platform bucket (each app under `apps/{aid}/`)",
    },
    {
        .env = "TENANTD_MANAGED_STORAGE_REGION",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(managed_storage.region),
        .default_value = "us-east-1",
        .help = "managed storage: the bucket's region",
    },
    {
        .env = "TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(managed_storage.access_key_id),
        .help = "managed storage: the access key id",
    },
    {
        .env = "TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY",
        .type = CONFIG_TEXT,
        .from_file = true,
        CONFIG_FIELD(managed_storage.secret_access_key),
        .help = "managed storage: the secret access key",
    },
    {
        .env = "TENANTD_SMTP_URL",
        .type = CONFIG_TEXT,
        .from_file = true, /* may carry SMTP credentials */
        CONFIG_FIELD(smtp_url),
        .values = "`smtp://` or `smtps://` URL",
        .help = "relay for outbound email (mail stays in the outbox, logged without bodies, "
                "when unset; undelivered mail expires with the invitation lifetime)",
        .check = config_check_smtp_url,
    },
    {
        .env = "TENANTD_SMTP_FROM",
        .type = CONFIG_TEXT,
        CONFIG_FIELD(smtp_from),
        .default_value = "tenantd@localhost",
        .values = "email address",
        .help = "sender address",
        .check = config_check_email,
    },
    {
        .env = "TENANTD_METRICS_TOKEN",
        .type = CONFIG_TEXT,
        .from_file = true,
        CONFIG_FIELD(metrics_token),
        .values = "16-128 characters, no spaces",
        .help = "when set, `/metrics` requires it as a Bearer token (series: "
                "`docs/OPERATIONS.md`)",
        .check = config_check_metrics_token,
    },
    CONFIG_INTEGER_SETTING("TENANTD_INVITATION_TTL_SECONDS", invitation_ttl_seconds, 1, 30 * 86400,
                           "259200",
                           "invitation lifetime; also how long an undelivered email stays queued"),
    {
        .env = "TENANTD_LOG_FORMAT",
        .type = CONFIG_CHOICE,
        .choices = config_log_formats,
        .default_text = "`json` when stderr is not a terminal, else `text`",
        .help = "log lines on stderr: one JSON object per line (`time`, `level`, `msg`, "
                "`request_id`, `trace_id`, ...) or text",
        .apply = config_apply_log_format,
    },
    {
        .env = "TENANTD_LOG_LEVEL",
        .type = CONFIG_CHOICE,
        .choices = config_log_levels,
        .default_value = "info",
        .help = "the least severe lines logged; `info` includes the access log (one line per "
                "request)",
        .apply = config_apply_log_level,
    },
    {
        .env = "TENANTD_TRUSTED_PROXIES",
        .type = CONFIG_TEXT,
        .values = "addresses and CIDR prefixes, comma- or space-separated",
        .help = "reverse proxies whose `Forwarded` / `X-Forwarded-For` is believed (rightmost "
                "untrusted hop); the resulting client address feeds the throttles and the "
                "audit log",
        .apply = config_apply_trusted_proxies,
    },
    CONFIG_INTEGER_SETTING(
        "TENANTD_APP_CACHE_MAX", app_cache_max, 64, 100000000, "1000000",
        "clients the token path keeps in memory (CLOCK eviction beyond; ~0.5-1 KiB "
        "each, see `docs/PERFORMANCE.md`)"),
    CONFIG_INTEGER_SETTING(
        "TENANTD_ASSERTION_REPLAY_MAX", assertion_replay_max, 16, 100000000, "1000000",
        "private_key_jwt `jti` values a node remembers (until each assertion's `exp` + 30 s); "
        "when all are live, new assertions get 503 rather than forgetting one "
        "(`docs/OAUTH.md` \"private_key_jwt\")"),
    CONFIG_INTEGER_SETTING(
        "TENANTD_STALE_MAX_SECONDS", stale_max_seconds, 1, 86400, "300",
        "with the database unreachable, cached clients keep getting tokens for this "
        "long after the last good change-feed read, then the node fails closed (SPEC "
        "§3.2a)"),
    CONFIG_INTEGER_SETTING(
        "TENANTD_CHANGE_LOG_RETENTION_SECONDS", change_log_retention_seconds, 60, 30 * 86400,
        "3600",
        "change-feed rows are pruned after this (must exceed the stale bound); a node "
        "cut off for longer drops its cache"),
};

const size_t config_option_count = sizeof config_options / sizeof config_options[0];

/* ---- loading ------------------------------------------------------------------- */

/* The name messages use: the flag when there is one (its variable sets the same
 * thing), else the variable. */
static const char *config_option_name(const struct config_option *opt)
{
    return opt->flag ? opt->flag : opt->env;
}

static int config_set_integer(struct config *cfg, const struct config_option *opt,
                              const char *value, char *err, size_t err_size)
{
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (!*value || *end || errno == ERANGE || v < opt->min || v > opt->max) {
        snprintf(err, err_size, "%s must be an integer between %ld and %ld",
                 config_option_name(opt), opt->min, opt->max);
        return -1;
    }
    *(int *)(void *)((char *)cfg + opt->offset) = (int)v;
    return 0;
}

static int config_set_choice(struct config *cfg, const struct config_option *opt, const char *value,
                             char *err, size_t err_size)
{
    for (size_t i = 0; opt->choices[i]; i++) {
        if (strcmp(value, opt->choices[i]) != 0)
            continue;
        if (opt->apply)
            return opt->apply(cfg, value, config_option_name(opt), err, err_size);
        snprintf((char *)cfg + opt->offset, opt->size, "%s", value);
        return 0;
    }
    /* "NAME must be a, b or c" */
    size_t used = (size_t)snprintf(err, err_size, "%s must be ", config_option_name(opt));
    for (size_t i = 0; opt->choices[i] && used < err_size; i++) {
        const char *sep = i == 0 ? "" : opt->choices[i + 1] ? ", " : " or ";
        used += (size_t)snprintf(err + used, err_size - used, "%s%s", sep, opt->choices[i]);
    }
    return -1;
}

static int config_set_text(struct config *cfg, const struct config_option *opt, const char *value,
                           char *err, size_t err_size)
{
    const char *name = config_option_name(opt);
    if (opt->check && opt->check(value, name, err, err_size) != 0)
        return -1;
    if (opt->apply)
        return opt->apply(cfg, value, name, err, err_size);
    int n = snprintf((char *)cfg + opt->offset, opt->size, "%s", value);
    if (n < 0 || (size_t)n >= opt->size) {
        snprintf(err, err_size, "%s is too long", name);
        return -1;
    }
    return 0;
}

/* Validates value against opt and stores it in cfg. */
static int config_set(struct config *cfg, const struct config_option *opt, const char *value,
                      char *err, size_t err_size)
{
    switch (opt->type) {
    case CONFIG_INTEGER:
        return config_set_integer(cfg, opt, value, err, err_size);
    case CONFIG_CHOICE:
        return config_set_choice(cfg, opt, value, err, err_size);
    case CONFIG_TEXT:
        return config_set_text(cfg, opt, value, err, err_size);
    }
    snprintf(err, err_size, "%s: unknown setting type", opt->env);
    return -1;
}

#define CONFIG_FILE_MAX 4096

/* Wipes a secret read from a file when its buffer goes out of scope. */
static void config_wipe(char (*buf)[CONFIG_FILE_MAX])
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
static int config_secret_env(const char *name, char (*buf)[CONFIG_FILE_MAX], const char **out,
                             char *err, size_t err_size)
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

/* Applies opt's variable (or NAME_FILE) when it is set and not empty. */
static int config_read_env(struct config *cfg, const struct config_option *opt, char *err,
                           size_t err_size)
{
    char secret_file[CONFIG_FILE_MAX] __attribute__((cleanup(config_wipe)));
    const char *value = getenv(opt->env);
    if (opt->from_file && config_secret_env(opt->env, &secret_file, &value, err, err_size) != 0)
        return -1;
    if (!value || !*value)
        return 0;
    return config_set(cfg, opt, value, err, err_size);
}

/* `serve` flags: --NAME VALUE or --NAME=VALUE; a flag overrides its variable. */
static int config_read_flags(struct config *cfg, int argc, char **argv, char *err, size_t err_size)
{
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
        const struct config_option *opt = NULL;
        for (size_t j = 0; j < config_option_count && !opt; j++)
            if (config_options[j].flag && strcmp(config_options[j].flag, key) == 0)
                opt = &config_options[j];
        if (!opt) {
            snprintf(err, err_size, "unknown option --%s", key);
            return -1;
        }
        if (config_set(cfg, opt, value, err, err_size) != 0)
            return -1;
    }
    return 0;
}

void config_default_issuer(struct config *cfg, unsigned port)
{
    bool v6 = strchr(cfg->listen_host, ':') != NULL;
    snprintf(cfg->issuer, sizeof cfg->issuer, "http://%s%s%s:%u", v6 ? "[" : "", cfg->listen_host,
             v6 ? "]" : "", port);
}

/* The rules between settings, and what follows from them. */
static int config_finish(struct config *cfg, char *err, size_t err_size)
{
    /* The retention must outlast the stale bound: a node that was cut off for less
     * than that catches up from the log instead of dropping its cache. */
    if (cfg->change_log_retention_seconds <= cfg->stale_max_seconds) {
        snprintf(err, err_size,
                 "TENANTD_CHANGE_LOG_RETENTION_SECONDS must be longer than "
                 "TENANTD_STALE_MAX_SECONDS");
        return -1;
    }
    /* Managed storage: all four or none (the region alone, or with them, is fine). */
    int set = (cfg->managed_storage.endpoint[0] != 0) + (cfg->managed_storage.bucket[0] != 0) +
              (cfg->managed_storage.access_key_id[0] != 0) +
              (cfg->managed_storage.secret_access_key[0] != 0);
    cfg->managed_storage.configured = set == 4;
    if (set > 0 && set < 4) {
        snprintf(err, err_size,
                 "managed storage needs TENANTD_MANAGED_STORAGE_ENDPOINT, _BUCKET, "
                 "_ACCESS_KEY_ID and _SECRET_ACCESS_KEY together");
        return -1;
    }
    cfg->issuer_explicit = cfg->issuer[0] != 0;
    if (cfg->issuer_explicit) {
        size_t n = strlen(cfg->issuer);
        while (n > 0 && cfg->issuer[n - 1] == '/')
            cfg->issuer[--n] = 0;
    } else {
        config_default_issuer(cfg, cfg->listen_port);
    }
    cfg->cookie_secure = strncmp(cfg->issuer, "https://", 8) == 0;
    return 0;
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t err_size)
{
    memset(cfg, 0, sizeof *cfg);
    /* Defaults the table cannot state as a value. */
    cfg->token_ttl_seconds = 900;
    cfg->log_format = isatty(STDERR_FILENO) ? LOG_FORMAT_TEXT : LOG_FORMAT_JSON;
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        if (opt->default_value && config_set(cfg, opt, opt->default_value, err, err_size) != 0)
            return -1; /* a broken table; tests/unit/test_config.c catches it */
    }
    for (size_t i = 0; i < config_option_count; i++)
        if (config_read_env(cfg, &config_options[i], err, err_size) != 0)
            return -1;
    if (config_read_flags(cfg, argc, argv, err, err_size) != 0)
        return -1;
    return config_finish(cfg, err, err_size);
}

unsigned config_write_workers(const struct config *cfg)
{
    unsigned n = (unsigned)cfg->threads;
    return n < 2 ? 2 : n > 8 ? 8 : n;
}
