/*
 * tests/unit/test_s3_bucket_test.c — the storage test action (s3_test_bucket)
 * end to end against an in-process fake S3 server on 127.0.0.1 that *verifies*
 * SigV4 header signatures (recomputed with s3/sigv4.c, itself pinned to AWS's
 * vectors in test_s3_sigv4.c) and the x-amz-content-sha256 payload hash. This
 * cross-checks libcurl's CURLOPT_AWS_SIGV4 signing against ours, and proves the
 * outcome mapping (ok, auth_failed, bucket_not_found, access_denied,
 * unreachable, tls_error, unexpected) and that the secret never leaves in a
 * request or a detail. Also unit-tests the response classifier and the S3
 * error <Code> parser.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#include "s3/s3.h"

#define FAKE_AKID "AKIDFAKE"
#define FAKE_SECRET "fake/Secret+Key=42"
#define FAKE_BUCKET "tenant-bucket"
#define FAKE_MAX_REQUESTS 8

enum fake_mode {
    FAKE_S3,                /* behaves like S3 */
    FAKE_PUT_ACCESS_DENIED, /* listing works, PUT gets 403 AccessDenied */
    FAKE_DELETE_DENIED,     /* listing and PUT work, DELETE gets 403 AccessDenied */
    FAKE_NOT_S3,            /* 200 with an HTML page for everything */
    FAKE_SERVER_ERROR,      /* 503 SlowDown */
    FAKE_SKEWED,            /* 403 RequestTimeTooSkewed */
    FAKE_WRONG_REGION,      /* 400 AuthorizationHeaderMalformed */
    FAKE_REDIRECT,          /* 301 PermanentRedirect */
    FAKE_401,               /* 401 without body */
    FAKE_403_NO_BODY,       /* 403 without body */
};

struct fake_request {
    char method[8];
    char path[512];
    char query[512];
    char host[128];
    bool signature_ok;
    bool payload_hash_ok;
    bool contained_secret;
};

struct fake_server {
    int listen_fd;
    int port;
    pthread_t thread;
    atomic_bool stop; /* set by fake_stop, read by the server thread */
    enum fake_mode mode;
    bool object_exists;
    char object_key[512];
    int request_count;
    struct fake_request requests[FAKE_MAX_REQUESTS];
};

/* ------------------------------------------------------------------------ */
/* Minimal HTTP handling for the fake                                       */

static const char *fake_header(const char *head, const char *name, char *out, size_t out_size)
{
    size_t name_len = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
            const char *v = line + name_len + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t len = end != NULL ? (size_t)(end - v) : strlen(v);
            while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
                len--;
            if (len >= out_size)
                return NULL;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
    }
    return NULL;
}

static void fake_sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    static const char hex[] = "0123456789abcdef";
    assert_int_equal(EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL), 1);
    for (unsigned int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0f];
    }
    out[64] = '\0';
}

/* Recomputes the SigV4 header signature of the request; returns 0 ok, 1 unknown
 * key, 2 mismatch, 3 malformed. */
static int fake_verify_signature(const char *head, const char *method, const char *path,
                                 const char *query)
{
    char auth[512], amz_date[32], credential[128], signed_headers[256], provided[65];
    if (fake_header(head, "Authorization", auth, sizeof auth) == NULL ||
        fake_header(head, "X-Amz-Date", amz_date, sizeof amz_date) == NULL)
        return 3;
    if (sscanf(auth, "AWS4-HMAC-SHA256 Credential=%127[^,], SignedHeaders=%255[^,], Signature=%64s",
               credential, signed_headers, provided) != 3)
        return 3;
    char akid[64], date8[16], region[64], service[16];
    if (sscanf(credential, "%63[^/]/%15[^/]/%63[^/]/%15[^/]/aws4_request", akid, date8, region,
               service) != 4)
        return 3;
    if (strcmp(akid, FAKE_AKID) != 0)
        return 1;

    char canonical_headers[1024] = "";
    size_t used = 0;
    char names[256];
    snprintf(names, sizeof names, "%s", signed_headers);
    for (char *save = NULL, *name = strtok_r(names, ";", &save); name != NULL;
         name = strtok_r(NULL, ";", &save)) {
        char value[256];
        if (fake_header(head, name, value, sizeof value) == NULL)
            return 3;
        int n = snprintf(canonical_headers + used, sizeof canonical_headers - used, "%s:%s\n", name,
                         value);
        if (n < 0 || (size_t)n >= sizeof canonical_headers - used)
            return 3;
        used += (size_t)n;
    }
    char payload_hash[80];
    if (fake_header(head, "x-amz-content-sha256", payload_hash, sizeof payload_hash) == NULL)
        return 3;

    const struct s3_canonical_request req = {
        .method = method,
        .canonical_uri = path,
        .canonical_query = query,
        .canonical_headers = canonical_headers,
        .signed_headers = signed_headers,
        .payload_hash = payload_hash,
    };
    char *canonical = s3_sigv4_canonical_request_new(&req);
    char scope[128], sts[256], expected[65];
    unsigned char key[32];
    if (canonical == NULL || !s3_sigv4_scope(date8, region, service, scope, sizeof scope) ||
        !s3_sigv4_string_to_sign(amz_date, scope, canonical, sts, sizeof sts)) {
        free(canonical);
        return 3;
    }
    free(canonical);
    s3_sigv4_signing_key(FAKE_SECRET, date8, region, service, key);
    s3_sigv4_signature_hex(key, sts, expected);
    return strcmp(expected, provided) == 0 ? 0 : 2;
}

static void fake_send(int fd, int status, const char *reason, const char *content_type,
                      const char *body)
{
    char response[2048];
    int n = snprintf(response, sizeof response,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, reason, content_type, strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof response);
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(fd, response + off, (size_t)n - off);
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

static void fake_send_error(int fd, int status, const char *reason, const char *code)
{
    char body[512];
    int n = snprintf(body, sizeof body,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                     "<Message>fake</Message><RequestId>1</RequestId></Error>",
                     code);
    assert_true(n > 0 && (size_t)n < sizeof body);
    fake_send(fd, status, reason, "application/xml", body);
}

static void fake_handle(struct fake_server *srv, int fd)
{
    char buf[16384];
    size_t len = 0;
    char *body = NULL;
    while (len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            return;
        len += (size_t)r;
        buf[len] = '\0';
        if (buf[0] < 'A' || buf[0] > 'Z') { /* e.g. a TLS ClientHello */
            fake_send(fd, 400, "Bad Request", "text/plain", "");
            return;
        }
        if ((body = strstr(buf, "\r\n\r\n")) != NULL)
            break;
    }
    if (body == NULL)
        return;
    body += 4;
    size_t head_len = (size_t)(body - buf);
    char head[8192];
    if (head_len >= sizeof head)
        return;
    memcpy(head, buf, head_len);
    head[head_len] = '\0';

    char content_length[32], expect[32];
    size_t want = 0;
    if (fake_header(head, "Content-Length", content_length, sizeof content_length) != NULL)
        want = (size_t)strtoul(content_length, NULL, 10);
    if (fake_header(head, "Expect", expect, sizeof expect) != NULL &&
        strcasecmp(expect, "100-continue") == 0) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (write(fd, cont, sizeof cont - 1) < 0)
            return;
    }
    while (len - head_len < want && len < sizeof buf - 1) {
        ssize_t r = read(fd, buf + len, sizeof buf - 1 - len);
        if (r <= 0)
            return;
        len += (size_t)r;
        buf[len] = '\0';
    }
    size_t body_len = len - head_len;

    struct fake_request *rec = NULL;
    if (srv->request_count < FAKE_MAX_REQUESTS)
        rec = &srv->requests[srv->request_count++];
    struct fake_request scratch;
    if (rec == NULL)
        rec = &scratch;
    memset(rec, 0, sizeof *rec);

    char target[512];
    if (sscanf(head, "%7s %511s HTTP/1.1", rec->method, target) != 2)
        return;
    char *q = strchr(target, '?');
    if (q != NULL) {
        *q = '\0';
        snprintf(rec->query, sizeof rec->query, "%s", q + 1);
    }
    snprintf(rec->path, sizeof rec->path, "%s", target);
    fake_header(head, "Host", rec->host, sizeof rec->host);
    rec->contained_secret = memmem(buf, len, FAKE_SECRET, strlen(FAKE_SECRET)) != NULL;

    char payload_hash[80], actual_hash[65];
    fake_sha256_hex(body, body_len, actual_hash);
    rec->payload_hash_ok =
        fake_header(head, "x-amz-content-sha256", payload_hash, sizeof payload_hash) != NULL &&
        strcmp(payload_hash, actual_hash) == 0;

    int verdict = fake_verify_signature(head, rec->method, rec->path, rec->query);
    rec->signature_ok = verdict == 0;

    switch (srv->mode) {
    case FAKE_NOT_S3:
        fake_send(fd, 200, "OK", "text/html", "<html><body>Welcome</body></html>");
        return;
    case FAKE_SERVER_ERROR:
        fake_send_error(fd, 503, "Slow Down", "SlowDown");
        return;
    case FAKE_SKEWED:
        fake_send_error(fd, 403, "Forbidden", "RequestTimeTooSkewed");
        return;
    case FAKE_WRONG_REGION:
        fake_send_error(fd, 400, "Bad Request", "AuthorizationHeaderMalformed");
        return;
    case FAKE_REDIRECT:
        fake_send_error(fd, 301, "Moved Permanently", "PermanentRedirect");
        return;
    case FAKE_401:
        fake_send(fd, 401, "Unauthorized", "text/plain", "");
        return;
    case FAKE_403_NO_BODY:
        fake_send(fd, 403, "Forbidden", "text/plain", "");
        return;
    default:
        break;
    }

    if (verdict == 1) {
        fake_send_error(fd, 403, "Forbidden", "InvalidAccessKeyId");
        return;
    }
    if (verdict != 0) {
        fake_send_error(fd, 403, "Forbidden", "SignatureDoesNotMatch");
        return;
    }
    if (!rec->payload_hash_ok) {
        fake_send_error(fd, 400, "Bad Request", "XAmzContentSHA256Mismatch");
        return;
    }

    /* Resolve bucket and key from path style or virtual-hosted style. */
    char bucket[512] = "", key[512] = "";
    const char *p = rec->path + 1;
    char host_only[128];
    snprintf(host_only, sizeof host_only, "%s", rec->host);
    char *colon = strrchr(host_only, ':');
    if (colon != NULL)
        *colon = '\0';
    if (strncmp(host_only, "127.0.0.1", 9) == 0) {
        const char *slash = strchr(p, '/');
        size_t blen = slash != NULL ? (size_t)(slash - p) : strlen(p);
        snprintf(bucket, sizeof bucket, "%.*s", (int)blen, p);
        if (slash != NULL)
            snprintf(key, sizeof key, "%s", slash + 1);
    } else {
        char *dot = strchr(host_only, '.');
        if (dot != NULL)
            *dot = '\0';
        snprintf(bucket, sizeof bucket, "%s", host_only);
        snprintf(key, sizeof key, "%s", p);
    }
    if (strcmp(bucket, FAKE_BUCKET) != 0) {
        fake_send_error(fd, 404, "Not Found", "NoSuchBucket");
        return;
    }

    if (strcmp(rec->method, "GET") == 0 && key[0] == '\0') {
        fake_send(fd, 200, "OK", "application/xml",
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult "
                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>" FAKE_BUCKET
                  "</Name><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys></ListBucketResult>");
    } else if (strcmp(rec->method, "PUT") == 0 && key[0] != '\0') {
        if (srv->mode == FAKE_PUT_ACCESS_DENIED) {
            fake_send_error(fd, 403, "Forbidden", "AccessDenied");
            return;
        }
        srv->object_exists = true;
        snprintf(srv->object_key, sizeof srv->object_key, "%s", key);
        fake_send(fd, 200, "OK", "text/plain", "");
    } else if (strcmp(rec->method, "DELETE") == 0 && key[0] != '\0') {
        if (srv->mode == FAKE_DELETE_DENIED) {
            fake_send_error(fd, 403, "Forbidden", "AccessDenied");
            return;
        }
        if (strcmp(key, srv->object_key) == 0)
            srv->object_exists = false;
        fake_send(fd, 204, "No Content", "text/plain", "");
    } else {
        fake_send_error(fd, 405, "Method Not Allowed", "MethodNotAllowed");
    }
}

static void *fake_run(void *arg)
{
    struct fake_server *srv = arg;
    while (!srv->stop) {
        int fd = accept(srv->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        if (!srv->stop)
            fake_handle(srv, fd);
        close(fd);
    }
    return NULL;
}

static struct fake_server *fake_start(enum fake_mode mode)
{
    struct fake_server *srv = calloc(1, sizeof *srv);
    assert_non_null(srv);
    srv->mode = mode;
    srv->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(srv->listen_fd >= 0);
    int one = 1;
    setsockopt(srv->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof addr), 0);
    assert_int_equal(listen(srv->listen_fd, 8), 0);
    socklen_t alen = sizeof addr;
    assert_int_equal(getsockname(srv->listen_fd, (struct sockaddr *)&addr, &alen), 0);
    srv->port = ntohs(addr.sin_port);
    assert_int_equal(pthread_create(&srv->thread, NULL, fake_run, srv), 0);
    return srv;
}

static void fake_stop(struct fake_server *srv)
{
    srv->stop = true;
    /* Wake the accept() with one connection. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0) {
        (void)connect(fd, (struct sockaddr *)&addr, sizeof addr);
        close(fd);
    }
    pthread_join(srv->thread, NULL);
    close(srv->listen_fd);
    free(srv);
}

/* Runs s3_test_bucket against the fake with the given knobs. */
static void run_bucket_test(struct fake_server *srv, bool path_style, const char *bucket,
                            const char *akid, const char *secret, struct s3_test_result *out)
{
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint,
             path_style ? "http://127.0.0.1:%d" : "http://s3.localhost:%d", srv->port);
    const struct s3_target t = {
        .endpoint = endpoint,
        .region = "us-east-1",
        .bucket = bucket,
        .path_style = path_style,
        .access_key_id = akid,
        .secret_access_key = secret,
    };
    s3_test_bucket(&t, out);
    assert_null(strstr(out->detail, secret));
    assert_true(strlen(out->detail) > 0 && strlen(out->detail) < sizeof out->detail);
    for (int i = 0; i < srv->request_count; i++)
        assert_false(srv->requests[i].contained_secret);
}

/* ------------------------------------------------------------------------ */
/* End-to-end outcomes                                                      */

static void test_ok_path_style_verifies_signatures(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_OK);
    assert_string_equal(s3_test_status_name(r.status), "ok");
    assert_int_equal(r.http_status, 204);

    assert_int_equal(srv->request_count, 3);
    assert_string_equal(srv->requests[0].method, "GET");
    assert_string_equal(srv->requests[0].path, "/" FAKE_BUCKET);
    assert_string_equal(srv->requests[0].query, "list-type=2&max-keys=1");
    assert_string_equal(srv->requests[1].method, "PUT");
    assert_string_equal(srv->requests[2].method, "DELETE");
    assert_string_equal(srv->requests[1].path, srv->requests[2].path);
    static const char probe_prefix[] = "/" FAKE_BUCKET "/.tenantd-probe/";
    assert_true(strncmp(srv->requests[1].path, probe_prefix, sizeof probe_prefix - 1) == 0);
    assert_int_equal(strlen(srv->requests[1].path), sizeof probe_prefix - 1 + 32);
    assert_int_equal(strspn(srv->requests[1].path + sizeof probe_prefix - 1, "0123456789abcdef"),
                     32);
    for (int i = 0; i < 3; i++) {
        assert_true(srv->requests[i].signature_ok);
        assert_true(srv->requests[i].payload_hash_ok);
    }
    assert_false(srv->object_exists); /* the probe was cleaned up */

    char host[64];
    snprintf(host, sizeof host, "127.0.0.1:%d", srv->port);
    assert_string_equal(srv->requests[0].host, host);
    fake_stop(srv);
}

static void test_probe_keys_are_random(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(srv->request_count, 6);
    assert_string_not_equal(srv->requests[1].path, srv->requests[4].path);
    fake_stop(srv);
}

static void test_ok_virtual_hosted(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, false, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_OK);
    assert_int_equal(srv->request_count, 3);
    char host[64];
    snprintf(host, sizeof host, FAKE_BUCKET ".s3.localhost:%d", srv->port);
    assert_string_equal(srv->requests[0].host, host);
    assert_string_equal(srv->requests[0].path, "/");
    assert_true(strncmp(srv->requests[1].path, "/.tenantd-probe/", 16) == 0);
    for (int i = 0; i < 3; i++)
        assert_true(srv->requests[i].signature_ok);
    fake_stop(srv);
}

static void test_wrong_secret_is_auth_failed(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, "not-the-secret", &r);
    assert_int_equal(r.status, S3_TEST_AUTH_FAILED);
    assert_string_equal(s3_test_status_name(r.status), "auth_failed");
    assert_int_equal(r.http_status, 403);
    assert_non_null(strstr(r.detail, "SignatureDoesNotMatch"));
    assert_int_equal(srv->request_count, 1); /* stops at the listing */
    assert_false(srv->requests[0].signature_ok);
    fake_stop(srv);
}

static void test_unknown_key_is_auth_failed(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, "AKIDOTHER", FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_AUTH_FAILED);
    assert_non_null(strstr(r.detail, "InvalidAccessKeyId"));
    fake_stop(srv);
}

static void test_missing_bucket(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    struct s3_test_result r;
    run_bucket_test(srv, true, "other-bucket", FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_BUCKET_NOT_FOUND);
    assert_string_equal(s3_test_status_name(r.status), "bucket_not_found");
    assert_int_equal(r.http_status, 404);
    assert_int_equal(srv->request_count, 1);
    fake_stop(srv);
}

static void test_write_denied(void **state)
{
    struct fake_server *srv = fake_start(FAKE_PUT_ACCESS_DENIED);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_ACCESS_DENIED);
    assert_string_equal(s3_test_status_name(r.status), "access_denied");
    assert_int_equal(r.http_status, 403);
    assert_non_null(strstr(r.detail, "Writing a probe object"));
    assert_int_equal(srv->request_count, 2);
    fake_stop(srv);
}

static void test_delete_denied(void **state)
{
    struct fake_server *srv = fake_start(FAKE_DELETE_DENIED);
    struct s3_test_result r;
    run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
    assert_int_equal(r.status, S3_TEST_ACCESS_DENIED);
    assert_non_null(strstr(r.detail, "Deleting the probe object"));
    assert_int_equal(srv->request_count, 3);
    fake_stop(srv);
}

static void test_unexpected_answers(void **state)
{
    static const struct {
        enum fake_mode mode;
        enum s3_test_status status;
        int http;
        const char *in_detail;
    } cases[] = {
        {FAKE_NOT_S3, S3_TEST_UNEXPECTED, 200, "not an S3 bucket listing"},
        {FAKE_SERVER_ERROR, S3_TEST_UNEXPECTED, 503, "SlowDown"},
        {FAKE_SKEWED, S3_TEST_UNEXPECTED, 403, "clock"},
        {FAKE_WRONG_REGION, S3_TEST_UNEXPECTED, 400, "region"},
        {FAKE_REDIRECT, S3_TEST_UNEXPECTED, 301, "region"},
        {FAKE_401, S3_TEST_AUTH_FAILED, 401, "HTTP 401"},
        {FAKE_403_NO_BODY, S3_TEST_ACCESS_DENIED, 403, "HTTP 403"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fake_server *srv = fake_start(cases[i].mode);
        struct s3_test_result r;
        run_bucket_test(srv, true, FAKE_BUCKET, FAKE_AKID, FAKE_SECRET, &r);
        if (r.status != cases[i].status || r.http_status != cases[i].http ||
            strstr(r.detail, cases[i].in_detail) == NULL)
            fail_msg("case %zu: got %s %d \"%s\"", i, s3_test_status_name(r.status), r.http_status,
                     r.detail);
        assert_int_equal(srv->request_count, 1); /* no redirect followed */
        fake_stop(srv);
    }
}

static void test_closed_port_is_unreachable(void **state)
{
    /* Take a free port, then close it so nothing listens there. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t alen = sizeof addr;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &alen), 0);
    close(fd);

    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", ntohs(addr.sin_port));
    const struct s3_target t = {endpoint, "us-east-1", FAKE_BUCKET, true, FAKE_AKID, FAKE_SECRET};
    struct s3_test_result r;
    s3_test_bucket(&t, &r);
    assert_int_equal(r.status, S3_TEST_UNREACHABLE);
    assert_string_equal(s3_test_status_name(r.status), "unreachable");
    assert_int_equal(r.http_status, 0);
    assert_null(strstr(r.detail, FAKE_SECRET));
}

static void test_tls_to_plain_http_is_tls_error(void **state)
{
    struct fake_server *srv = fake_start(FAKE_S3);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "https://127.0.0.1:%d", srv->port);
    const struct s3_target t = {endpoint, "us-east-1", FAKE_BUCKET, true, FAKE_AKID, FAKE_SECRET};
    struct s3_test_result r;
    s3_test_bucket(&t, &r);
    assert_int_equal(r.status, S3_TEST_TLS_ERROR);
    assert_string_equal(s3_test_status_name(r.status), "tls_error");
    fake_stop(srv);
}

static void test_unusable_configuration(void **state)
{
    struct s3_test_result r;
    const struct s3_target bad[] = {
        {"ftp://127.0.0.1:1", "us-east-1", FAKE_BUCKET, true, FAKE_AKID, FAKE_SECRET},
        {"http://127.0.0.1:1", "us-east-1", "", true, FAKE_AKID, FAKE_SECRET},
        {"http://127.0.0.1:1", "", FAKE_BUCKET, true, FAKE_AKID, FAKE_SECRET},
        {"http://127.0.0.1:1", "us:east", FAKE_BUCKET, true, FAKE_AKID, FAKE_SECRET},
        {"http://127.0.0.1:1", "us-east-1", FAKE_BUCKET, true, "", FAKE_SECRET},
        {"http://127.0.0.1:1", "us-east-1", FAKE_BUCKET, true, FAKE_AKID, ""},
        {"http://127.0.0.1:1", "us-east-1", FAKE_BUCKET, true, NULL, FAKE_SECRET},
        {"http://127.0.0.1:1", "us-east-1", FAKE_BUCKET, false, FAKE_AKID, FAKE_SECRET},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s3_test_bucket(&bad[i], &r);
        assert_int_equal(r.status, S3_TEST_UNEXPECTED);
        assert_int_equal(r.http_status, 0);
        assert_non_null(strstr(r.detail, "not usable"));
    }
    s3_test_bucket(NULL, &r);
    assert_int_equal(r.status, S3_TEST_UNEXPECTED);
    s3_test_bucket(&bad[0], NULL); /* must not crash */
}

/* ------------------------------------------------------------------------ */
/* Pure helpers                                                             */

static void test_status_names(void **state)
{
    assert_string_equal(s3_test_status_name(S3_TEST_OK), "ok");
    assert_string_equal(s3_test_status_name(S3_TEST_AUTH_FAILED), "auth_failed");
    assert_string_equal(s3_test_status_name(S3_TEST_BUCKET_NOT_FOUND), "bucket_not_found");
    assert_string_equal(s3_test_status_name(S3_TEST_ACCESS_DENIED), "access_denied");
    assert_string_equal(s3_test_status_name(S3_TEST_UNREACHABLE), "unreachable");
    assert_string_equal(s3_test_status_name(S3_TEST_TLS_ERROR), "tls_error");
    assert_string_equal(s3_test_status_name(S3_TEST_UNEXPECTED), "unexpected");
    assert_string_equal(s3_test_status_name((enum s3_test_status)99), "unexpected");
}

static void test_error_code_parse(void **state)
{
    char code[32];
    const char *b1 = "<?xml version=\"1.0\"?><Error><Code>NoSuchBucket</Code></Error>";
    assert_true(s3_error_code_parse(b1, strlen(b1), code, sizeof code));
    assert_string_equal(code, "NoSuchBucket");
    /* Not NUL-terminated: the length bounds the search. */
    assert_false(s3_error_code_parse(b1, 30, code, sizeof code));
    assert_string_equal(code, "");
    const char *bad[] = {
        "",
        "<Error></Error>",
        "<Code></Code>",
        "<Code>Open",
        "<Code>Has Space</Code>",
        "<Code><b>x</b></Code>",
        "<Code>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</Code>", /* longer than out */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(s3_error_code_parse(bad[i], strlen(bad[i]), code, sizeof code));
        assert_string_equal(code, "");
    }
    assert_false(s3_error_code_parse(NULL, 10, code, sizeof code));
    assert_false(s3_error_code_parse(b1, strlen(b1), code, 0));
}

static void test_classify_http(void **state)
{
    const char *e_sig = "<Error><Code>SignatureDoesNotMatch</Code></Error>";
    const char *e_key = "<Error><Code>InvalidAccessKeyId</Code></Error>";
    const char *e_denied = "<Error><Code>AccessDenied</Code></Error>";
    const char *e_bucket = "<Error><Code>NoSuchBucket</Code></Error>";
    const char *e_nokey = "<Error><Code>NoSuchKey</Code></Error>";
    const char *e_skew = "<Error><Code>RequestTimeTooSkewed</Code></Error>";

    assert_int_equal(s3_test_classify_http(200, NULL, 0), S3_TEST_OK);
    assert_int_equal(s3_test_classify_http(204, NULL, 0), S3_TEST_OK);
    assert_int_equal(s3_test_classify_http(403, e_sig, strlen(e_sig)), S3_TEST_AUTH_FAILED);
    assert_int_equal(s3_test_classify_http(403, e_key, strlen(e_key)), S3_TEST_AUTH_FAILED);
    assert_int_equal(s3_test_classify_http(403, e_denied, strlen(e_denied)), S3_TEST_ACCESS_DENIED);
    assert_int_equal(s3_test_classify_http(403, NULL, 0), S3_TEST_ACCESS_DENIED);
    assert_int_equal(s3_test_classify_http(403, e_skew, strlen(e_skew)), S3_TEST_UNEXPECTED);
    assert_int_equal(s3_test_classify_http(401, NULL, 0), S3_TEST_AUTH_FAILED);
    assert_int_equal(s3_test_classify_http(404, e_bucket, strlen(e_bucket)),
                     S3_TEST_BUCKET_NOT_FOUND);
    assert_int_equal(s3_test_classify_http(404, e_nokey, strlen(e_nokey)), S3_TEST_UNEXPECTED);
    assert_int_equal(s3_test_classify_http(404, NULL, 0), S3_TEST_UNEXPECTED);
    /* A code only counts with its status. */
    assert_int_equal(s3_test_classify_http(400, e_sig, strlen(e_sig)), S3_TEST_UNEXPECTED);
    assert_int_equal(s3_test_classify_http(500, e_bucket, strlen(e_bucket)), S3_TEST_UNEXPECTED);
    assert_int_equal(s3_test_classify_http(301, NULL, 0), S3_TEST_UNEXPECTED);
    assert_int_equal(s3_test_classify_http(0, NULL, 0), S3_TEST_UNEXPECTED);
}

static int group_setup(void **state)
{
    /* The fake listens on loopback; a proxy from the environment must not intercept. */
    static const char *const proxy_vars[] = {"http_proxy",  "HTTP_PROXY", "https_proxy",
                                             "HTTPS_PROXY", "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxy_vars / sizeof proxy_vars[0]; i++)
        unsetenv(proxy_vars[i]);
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    curl_global_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_path_style_verifies_signatures),
        cmocka_unit_test(test_probe_keys_are_random),
        cmocka_unit_test(test_ok_virtual_hosted),
        cmocka_unit_test(test_wrong_secret_is_auth_failed),
        cmocka_unit_test(test_unknown_key_is_auth_failed),
        cmocka_unit_test(test_missing_bucket),
        cmocka_unit_test(test_write_denied),
        cmocka_unit_test(test_delete_denied),
        cmocka_unit_test(test_unexpected_answers),
        cmocka_unit_test(test_closed_port_is_unreachable),
        cmocka_unit_test(test_tls_to_plain_http_is_tls_error),
        cmocka_unit_test(test_unusable_configuration),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_error_code_parse),
        cmocka_unit_test(test_classify_http),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
