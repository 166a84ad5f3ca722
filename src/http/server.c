/*
 * server.c — libmicrohttpd glue: one epoll listener thread pool, per-connection
 * body accumulation with a hard 64 KiB cap, and response writing.
 *
 * Why a thread pool over epoll: it is libmicrohttpd's fastest mode here (see
 * DESIGN "Performance facts") and keeps the token path free of hand-offs.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_options opt;
};

/* Per-request state kept by libmicrohttpd between access-handler calls. */
struct request_state {
    char *body;
    size_t len, cap;
    int too_large;
    struct timespec started;
    char inline_body[1024];
};

static enum http_method server_method(const char *m)
{
    switch (m[0]) {
    case 'G': return strcmp(m, "GET") == 0 ? HTTP_GET : HTTP_OTHER;
    case 'H': return strcmp(m, "HEAD") == 0 ? HTTP_HEAD : HTTP_OTHER;
    case 'P':
        if (strcmp(m, "POST") == 0) return HTTP_POST;
        if (strcmp(m, "PUT") == 0) return HTTP_PUT;
        if (strcmp(m, "PATCH") == 0) return HTTP_PATCH;
        return HTTP_OTHER;
    case 'D': return strcmp(m, "DELETE") == 0 ? HTTP_DELETE : HTTP_OTHER;
    case 'O': return strcmp(m, "OPTIONS") == 0 ? HTTP_OPTIONS : HTTP_OTHER;
    default: return HTTP_OTHER;
    }
}

static void server_remote_addr(struct MHD_Connection *c, char *out, size_t size)
{
    snprintf(out, size, "unknown");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)size);
}

static enum MHD_Result server_queue(struct http_server *srv, struct MHD_Connection *c,
                                    struct http_reply *reply)
{
    struct MHD_Response *resp;
    if (reply->body && !reply->body_static) {
        resp = MHD_create_response_from_buffer(reply->body_len, reply->body,
                                               MHD_RESPMEM_MUST_FREE);
        reply->body = NULL; /* now owned by libmicrohttpd */
    } else {
        resp = MHD_create_response_from_buffer(reply->body_len, reply->body ? reply->body : "",
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    bool has_csp = false, has_cache = false;
    for (size_t i = 0; i < reply->header_count; i++) {
        MHD_add_response_header(resp, reply->headers[i].name, reply->headers[i].value);
        if (strcasecmp(reply->headers[i].name, "Content-Security-Policy") == 0)
            has_csp = true;
        if (strcasecmp(reply->headers[i].name, "Cache-Control") == 0)
            has_cache = true;
    }
    if (reply->content_type)
        MHD_add_response_header(resp, "Content-Type", reply->content_type);
    if (!has_cache) {
        if (reply->cache_control)
            MHD_add_response_header(resp, "Cache-Control", reply->cache_control);
        else if (reply->no_store) {
            MHD_add_response_header(resp, "Cache-Control", "no-store");
            MHD_add_response_header(resp, "Pragma", "no-cache");
        }
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!has_csp)
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'none'; frame-ancestors 'none'");
    if (srv->opt.hsts)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result server_answer_error(struct http_server *srv, struct MHD_Connection *c,
                                           int status, const char *code, const char *detail)
{
    struct http_reply reply;
    reply_init(&reply);
    reply_error(&reply, status, code, NULL, "%s", detail);
    enum MHD_Result r = server_queue(srv, c, &reply);
    reply_release(&reply);
    return r;
}

static enum MHD_Result server_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                         const char *method, const char *version,
                                         const char *upload_data, size_t *upload_data_size,
                                         void **con_cls)
{
    struct http_server *srv = cls;
    struct request_state *st = *con_cls;
    if (!st) {
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        st->body = st->inline_body;
        st->cap = sizeof st->inline_body - 1;
        clock_gettime(CLOCK_MONOTONIC, &st->started);
        *con_cls = st;
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_LIMIT) {
            /* Refuse before reading the body; libmicrohttpd closes the connection. */
            st->too_large = 1;
            return server_answer_error(srv, c, 413, "body_too_large",
                                       "request bodies are limited to 64 KiB");
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_large || st->len + n > HTTP_BODY_LIMIT) {
            st->too_large = 1;
            return MHD_YES;
        }
        if (st->len + n > st->cap) {
            size_t cap = st->cap * 2;
            while (cap < st->len + n)
                cap *= 2;
            if (cap > HTTP_BODY_LIMIT)
                cap = HTTP_BODY_LIMIT;
            char *grown = malloc(cap + 1);
            if (!grown)
                return MHD_NO;
            memcpy(grown, st->body, st->len);
            if (st->body != st->inline_body)
                free(st->body);
            st->body = grown;
            st->cap = cap;
        }
        memcpy(st->body + st->len, upload_data, n);
        st->len += n;
        return MHD_YES;
    }
    if (st->too_large)
        return server_answer_error(srv, c, 413, "body_too_large",
                                   "request bodies are limited to 64 KiB");
    st->body[st->len] = 0;

    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = server_method(method);
    req.path = url;
    req.connection = c;
    req.body = st->body;
    req.body_len = st->len;
    req.service = srv->opt.service;
    server_remote_addr(c, req.remote_addr, sizeof req.remote_addr);

    struct http_reply reply;
    reply_init(&reply);
    srv->opt.dispatch(&req, &reply);
    if (req.method == HTTP_HEAD && reply.body && !reply.body_static) {
        free(reply.body);
        reply.body = NULL;
        reply.body_len = 0;
    }
    enum MHD_Result r = server_queue(srv, c, &reply);
    if (srv->opt.observe) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        int64_t us = (int64_t)(now.tv_sec - st->started.tv_sec) * 1000000 +
                     (now.tv_nsec - st->started.tv_nsec) / 1000;
        srv->opt.observe(&req, reply.status, us);
    }
    reply_release(&reply);
    return r;
}

static void server_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                                enum MHD_RequestTerminationCode toe)
{
    struct request_state *st = *con_cls;
    if (!st)
        return;
    /* Bodies may hold secrets (client_secret_post, passwords). */
    if (st->body) {
        memset(st->body, 0, st->len);
        if (st->body != st->inline_body)
            free(st->body);
    }
    free(st);
    *con_cls = NULL;
}

static void server_log(void *cls, const char *fmt, va_list ap)
{
    fprintf(stderr, "tenantd: http: ");
    vfprintf(stderr, fmt, ap);
}

struct http_server *http_server_start(const struct http_server_options *opt, char *err,
                                      size_t err_size)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(opt->port);
    const char *host = strcmp(opt->host, "localhost") == 0 ? "127.0.0.1" : opt->host;
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        snprintf(err, err_size, "listen address %s is not an IPv4 literal", opt->host);
        return NULL;
    }
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    srv->opt = *opt;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    srv->daemon = MHD_start_daemon(
        flags, opt->port, NULL, NULL, server_on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        server_log, NULL, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opt->threads ? opt->threads : 2),
        MHD_OPTION_NOTIFY_COMPLETED, server_on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, err_size, "cannot listen on %s:%u", opt->host, opt->port);
        free(srv);
        return NULL;
    }
    return srv;
}

uint16_t http_server_port(const struct http_server *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->daemon);
    free(s);
}
