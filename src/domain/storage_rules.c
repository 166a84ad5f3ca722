/*
 * domain/storage_rules — storage provider rules, bucket / endpoint /
 * region / credential shapes, addressing style and object keys.
 * Decisions where SPEC is silent are listed in docs/RULES.md.
 */
#include "domain/storage_rules.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain/host_syntax.h"
#include "domain/utf8.h"

static bool fail(const char **reason, const char *message)
{
    if (reason != NULL)
        *reason = message;
    return false;
}

static const struct {
    enum storage_provider provider;
    const char *name;
} PROVIDERS[] = {
    {STORAGE_AWS_S3, "aws_s3"},
    {STORAGE_TIGRIS, "tigris"},
    {STORAGE_CLOUDFLARE_R2, "cloudflare_r2"},
    {STORAGE_MINIO, "minio"},
    {STORAGE_BACKBLAZE_B2, "backblaze_b2"},
};

bool storage_provider_parse(const char *s, enum storage_provider *out)
{
    if (s == NULL)
        return false;
    for (size_t i = 0; i < sizeof PROVIDERS / sizeof PROVIDERS[0]; i++) {
        if (strcmp(s, PROVIDERS[i].name) == 0) {
            if (out != NULL)
                *out = PROVIDERS[i].provider;
            return true;
        }
    }
    return false;
}

const char *storage_provider_name(enum storage_provider p)
{
    for (size_t i = 0; i < sizeof PROVIDERS / sizeof PROVIDERS[0]; i++) {
        if (PROVIDERS[i].provider == p)
            return PROVIDERS[i].name;
    }
    return "unknown";
}

static bool has_prefix(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Four dot-separated labels, all digits: "formatted as an IP address". */
static bool looks_like_ipv4(const char *s, size_t len)
{
    size_t labels = 1;
    bool label_has_digit = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (!label_has_digit)
                return false;
            labels++;
            label_has_digit = false;
        } else if (s[i] >= '0' && s[i] <= '9') {
            label_has_digit = true;
        } else {
            return false;
        }
    }
    return labels == 4 && label_has_digit;
}

bool storage_bucket_is_valid(const char *bucket, const char **reason)
{
    static const char *const BAD_PREFIXES[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const BAD_SUFFIXES[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                               "--table-s3"};
    if (bucket == NULL)
        return fail(reason, "is required");
    size_t len = strnlen(bucket, STORAGE_BUCKET_MAX_LEN + 1);
    if (len < 3 || len > STORAGE_BUCKET_MAX_LEN)
        return fail(reason, "must be 3 to 63 characters long");
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(bucket[i]) && bucket[i] != '.' && bucket[i] != '-')
            return fail(reason, "may contain only lowercase letters, digits, '.' and '-'");
    }
    if (!is_lower_alnum(bucket[0]) || !is_lower_alnum(bucket[len - 1]))
        return fail(reason, "must begin and end with a letter or digit");
    if (strstr(bucket, "..") != NULL)
        return fail(reason, "must not contain two adjacent periods");
    if (looks_like_ipv4(bucket, len))
        return fail(reason, "must not be formatted as an IP address");
    for (size_t i = 0; i < sizeof BAD_PREFIXES / sizeof BAD_PREFIXES[0]; i++) {
        if (has_prefix(bucket, len, BAD_PREFIXES[i]))
            return fail(reason, "uses a prefix reserved by Amazon S3");
    }
    for (size_t i = 0; i < sizeof BAD_SUFFIXES / sizeof BAD_SUFFIXES[0]; i++) {
        if (has_suffix(bucket, len, BAD_SUFFIXES[i]))
            return fail(reason, "uses a suffix reserved by Amazon S3");
    }
    return true;
}

/* The pieces of a valid endpoint, as spans of the input string. */
struct endpoint_parts {
    bool https;
    const char *host; /* including brackets for IPv6 */
    size_t host_len;
    const char *port; /* NULL when absent */
    size_t port_len;
};

static bool host_is_ipv6_literal(const char *h, size_t len, unsigned char addr[16])
{
    if (len < 4 || h[0] != '[' || h[len - 1] != ']' || len - 2 >= INET6_ADDRSTRLEN)
        return false;
    char literal[INET6_ADDRSTRLEN];
    memcpy(literal, h + 1, len - 2);
    literal[len - 2] = '\0';
    return inet_pton(AF_INET6, literal, addr) == 1;
}

static bool host_is_loopback(const char *h, size_t len)
{
    if (len == 9 && strncasecmp(h, "localhost", 9) == 0)
        return true;
    unsigned char v4[4];
    if (host_syntax_ipv4_parse(h, len, v4))
        return v4[0] == 127;
    unsigned char v6[16];
    if (host_is_ipv6_literal(h, len, v6)) {
        static const unsigned char LOOPBACK6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return memcmp(v6, LOOPBACK6, sizeof v6) == 0;
    }
    return false;
}

static bool endpoint_parse(const char *endpoint, struct endpoint_parts *parts, const char **reason)
{
    if (endpoint == NULL || endpoint[0] == '\0')
        return fail(reason, "must not be empty");
    size_t len = strnlen(endpoint, URI_MAX_LEN + 1);
    if (len > URI_MAX_LEN)
        return fail(reason, "must be at most 2048 bytes");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)endpoint[i];
        if (c <= 0x20u || c >= 0x7Fu)
            return fail(reason, "must be printable ASCII without spaces");
    }
    const char *rest;
    if (strncasecmp(endpoint, "https://", 8) == 0) {
        parts->https = true;
        rest = endpoint + 8;
    } else if (strncasecmp(endpoint, "http://", 7) == 0) {
        parts->https = false;
        rest = endpoint + 7;
    } else {
        return fail(reason, "must be an absolute https:// URL");
    }
    size_t auth_len = strcspn(rest, "/?#");
    const char *tail = rest + auth_len;
    if (strchr(tail, '?') != NULL)
        return fail(reason, "must not have a query");
    if (strchr(tail, '#') != NULL)
        return fail(reason, "must not have a fragment");
    if (!(tail[0] == '\0' || strcmp(tail, "/") == 0))
        return fail(reason, "must not have a path");
    if (memchr(rest, '@', auth_len) != NULL)
        return fail(reason, "must not contain user information");

    size_t host_len;
    if (auth_len > 0 && rest[0] == '[') {
        const char *close = memchr(rest, ']', auth_len);
        host_len = close != NULL ? (size_t)(close - rest) + 1 : auth_len;
    } else {
        const char *colon = memchr(rest, ':', auth_len);
        host_len = colon != NULL ? (size_t)(colon - rest) : auth_len;
    }
    if (host_len == 0)
        return fail(reason, "must have a host");
    unsigned char scratch[16];
    bool host_ok;
    if (rest[0] == '[')
        host_ok = host_is_ipv6_literal(rest, host_len, scratch);
    else if (host_syntax_ends_in_number(rest, host_len))
        host_ok = host_syntax_ipv4_parse(rest, host_len, NULL);
    else
        host_ok = host_syntax_dns_name_is_valid(rest, host_len, false, true);
    if (!host_ok)
        return fail(reason, "has an invalid host");
    parts->host = rest;
    parts->host_len = host_len;
    parts->port = NULL;
    parts->port_len = 0;
    if (host_len < auth_len) {
        if (rest[host_len] != ':' ||
            host_syntax_port_parse(rest + host_len + 1, auth_len - host_len - 1) < 0)
            return fail(reason, "has an invalid port");
        parts->port = rest + host_len + 1;
        parts->port_len = auth_len - host_len - 1;
    }
    if (!parts->https && !host_is_loopback(rest, host_len))
        return fail(reason, "must use https:// (http:// is allowed only for a loopback host)");
    return true;
}

bool storage_endpoint_is_valid(const char *endpoint, const char **reason)
{
    struct endpoint_parts parts;
    return endpoint_parse(endpoint, &parts, reason);
}

bool storage_endpoint_normalize(const char *endpoint, char *out, size_t out_size,
                                const char **reason)
{
    if (out != NULL && out_size > 0)
        out[0] = '\0';
    struct endpoint_parts parts;
    if (!endpoint_parse(endpoint, &parts, reason))
        return false;
    if (out == NULL)
        return fail(reason, "is too long");
    char host[URI_MAX_LEN + 1];
    for (size_t i = 0; i < parts.host_len; i++)
        host[i] = host_syntax_char_lower(parts.host[i]);
    host[parts.host_len] = '\0';
    int n = snprintf(out, out_size, "%s://%s%s%.*s", parts.https ? "https" : "http", host,
                     parts.port != NULL ? ":" : "", (int)parts.port_len,
                     parts.port != NULL ? parts.port : "");
    if (n < 0 || (size_t)n >= out_size) {
        if (out_size > 0)
            out[0] = '\0';
        return fail(reason, "is too long");
    }
    return true;
}

static bool printable_token(const char *s, size_t max)
{
    if (s == NULL)
        return false;
    size_t len = strnlen(s, max + 1);
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21u || c > 0x7Eu)
            return false;
    }
    return true;
}

bool storage_region_is_valid(const char *region)
{
    if (region == NULL)
        return false;
    size_t len = strnlen(region, STORAGE_REGION_MAX_LEN + 1);
    if (len == 0 || len > STORAGE_REGION_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!is_lower_alnum(region[i]) && region[i] != '-')
            return false;
    }
    return true;
}

bool storage_access_key_id_is_valid(const char *s)
{
    return printable_token(s, STORAGE_ACCESS_KEY_ID_MAX_LEN);
}

bool storage_secret_key_is_valid(const char *s)
{
    return printable_token(s, STORAGE_SECRET_KEY_MAX_LEN);
}

static bool rule_fail(const char **code, const char **field, const char *c, const char *f)
{
    if (code != NULL)
        *code = c;
    if (field != NULL)
        *field = f;
    return false;
}

static bool set_text(char *dst, size_t dst_size, const char *fmt, const char *arg)
{
    int n = snprintf(dst, dst_size, fmt, arg);
    return n >= 0 && (size_t)n < dst_size;
}

/*
 * If the canonical endpoint is exactly "https://s3.<region>.<domain>" (no
 * port), copies <region> into region and returns true. Used to infer the
 * signing region from well-known provider endpoints.
 */
static bool region_from_endpoint(const char *endpoint, const char *domain, char *region,
                                 size_t region_size)
{
    const char *prefix = "https://s3.";
    size_t plen = strlen(prefix), dlen = strlen(domain), elen = strlen(endpoint);
    if (elen <= plen + dlen + 1 || strncmp(endpoint, prefix, plen) != 0 ||
        strcmp(endpoint + elen - dlen, domain) != 0 || endpoint[elen - dlen - 1] != '.')
        return false;
    size_t rlen = elen - plen - dlen - 1;
    if (rlen >= region_size)
        return false;
    memcpy(region, endpoint + plen, rlen);
    region[rlen] = '\0';
    return storage_region_is_valid(region);
}

bool storage_config_apply_provider_rules(struct storage_config *cfg, bool endpoint_given,
                                         bool region_given, const char **code, const char **field)
{
    if (code != NULL)
        *code = NULL;
    if (field != NULL)
        *field = NULL;
    if (cfg == NULL)
        return rule_fail(code, field, "invalid_provider", "provider");
    if (strcmp(storage_provider_name(cfg->provider), "unknown") == 0)
        return rule_fail(code, field, "invalid_provider", "provider");
    if (strnlen(cfg->bucket, sizeof cfg->bucket) == sizeof cfg->bucket ||
        !storage_bucket_is_valid(cfg->bucket, NULL))
        return rule_fail(code, field, "invalid_bucket", "bucket");
    if (endpoint_given) {
        char canonical[URI_MAX_LEN + 1];
        if (strnlen(cfg->endpoint, sizeof cfg->endpoint) == sizeof cfg->endpoint ||
            !storage_endpoint_normalize(cfg->endpoint, canonical, sizeof canonical, NULL))
            return rule_fail(code, field, "invalid_endpoint", "endpoint");
        memcpy(cfg->endpoint, canonical, sizeof canonical);
    } else {
        cfg->endpoint[0] = '\0';
    }
    if (region_given) {
        if (strnlen(cfg->region, sizeof cfg->region) == sizeof cfg->region ||
            !storage_region_is_valid(cfg->region))
            return rule_fail(code, field, "invalid_region", "region");
    } else {
        cfg->region[0] = '\0';
    }

    const char *default_region = NULL;
    switch (cfg->provider) {
    case STORAGE_MINIO:
        if (!endpoint_given)
            return rule_fail(code, field, "endpoint_required", "endpoint");
        default_region = "us-east-1";
        break;
    case STORAGE_CLOUDFLARE_R2:
        if (!endpoint_given)
            return rule_fail(code, field, "endpoint_required", "endpoint");
        default_region = "auto";
        break;
    case STORAGE_TIGRIS:
        default_region = "auto";
        break;
    case STORAGE_AWS_S3:
        if (!region_given && endpoint_given &&
            region_from_endpoint(cfg->endpoint, "amazonaws.com", cfg->region, sizeof cfg->region))
            region_given = true;
        default_region = "us-east-1";
        break;
    case STORAGE_BACKBLAZE_B2:
        if (!endpoint_given && !region_given)
            return rule_fail(code, field, "endpoint_or_region_required", "endpoint");
        if (!region_given &&
            region_from_endpoint(cfg->endpoint, "backblazeb2.com", cfg->region, sizeof cfg->region))
            region_given = true;
        default_region = "us-east-1";
        break;
    }
    if (!region_given && !set_text(cfg->region, sizeof cfg->region, "%s", default_region))
        return rule_fail(code, field, "invalid_region", "region");

    if (!endpoint_given) {
        bool ok = true;
        switch (cfg->provider) {
        case STORAGE_AWS_S3:
            ok = set_text(cfg->endpoint, sizeof cfg->endpoint, "https://s3.%s.amazonaws.com",
                          cfg->region);
            break;
        case STORAGE_TIGRIS:
            ok = set_text(cfg->endpoint, sizeof cfg->endpoint, "%s",
                          "https://fly.storage.tigris.dev");
            break;
        case STORAGE_BACKBLAZE_B2:
            ok = set_text(cfg->endpoint, sizeof cfg->endpoint, "https://s3.%s.backblazeb2.com",
                          cfg->region);
            break;
        case STORAGE_MINIO:
        case STORAGE_CLOUDFLARE_R2:
            ok = false; /* unreachable: rejected above */
            break;
        }
        if (!ok)
            return rule_fail(code, field, "endpoint_required", "endpoint");
        /* A region becomes a DNS label of the default endpoint: "eu-" or "-" pass
         * storage_region_is_valid but make a host name that nothing can reach (and
         * that the s3/ layer refuses). Such a configuration is never stored. */
        if (!storage_endpoint_is_valid(cfg->endpoint, NULL))
            return rule_fail(code, field, "invalid_region", "region");
    }
    return true;
}

bool storage_use_path_style(const struct storage_config *cfg)
{
    if (cfg == NULL || cfg->provider == STORAGE_MINIO)
        return true;
    struct endpoint_parts parts;
    if (strnlen(cfg->endpoint, sizeof cfg->endpoint) == sizeof cfg->endpoint ||
        !endpoint_parse(cfg->endpoint, &parts, NULL))
        return true;
    if (parts.host[0] == '[' || host_syntax_ipv4_parse(parts.host, parts.host_len, NULL) ||
        host_is_loopback(parts.host, parts.host_len) ||
        memchr(parts.host, '.', parts.host_len) == NULL)
        return true;
    if (memchr(cfg->bucket, '.', strnlen(cfg->bucket, sizeof cfg->bucket)) != NULL)
        return true;
    return false;
}

bool storage_object_key_is_valid(const char *key, const char **reason)
{
    if (key == NULL || key[0] == '\0')
        return fail(reason, "must not be empty");
    size_t len = strnlen(key, STORAGE_OBJECT_KEY_MAX_LEN + 1);
    if (len > STORAGE_OBJECT_KEY_MAX_LEN)
        return fail(reason, "must be at most 1024 bytes");
    size_t pos = 0;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(key, len, &pos, &cp))
            return fail(reason, "must be valid UTF-8");
        if (cp < 0x20u || (cp >= 0x7Fu && cp <= 0x9Fu))
            return fail(reason, "must not contain control characters");
    }
    if (key[0] == '/')
        return fail(reason, "must not start with '/'");
    size_t start = 0;
    while (start < len) {
        const char *slash = memchr(key + start, '/', len - start);
        size_t end = slash != NULL ? (size_t)(slash - key) : len;
        size_t seg = end - start;
        if (seg == 0)
            return fail(reason, "must not contain an empty path segment");
        if ((seg == 1 && key[start] == '.') ||
            (seg == 2 && key[start] == '.' && key[start + 1] == '.'))
            return fail(reason, "must not contain '.' or '..' path segments");
        start = end + 1;
    }
    return true;
}
