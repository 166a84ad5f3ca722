/*
 * tests/unit/test_http_server — http/server.c's write workers on a real server:
 * with a single HTTP thread, a request the offload predicate names runs on a write
 * worker, so while it waits (here: until the test lets it go) the same HTTP thread
 * keeps answering other requests; the waiting request then gets its own reply; and
 * many offloaded requests queued at once are all answered, in full, by the workers.
 * Threaded: also run under ThreadSanitizer (make unit-tsan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "http/reply.h"
#include "http/server.h"

/* The gate that /slow waits at. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open;
static int slow_waiting; /* /slow handlers waiting at the gate */

static void gate_set(bool open)
{
    pthread_mutex_lock(&gate_lock);
    gate_open = open;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

static void test_dispatch(struct http_request *req, struct http_reply *reply)
{
    if (strcmp(req->path, "/slow") == 0) {
        pthread_mutex_lock(&gate_lock);
        slow_waiting++;
        pthread_cond_broadcast(&gate_cond);
        while (!gate_open)
            pthread_cond_wait(&gate_cond, &gate_lock);
        slow_waiting--;
        pthread_mutex_unlock(&gate_lock);
    }
    reply_json(reply, 200, json_pack("{s:s,s:i}", "path", req->path, "len", (int)req->body_len));
}

static bool test_offload(const struct http_request *req)
{
    return req->method == HTTP_POST;
}

/* Waits until n /slow handlers wait at the gate (fails after ~5 s). */
static void wait_for_slow(int n)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    pthread_mutex_lock(&gate_lock);
    while (slow_waiting < n)
        if (pthread_cond_timedwait(&gate_cond, &gate_lock, &deadline) != 0)
            break;
    int got = slow_waiting;
    pthread_mutex_unlock(&gate_lock);
    assert_int_equal(got, n);
}

struct fetch {
    uint16_t port;
    const char *method, *path, *body;
    long status;
    char answer[256];
    size_t answer_len;
};

static size_t fetch_write(char *data, size_t size, size_t n, void *arg)
{
    struct fetch *f = arg;
    size_t len = size * n;
    size_t room = sizeof f->answer - 1 - f->answer_len;
    memcpy(f->answer + f->answer_len, data, len < room ? len : room);
    f->answer_len += len < room ? len : room;
    f->answer[f->answer_len] = 0;
    return len;
}

static void *fetch_run(void *arg)
{
    struct fetch *f = arg;
    CURL *curl = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", (unsigned)f->port, f->path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
    if (strcmp(f->method, "POST") == 0)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, f->body ? f->body : "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, fetch_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &f->status);
    curl_easy_cleanup(curl);
    return NULL;
}

static struct http_server *start_server(void)
{
    struct http_server_options opt = {
        .host = "127.0.0.1",
        .port = 0,
        .threads = 1,
        .dispatch = test_dispatch,
        .offload = test_offload,
        .workers = 2,
    };
    char err[256] = "";
    struct http_server *srv = http_server_start(&opt, err, sizeof err);
    if (!srv)
        fail_msg("http_server_start: %s", err);
    return srv;
}

static void test_a_waiting_offloaded_request_does_not_stall_the_http_thread(void **state)
{
    gate_set(false);
    struct http_server *srv = start_server();
    uint16_t port = http_server_port(srv);
    struct fetch slow = {.port = port, .method = "POST", .path = "/slow", .body = "abc"};
    pthread_t slow_thread;
    assert_int_equal(pthread_create(&slow_thread, NULL, fetch_run, &slow), 0);
    wait_for_slow(1);
    /* The only HTTP thread answers while /slow waits on a worker. */
    for (int i = 0; i < 3; i++) {
        struct fetch fast = {.port = port, .method = "GET", .path = "/fast"};
        fetch_run(&fast);
        assert_int_equal(fast.status, 200);
        assert_non_null(strstr(fast.answer, "\"/fast\""));
    }
    gate_set(true);
    pthread_join(slow_thread, NULL);
    assert_int_equal(slow.status, 200);
    assert_non_null(strstr(slow.answer, "\"path\":\"/slow\""));
    assert_non_null(strstr(slow.answer, "\"len\":3"));
    http_server_stop(srv);
}

static void test_many_queued_requests_are_all_answered(void **state)
{
    enum { N = 12 };
    gate_set(false);
    struct http_server *srv = start_server();
    uint16_t port = http_server_port(srv);
    struct fetch posts[N];
    pthread_t threads[N];
    char bodies[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof bodies[i], "%0*d", i + 1, 0);
        posts[i] =
            (struct fetch){.port = port, .method = "POST", .path = "/slow", .body = bodies[i]};
        assert_int_equal(pthread_create(&threads[i], NULL, fetch_run, &posts[i]), 0);
    }
    wait_for_slow(2); /* both workers busy, the other ten queued */
    gate_set(true);
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(posts[i].status, 200);
        char want[32];
        snprintf(want, sizeof want, "\"len\":%d", i + 1);
        assert_non_null(strstr(posts[i].answer, want));
    }
    http_server_stop(srv);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_waiting_offloaded_request_does_not_stall_the_http_thread),
        cmocka_unit_test(test_many_queued_requests_are_all_answered),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
