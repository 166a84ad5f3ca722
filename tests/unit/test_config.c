/*
 * test_config.c — configuration (src/config.c, src/config_doc.c): every type of
 * setting (text, integer, choice, and the parsed ones: listen address, trusted
 * proxies), bounds and their exact messages, defaults, empty = unset, serve flags
 * over variables, NAME_FILE for secrets, the rules between settings, the table's own
 * consistency, and the documentation derived from it: README.md's configuration
 * table must be what `tenantd config --markdown` prints (run `make readme-config`),
 * `serve --help` lists every setting, and the Debian package names only settings
 * that exist.
 *
 * Run from the repository root (make unit does): these checks read README.md and
 * packaging/debian/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "oauth/jws.h"

extern char **environ;

static char tmp_dir[64];

/* Removes every TENANTD_* variable, so each test starts from the defaults. */
static void clear_env(void)
{
    for (;;) {
        char name[256] = "";
        for (char **e = environ; *e; e++) {
            if (strncmp(*e, "TENANTD_", 8) == 0) {
                size_t n = strcspn(*e, "=");
                snprintf(name, sizeof name, "%.*s", (int)n, *e);
                break;
            }
        }
        if (!name[0])
            return;
        unsetenv(name);
    }
}

static int setup(void **state)
{
    clear_env();
    snprintf(tmp_dir, sizeof tmp_dir, "/tmp/tenantd-config-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    clear_env();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmp_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void set(const char *name, const char *value)
{
    assert_int_equal(setenv(name, value, 1), 0);
}

static void load_ok(struct config *cfg)
{
    char err[512] = "";
    if (config_load(cfg, 0, NULL, err, sizeof err) != 0)
        fail_msg("config_load refused: %s", err);
}

static void load_flags_ok(struct config *cfg, int argc, char **argv)
{
    char err[512] = "";
    if (config_load(cfg, argc, argv, err, sizeof err) != 0)
        fail_msg("config_load refused: %s", err);
}

/* Asserts config_load refuses with exactly this one-line message. */
static void load_refused(const char *want)
{
    struct config cfg;
    char err[512] = "";
    if (config_load(&cfg, 0, NULL, err, sizeof err) == 0)
        fail_msg("config_load accepted; wanted \"%s\"", want);
    assert_string_equal(err, want);
}

/* Like load_refused, with a message that contains want. */
static void load_refused_with(const char *want)
{
    struct config cfg;
    char err[512] = "";
    if (config_load(&cfg, 0, NULL, err, sizeof err) == 0)
        fail_msg("config_load accepted; wanted \"%s\"", want);
    if (!strstr(err, want))
        fail_msg("\"%s\" does not contain \"%s\"", err, want);
    assert_null(strchr(err, '\n'));
}

static void flags_refused(int argc, char **argv, const char *want)
{
    struct config cfg;
    char err[512] = "";
    if (config_load(&cfg, argc, argv, err, sizeof err) == 0)
        fail_msg("config_load accepted; wanted \"%s\"", want);
    assert_string_equal(err, want);
}

static const struct config_option *option(const char *env)
{
    for (size_t i = 0; i < config_option_count; i++)
        if (strcmp(config_options[i].env, env) == 0)
            return &config_options[i];
    fail_msg("no option %s", env);
    return NULL;
}

static int int_field(const struct config *cfg, const struct config_option *opt)
{
    return *(const int *)(const void *)((const char *)cfg + opt->offset);
}

static void write_file(const char *path, const char *content, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    close(fd);
}

/* ---- defaults ------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    struct config cfg;
    load_ok(&cfg);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.database, "sqlite:./var/tenantd.db");
    assert_string_equal(cfg.issuer, "http://127.0.0.1:8080");
    assert_false(cfg.issuer_explicit);
    assert_false(cfg.cookie_secure);
    assert_string_equal(cfg.data_dir, "./var");
    assert_string_equal(cfg.master_key_file, "");
    assert_string_equal(cfg.audience, "tenantd-api");
    assert_string_equal(cfg.scopes, "api");
    assert_string_equal(cfg.signing_alg, "ES256");
    assert_int_equal(cfg.app_limit_default, 3);
    assert_int_equal(cfg.threads, 4);
    assert_int_equal(cfg.key_publish_lead_seconds, 60);
    assert_int_equal(cfg.token_ttl_seconds, 900);
    assert_int_equal(cfg.invitation_ttl_seconds, 72 * 3600);
    assert_int_equal(cfg.app_cache_max, 1000000);
    assert_int_equal(cfg.assertion_replay_max, 1000000);
    assert_int_equal(cfg.stale_max_seconds, 300);
    assert_int_equal(cfg.change_log_retention_seconds, 3600);
    assert_int_equal(cfg.trusted_proxies.count, 0);
    assert_int_equal(cfg.log_format, isatty(STDERR_FILENO) ? LOG_FORMAT_TEXT : LOG_FORMAT_JSON);
    assert_int_equal(cfg.log_level, LOG_INFO);
    assert_string_equal(cfg.metrics_token, "");
    assert_string_equal(cfg.smtp_url, "");
    assert_string_equal(cfg.smtp_from, "tenantd@localhost");
    assert_false(cfg.managed_storage.configured);
    assert_string_equal(cfg.managed_storage.endpoint, "");
    assert_string_equal(cfg.managed_storage.region, "us-east-1");
}

/* An empty variable is unset: the default stays. */
static void test_empty_is_unset(void **state)
{
    for (size_t i = 0; i < config_option_count; i++)
        set(config_options[i].env, "");
    set("TENANTD_DATABASE_FILE", "");
    struct config cfg;
    load_ok(&cfg);
    assert_string_equal(cfg.issuer, "http://127.0.0.1:8080");
    assert_false(cfg.issuer_explicit);
    assert_int_equal(cfg.threads, 4);
    assert_string_equal(cfg.database, "sqlite:./var/tenantd.db");
    assert_string_equal(cfg.smtp_from, "tenantd@localhost");
}

/* ---- the table itself ------------------------------------------------------------ */

static void test_table_is_consistent(void **state)
{
    assert_true(config_option_count >= 27);
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        assert_int_equal(strncmp(opt->env, "TENANTD_", 8), 0);
        assert_non_null(opt->help);
        assert_true(strlen(opt->help) > 0 && strlen(opt->help) < 600);
        assert_null(strchr(opt->help, '|')); /* would split the Markdown table */
        assert_true(!opt->flag == !opt->flag_value);
        assert_false(opt->default_value && opt->default_text);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(opt->env, config_options[j].env);
            if (opt->flag && config_options[j].flag)
                assert_string_not_equal(opt->flag, config_options[j].flag);
        }
        switch (opt->type) {
        case CONFIG_INTEGER:
            assert_int_equal(opt->size, sizeof(int));
            assert_true(opt->min <= opt->max);
            assert_non_null(opt->default_value);
            break;
        case CONFIG_CHOICE:
            assert_non_null(opt->choices);
            assert_non_null(opt->choices[0]);
            assert_true(opt->apply || opt->size > 0);
            break;
        case CONFIG_TEXT:
            assert_true(opt->apply || opt->size > 0);
            break;
        }
    }
    /* The choices the table lists are the ones their parsers take. */
    for (const char *const *c = option("TENANTD_LOG_FORMAT")->choices; *c; c++) {
        enum log_format f;
        assert_true(log_parse_format(*c, &f));
    }
    for (const char *const *c = option("TENANTD_LOG_LEVEL")->choices; *c; c++) {
        enum log_level l;
        assert_true(log_parse_level(*c, &l));
    }
    /* One list of signing algorithms: the configuration's is jws.c's. */
    assert_ptr_equal(option("TENANTD_SIGNING_ALG")->choices, jws_alg_names);
    for (const char *const *c = jws_alg_names; *c; c++) {
        enum jws_alg alg;
        assert_true(jws_alg_parse(*c, &alg));
    }
}

/* ---- integers -------------------------------------------------------------------- */

/* The contract, written out by hand (README/SPEC), not read from the table. */
static const struct {
    const char *env;
    long min, max, def;
} integers[] = {
    {"TENANTD_APP_LIMIT_DEFAULT", 0, 100000, 3},
    {"TENANTD_THREADS", 1, 64, 4},
    {"TENANTD_KEY_PUBLISH_LEAD_SECONDS", 0, 86400, 60},
    {"TENANTD_INVITATION_TTL_SECONDS", 1, 2592000, 259200},
    {"TENANTD_APP_CACHE_MAX", 64, 100000000, 1000000},
    {"TENANTD_ASSERTION_REPLAY_MAX", 16, 100000000, 1000000},
    {"TENANTD_STALE_MAX_SECONDS", 1, 86400, 300},
    {"TENANTD_CHANGE_LOG_RETENTION_SECONDS", 60, 2592000, 3600},
};

static void test_integers(void **state)
{
    size_t in_table = 0;
    for (size_t i = 0; i < config_option_count; i++)
        in_table += config_options[i].type == CONFIG_INTEGER;
    assert_int_equal(in_table, sizeof integers / sizeof integers[0]);

    for (size_t i = 0; i < sizeof integers / sizeof integers[0]; i++) {
        const char *env = integers[i].env;
        const struct config_option *opt = option(env);
        assert_int_equal(opt->type, CONFIG_INTEGER);
        assert_int_equal(opt->min, integers[i].min);
        assert_int_equal(opt->max, integers[i].max);
        clear_env();
        /* Keep the retention above the stale bound whichever one is tested. */
        if (strcmp(env, "TENANTD_STALE_MAX_SECONDS") == 0)
            set("TENANTD_CHANGE_LOG_RETENTION_SECONDS", "2592000");
        if (strcmp(env, "TENANTD_CHANGE_LOG_RETENTION_SECONDS") == 0)
            set("TENANTD_STALE_MAX_SECONDS", "1");

        struct config cfg;
        load_ok(&cfg);
        assert_int_equal(int_field(&cfg, opt), integers[i].def);

        char text[32], want[160];
        long ok[] = {integers[i].min, integers[i].max, (integers[i].min + integers[i].max) / 2};
        for (size_t k = 0; k < 3; k++) {
            snprintf(text, sizeof text, "%ld", ok[k]);
            set(env, text);
            load_ok(&cfg);
            assert_int_equal(int_field(&cfg, opt), ok[k]);
        }
        snprintf(want, sizeof want, "%s must be an integer between %ld and %ld", env,
                 integers[i].min, integers[i].max);
        char below[32], above[32];
        snprintf(below, sizeof below, "%ld", integers[i].min - 1);
        snprintf(above, sizeof above, "%ld", integers[i].max + 1);
        const char *bad[] = {below,
                             above,
                             "12x",
                             "x",
                             "1.5",
                             "0x10",
                             "99999999999999999999",
                             "-99999999999999999999"};
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            set(env, bad[k]);
            load_refused(want);
        }
    }
}

static void test_write_workers(void **state)
{
    struct config cfg;
    const struct {
        const char *threads;
        unsigned workers;
    } cases[] = {{"1", 2}, {"2", 2}, {"4", 4}, {"8", 8}, {"64", 8}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        set("TENANTD_THREADS", cases[i].threads);
        load_ok(&cfg);
        assert_int_equal(config_write_workers(&cfg), cases[i].workers);
    }
}

/* ---- choices --------------------------------------------------------------------- */

static void test_choices(void **state)
{
    struct config cfg;
    const char *algs[] = {"ES256", "RS256", "EdDSA", "Ed25519"};
    for (size_t i = 0; i < 4; i++) {
        set("TENANTD_SIGNING_ALG", algs[i]);
        load_ok(&cfg);
        assert_string_equal(cfg.signing_alg, algs[i]);
    }
    const char *bad_algs[] = {"HS256", "es256", "none", "ES256 ", "ES384"};
    for (size_t i = 0; i < sizeof bad_algs / sizeof bad_algs[0]; i++) {
        set("TENANTD_SIGNING_ALG", bad_algs[i]);
        load_refused("TENANTD_SIGNING_ALG must be ES256, RS256, EdDSA or Ed25519");
    }
    clear_env();

    set("TENANTD_LOG_FORMAT", "text");
    load_ok(&cfg);
    assert_int_equal(cfg.log_format, LOG_FORMAT_TEXT);
    set("TENANTD_LOG_FORMAT", "json");
    load_ok(&cfg);
    assert_int_equal(cfg.log_format, LOG_FORMAT_JSON);
    set("TENANTD_LOG_FORMAT", "JSON");
    load_refused("TENANTD_LOG_FORMAT must be json or text");
    clear_env();

    const struct {
        const char *name;
        enum log_level level;
    } levels[] = {
        {"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN}, {"error", LOG_ERROR}};
    for (size_t i = 0; i < 4; i++) {
        set("TENANTD_LOG_LEVEL", levels[i].name);
        load_ok(&cfg);
        assert_int_equal(cfg.log_level, levels[i].level);
    }
    set("TENANTD_LOG_LEVEL", "warning");
    load_refused("TENANTD_LOG_LEVEL must be debug, info, warn or error");
}

/* ---- text ------------------------------------------------------------------------ */

static void test_text_lengths(void **state)
{
    struct config cfg;
    char value[2048];
    memset(value, 'a', sizeof cfg.audience - 1);
    value[sizeof cfg.audience - 1] = 0;
    set("TENANTD_AUDIENCE", value);
    load_ok(&cfg);
    assert_string_equal(cfg.audience, value);
    memset(value, 'a', sizeof cfg.audience);
    value[sizeof cfg.audience] = 0;
    set("TENANTD_AUDIENCE", value);
    load_refused("TENANTD_AUDIENCE is too long");
    clear_env();

    /* A setting with a flag is named by its flag, from either source. */
    snprintf(value, sizeof value, "sqlite:");
    memset(value + 7, 'd', sizeof cfg.database - 7);
    value[sizeof cfg.database] = 0;
    set("TENANTD_DATABASE", value);
    load_refused("database is too long");
    value[sizeof cfg.database - 1] = 0;
    set("TENANTD_DATABASE", value);
    load_ok(&cfg);
    clear_env();

    set("TENANTD_SCOPES", "api read:things");
    set("TENANTD_DATA_DIR", "/var/lib/tenantd");
    set("TENANTD_MASTER_KEY_FILE", "/etc/tenantd/master.key");
    set("TENANTD_AUDIENCE", "my-api");
    load_ok(&cfg);
    assert_string_equal(cfg.scopes, "api read:things");
    assert_string_equal(cfg.data_dir, "/var/lib/tenantd");
    assert_string_equal(cfg.master_key_file, "/etc/tenantd/master.key");
    assert_string_equal(cfg.audience, "my-api");
}

static void test_listen(void **state)
{
    struct config cfg;
    const struct {
        const char *value, *host;
        unsigned port;
    } ok[] = {{"0.0.0.0:80", "0.0.0.0", 80},
              {"127.0.0.1:0", "127.0.0.1", 0},
              {"[::1]:9000", "::1", 9000},
              {"[::]:65535", "::", 65535},
              {"localhost:8080", "localhost", 8080}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        set("TENANTD_LISTEN", ok[i].value);
        load_ok(&cfg);
        assert_string_equal(cfg.listen_host, ok[i].host);
        assert_int_equal(cfg.listen_port, ok[i].port);
    }
    set("TENANTD_LISTEN", "[::1]:9000");
    load_ok(&cfg);
    assert_string_equal(cfg.issuer, "http://[::1]:9000"); /* the default issuer follows */

    const char *bad_address[] = {"nonsense", "::1:80", ":80", "[::1]", "[::1]80", "[]:80"};
    for (size_t i = 0; i < sizeof bad_address / sizeof bad_address[0]; i++) {
        set("TENANTD_LISTEN", bad_address[i]);
        char want[160];
        snprintf(want, sizeof want, "--listen must be HOST:PORT or [IPv6]:PORT (got \"%s\")",
                 bad_address[i]);
        load_refused(want);
    }
    set("TENANTD_LISTEN", "127.0.0.1:65536");
    load_refused("--listen port must be 0-65535 (got \"65536\")");
    set("TENANTD_LISTEN", "127.0.0.1:");
    load_refused("--listen port must be 0-65535 (got \"\")");
    set("TENANTD_LISTEN", "127.0.0.1:-1");
    load_refused("--listen port must be 0-65535 (got \"-1\")");
}

static void test_database_and_issuer(void **state)
{
    struct config cfg;
    const char *databases[] = {"sqlite:/tmp/x.db", "postgres://u@h/db", "postgresql:///db"};
    for (size_t i = 0; i < 3; i++) {
        set("TENANTD_DATABASE", databases[i]);
        load_ok(&cfg);
        assert_string_equal(cfg.database, databases[i]);
    }
    set("TENANTD_DATABASE", "mysql://x");
    load_refused("database must be sqlite:PATH or a postgres:// URL");
    clear_env();

    set("TENANTD_ISSUER", "https://id.example.com//");
    load_ok(&cfg);
    assert_string_equal(cfg.issuer, "https://id.example.com");
    assert_true(cfg.issuer_explicit);
    assert_true(cfg.cookie_secure);
    set("TENANTD_ISSUER", "http://tenantd.test");
    load_ok(&cfg);
    assert_true(cfg.issuer_explicit);
    assert_false(cfg.cookie_secure);
    set("TENANTD_ISSUER", "ftp://x");
    load_refused("issuer must be an http(s) URL");
}

static void test_smtp_and_metrics(void **state)
{
    struct config cfg;
    set("TENANTD_SMTP_URL", "smtps://user:pw@mail.example.com:465");
    set("TENANTD_SMTP_FROM", "noreply@example.com");
    load_ok(&cfg);
    assert_string_equal(cfg.smtp_url, "smtps://user:pw@mail.example.com:465");
    assert_string_equal(cfg.smtp_from, "noreply@example.com");
    set("TENANTD_SMTP_URL", "http://mail");
    load_refused("TENANTD_SMTP_URL must be an smtp:// or smtps:// URL");
    set("TENANTD_SMTP_URL", "smtp://127.0.0.1");
    const char *bad_from[] = {"no-at-sign", "a b@example.com", "<a@example.com>", "a@b\r\nBcc: x",
                              "\"a\"@example.com"};
    for (size_t i = 0; i < sizeof bad_from / sizeof bad_from[0]; i++) {
        set("TENANTD_SMTP_FROM", bad_from[i]);
        load_refused("TENANTD_SMTP_FROM must be a plain email address");
    }
    clear_env();

    const char *want = "TENANTD_METRICS_TOKEN must be 16-128 characters without spaces";
    char token[200];
    memset(token, 'm', sizeof token);
    token[15] = 0;
    set("TENANTD_METRICS_TOKEN", token);
    load_refused(want);
    memset(token, 'm', 16);
    token[16] = 0;
    set("TENANTD_METRICS_TOKEN", token);
    load_ok(&cfg);
    assert_string_equal(cfg.metrics_token, token);
    memset(token, 'm', 128);
    token[128] = 0;
    set("TENANTD_METRICS_TOKEN", token);
    load_ok(&cfg);
    assert_string_equal(cfg.metrics_token, token);
    token[128] = 'm';
    token[129] = 0;
    set("TENANTD_METRICS_TOKEN", token);
    load_refused(want);
    set("TENANTD_METRICS_TOKEN", "metrics token 0123456789");
    load_refused(want);
    set("TENANTD_METRICS_TOKEN", "metrics-token\t0123456789");
    load_refused(want);
}

static void test_trusted_proxies(void **state)
{
    struct config cfg;
    set("TENANTD_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8 fd00::/8");
    load_ok(&cfg);
    assert_int_equal(cfg.trusted_proxies.count, 3);
    set("TENANTD_TRUSTED_PROXIES", "10.0.0.1/8");
    load_refused_with("TENANTD_TRUSTED_PROXIES");
}

/* ---- rules between settings --------------------------------------------------------- */

static void test_managed_storage(void **state)
{
    struct config cfg;
    set("TENANTD_MANAGED_STORAGE_REGION", "eu-west-1");
    load_ok(&cfg); /* the region alone is fine */
    assert_false(cfg.managed_storage.configured);
    assert_string_equal(cfg.managed_storage.region, "eu-west-1");

    const char *four[][2] = {{"TENANTD_MANAGED_STORAGE_ENDPOINT", "https://s3.example.com"},
                             {"TENANTD_MANAGED_STORAGE_BUCKET", "platform"},
                             {"TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                             {"TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY", "secret/key"}};
    const char *want = "managed storage needs TENANTD_MANAGED_STORAGE_ENDPOINT, _BUCKET, "
                       "_ACCESS_KEY_ID and _SECRET_ACCESS_KEY together";
    /* Any one of the four missing is refused, with or without the region. */
    for (size_t missing = 0; missing < 4; missing++) {
        clear_env();
        for (size_t i = 0; i < 4; i++)
            if (i != missing)
                set(four[i][0], four[i][1]);
        load_refused(want);
        set("TENANTD_MANAGED_STORAGE_REGION", "eu-west-1");
        load_refused(want);
    }
    clear_env();
    set(four[2][0], four[2][1]);
    load_refused(want);

    clear_env();
    for (size_t i = 0; i < 4; i++)
        set(four[i][0], four[i][1]);
    load_ok(&cfg);
    assert_true(cfg.managed_storage.configured);
    assert_string_equal(cfg.managed_storage.endpoint, "https://s3.example.com");
    assert_string_equal(cfg.managed_storage.bucket, "platform");
    assert_string_equal(cfg.managed_storage.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(cfg.managed_storage.secret_access_key, "secret/key");
    assert_string_equal(cfg.managed_storage.region, "us-east-1");
}

static void test_change_log_outlasts_stale_bound(void **state)
{
    const char *want = "TENANTD_CHANGE_LOG_RETENTION_SECONDS must be longer than "
                       "TENANTD_STALE_MAX_SECONDS";
    set("TENANTD_STALE_MAX_SECONDS", "3600");
    load_refused(want);
    set("TENANTD_STALE_MAX_SECONDS", "3599");
    struct config cfg;
    load_ok(&cfg);
    clear_env();
    set("TENANTD_CHANGE_LOG_RETENTION_SECONDS", "300");
    load_refused(want);
    set("TENANTD_CHANGE_LOG_RETENTION_SECONDS", "301");
    load_ok(&cfg);
}

/* ---- serve flags --------------------------------------------------------------------- */

static void test_flags(void **state)
{
    struct config cfg;
    set("TENANTD_LISTEN", "127.0.0.1:1111");
    set("TENANTD_DATABASE", "sqlite:/tmp/env.db");
    char *argv[] = {"--listen=[::1]:2222",       "--database", "postgres://h/db",
                    "--issuer=https://id.test/", "--data-dir", "/srv/tenantd"};
    load_flags_ok(&cfg, 6, argv);
    assert_string_equal(cfg.listen_host, "::1");
    assert_int_equal(cfg.listen_port, 2222);
    assert_string_equal(cfg.database, "postgres://h/db");
    assert_string_equal(cfg.issuer, "https://id.test");
    assert_true(cfg.issuer_explicit);
    assert_string_equal(cfg.data_dir, "/srv/tenantd");

    /* The variable is still validated when a flag overrides it. */
    set("TENANTD_LISTEN", "nonsense");
    char *listen[] = {"--listen", "127.0.0.1:1"};
    flags_refused(2, listen, "--listen must be HOST:PORT or [IPv6]:PORT (got \"nonsense\")");
    clear_env();

    char *missing[] = {"--database"};
    flags_refused(1, missing, "option --database needs a value");
    char *unknown[] = {"--threads=4"};
    flags_refused(1, unknown, "unknown option --threads");
    char *positional[] = {"serve"};
    flags_refused(1, positional, "unexpected argument \"serve\"");
    char *bad_db[] = {"--database=mysql://x"};
    flags_refused(1, bad_db, "database must be sqlite:PATH or a postgres:// URL");
    char *empty_issuer[] = {"--issuer="};
    flags_refused(1, empty_issuer, "issuer must be an http(s) URL");
}

/* ---- NAME_FILE --------------------------------------------------------------------- */

/* A valid value for each secret-bearing setting (and what else it needs). */
static const char *secret_value(const char *env)
{
    if (strcmp(env, "TENANTD_DATABASE") == 0)
        return "sqlite:/tmp/from-file.db";
    if (strcmp(env, "TENANTD_SMTP_URL") == 0)
        return "smtp://user:pw@127.0.0.1:2525";
    if (strcmp(env, "TENANTD_METRICS_TOKEN") == 0)
        return "metrics-token-from-a-file";
    if (strcmp(env, "TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY") == 0) {
        set("TENANTD_MANAGED_STORAGE_ENDPOINT", "https://s3.example.com");
        set("TENANTD_MANAGED_STORAGE_BUCKET", "platform");
        set("TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID", "AKIDEXAMPLE");
        return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    }
    fail_msg("no test value for %s", env);
    return NULL;
}

static void test_secret_files(void **state)
{
    size_t secrets = 0;
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        if (!opt->from_file)
            continue;
        secrets++;
        clear_env();
        const char *value = secret_value(opt->env);
        char file_var[96], path[128], content[256], want[512];
        snprintf(file_var, sizeof file_var, "%s_FILE", opt->env);
        snprintf(path, sizeof path, "%s/%s", tmp_dir, opt->env);
        struct config cfg;

        /* One trailing "\n" or "\r\n" is removed. */
        const char *endings[] = {"", "\n", "\r\n"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(content, sizeof content, "%s%s", value, endings[k]);
            write_file(path, content, strlen(content));
            set(file_var, path);
            load_ok(&cfg);
            assert_string_equal((const char *)&cfg + opt->offset, value);
        }
        /* Both set. */
        set(opt->env, value);
        snprintf(want, sizeof want, "set %s or %s, not both", opt->env, file_var);
        load_refused(want);
        unsetenv(opt->env);
        /* An empty file, or one holding only the newline. */
        write_file(path, "\n", 1);
        snprintf(want, sizeof want, "%s: the file is empty", file_var);
        load_refused(want);
        write_file(path, "", 0);
        load_refused(want);
        /* A NUL byte. */
        write_file(path, "abc\0def", 7);
        snprintf(want, sizeof want, "%s: the file contains a NUL byte", file_var);
        load_refused(want);
        /* Too long: 4096 bytes and more are refused, 4095 are read (then validated). */
        char big[4097];
        memset(big, 'x', sizeof big);
        write_file(path, big, 4096);
        snprintf(want, sizeof want, "%s: the file is too long (at most 4095 bytes)", file_var);
        load_refused(want);
        write_file(path, big, 4095);
        struct config unused;
        char err[512] = "";
        assert_int_equal(config_load(&unused, 0, NULL, err, sizeof err), -1);
        assert_null(strstr(err, "xxxxxxxx")); /* never the contents */
        /* Missing, or a directory. */
        char missing[160];
        snprintf(missing, sizeof missing, "%s/no-such-file", tmp_dir);
        set(file_var, missing);
        snprintf(want, sizeof want, "cannot read %s (%s): No such file or directory", file_var,
                 missing);
        load_refused(want);
        set(file_var, tmp_dir);
        snprintf(want, sizeof want, "cannot read %s", file_var);
        load_refused_with(want);
        /* An empty NAME_FILE is unset: NAME applies. */
        set(file_var, "");
        set(opt->env, value);
        load_ok(&cfg);
        assert_string_equal((const char *)&cfg + opt->offset, value);
    }
    assert_int_equal(secrets, 4);

    /* The value from a file is validated like the variable's. */
    clear_env();
    char path[128];
    snprintf(path, sizeof path, "%s/smtp", tmp_dir);
    write_file(path, "http://not-smtp.example\n", 24);
    set("TENANTD_SMTP_URL_FILE", path);
    load_refused("TENANTD_SMTP_URL must be an smtp:// or smtps:// URL");
    snprintf(path, sizeof path, "%s/metrics", tmp_dir);
    write_file(path, "metrics-token-0123456789\n\n", 26); /* the second newline stays */
    set("TENANTD_METRICS_TOKEN_FILE", path);
    unsetenv("TENANTD_SMTP_URL_FILE");
    load_refused("TENANTD_METRICS_TOKEN must be 16-128 characters without spaces");
}

/* ---- documentation ------------------------------------------------------------------ */

static char *render(void (*write)(FILE *))
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    assert_non_null(out);
    write(out);
    fclose(out);
    return text;
}

static void test_readme_table_is_generated(void **state)
{
    FILE *in = fopen("README.md", "r");
    if (!in)
        fail_msg("README.md not found: run the unit tests from the repository root");
    static char readme[256 * 1024];
    size_t n = fread(readme, 1, sizeof readme - 1, in);
    fclose(in);
    readme[n] = 0;
    const char *begin = strstr(readme, "\n<!-- config-table:begin");
    const char *end = strstr(readme, "\n<!-- config-table:end -->");
    assert_non_null(begin);
    assert_non_null(end);
    begin = strchr(begin + 1, '\n') + 1;
    end++;
    assert_true(begin <= end);
    char *table = render(config_write_markdown);
    if (strlen(table) != (size_t)(end - begin) || memcmp(table, begin, strlen(table)) != 0)
        fail_msg("README.md's configuration table is not what src/config.c's table "
                 "generates: run `make readme-config` and commit README.md");
    /* Every setting is in it, with its flag and NAME_FILE. */
    for (size_t i = 0; i < config_option_count; i++) {
        char row[160];
        snprintf(row, sizeof row, "| `%s`%s", config_options[i].env,
                 config_options[i].from_file ? " (or `_FILE`)" : "");
        assert_non_null(strstr(table, row));
    }
    free(table);
}

/* True when name is a setting's variable, or the NAME_FILE of a secret-bearing one. */
static bool is_setting(const char *name)
{
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        size_t n = strlen(opt->env);
        if (strcmp(name, opt->env) == 0 ||
            (opt->from_file && strncmp(name, opt->env, n) == 0 && strcmp(name + n, "_FILE") == 0))
            return true;
    }
    return false;
}

/* The Debian package's /etc/default file and unit name only variables the binary
 * reads (a renamed setting cannot leave them behind). */
static void test_packaging_names_known_settings(void **state)
{
    const char *files[] = {"packaging/debian/default", "packaging/debian/tenantd.service",
                           "packaging/debian/postinst"};
    size_t seen = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        FILE *in = fopen(files[f], "r");
        if (!in)
            fail_msg("%s not found: run the unit tests from the repository root", files[f]);
        static char text[64 * 1024];
        size_t n = fread(text, 1, sizeof text - 1, in);
        fclose(in);
        text[n] = 0;
        for (const char *p = strstr(text, "TENANTD_"); p; p = strstr(p + 1, "TENANTD_")) {
            char name[96];
            size_t len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
            snprintf(name, sizeof name, "%.*s", (int)len, p);
            if (!is_setting(name))
                fail_msg("%s names %s, which is no setting (src/config.c)", files[f], name);
            seen++;
        }
    }
    assert_true(seen >= 10);
}

static void test_help_lists_every_setting(void **state)
{
    char *help = render(config_write_help);
    char *usage = render(config_write_usage_flags);
    assert_string_equal(usage, "[--listen HOST:PORT] [--database URL] [--issuer URL] "
                               "[--data-dir DIR]");
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        char line[256];
        snprintf(line, sizeof line, "\n%s%s%s", opt->env, opt->from_file ? " or " : "",
                 opt->from_file ? opt->env : "");
        assert_non_null(strstr(help, line));
        if (opt->flag) {
            snprintf(line, sizeof line, "--%s %s", opt->flag, opt->flag_value);
            assert_non_null(strstr(help, line));
            assert_non_null(strstr(usage, line));
        }
    }
    assert_null(strchr(help, '`')); /* Markdown stays out of the terminal */
    /* The wrapped lines fit 80 columns. */
    for (char *line = help, *next; *line; line = next + 1) {
        next = strchr(line, '\n');
        assert_non_null(next);
        if (line[0] == ' ')
            assert_true(next - line <= 80);
    }
    free(help);
    free(usage);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_is_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_is_consistent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_choices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_lengths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_and_issuer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_smtp_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_proxies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_managed_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_log_outlasts_stale_bound, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secret_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readme_table_is_generated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_packaging_names_known_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_help_lists_every_setting, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
