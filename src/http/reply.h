/*
 * reply.h — what a handler answers: status, body, content type, extra headers.
 *
 * Handlers fill a struct http_reply; server.c turns it into a libmicrohttpd
 * response and adds the security headers every response carries. Errors are
 * application/problem+json (RFC 9457) built from struct problem.
 */
#ifndef TENANTD_HTTP_REPLY_H
#define TENANTD_HTTP_REPLY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/problem.h"

#define HTTP_REPLY_MAX_HEADERS 8

struct http_reply;
/*
 * Deferred answers, for the rare handler that must wait on the network (the storage
 * test action): instead of blocking an HTTP worker — and every keep-alive connection
 * that worker serves, token requests included — the handler sets reply->deferred and
 * returns. The server suspends the connection, runs deferred(ctx, reply) on its own
 * thread and sends the reply it fills. ctx belongs to the job: the job frees it, or
 * deferred_free does when the server refuses to start it (429 when too many run).
 */
typedef void (*http_deferred_fn)(void *ctx, struct http_reply *reply);
typedef void (*http_deferred_free_fn)(void *ctx);

struct http_reply {
    int status;
    const char *content_type;
    char *body; /* malloc'd unless body_static */
    size_t body_len;
    bool body_static;
    bool no_store;             /* Cache-Control: no-store (default true for API answers) */
    const char *cache_control; /* overrides no_store when set */
    struct {
        char name[40];
        char value[512];
    } headers[HTTP_REPLY_MAX_HEADERS];
    size_t header_count;
    http_deferred_fn deferred;
    http_deferred_free_fn deferred_free;
    void *deferred_ctx;
};

void reply_init(struct http_reply *r);
void reply_release(struct http_reply *r);
void reply_header(struct http_reply *r, const char *name, const char *value);
/* Serialises obj (reference stolen) as the JSON body. */
void reply_json(struct http_reply *r, int status, json_t *obj);
/* Takes ownership of a malloc'd buffer. */
void reply_buffer(struct http_reply *r, int status, const char *content_type, char *body,
                  size_t len);
void reply_static(struct http_reply *r, int status, const char *content_type, const void *body,
                  size_t len);
void reply_empty(struct http_reply *r, int status);
/* problem+json with status, title, detail, code, and errors[{field,code,message}] when a
 * field is named. */
void reply_problem(struct http_reply *r, const struct problem *p);
void reply_error(struct http_reply *r, int status, const char *code, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
