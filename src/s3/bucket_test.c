/*
 * s3/bucket_test.c — the storage "test" action (SPEC §4.3): ListObjectsV2,
 * PUT of a probe object, DELETE of it, each signed by libcurl's
 * CURLOPT_AWS_SIGV4, and the mapping of whatever happened to one of a few
 * stable outcomes with a one-sentence detail. Never logs; never puts the
 * secret in the detail.
 */
#include "s3/location.h"
#include "s3/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define BUCKET_TEST_BODY_MAX 8192
#define BUCKET_TEST_REGION_MAX 64
#define BUCKET_TEST_CONNECT_TIMEOUT_MS 3000L
#define BUCKET_TEST_TIMEOUT_MS 10000L
#define BUCKET_TEST_PROBE_PREFIX ".tenantd-probe/"

static const char probe_body[] = "tenantd storage probe\n";

const char *s3_test_status_name(enum s3_test_status status)
{
    switch (status) {
    case S3_TEST_OK:
        return "ok";
    case S3_TEST_AUTH_FAILED:
        return "auth_failed";
    case S3_TEST_BUCKET_NOT_FOUND:
        return "bucket_not_found";
    case S3_TEST_ACCESS_DENIED:
        return "access_denied";
    case S3_TEST_UNREACHABLE:
        return "unreachable";
    case S3_TEST_TLS_ERROR:
        return "tls_error";
    case S3_TEST_UNEXPECTED:
        break;
    }
    return "unexpected";
}

static bool bucket_is_code_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

/* memmem over a possibly non-NUL-terminated buffer. */
static const char *bucket_find(const char *hay, size_t hay_len, const char *needle)
{
    size_t needle_len = strlen(needle);
    if (hay == NULL || needle_len == 0 || hay_len < needle_len)
        return NULL;
    return memmem(hay, hay_len, needle, needle_len);
}

bool s3_error_code_parse(const char *body, size_t body_len, char *out, size_t out_size)
{
    if (out == NULL || out_size == 0)
        return false;
    out[0] = '\0';
    const char *open = bucket_find(body, body_len, "<Code>");
    if (open == NULL)
        return false;
    const char *start = open + 6;
    size_t remaining = body_len - (size_t)(start - body);
    const char *close = bucket_find(start, remaining, "</Code>");
    if (close == NULL)
        return false;
    size_t len = (size_t)(close - start);
    if (len == 0 || len >= out_size)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!bucket_is_code_char(start[i]))
            return false;
    memcpy(out, start, len);
    out[len] = '\0';
    return true;
}

enum s3_test_status s3_test_classify_http(long http_status, const char *body, size_t body_len)
{
    char code[64];
    if (http_status >= 200 && http_status <= 299)
        return S3_TEST_OK;
    if (!s3_error_code_parse(body, body_len, code, sizeof code))
        code[0] = '\0';
    if (http_status == 401)
        return S3_TEST_AUTH_FAILED;
    if (http_status == 403) {
        if (strcmp(code, "InvalidAccessKeyId") == 0 || strcmp(code, "SignatureDoesNotMatch") == 0)
            return S3_TEST_AUTH_FAILED;
        /* A skewed clock is not a permission problem: say so instead. */
        if (strcmp(code, "RequestTimeTooSkewed") == 0)
            return S3_TEST_UNEXPECTED;
        return S3_TEST_ACCESS_DENIED;
    }
    if (http_status == 404 && strcmp(code, "NoSuchBucket") == 0)
        return S3_TEST_BUCKET_NOT_FOUND;
    return S3_TEST_UNEXPECTED;
}

struct bucket_response {
    CURLcode curl_code;
    long http_status;
    char error[CURL_ERROR_SIZE];
    char body[BUCKET_TEST_BODY_MAX];
    size_t body_len;
};

struct bucket_upload {
    const char *data;
    size_t remaining;
};

/* Keeps the first BUCKET_TEST_BODY_MAX bytes, discards (but accepts) the rest. */
static size_t bucket_write_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct bucket_response *resp = userdata;
    size_t total = size * nmemb;
    size_t room = sizeof resp->body - resp->body_len;
    size_t take = total < room ? total : room;
    memcpy(resp->body + resp->body_len, data, take);
    resp->body_len += take;
    return total;
}

static size_t bucket_read_body(char *buffer, size_t size, size_t nitems, void *userdata)
{
    struct bucket_upload *up = userdata;
    size_t room = size * nitems;
    size_t take = up->remaining < room ? up->remaining : room;
    memcpy(buffer, up->data, take);
    up->data += take;
    up->remaining -= take;
    return take;
}

/* Writes "x-amz-content-sha256: <hex SHA-256 of body>" into out. */
static bool bucket_content_sha256_header(const char *body, size_t body_len, char *out,
                                         size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    char digest_hex[65];

    if (EVP_Digest(body, body_len, digest, &digest_len, EVP_sha256(), NULL) != 1 ||
        digest_len != 32)
        return false;
    for (size_t i = 0; i < 32; i++) {
        digest_hex[2 * i] = hex[digest[i] >> 4];
        digest_hex[2 * i + 1] = hex[digest[i] & 0x0f];
    }
    digest_hex[64] = '\0';
    int written = snprintf(out, out_size, "x-amz-content-sha256: %s", digest_hex);
    return written > 0 && (size_t)written < out_size;
}

/*
 * Performs one signed request. method is "GET", "PUT" (uploads probe_body)
 * or "DELETE". Returns false only if the request could not be set up; the
 * transfer's own outcome is in resp.
 */
static bool bucket_request(const struct s3_target *t, const char *sigv4_param, const char *method,
                           const char *url, struct bucket_response *resp)
{
    struct bucket_upload upload = {probe_body, sizeof probe_body - 1};
    bool is_put = strcmp(method, "PUT") == 0;
    char content_sha256[sizeof "x-amz-content-sha256: " + 64];
    struct curl_slist *headers = NULL;
    bool ok = true;

    memset(resp, 0, sizeof *resp);
    /*
     * S3 requires x-amz-content-sha256 on header-signed requests and libcurl
     * 7.88 does not add it; when the header is present libcurl signs it and
     * uses its value as the payload hash, so send the real body hash.
     */
    if (!bucket_content_sha256_header(is_put ? probe_body : "", is_put ? sizeof probe_body - 1 : 0,
                                      content_sha256, sizeof content_sha256))
        return false;
    headers = curl_slist_append(NULL, content_sha256);
    if (headers == NULL)
        return false;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        curl_slist_free_all(headers);
        return false;
    }

#define BUCKET_SETOPT(opt, val)                                                                    \
    do {                                                                                           \
        if (ok && curl_easy_setopt(curl, opt, val) != CURLE_OK)                                    \
            ok = false;                                                                            \
    } while (0)

    BUCKET_SETOPT(CURLOPT_URL, url);
    BUCKET_SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    BUCKET_SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    BUCKET_SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    BUCKET_SETOPT(CURLOPT_NOSIGNAL, 1L);
    BUCKET_SETOPT(CURLOPT_CONNECTTIMEOUT_MS, BUCKET_TEST_CONNECT_TIMEOUT_MS);
    BUCKET_SETOPT(CURLOPT_TIMEOUT_MS, BUCKET_TEST_TIMEOUT_MS);
    BUCKET_SETOPT(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
    BUCKET_SETOPT(CURLOPT_USERAGENT, "tenantd-storage-test");
    BUCKET_SETOPT(CURLOPT_AWS_SIGV4, sigv4_param);
    BUCKET_SETOPT(CURLOPT_USERNAME, t->access_key_id);
    BUCKET_SETOPT(CURLOPT_PASSWORD, t->secret_access_key);
    BUCKET_SETOPT(CURLOPT_ERRORBUFFER, resp->error);
    BUCKET_SETOPT(CURLOPT_WRITEFUNCTION, bucket_write_body);
    BUCKET_SETOPT(CURLOPT_WRITEDATA, resp);
    BUCKET_SETOPT(CURLOPT_HTTPHEADER, headers);
    if (is_put) {
        BUCKET_SETOPT(CURLOPT_UPLOAD, 1L);
        BUCKET_SETOPT(CURLOPT_READFUNCTION, bucket_read_body);
        BUCKET_SETOPT(CURLOPT_READDATA, &upload);
        BUCKET_SETOPT(CURLOPT_INFILESIZE_LARGE, (curl_off_t)(sizeof probe_body - 1));
    } else if (strcmp(method, "DELETE") == 0) {
        BUCKET_SETOPT(CURLOPT_CUSTOMREQUEST, "DELETE");
    }
#undef BUCKET_SETOPT

    if (ok) {
        resp->curl_code = curl_easy_perform(curl);
        if (resp->curl_code == CURLE_OK &&
            curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->http_status) != CURLE_OK)
            resp->http_status = 0;
    }
    curl_easy_cleanup(curl);
    curl_slist_free_all(headers);
    return ok;
}

static enum s3_test_status bucket_classify_transport(CURLcode code)
{
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
        return S3_TEST_UNREACHABLE;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
        return S3_TEST_TLS_ERROR;
    default:
        return S3_TEST_UNEXPECTED;
    }
}

/* Copies src into dst (bounded), replacing anything non-printable with '?'. */
static void bucket_copy_printable(char *dst, size_t dst_size, const char *src)
{
    size_t i = 0;
    if (dst_size == 0)
        return;
    for (; src[i] != '\0' && i + 1 < dst_size; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
}

/* Writes a detail sentence; a truncated sentence is acceptable (still NUL-terminated). */
static void bucket_set_detail(struct s3_test_result *out, const char *step, const char *what,
                              const char *hint)
{
    int written = snprintf(out->detail, sizeof out->detail, "%s failed: %s.%s%s", step, what,
                           hint[0] != '\0' ? " " : "", hint);
    if (written < 0)
        out->detail[0] = '\0';
}

static const char *bucket_http_hint(enum s3_test_status status, long http_status, const char *code)
{
    switch (status) {
    case S3_TEST_AUTH_FAILED:
        return "The access key id or secret access key was rejected.";
    case S3_TEST_BUCKET_NOT_FOUND:
        return "The bucket does not exist at this endpoint.";
    case S3_TEST_ACCESS_DENIED:
        return "The keys were accepted but lack permission for this operation.";
    default:
        break;
    }
    if (strcmp(code, "RequestTimeTooSkewed") == 0)
        return "This server's clock and the storage service's clock disagree.";
    if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
        strcmp(code, "PermanentRedirect") == 0 || http_status == 301 || http_status == 307)
        return "Check the region and endpoint of the bucket.";
    if (http_status >= 500)
        return "The storage service reported an error; try again later.";
    return "The endpoint did not answer like an S3-compatible service.";
}

/*
 * Runs one step; returns true if it succeeded (2xx and, for the listing, an
 * S3 listing body). On failure fills out completely.
 */
static bool bucket_step(const struct s3_target *t, const char *sigv4_param, const char *step,
                        const char *method, const char *url, bool expect_listing,
                        struct bucket_response *resp, struct s3_test_result *out)
{
    char what[160];
    char text[CURL_ERROR_SIZE];

    if (!bucket_request(t, sigv4_param, method, url, resp)) {
        out->status = S3_TEST_UNEXPECTED;
        out->http_status = 0;
        bucket_set_detail(out, step, "the request could not be prepared", "");
        return false;
    }
    if (resp->curl_code != CURLE_OK) {
        out->status = bucket_classify_transport(resp->curl_code);
        out->http_status = 0;
        bucket_copy_printable(text, sizeof text,
                              resp->error[0] != '\0' ? resp->error
                                                     : curl_easy_strerror(resp->curl_code));
        const char *hint = out->status == S3_TEST_UNREACHABLE ? "Check the endpoint."
                           : out->status == S3_TEST_TLS_ERROR
                               ? "Check the endpoint's TLS certificate."
                               : "";
        bucket_set_detail(out, step, text, hint);
        return false;
    }

    enum s3_test_status status =
        s3_test_classify_http(resp->http_status, resp->body, resp->body_len);
    if (status == S3_TEST_OK && expect_listing &&
        bucket_find(resp->body, resp->body_len, "<ListBucketResult") == NULL) {
        out->status = S3_TEST_UNEXPECTED;
        out->http_status = (int)resp->http_status;
        bucket_set_detail(out, step, "the answer was not an S3 bucket listing",
                          "The endpoint did not answer like an S3-compatible service.");
        return false;
    }
    if (status == S3_TEST_OK)
        return true;

    char code[64];
    if (!s3_error_code_parse(resp->body, resp->body_len, code, sizeof code))
        code[0] = '\0';
    int written = snprintf(what, sizeof what, "HTTP %ld%s%s", resp->http_status,
                           code[0] != '\0' ? " " : "", code);
    if (written < 0)
        what[0] = '\0';
    out->status = status;
    out->http_status = (int)resp->http_status;
    bucket_set_detail(out, step, what, bucket_http_hint(status, resp->http_status, code));
    return false;
}

static bool bucket_region_is_valid(const char *region)
{
    size_t len = strlen(region);
    if (len == 0 || len > BUCKET_TEST_REGION_MAX)
        return false;
    for (const char *p = region; *p != '\0'; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return false;
    return true;
}

void s3_test_bucket(const struct s3_target *t, struct s3_test_result *out)
{
    struct s3_location loc;
    struct bucket_response *resp = NULL;
    char sigv4_param[16 + BUCKET_TEST_REGION_MAX];
    char probe_key[sizeof BUCKET_TEST_PROBE_PREFIX + 32];
    char url[sizeof loc.origin + sizeof loc.path + 32];
    unsigned char random[16];
    int written;

    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    out->status = S3_TEST_UNEXPECTED;
    written = snprintf(out->detail, sizeof out->detail, "The bucket check did not complete.");
    if (written < 0)
        out->detail[0] = '\0';

    if (t == NULL || t->region == NULL || t->access_key_id == NULL ||
        t->secret_access_key == NULL || t->access_key_id[0] == '\0' ||
        t->secret_access_key[0] == '\0' || !bucket_region_is_valid(t->region) ||
        !s3_location_build(t, NULL, &loc)) {
        bucket_set_detail(out, "Checking the configuration",
                          "the endpoint, bucket, region or keys are not usable", "");
        return;
    }
    written = snprintf(sigv4_param, sizeof sigv4_param, "aws:amz:%s:s3", t->region);
    if (written < 0 || (size_t)written >= sizeof sigv4_param)
        return;

    /* Heap, not stack: three bodies would make a large frame for a server thread. */
    resp = calloc(1, sizeof *resp);
    if (resp == NULL) {
        bucket_set_detail(out, "Checking the bucket", "out of memory", "");
        return;
    }

    /* 1. ListObjectsV2, one key: proves bucket, region, keys and list permission. */
    written = snprintf(url, sizeof url, "%s%s?list-type=2&max-keys=1", loc.origin, loc.path);
    if (written < 0 || (size_t)written >= sizeof url)
        goto done;
    if (!bucket_step(t, sigv4_param, "Listing the bucket", "GET", url, true, resp, out))
        goto done;

    /* 2. PUT a probe object with a random name, so concurrent tests never collide. */
    if (RAND_bytes(random, sizeof random) != 1) {
        bucket_set_detail(out, "Writing a probe object", "no randomness available", "");
        goto done;
    }
    written = snprintf(probe_key, sizeof probe_key, "%s", BUCKET_TEST_PROBE_PREFIX);
    if (written < 0 || (size_t)written >= sizeof probe_key)
        goto done;
    for (size_t i = 0; i < sizeof random; i++) {
        static const char hex[] = "0123456789abcdef";
        size_t at = sizeof BUCKET_TEST_PROBE_PREFIX - 1 + 2 * i;
        probe_key[at] = hex[random[i] >> 4];
        probe_key[at + 1] = hex[random[i] & 0x0f];
        probe_key[at + 2] = '\0';
    }
    if (!s3_location_build(t, probe_key, &loc))
        goto done;
    written = snprintf(url, sizeof url, "%s%s", loc.origin, loc.path);
    if (written < 0 || (size_t)written >= sizeof url)
        goto done;
    if (!bucket_step(t, sigv4_param, "Writing a probe object", "PUT", url, false, resp, out))
        goto done;

    /* 3. DELETE it again. */
    if (!bucket_step(t, sigv4_param, "Deleting the probe object", "DELETE", url, false, resp, out))
        goto done;

    out->status = S3_TEST_OK;
    out->http_status = (int)resp->http_status;
    written = snprintf(out->detail, sizeof out->detail,
                       "Listed the bucket, wrote and deleted a probe object.");
    if (written < 0)
        out->detail[0] = '\0';

done:
    free(resp);
}
