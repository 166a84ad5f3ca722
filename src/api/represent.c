/*
 * represent.c — JSON representations of tenants, regions, region databases, plans
 * and platform clients; DSN redaction; code-keyed pagination (see represent.h).
 */
#include "api/represent.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/app_rules.h"
#include "util/timeutil.h"

static json_t *represent_time(int64_t unix_seconds)
{
    char when[32];
    time_format_rfc3339(unix_seconds, when);
    return json_string(when);
}

json_t *represent_tenant(const struct tenant_row *t)
{
    return json_pack("{s:s,s:s,s:s,s:I,s:o}", "id", t->id, "name", t->name, "status", t->status,
                     "app_limit", (json_int_t)t->app_limit, "created_at",
                     represent_time(t->created_at));
}

json_t *represent_region(const struct region_row *r)
{
    return json_pack("{s:s,s:s,s:b,s:o,s:o}", "code", r->code, "name", r->name, "active", r->active,
                     "created_at", represent_time(r->created_at), "updated_at",
                     represent_time(r->updated_at));
}

json_t *represent_region_database(const struct region_database_row *d)
{
    json_t *dsn = json_null();
    if (d->has_dsn) {
        /* Redaction only shortens or adds "***" per secret; 2x is always enough. */
        char redacted[2 * (REGION_DSN_MAX_LEN + 1)];
        dsn = represent_redact_dsn(d->dsn, redacted, sizeof redacted) ? json_string(redacted)
                                                                      : json_string("***");
        if (!dsn) /* not UTF-8: never echo bytes we cannot represent */
            dsn = json_string("***");
    }
    return json_pack("{s:s,s:s,s:b,s:o,s:o,s:o}", "db_code", d->db_code, "region_code",
                     d->region_code, "active", d->active, "dsn", dsn, "created_at",
                     represent_time(d->created_at), "updated_at", represent_time(d->updated_at));
}

json_t *represent_plan(const struct plan_row *p)
{
    json_t *entitlements = json_loads(p->entitlements, 0, NULL);
    if (!json_is_object(entitlements)) {
        json_decref(entitlements);
        entitlements = json_object();
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "code", p->code, "name", p->name, "tier",
                     p->tier, "status", p->status, "entitlements", entitlements, "created_at",
                     represent_time(p->created_at), "updated_at", represent_time(p->updated_at));
}

json_t *represent_platform_client(const struct platform_client_row *p)
{
    json_t *scopes = json_array();
    const char *s = p->scopes;
    while (*s) {
        while (*s == ' ')
            s++;
        size_t n = strcspn(s, " ");
        if (n > 0)
            json_array_append_new(scopes, json_stringn(s, n));
        s += n;
    }
    return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "id", p->id, "name", p->name, "client_id",
                     p->client_id, "scopes", scopes, "created_at", represent_time(p->created_at),
                     "secret_rotated_at", represent_time(p->secret_rotated_at));
}

/* ---- DSN redaction ---------------------------------------------------------------- */

struct redact_out {
    char *buf;
    size_t size;
    size_t len;
    bool overflow;
};

static void redact_put(struct redact_out *o, const char *s, size_t n)
{
    if (o->overflow || o->len + n >= o->size) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = 0;
}

#define REDACTED "***"

/* Parameter names whose values are secrets (case-insensitive substrings). */
static bool redact_key_is_secret(const char *key, size_t n)
{
    static const char *const secret_words[] = {"pass", "pwd", "secret", "token"};
    for (size_t w = 0; w < sizeof secret_words / sizeof secret_words[0]; w++) {
        size_t wl = strlen(secret_words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(key + i, secret_words[w], wl) == 0)
                return true;
    }
    return false;
}

/* key=value pairs separated by '&' (a URI query): secret values become ***. */
static void redact_query(struct redact_out *o, const char *q, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && q[end] != '&' && q[end] != '#')
            end++;
        const char *eq = memchr(q + i, '=', end - i);
        if (eq && redact_key_is_secret(q + i, (size_t)(eq - (q + i)))) {
            redact_put(o, q + i, (size_t)(eq - (q + i)) + 1);
            redact_put(o, REDACTED, strlen(REDACTED));
        } else {
            redact_put(o, q + i, end - i);
        }
        if (end < n && q[end] == '#') { /* fragment: copied as is, no parameters */
            redact_put(o, q + end, n - end);
            return;
        }
        if (end < n)
            redact_put(o, "&", 1);
        i = end + 1;
    }
}

/* scheme://[user[:password]@]host[:port][/path][?query][#fragment]. The userinfo ends
 * at the LAST '@' of the whole string, so an unencoded '/', '?' or '@' inside a
 * password is still withheld (at worst more than the password is hidden). */
static void redact_uri(struct redact_out *o, const char *dsn, const char *sep)
{
    const char *auth = sep + 3;
    redact_put(o, dsn, (size_t)(auth - dsn));
    const char *at = strrchr(auth, '@');
    const char *host = auth;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        if (colon) {
            redact_put(o, auth, (size_t)(colon - auth) + 1);
            redact_put(o, REDACTED, strlen(REDACTED));
        } else {
            redact_put(o, auth, (size_t)(at - auth));
        }
        host = at;
    }
    size_t host_len = strcspn(host, "?#");
    redact_put(o, host, host_len);
    const char *rest = host + host_len;
    if (*rest == '?') {
        redact_put(o, "?", 1);
        redact_query(o, rest + 1, strlen(rest + 1));
    } else {
        redact_put(o, rest, strlen(rest));
    }
}

/* libpq keyword/value: key = value | key = 'quoted \' value'. Anything unparsable from
 * some point on is withheld entirely (fail closed). */
static void redact_keywords(struct redact_out *o, const char *s)
{
    size_t i = 0, n = strlen(s);
    while (i < n) {
        size_t start = i;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t key = i;
        while (i < n && s[i] != '=' && !isspace((unsigned char)s[i]))
            i++;
        size_t key_len = i - key;
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        if (key_len == 0 || i >= n || s[i] != '=') {
            if (key_len == 0 && i >= n) { /* trailing whitespace */
                redact_put(o, s + start, n - start);
                return;
            }
            redact_put(o, s + start, key - start);
            redact_put(o, REDACTED, strlen(REDACTED));
            return;
        }
        i++; /* '=' */
        while (i < n && isspace((unsigned char)s[i]))
            i++;
        size_t value = i;
        if (i < n && s[i] == '\'') {
            i++;
            while (i < n && s[i] != '\'') {
                if (s[i] == '\\' && i + 1 < n)
                    i++;
                i++;
            }
            if (i >= n) { /* unterminated quote */
                redact_put(o, s + start, value - start);
                redact_put(o, REDACTED, strlen(REDACTED));
                return;
            }
            i++;
        } else {
            while (i < n && !isspace((unsigned char)s[i]))
                i++;
        }
        if (redact_key_is_secret(s + key, key_len)) {
            redact_put(o, s + start, value - start);
            redact_put(o, REDACTED, strlen(REDACTED));
        } else {
            redact_put(o, s + start, i - start);
        }
    }
}

bool represent_redact_dsn(const char *dsn, char *out, size_t out_size)
{
    if (out_size == 0)
        return false;
    out[0] = 0;
    struct redact_out o = {out, out_size, 0, false};
    const char *sep = strstr(dsn, "://");
    if (sep && sep > dsn && strcspn(dsn, "/?#=@") > (size_t)(sep - dsn)) {
        redact_uri(&o, dsn, sep);
    } else if (strchr(dsn, '=')) {
        redact_keywords(&o, dsn);
    } else {
        /* user:password@host without a scheme */
        const char *at = strrchr(dsn, '@');
        const char *colon = at ? memchr(dsn, ':', (size_t)(at - dsn)) : NULL;
        if (colon) {
            redact_put(&o, dsn, (size_t)(colon - dsn) + 1);
            redact_put(&o, REDACTED, strlen(REDACTED));
            redact_put(&o, at, strlen(at));
        } else {
            redact_put(&o, dsn, strlen(dsn));
        }
    }
    if (o.overflow) {
        out[0] = 0;
        return false;
    }
    return true;
}

/* ---- apps (SPEC §4.4) ---- */

json_t *represent_app_storage(const struct app_storage_row *row)
{
    if (!row)
        return json_pack("{s:s}", "mode", "managed");
    return json_pack("{s:s,s:s,s:s,s:s?,s:s?,s:s,s:s}", "mode", "custom", "provider", row->provider,
                     "bucket", row->bucket, "endpoint", row->endpoint[0] ? row->endpoint : NULL,
                     "region", row->region[0] ? row->region : NULL, "access_key_id",
                     row->access_key_id, "secret_access_key_last4", row->secret_access_key_last4);
}

json_t *represent_json_array(const char *text)
{
    json_t *v = text ? json_loads(text, 0, NULL) : NULL;
    if (!json_is_array(v)) {
        json_decref(v);
        return json_array();
    }
    return v;
}

json_t *represent_app(const struct app_row *a)
{
    char created[32], updated[32], rotated[32];
    time_format_rfc3339(a->created_at, created);
    time_format_rfc3339(a->updated_at, updated);
    time_format_rfc3339(a->secret_rotated_at, rotated);
    /* previous_secret_expires_at: null unless a grace rotation is still running. */
    char previous[32];
    bool in_grace = app_rule_previous_secret_active(a->previous_secret_expires_at, time_now());
    if (in_grace)
        time_format_rfc3339(a->previous_secret_expires_at, previous);
    json_t *jwks = a->jwks ? json_loads(a->jwks, 0, NULL) : NULL;
    return json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s?,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:s?,s:s,s:o,s:b}", "id",
        a->id, "tenant_id", a->tenant_id, "name", a->name, "client_id", a->client_id,
        "license_region_code", a->license_region_code, "db_code", a->db_code, "enabled", a->enabled,
        "plan_code", a->plan_code[0] ? a->plan_code : NULL, "redirect_uris",
        represent_json_array(a->redirect_uris), "post_logout_redirect_uris",
        represent_json_array(a->post_logout_redirect_uris), "allowed_domains",
        represent_json_array(a->allowed_domains), "storage",
        represent_app_storage(a->has_storage ? &a->storage : NULL), "created_at", created,
        "updated_at", updated, "secret_rotated_at", rotated, "previous_secret_expires_at",
        in_grace ? previous : NULL, "token_endpoint_auth_method",
        a->token_endpoint_auth_method[0] ? a->token_endpoint_auth_method : APP_AUTH_METHOD_SECRET,
        "jwks", jwks ? jwks : json_null(), "dpop_bound_access_tokens", a->dpop_bound_access_tokens);
}
