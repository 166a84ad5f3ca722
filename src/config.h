/*
 * config.h — server configuration from TENANTD_* environment variables and the
 * `serve` flags. Every command reads the same variables, so `migrate`, `admin`,
 * `keys` and `demo` act on the database `serve` uses. Values are validated here,
 * once; the rest of the code trusts struct config.
 *
 * One table states every setting once (config_options, config.c): its variable,
 * its `serve` flag, its type, default, bounds and help. Parsing and validation
 * (config_load), `tenantd serve --help`, `tenantd config` and README.md's
 * configuration table (`make readme-config`; tests/unit/test_config.c fails when
 * README.md differs) are all derived from it, so they cannot drift apart. To add a
 * setting: a field in struct config, a row in the table, `make readme-config`.
 */
#ifndef TENANTD_CONFIG_H
#define TENANTD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "http/client_address.h"
#include "util/log.h"

struct config {
    char listen_host[64];
    uint16_t listen_port;
    char database[1024]; /* sqlite:PATH or postgres://... */
    char issuer[512];    /* no trailing slash */
    char data_dir[512];
    char master_key_file[4096]; /* "" = <data_dir>/master.key (crypto/master_key.h) */
    char audience[128];
    char scopes[512];     /* space-separated API scopes a tenant app may request */
    char signing_alg[16]; /* one of jws_alg_names (oauth/jws.h) */
    int app_limit_default;
    int threads;                  /* HTTP threads, 1-64 */
    int key_publish_lead_seconds; /* how long a new key is published before it signs */
    int token_ttl_seconds;        /* 900 per SPEC (not configurable) */
    int invitation_ttl_seconds;   /* 72 h per SPEC; shorter in tests */
    bool cookie_secure;           /* issuer is https */
    bool issuer_explicit;         /* set by flag/env; else derived from the bound port */
    int app_cache_max;            /* clients cached at most */
    int assertion_replay_max;     /* private_key_jwt jti values remembered at most */
    int stale_max_seconds;        /* SPEC §3.2a, default 300 */
    int change_log_retention_seconds;
    struct trusted_proxies trusted_proxies; /* SPEC §3.6 */
    enum log_format log_format;             /* json if stderr is no tty */
    enum log_level log_level;
    char metrics_token[129]; /* when set, /metrics needs it as Bearer */
    char smtp_url[512];
    char smtp_from[256]; /* envelope and header From: */
    struct {
        bool configured;
        char endpoint[512];
        char bucket[64];
        char region[64];
        char access_key_id[256];
        char secret_access_key[256];
    } managed_storage;
};

enum config_type {
    CONFIG_TEXT,    /* a string of at most the field's size - 1 bytes (or parsed by apply) */
    CONFIG_INTEGER, /* a decimal integer within [min, max], stored in an int */
    CONFIG_CHOICE,  /* exactly one of choices (case-sensitive) */
};

/*
 * One setting: everything parsing, validation, --help and the README need to know.
 * An empty variable counts as unset. Text in default_text, values and help is
 * Markdown with `code` spans only (--help prints it without the backquotes).
 */
struct config_option {
    const char *env;        /* the variable, e.g. "TENANTD_LISTEN" */
    const char *flag;       /* the `serve` flag without "--", or NULL */
    const char *flag_value; /* the flag's value in usage lines, e.g. "HOST:PORT" */
    enum config_type type;
    bool from_file;             /* also NAME_FILE: a file holding the value (secrets) */
    size_t offset, size;        /* the field in struct config; size 0: apply stores */
    long min, max;              /* CONFIG_INTEGER bounds, inclusive */
    const char *const *choices; /* CONFIG_CHOICE: the accepted names, NULL-terminated */
    const char *default_value;  /* applied like a configured value before the environment */
    const char *default_text;   /* the default in words, when it is computed; both NULL: unset */
    const char *values;         /* CONFIG_TEXT: what it accepts; NULL: any text */
    const char *help;           /* what it does */
    /* Optional: refuses a value with a one-line message naming `name` (the flag, or
     * the variable when there is no flag); runs before the value is stored. */
    int (*check)(const char *value, const char *name, char *err, size_t err_size);
    /* Optional: stores a (checked) value the generic store cannot: parsed structures,
     * enums. Same error contract as check. */
    int (*apply)(struct config *cfg, const char *value, const char *name, char *err,
                 size_t err_size);
};

/* The table, in the order the README and --help list it (and the environment is read). */
extern const struct config_option config_options[];
extern const size_t config_option_count;

/*
 * Fills cfg from defaults, then the environment, then the flags in argv (only for
 * `serve`: --listen, --database, --issuer, --data-dir, as --NAME VALUE or
 * --NAME=VALUE; pass argc 0 otherwise), then checks the rules between settings.
 * Returns 0, or -1 with a one-line message in err (never a secret's value).
 */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t err_size);

/* Sets the issuer to http://HOST:PORT (an IPv6 host in brackets): the default when
 * none is configured. */
void config_default_issuer(struct config *cfg, unsigned port);

/* How many write workers run admin mutations (http/server.h): as many as HTTP threads,
 * at least 2 (one waiting for the writer turn must not hold up a sign-in), at most 8
 * (writes are serialised anyway; each worker may hold a database connection). */
unsigned config_write_workers(const struct config *cfg);

/* ---- documentation derived from the table (config_doc.c) ---------------------- */

/* The flags as a usage fragment: "[--listen HOST:PORT] [--database URL] ...". */
void config_write_usage_flags(FILE *out);
/* Every setting as plain text for a terminal (`tenantd serve --help`, `tenantd config`). */
void config_write_help(FILE *out);
/* Every setting as README.md's Markdown table (`tenantd config --markdown`). */
void config_write_markdown(FILE *out);

#endif
