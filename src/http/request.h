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
    char remote_addr[64];
    struct service *service; /* process-wide context */
    const char *route;       /* the matched pattern, for metrics */
};

const char *http_request_header(const struct http_request *req, const char *name);
const char *http_request_query(const struct http_request *req, const char *name);
const char *http_request_cookie(const struct http_request *req, const char *name);
/* Content type without parameters matches `type` (case-insensitive). */
bool http_request_content_type_is(const struct http_request *req, const char *type);

/*
 * Basic credentials per RFC 7617 with the RFC 6749 §2.3.1 rule that id and secret
 * are form-urlencoded inside. Returns 1 when a well-formed Basic header was found
 * (user/pass are malloc'd, caller frees), 0 when there is no Authorization Basic
 * header, -1 when one is present but malformed.
 */
int http_request_basic_auth(const struct http_request *req, char **user, char **pass);

#endif
