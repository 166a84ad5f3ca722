/*
 * request.c — accessors over a libmicrohttpd connection: headers, query, cookies,
 * Basic credentials (RFC 7617 + RFC 6749 §2.3.1 form-decoding, decoded here rather
 * than by libmicrohttpd, whose C strings end at the first NUL of the credentials),
 * and the table of fields that must not be repeated.
 */
#include "http/request.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/base64url.h"
#include "http/form.h"

const char *http_request_header(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_cookie(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name);
}

bool http_request_content_type_is(const struct http_request *req, const char *type)
{
    const char *ct = http_request_header(req, "Content-Type");
    if (!ct)
        return false;
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n) != 0)
        return false;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

int http_request_basic_auth(const struct http_request *req, char **user, char **pass)
{
    *user = NULL;
    *pass = NULL;
    return http_basic_credentials_parse(http_request_header(req, "Authorization"), user, pass);
}

int http_basic_credentials_parse(const char *header, char **user, char **pass)
{
    *user = NULL;
    *pass = NULL;
    if (!header || strncasecmp(header, "Basic ", 6) != 0)
        return 0;
    const char *token = header + 6;
    while (*token == ' ')
        token++;
    size_t token_len = strlen(token);
    if (token_len == 0)
        return -1;
    /* Strict decoding (one accepted encoding per byte string); the decoded bytes
     * are never longer than the token. */
    unsigned char *decoded = malloc(token_len);
    if (!decoded)
        return -1;
    size_t len = 0;
    int result = -1;
    if (base64_decode(token, token_len, decoded, token_len, &len)) {
        bool clean = true;
        for (size_t i = 0; i < len; i++)
            if (decoded[i] < 0x20 || decoded[i] == 0x7f)
                clean = false;
        const unsigned char *colon = clean ? memchr(decoded, ':', len) : NULL;
        if (colon) {
            size_t user_len = (size_t)(colon - decoded);
            /* RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic. */
            *user = form_decode_component((const char *)decoded, user_len);
            *pass = form_decode_component((const char *)colon + 1, len - user_len - 1);
            if (*user && *pass) {
                result = 1;
            } else {
                free(*user);
                if (*pass) {
                    explicit_bzero(*pass, strlen(*pass));
                    free(*pass);
                }
                *user = *pass = NULL;
            }
        }
    }
    explicit_bzero(decoded, token_len);
    free(decoded);
    return result;
}

/* The rule table for repeated fields (see request.h). Content-Length and
 * Transfer-Encoding frame the body: two of them are the stuff of request
 * smuggling. Forwarded / X-Forwarded-For are lists by definition and may repeat. */
static const char *const http_single_headers[] = {
    "Authorization",  "Content-Type",      "Cookie", "X-CSRF-Token", "Host",
    "Content-Length", "Transfer-Encoding", "DPoP",
};
#define HTTP_SINGLE_HEADER_COUNT (sizeof http_single_headers / sizeof http_single_headers[0])

/* Mirrors SESSION_COOKIE (api/context.h); tests/unit/test_http_request.c checks it. */
static const char *const http_single_cookies[] = {"tenantd_session"};
#define HTTP_SINGLE_COOKIE_COUNT (sizeof http_single_cookies / sizeof http_single_cookies[0])

bool http_header_is_single(const char *name)
{
    for (size_t i = 0; name && i < HTTP_SINGLE_HEADER_COUNT; i++)
        if (strcasecmp(name, http_single_headers[i]) == 0)
            return true;
    return false;
}

bool http_cookie_is_single(const char *name)
{
    for (size_t i = 0; name && i < HTTP_SINGLE_COOKIE_COUNT; i++)
        if (strcmp(name, http_single_cookies[i]) == 0)
            return true;
    return false;
}

struct http_repeat_scan {
    struct http_repeat *out;
    unsigned header_seen[HTTP_SINGLE_HEADER_COUNT];
    unsigned cookie_seen[HTTP_SINGLE_COOKIE_COUNT];
    const char *query_names[HTTP_QUERY_MAX_PARAMS];
    size_t query_count;
};

static void http_repeat_name(struct http_repeat *out, enum http_repeat_kind kind, const char *name)
{
    out->kind = kind;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)(name ? name : "");
         *p && o + 1 < sizeof out->name; p++)
        out->name[o++] = *p > 0x20 && *p < 0x7f ? (char)*p : '?';
    out->name[o] = 0;
}

static enum MHD_Result http_repeat_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    struct http_repeat_scan *scan = cls;
    for (size_t i = 0; key && i < HTTP_SINGLE_HEADER_COUNT; i++) {
        if (strcasecmp(key, http_single_headers[i]) == 0 && ++scan->header_seen[i] > 1) {
            http_repeat_name(scan->out, HTTP_REPEAT_HEADER, http_single_headers[i]);
            return MHD_NO;
        }
    }
    return MHD_YES;
}

static enum MHD_Result http_repeat_cookie(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    struct http_repeat_scan *scan = cls;
    for (size_t i = 0; key && i < HTTP_SINGLE_COOKIE_COUNT; i++) {
        if (strcmp(key, http_single_cookies[i]) == 0 && ++scan->cookie_seen[i] > 1) {
            http_repeat_name(scan->out, HTTP_REPEAT_COOKIE, http_single_cookies[i]);
            return MHD_NO;
        }
    }
    return MHD_YES;
}

static enum MHD_Result http_repeat_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                         const char *value)
{
    struct http_repeat_scan *scan = cls;
    const char *name = key ? key : "";
    for (size_t i = 0; i < scan->query_count; i++) {
        if (strcmp(scan->query_names[i], name) == 0) {
            http_repeat_name(scan->out, HTTP_REPEAT_QUERY, name);
            return MHD_NO;
        }
    }
    if (scan->query_count == HTTP_QUERY_MAX_PARAMS) {
        http_repeat_name(scan->out, HTTP_REPEAT_QUERY_MANY, "");
        return MHD_NO;
    }
    scan->query_names[scan->query_count++] = name;
    return MHD_YES;
}

bool http_connection_find_repeat(struct MHD_Connection *connection, struct http_repeat *out)
{
    memset(out, 0, sizeof *out);
    if (!connection)
        return false;
    struct http_repeat_scan scan;
    memset(&scan, 0, sizeof scan);
    scan.out = out;
    MHD_get_connection_values(connection, MHD_HEADER_KIND, http_repeat_header, &scan);
    if (out->kind == HTTP_REPEAT_NONE)
        MHD_get_connection_values(connection, MHD_COOKIE_KIND, http_repeat_cookie, &scan);
    if (out->kind == HTTP_REPEAT_NONE)
        MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, http_repeat_query, &scan);
    return out->kind != HTTP_REPEAT_NONE;
}
