/*
 * server.c — libmicrohttpd glue: one epoll listener thread pool, per-connection
 * body accumulation with a hard 64 KiB cap, and response writing.
 *
 * Why a thread pool over epoll: it is libmicrohttpd's fastest mode here (see
 * DESIGN "Performance facts") and keeps the token path free of hand-offs.
 *
 * Why write workers as well: an HTTP thread serves hundreds of keep-alive
 * connections, so a handler that waits (an admin write queued for the writer turn or
 * the database lock, for up to 5 s; an Argon2id hash) would stall every one of them,
 * token requests included. Requests that opt.offload names are suspended on the
 * HTTP thread and queued (FIFO) for a small fixed pool of workers; a worker runs the
 * whole dispatch and resumes the connection with the reply. The queue needs no cap
 * of its own: each connection has at most one request in flight and the number of
 * connections is capped (MHD_OPTION_CONNECTION_LIMIT).
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <unistd.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http/client_address.h"
#include "util/log.h"

#define HTTP_SERVER_MAX_THREADS 64

/* At most this many deferred jobs run at once; more get 429 (see reply.h). */
#define HTTP_MAX_DEFERRED 8

#define HTTP_MAX_WORKERS 16

struct offload_job;

struct http_server {
    pthread_mutex_t jobs_lock;
    pthread_cond_t jobs_done;
    unsigned jobs_running;
    /* Write workers: a FIFO of offloaded requests. */
    pthread_mutex_t work_lock;
    pthread_cond_t work_ready;
    struct offload_job *work_head, *work_tail;
    bool work_stopping; /* set by http_server_stop: drain, then exit */
    pthread_t workers[HTTP_MAX_WORKERS];
    unsigned worker_count;
    struct MHD_Daemon *daemons[HTTP_SERVER_MAX_THREADS];
    int fds[HTTP_SERVER_MAX_THREADS];
    unsigned count;
    uint16_t port;
    struct http_server_options opt;
};

/* Per-request state kept by libmicrohttpd between access-handler calls. */
struct request_state {
    char *body;
    size_t len, cap;
    int too_large;
    int refused; /* answered before the body (a repeated field) */
    struct timespec started;
    int deferred_state;                      /* 0 none, 1 running, 2 reply ready */
    char request_id[LOG_REQUEST_ID_MAX + 1]; /* X-Request-Id: the caller's, or made here */
    char trace_id[LOG_TRACE_ID_LEN + 1];     /* from a well-formed traceparent, or "" */
    struct http_reply deferred_reply;
    char inline_body[1024];
};

struct deferred_job {
    struct http_server *srv;
    struct MHD_Connection *connection;
    struct request_state *st;
    http_deferred_fn fn;
    void *ctx;
};

/* A request waiting for (or running on) a write worker; its connection is suspended. */
struct offload_job {
    struct offload_job *next;
    struct MHD_Connection *connection;
    struct request_state *st;
    struct http_request req; /* path and body point into the suspended connection */
};

static void *server_deferred_thread(void *arg)
{
    struct deferred_job *job = arg;
    job->fn(job->ctx, &job->st->deferred_reply);
    job->st->deferred_state = 2;
    struct http_server *srv = job->srv;
    /* Resuming makes libmicrohttpd call the access handler again, which sends the
     * reply; its internal lock orders our writes before that call. */
    MHD_resume_connection(job->connection);
    free(job);
    pthread_mutex_lock(&srv->jobs_lock);
    srv->jobs_running--;
    pthread_cond_broadcast(&srv->jobs_done);
    pthread_mutex_unlock(&srv->jobs_lock);
    return NULL;
}

/* Starts reply->deferred for this connection (suspending it unless a write worker
 * already did). Returns false when the cap is reached or out of memory; the caller
 * then frees the job's context (reply->deferred_free) and answers 429. reply may be
 * st->deferred_reply itself (a handler run by a write worker). */
static bool server_start_deferred(struct http_server *srv, struct MHD_Connection *c,
                                  struct request_state *st, struct http_reply *reply,
                                  bool suspended)
{
    struct deferred_job *job = calloc(1, sizeof *job);
    pthread_mutex_lock(&srv->jobs_lock);
    bool room = job && srv->jobs_running < HTTP_MAX_DEFERRED;
    if (room)
        srv->jobs_running++;
    pthread_mutex_unlock(&srv->jobs_lock);
    if (!room) {
        free(job);
        return false;
    }
    job->srv = srv;
    job->connection = c;
    job->st = st;
    job->fn = reply->deferred;
    job->ctx = reply->deferred_ctx;
    if (reply == &st->deferred_reply)
        reply_release(reply);
    reply_init(&st->deferred_reply);
    st->deferred_state = 1;
    if (!suspended)
        MHD_suspend_connection(c);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attr, server_deferred_thread, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        /* Run it here rather than drop it: correctness over latency. */
        server_deferred_thread(job);
    }
    return true;
}

/* The 429 a refused deferred job gets. */
static void server_refuse_deferred(struct http_reply *reply)
{
    if (reply->deferred_free)
        reply->deferred_free(reply->deferred_ctx);
    reply->deferred = NULL;
    reply_error(reply, 429, "too_many_requests", NULL,
                "too many slow operations are running; retry shortly");
    reply_header(reply, "Retry-After", "5");
}

static int64_t server_elapsed_us(const struct request_state *st)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - st->started.tv_sec) * 1000000 +
           (now.tv_nsec - st->started.tv_nsec) / 1000;
}

/* On a write worker: dispatches job's request into st->deferred_reply and resumes
 * the connection (or passes it on to a deferred job). Frees job. */
static void server_run_offloaded(struct http_server *srv, struct offload_job *job)
{
    struct request_state *st = job->st;
    struct http_reply *reply = &st->deferred_reply;
    log_set_request(st->request_id, st->trace_id);
    srv->opt.dispatch(&job->req, reply);
    log_set_request(NULL, NULL);
    if (reply->deferred) {
        if (server_start_deferred(srv, job->connection, st, reply, true)) {
            free(job);
            return; /* the deferred job resumes the connection */
        }
        server_refuse_deferred(reply);
    }
    if (srv->opt.observe)
        srv->opt.observe(&job->req, reply->status, server_elapsed_us(st));
    st->deferred_state = 2;
    /* As for deferred jobs: libmicrohttpd's lock orders our writes before the access
     * handler runs again and sends the reply. */
    MHD_resume_connection(job->connection);
    free(job);
}

static void *server_worker_thread(void *arg)
{
    struct http_server *srv = arg;
    for (;;) {
        pthread_mutex_lock(&srv->work_lock);
        while (!srv->work_head && !srv->work_stopping)
            pthread_cond_wait(&srv->work_ready, &srv->work_lock);
        struct offload_job *job = srv->work_head;
        if (job) {
            srv->work_head = job->next;
            if (!srv->work_head)
                srv->work_tail = NULL;
        }
        pthread_mutex_unlock(&srv->work_lock);
        if (!job)
            return NULL; /* stopping, and the queue is drained */
        server_run_offloaded(srv, job);
    }
}

/* On the HTTP thread: suspends c and queues req for a write worker. false (nothing
 * done) when there are no workers, the server is stopping, or out of memory: the
 * caller then dispatches inline. */
static bool server_offload(struct http_server *srv, struct MHD_Connection *c,
                           struct request_state *st, const struct http_request *req)
{
    if (srv->worker_count == 0)
        return false;
    struct offload_job *job = calloc(1, sizeof *job);
    if (!job)
        return false;
    job->connection = c;
    job->st = st;
    job->req = *req;
    pthread_mutex_lock(&srv->work_lock);
    if (srv->work_stopping) {
        pthread_mutex_unlock(&srv->work_lock);
        free(job);
        return false;
    }
    reply_init(&st->deferred_reply);
    st->deferred_state = 1;
    MHD_suspend_connection(c);
    if (srv->work_tail)
        srv->work_tail->next = job;
    else
        srv->work_head = job;
    srv->work_tail = job;
    pthread_cond_signal(&srv->work_ready);
    pthread_mutex_unlock(&srv->work_lock);
    return true;
}

static enum http_method server_method(const char *m)
{
    switch (m[0]) {
    case 'G':
        return strcmp(m, "GET") == 0 ? HTTP_GET : HTTP_OTHER;
    case 'H':
        return strcmp(m, "HEAD") == 0 ? HTTP_HEAD : HTTP_OTHER;
    case 'P':
        if (strcmp(m, "POST") == 0)
            return HTTP_POST;
        if (strcmp(m, "PUT") == 0)
            return HTTP_PUT;
        if (strcmp(m, "PATCH") == 0)
            return HTTP_PATCH;
        return HTTP_OTHER;
    case 'D':
        return strcmp(m, "DELETE") == 0 ? HTTP_DELETE : HTTP_OTHER;
    case 'O':
        return strcmp(m, "OPTIONS") == 0 ? HTTP_OPTIONS : HTTP_OTHER;
    default:
        return HTTP_OTHER;
    }
}

/* Appends every occurrence of one header to a buffer, comma-separated (the
 * forwarding headers may legitimately come several times). */
struct server_joined_header {
    const char *name;
    char text[2048];
    size_t len;
    bool truncated;
};

static enum MHD_Result server_join_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    struct server_joined_header *j = cls;
    if (!key || !value || strcasecmp(key, j->name) != 0)
        return MHD_YES;
    size_t n = strlen(value);
    if (j->len + n + 2 > sizeof j->text) {
        j->truncated = true;
        return MHD_NO;
    }
    if (j->len)
        j->text[j->len++] = ',';
    memcpy(j->text + j->len, value, n);
    j->len += n;
    j->text[j->len] = 0;
    return MHD_YES;
}

/* The client's address: the peer, or behind trusted proxies the client they name. */
static void server_client_addr(const struct http_server *srv, struct MHD_Connection *c,
                               const char *peer, char *out, size_t size)
{
    const struct trusted_proxies *proxies = srv->opt.trusted_proxies;
    snprintf(out, size, "%s", peer);
    if (!proxies || proxies->count == 0 || !trusted_proxies_contains(proxies, peer))
        return;
    struct server_joined_header fwd = {.name = "Forwarded"}, xff = {.name = "X-Forwarded-For"};
    MHD_get_connection_values(c, MHD_HEADER_KIND, server_join_header, &fwd);
    MHD_get_connection_values(c, MHD_HEADER_KIND, server_join_header, &xff);
    /* An oversized chain is not believed: the proxy's own address stays. */
    client_address_resolve(proxies, peer, fwd.truncated ? NULL : fwd.text,
                           xff.truncated ? NULL : xff.text, out, size);
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
                                    const struct request_state *st, struct http_reply *reply)
{
    if (st && st->request_id[0])
        reply_header(reply, "X-Request-Id", st->request_id);
    struct MHD_Response *resp;
    if (reply->body && !reply->body_static) {
        resp = MHD_create_response_from_buffer(reply->body_len, reply->body, MHD_RESPMEM_MUST_FREE);
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
                                           const struct request_state *st, int status,
                                           const char *code, const char *detail)
{
    struct http_reply reply;
    reply_init(&reply);
    reply_error(&reply, status, code, NULL, "%s", detail);
    enum MHD_Result r = server_queue(srv, c, st, &reply);
    reply_release(&reply);
    return r;
}

/*
 * Answers a repeated field with 400: OAuth endpoints (/connect/...) in RFC 6749 §5.2
 * form ({"error":"invalid_request"} — "repeats a parameter"), every other path as
 * problem+json with a specific code naming the field. The name was sanitised to
 * printable ASCII by http_connection_find_repeat.
 */
static enum MHD_Result server_answer_repeat(struct http_server *srv, struct MHD_Connection *c,
                                            const struct request_state *st, const char *url,
                                            const struct http_repeat *repeat)
{
    const char *code = "duplicate_parameter", *what = "query parameter";
    if (repeat->kind == HTTP_REPEAT_HEADER) {
        code = "duplicate_header";
        what = "header";
    } else if (repeat->kind == HTTP_REPEAT_COOKIE) {
        code = "duplicate_cookie";
        what = "cookie";
    }
    char detail[160];
    if (repeat->kind == HTTP_REPEAT_QUERY_MANY) {
        code = "too_many_parameters";
        snprintf(detail, sizeof detail, "at most %d query parameters are accepted",
                 HTTP_QUERY_MAX_PARAMS);
    } else {
        snprintf(detail, sizeof detail, "the %s %s must not be repeated", what, repeat->name);
    }
    struct http_reply reply;
    reply_init(&reply);
    if (url && strncmp(url, "/connect/", 9) == 0)
        reply_json(&reply, 400,
                   json_pack("{s:s,s:s}", "error", "invalid_request", "error_description", detail));
    else
        reply_error(&reply, 400, code, repeat->kind == HTTP_REPEAT_QUERY_MANY ? NULL : repeat->name,
                    "%s", detail);
    enum MHD_Result r = server_queue(srv, c, st, &reply);
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
        log_request_id(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id"),
                       st->request_id);
        log_trace_id(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "traceparent"), st->trace_id);
        /* Headers are parsed, the body not read yet: refuse repeated fields before
         * any layer reads one copy of them (request.h). */
        struct http_repeat repeat;
        if (http_connection_find_repeat(c, &repeat)) {
            st->refused = 1; /* answered: the body, if any, is skipped */
            return server_answer_repeat(srv, c, st, url, &repeat);
        }
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > HTTP_BODY_LIMIT) {
            /* Refuse before reading the body; libmicrohttpd closes the connection. */
            st->too_large = 1;
            return server_answer_error(srv, c, st, 413, "body_too_large",
                                       "request bodies are limited to 64 KiB");
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->refused)
            return MHD_YES;
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
    if (st->refused)
        return MHD_YES; /* the 400 is queued already */
    if (st->too_large)
        return server_answer_error(srv, c, st, 413, "body_too_large",
                                   "request bodies are limited to 64 KiB");
    if (st->deferred_state == 2) { /* a deferred job finished: send its reply */
        st->deferred_state = 0;
        enum MHD_Result done = server_queue(srv, c, st, &st->deferred_reply);
        reply_release(&st->deferred_reply);
        return done;
    }
    if (st->deferred_state == 1)
        return MHD_YES; /* still running; the connection is suspended */
    st->body[st->len] = 0;

    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = server_method(method);
    req.path = url;
    req.connection = c;
    req.body = st->body;
    req.body_len = st->len;
    req.service = srv->opt.service;
    req.request_id = st->request_id;
    req.trace_id = st->trace_id;
    server_remote_addr(c, req.peer_addr, sizeof req.peer_addr);
    server_client_addr(srv, c, req.peer_addr, req.remote_addr, sizeof req.remote_addr);

    if (srv->opt.offload && srv->opt.offload(&req) && server_offload(srv, c, st, &req))
        return MHD_YES; /* a write worker answers */

    struct http_reply reply;
    reply_init(&reply);
    log_set_request(st->request_id, st->trace_id);
    srv->opt.dispatch(&req, &reply);
    log_set_request(NULL, NULL);
    if (reply.deferred) {
        if (server_start_deferred(srv, c, st, &reply, false))
            return MHD_YES;
        server_refuse_deferred(&reply);
    }
    if (req.method == HTTP_HEAD && reply.body && !reply.body_static) {
        free(reply.body);
        reply.body = NULL;
        reply.body_len = 0;
    }
    enum MHD_Result r = server_queue(srv, c, st, &reply);
    if (srv->opt.observe)
        srv->opt.observe(&req, reply.status, server_elapsed_us(st));
    reply_release(&reply);
    return r;
}

static void server_on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                                enum MHD_RequestTerminationCode toe)
{
    struct request_state *st = *con_cls;
    if (!st)
        return;
    if (st->deferred_state == 2)
        reply_release(&st->deferred_reply); /* the client went away before it was sent */
    /* Bodies may hold secrets (client_secret_post, passwords). */
    if (st->body) {
        explicit_bzero(st->body, st->len);
        if (st->body != st->inline_body)
            free(st->body);
    }
    free(st);
    *con_cls = NULL;
}

static void server_log(void *cls, const char *fmt, va_list ap)
{
    char message[512];
    vsnprintf(message, sizeof message, fmt, ap);
    message[strcspn(message, "\n")] = 0;
    log_event(LOG_WARN, "http: %s", message);
}

/*
 * One listening socket per worker thread, all bound to the same port with
 * SO_REUSEPORT, each served by its own single-threaded epoll daemon. The kernel
 * spreads new connections over the sockets; libmicrohttpd's own thread pool lets
 * workers race for accepts and was seen to park all keep-alive connections on one
 * thread (one core busy, the other idle).
 */
static uint16_t server_sockaddr_port(const struct sockaddr_storage *addr)
{
    return ntohs(addr->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *)addr)->sin6_port
                                             : ((const struct sockaddr_in *)addr)->sin_port);
}

static int server_listen_socket(const struct sockaddr_storage *addr, socklen_t addr_len,
                                bool reuse_port, char *err, size_t err_size)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (reuse_port)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    if (addr->ss_family == AF_INET6) /* [::] means IPv6 only, as written */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)addr, addr_len) != 0 || listen(fd, 1024) != 0) {
        char host[INET6_ADDRSTRLEN] = "?";
        const void *raw = addr->ss_family == AF_INET6
                              ? (const void *)&((const struct sockaddr_in6 *)addr)->sin6_addr
                              : (const void *)&((const struct sockaddr_in *)addr)->sin_addr;
        inet_ntop(addr->ss_family, raw, host, sizeof host);
        snprintf(err, err_size, "cannot listen on %s%s%s:%u: %s",
                 addr->ss_family == AF_INET6 ? "[" : "", host,
                 addr->ss_family == AF_INET6 ? "]" : "", server_sockaddr_port(addr),
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

struct http_server *http_server_listen(const struct http_server_options *opt, char *err,
                                       size_t err_size)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    memset(&addr, 0, sizeof addr);
    const char *host = strcmp(opt->host, "localhost") == 0 ? "127.0.0.1" : opt->host;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(opt->port);
        addr_len = sizeof *v4;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(opt->port);
        addr_len = sizeof *v6;
    } else {
        snprintf(err, err_size, "listen address %s is not an IPv4 or IPv6 literal", opt->host);
        return NULL;
    }
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    srv->opt = *opt;
    pthread_mutex_init(&srv->jobs_lock, NULL);
    pthread_cond_init(&srv->jobs_done, NULL);
    pthread_mutex_init(&srv->work_lock, NULL);
    pthread_cond_init(&srv->work_ready, NULL);
    srv->count = opt->threads ? opt->threads : 2;
    if (srv->count > HTTP_SERVER_MAX_THREADS)
        srv->count = HTTP_SERVER_MAX_THREADS;
    /* A fixed port must be free: SO_REUSEPORT would otherwise let a second tenantd
     * silently share it. Probe with a plain socket first. */
    if (opt->port != 0) {
        int probe = server_listen_socket(&addr, addr_len, false, err, err_size);
        if (probe < 0) {
            free(srv);
            return NULL;
        }
        close(probe);
    }
    for (unsigned i = 0; i < srv->count; i++) {
        srv->fds[i] = server_listen_socket(&addr, addr_len, true, err, err_size);
        if (srv->fds[i] < 0) {
            while (i-- > 0)
                close(srv->fds[i]);
            free(srv);
            return NULL;
        }
        if (i == 0) { /* port 0: every socket joins the port the first one got */
            socklen_t len = sizeof addr;
            getsockname(srv->fds[0], (struct sockaddr *)&addr, &len);
            srv->port = server_sockaddr_port(&addr);
        }
    }
    return srv;
}

int http_server_run(struct http_server *srv, char *err, size_t err_size)
{
    if (srv->opt.offload) {
        unsigned want = srv->opt.workers ? srv->opt.workers : 2;
        if (want > HTTP_MAX_WORKERS)
            want = HTTP_MAX_WORKERS;
        for (; srv->worker_count < want; srv->worker_count++) {
            if (pthread_create(&srv->workers[srv->worker_count], NULL, server_worker_thread, srv) !=
                0) {
                snprintf(err, err_size, "cannot start write worker %u", srv->worker_count);
                return -1;
            }
        }
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    for (unsigned i = 0; i < srv->count; i++) {
        srv->daemons[i] = MHD_start_daemon(
            flags, 0, NULL, NULL, server_on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, server_log,
            NULL, MHD_OPTION_LISTEN_SOCKET, srv->fds[i], MHD_OPTION_NOTIFY_COMPLETED,
            server_on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned)(4096 / srv->count),
            /* Headers only (bodies stream through the handler); libmicrohttpd clears
             * this pool per request, so smaller is measurably faster. */
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_END);
        if (!srv->daemons[i]) {
            snprintf(err, err_size, "cannot start HTTP worker %u", i);
            return -1;
        }
        srv->fds[i] = -1; /* owned by the daemon now */
    }
    return 0;
}

struct http_server *http_server_start(const struct http_server_options *opt, char *err,
                                      size_t err_size)
{
    struct http_server *srv = http_server_listen(opt, err, err_size);
    if (srv && http_server_run(srv, err, err_size) != 0) {
        http_server_stop(srv);
        return NULL;
    }
    return srv;
}

uint16_t http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    /* Suspended connections must be resumed before their daemon stops: the write
     * workers drain their queue (requests arriving meanwhile run inline), then running
     * deferred jobs finish (they are bounded by their own timeouts). */
    pthread_mutex_lock(&s->work_lock);
    s->work_stopping = true;
    pthread_cond_broadcast(&s->work_ready);
    pthread_mutex_unlock(&s->work_lock);
    for (unsigned i = 0; i < s->worker_count; i++)
        pthread_join(s->workers[i], NULL);
    pthread_mutex_lock(&s->jobs_lock);
    while (s->jobs_running > 0)
        pthread_cond_wait(&s->jobs_done, &s->jobs_lock);
    pthread_mutex_unlock(&s->jobs_lock);
    for (unsigned i = 0; i < s->count; i++) {
        if (s->daemons[i])
            MHD_stop_daemon(s->daemons[i]);
        else if (s->fds[i] >= 0)
            close(s->fds[i]);
    }
    pthread_mutex_destroy(&s->jobs_lock);
    pthread_cond_destroy(&s->jobs_done);
    pthread_mutex_destroy(&s->work_lock);
    pthread_cond_destroy(&s->work_ready);
    free(s);
}
