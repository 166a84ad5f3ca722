/*
 * server.h — the libmicrohttpd listener.
 *
 * Owns sockets, threads, keep-alive, reading bodies (413 above HTTP_BODY_LIMIT),
 * and turning a struct http_reply into a response with the security headers every
 * answer carries. What a request means is decided by the dispatch callback.
 *
 * Threads: one epoll daemon per HTTP thread (opt.threads) reads, parses and
 * dispatches; requests that may block (opt.offload) are handed, connection
 * suspended, to a small pool of write workers (opt.workers) and resumed with their
 * reply, so an HTTP thread never waits on a lock while its other connections wait.
 * Deferred replies (reply.h) get a thread of their own.
 */
#ifndef TENANTD_HTTP_SERVER_H
#define TENANTD_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "http/reply.h"
#include "http/request.h"

struct http_server;

/* Called once per complete request: on the HTTP thread that read it, or on a write
 * worker when offload said so. */
typedef void (*http_dispatch_fn)(struct http_request *req, struct http_reply *reply);
/* Called on the HTTP thread with method, path and remote address filled in (not yet
 * routed): true when the request may wait (for the writer turn, the database lock,
 * Argon2id) and must therefore run on a write worker, not on the HTTP thread. */
typedef bool (*http_offload_fn)(const struct http_request *req);
/* Called after the response is queued (metrics). route may be NULL. */
typedef void (*http_observe_fn)(const struct http_request *req, int status, int64_t micros);

struct trusted_proxies;

struct http_server_options {
    const char *host; /* IPv4 literal or "localhost" */
    uint16_t port;
    unsigned threads;
    http_dispatch_fn dispatch;
    http_observe_fn observe;
    http_offload_fn offload; /* NULL: everything runs on the HTTP threads */
    unsigned workers;        /* write workers for offloaded requests (0: 2) */
    struct service *service;
    int hsts; /* add Strict-Transport-Security (issuer is https) */
    /* Peers whose Forwarded / X-Forwarded-For are believed (NULL or empty: none);
     * http_request.remote_addr is then the client they name (http/client_address.h). */
    const struct trusted_proxies *trusted_proxies;
};

/* Binds the listening sockets (port known from here on) without serving yet; NULL with
 * a message in err on failure. */
struct http_server *http_server_listen(const struct http_server_options *opt, char *err,
                                       size_t err_size);
/* Starts the worker threads of a server from http_server_listen. 0 or -1 + err. */
int http_server_run(struct http_server *srv, char *err, size_t err_size);
/* listen + run. */
struct http_server *http_server_start(const struct http_server_options *opt, char *err,
                                      size_t err_size);
/* The port actually bound (useful with port 0). */
uint16_t http_server_port(const struct http_server *s);
void http_server_stop(struct http_server *s);

#endif
