/*
 * reply.c — building handler answers and RFC 9457 problem documents.
 */
#include "http/reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void reply_init(struct http_reply *r)
{
    memset(r, 0, sizeof *r);
    r->status = 500;
    r->no_store = true;
}

void reply_release(struct http_reply *r)
{
    if (r->body && !r->body_static)
        free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

void reply_header(struct http_reply *r, const char *name, const char *value)
{
    if (r->header_count >= HTTP_REPLY_MAX_HEADERS)
        return;
    snprintf(r->headers[r->header_count].name, sizeof r->headers[0].name, "%s", name);
    snprintf(r->headers[r->header_count].value, sizeof r->headers[0].value, "%s", value);
    r->header_count++;
}

void reply_buffer(struct http_reply *r, int status, const char *content_type, char *body,
                  size_t len)
{
    reply_release(r);
    r->status = status;
    r->content_type = content_type;
    r->body = body;
    r->body_len = len;
    r->body_static = false;
}

void reply_static(struct http_reply *r, int status, const char *content_type, const void *body,
                  size_t len)
{
    reply_release(r);
    r->status = status;
    r->content_type = content_type;
    r->body = (char *)body;
    r->body_len = len;
    r->body_static = true;
}

void reply_empty(struct http_reply *r, int status)
{
    reply_release(r);
    r->status = status;
    r->content_type = NULL;
}

void reply_json(struct http_reply *r, int status, json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (!text) {
        reply_static(r, 500, "application/problem+json",
                     "{\"status\":500,\"title\":\"Internal Server Error\",\"code\":\"internal\"}",
                     66);
        return;
    }
    reply_buffer(r, status, "application/json", text, strlen(text));
}

static const char *reply_title(int status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 431:
        return "Request Header Fields Too Large";
    case 429:
        return "Too Many Requests";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void reply_problem(struct http_reply *r, const struct problem *p)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "type", json_string("about:blank"));
    json_object_set_new(doc, "status", json_integer(p->status));
    json_object_set_new(doc, "title", json_string(reply_title(p->status)));
    json_object_set_new(doc, "detail", json_string(p->detail));
    json_object_set_new(doc, "code", json_string(p->code ? p->code : "error"));
    if (p->field[0]) {
        json_t *err = json_object();
        json_object_set_new(err, "field", json_string(p->field));
        json_object_set_new(err, "code", json_string(p->code ? p->code : "error"));
        json_object_set_new(err, "message", json_string(p->detail));
        json_object_set_new(doc, "errors", json_pack("[o]", err));
    }
    int status = p->status;
    reply_json(r, status, doc);
    if (r->status == status)
        r->content_type = "application/problem+json";
}

void reply_error(struct http_reply *r, int status, const char *code, const char *field,
                 const char *fmt, ...)
{
    struct problem p;
    va_list ap;
    p.status = status;
    p.code = code;
    snprintf(p.field, sizeof p.field, "%s", field ? field : "");
    va_start(ap, fmt);
    vsnprintf(p.detail, sizeof p.detail, fmt, ap);
    va_end(ap);
    reply_problem(r, &p);
}
