/*
 * s3/location.c — where an S3 request goes: parses the endpoint URL once and
 * derives the Host header, URL origin and canonical URI (= URL path) for
 * path-style or virtual-hosted-style addressing. Internal to s3/.
 */
#include "s3/location.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool location_is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

/* A key is acceptable if 1..S3_KEY_MAX bytes, no control bytes, and no "." or
 * ".." segment between slashes (or at either end). */
static bool location_key_is_valid(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len > S3_KEY_MAX)
        return false;
    const char *segment = key;
    for (const char *p = key;; p++) {
        if (*p != '\0' && location_is_control((unsigned char)*p))
            return false;
        if (*p == '/' || *p == '\0') {
            size_t seg_len = (size_t)(p - segment);
            if ((seg_len == 1 && segment[0] == '.') ||
                (seg_len == 2 && segment[0] == '.' && segment[1] == '.'))
                return false;
            if (*p == '\0')
                break;
            segment = p + 1;
        }
    }
    return true;
}

static bool location_bucket_is_valid(const char *bucket, bool path_style)
{
    size_t len = strlen(bucket);
    if (len == 0 || len > S3_LOCATION_BUCKET_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)bucket; *p != '\0'; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '/')
            return false;
        if (!path_style &&
            !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-'))
            return false;
    }
    return true;
}

static bool location_is_dns_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-';
}

/*
 * Parses "host[:port]" (authority without userinfo) into a lower-case host
 * (IPv6 literals keep their brackets) and a port (0 when absent). Sets
 * *is_ip_literal. Returns false on anything malformed.
 */
static bool location_parse_authority(const char *auth, size_t auth_len, char *host,
                                     size_t host_size, unsigned *port, bool *is_ip_literal)
{
    size_t host_len;
    const char *after_host;

    *port = 0;
    *is_ip_literal = false;
    if (auth_len == 0)
        return false;

    if (auth[0] == '[') {
        const char *close = memchr(auth, ']', auth_len);
        if (close == NULL)
            return false;
        host_len = (size_t)(close - auth) + 1;
        if (host_len < 4) /* "[::]" at least */
            return false;
        for (size_t i = 1; i + 1 < host_len; i++) {
            char c = auth[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                  c == ':' || c == '.'))
                return false;
        }
        *is_ip_literal = true;
    } else {
        const char *colon = memchr(auth, ':', auth_len);
        host_len = colon != NULL ? (size_t)(colon - auth) : auth_len;
        if (host_len == 0 || auth[0] == '.' || auth[host_len - 1] == '.')
            return false;
        bool all_ipv4_chars = true;
        for (size_t i = 0; i < host_len; i++) {
            if (!location_is_dns_char(auth[i]))
                return false;
            if (!((auth[i] >= '0' && auth[i] <= '9') || auth[i] == '.'))
                all_ipv4_chars = false;
        }
        *is_ip_literal = all_ipv4_chars;
    }
    if (host_len > S3_LOCATION_HOST_MAX || host_len >= host_size)
        return false;
    for (size_t i = 0; i < host_len; i++) {
        char c = auth[i];
        host[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    host[host_len] = '\0';

    after_host = auth + host_len;
    size_t rest = auth_len - host_len;
    if (rest == 0)
        return true;
    if (after_host[0] != ':' || rest < 2 || rest > 6)
        return false;
    unsigned value = 0;
    for (size_t i = 1; i < rest; i++) {
        if (after_host[i] < '0' || after_host[i] > '9')
            return false;
        value = value * 10 + (unsigned)(after_host[i] - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    *port = value;
    return true;
}

bool s3_location_build(const struct s3_target *t, const char *key, struct s3_location *loc)
{
    char host[S3_LOCATION_HOST_MAX + 1];
    unsigned port = 0;
    bool is_ip_literal = false;
    const char *auth;
    int written;

    if (loc == NULL)
        return false;
    memset(loc, 0, sizeof *loc);
    if (t == NULL || t->endpoint == NULL || t->bucket == NULL)
        return false;

    if (strncasecmp(t->endpoint, "https://", 8) == 0) {
        loc->https = true;
        auth = t->endpoint + 8;
    } else if (strncasecmp(t->endpoint, "http://", 7) == 0) {
        loc->https = false;
        auth = t->endpoint + 7;
    } else {
        return false;
    }

    size_t auth_len = strcspn(auth, "/?#");
    const char *rest = auth + auth_len;
    if (rest[0] == '?' || rest[0] == '#' || (rest[0] == '/' && rest[1] != '\0'))
        return false;
    if (memchr(auth, '@', auth_len) != NULL)
        return false;
    if (!location_parse_authority(auth, auth_len, host, sizeof host, &port, &is_ip_literal))
        return false;
    if (port == (loc->https ? 443u : 80u))
        port = 0;

    if (!location_bucket_is_valid(t->bucket, t->path_style))
        return false;
    if (!t->path_style && is_ip_literal)
        return false;
    if (key != NULL && !location_key_is_valid(key))
        return false;

    char port_text[8] = "";
    if (port != 0) {
        written = snprintf(port_text, sizeof port_text, ":%u", port);
        if (written < 0 || (size_t)written >= sizeof port_text)
            return false;
    }
    if (t->path_style)
        written = snprintf(loc->host, sizeof loc->host, "%s%s", host, port_text);
    else
        written = snprintf(loc->host, sizeof loc->host, "%s.%s%s", t->bucket, host, port_text);
    if (written < 0 || (size_t)written >= sizeof loc->host)
        return false;
    written = snprintf(loc->origin, sizeof loc->origin, "%s://%s", loc->https ? "https" : "http",
                       loc->host);
    if (written < 0 || (size_t)written >= sizeof loc->origin)
        return false;

    /* Path: "/" [encoded bucket] ["/" encoded key]. */
    size_t used = 0;
    loc->path[used++] = '/';
    if (t->path_style) {
        if (!s3_uri_encode(t->bucket, true, loc->path + used, sizeof loc->path - used))
            return false;
        used += strlen(loc->path + used);
        if (key != NULL) {
            if (sizeof loc->path - used < 2)
                return false;
            loc->path[used++] = '/';
        }
    }
    if (key != NULL && !s3_uri_encode(key, false, loc->path + used, sizeof loc->path - used))
        return false;
    if (key == NULL)
        loc->path[used] = '\0';
    return true;
}
