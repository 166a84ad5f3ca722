/*
 * request.h — one parsed HTTP request as handlers see it.
 *
 * The server (server.c) fills this from libmicrohttpd: method, path, the whole
 * body (at most HTTP_BODY_LIMIT bytes; larger bodies never reach a handler, they
 * get 413), the remote address and, after routing, the path parameters.
 * Header, query and cookie lookups go through the accessors below so handlers
 * never touch libmicrohttpd directly.
 */
#ifndef TENANTD_HTTP_REQUEST_H
#define TENANTD_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_BODY_LIMIT (64 * 1024)
#define HTTP_MAX_PARAMS 4

enum http_method {
    HTTP_GET,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_OTHER
};

struct MHD_Connection;
struct principal;
struct service;

struct http_request {
    enum http_method method;
    const char *path; /* decoded path without query string */
    struct MHD_Connection *connection;
    const char *body; /* NUL-terminated copy of the body (may contain NULs) */
    size_t body_len;
    const char *params[HTTP_MAX_PARAMS]; /* path parameters, in pattern order */
    size_t param_count;
    char param_storage[512]; /* backing store for params */
    char remote_addr[64];    /* the client: the peer, or who a trusted proxy names */
    char peer_addr[64];      /* the TCP peer */
    struct service *service; /* process-wide context */
    const char *route;       /* the matched pattern, for metrics */
    const char *request_id;  /* X-Request-Id of this request (also on the response) */
    const char *trace_id;    /* W3C trace id from traceparent, or "" */
    char client_id[64];      /* set by the OAuth endpoints for the access log */
    /* The authorised caller (api/context.h), set by routes_dispatch for routes whose
     * access level names a user (api/access.h); NULL for the others. */
    const struct principal *principal;
};

const char *http_request_header(const struct http_request *req, const char *name);
const char *http_request_query(const struct http_request *req, const char *name);
const char *http_request_cookie(const struct http_request *req, const char *name);
/* Content type without parameters matches `type` (case-insensitive). */
bool http_request_content_type_is(const struct http_request *req, const char *type);

/*
 * Basic credentials per RFC 7617 with the RFC 6749 §2.3.1 rule that id and secret
 * are form-urlencoded inside. Returns 1 when a well-formed Basic header was found
 * (user/pass are malloc'd, caller frees and wipes pass), 0 when there is no
 * Authorization Basic header, -1 when one is present but malformed
 * (http_basic_credentials_parse).
 */
int http_request_basic_auth(const struct http_request *req, char **user, char **pass);

/*
 * Parses the value of an Authorization header (untrusted, NUL-terminated). Not the
 * Basic scheme ("Basic" + space, case-insensitive): returns 0. Otherwise the
 * token68 must be strict padded base64 (crypto/base64url.h) of "user-id:password"
 * (split at the first colon), whose decoded bytes hold no control character (C0 or
 * DEL, RFC 7617 §2 — a NUL would otherwise cut the secret short of what was sent);
 * each half is then form-decoded (RFC 6749 §2.3.1), which refuses %00. Returns 1
 * with *user and *pass malloc'd (exactly the bytes sent, NUL-free), or -1 when
 * malformed (both NULL; every intermediate copy is wiped).
 */
int http_basic_credentials_parse(const char *header, char **user, char **pass);

/*
 * Fields that must appear at most once (SPEC §4: duplicates are refused like the
 * repeated parameters of forms and JSON, so no layer can read a different copy
 * than another): the headers that carry meaning here (Authorization, Content-Type,
 * Cookie, X-CSRF-Token, Host, Content-Length, Transfer-Encoding), the cookies the
 * server reads (tenantd_session), and every query parameter. At most
 * HTTP_QUERY_MAX_PARAMS query parameters are accepted. See docs/SECURITY.md.
 */
#define HTTP_QUERY_MAX_PARAMS 32

enum http_repeat_kind {
    HTTP_REPEAT_NONE = 0,
    HTTP_REPEAT_HEADER,     /* 400 duplicate_header */
    HTTP_REPEAT_COOKIE,     /* 400 duplicate_cookie */
    HTTP_REPEAT_QUERY,      /* 400 duplicate_parameter */
    HTTP_REPEAT_QUERY_MANY, /* 400 too_many_parameters */
};

struct http_repeat {
    enum http_repeat_kind kind;
    char name[64]; /* the field, printable ASCII only (others become '?'), maybe cut */
};

/* True when a header of this name (case-insensitive) must not be repeated. */
bool http_header_is_single(const char *name);
/* True when a cookie of this name (case-sensitive) must not be repeated. */
bool http_cookie_is_single(const char *name);

/*
 * Looks for a repeated single-valued header, a repeated server cookie, a repeated
 * query parameter (names compared exactly, after percent-decoding) or too many
 * query parameters on a connection whose headers are parsed. Returns true and
 * fills *out (the first offence found) or false (out->kind = HTTP_REPEAT_NONE).
 */
bool http_connection_find_repeat(struct MHD_Connection *connection, struct http_repeat *out);

#endif
