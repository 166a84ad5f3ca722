/*
 * s3/s3.h — the S3 layer: AWS Signature Version 4 for S3-compatible object
 * stores (AWS S3, Tigris, Cloudflare R2, MinIO, Backblaze B2).
 *
 * Owns:
 *   - SigV4 primitives (URI encoding, canonical request, string to sign,
 *     signing key, signature), computed with OpenSSL one-shots and checked
 *     against AWS's published examples (tests/unit/test_s3_sigv4.c);
 *   - query-string presigned URLs (SPEC §4.6), built here with those
 *     primitives;
 *   - the storage "test" action (SPEC §4.3): three requests signed by libcurl's
 *     CURLOPT_AWS_SIGV4, mapped to a small closed set of outcomes.
 *
 * This layer validates nothing about *which* bucket or endpoint a tenant may
 * use (that is domain/storage_rules); it takes an already-resolved target as
 * plain parameters and fails closed on anything it cannot sign unambiguously.
 * See docs/STORAGE.md for the storage and threat model.
 */
#ifndef TENANTD_S3_S3_H
#define TENANTD_S3_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Longest object key S3 accepts (bytes of UTF-8). */
#define S3_KEY_MAX 1024
/* Presigned URL lifetime bounds (SigV4 allows at most 7 days). */
#define S3_PRESIGN_EXPIRES_MIN 1L
#define S3_PRESIGN_EXPIRES_MAX 604800L

/*
 * Where and as whom to sign. All strings are borrowed, NUL-terminated and must
 * outlive the call. endpoint is an absolute http(s) URL without userinfo, query
 * or fragment; a path other than "/" is rejected (fail closed). path_style
 * chooses endpoint/bucket/key (true) or scheme://bucket.host/key (false);
 * virtual-hosted style needs a DNS-name endpoint and a bucket of [a-z0-9.-].
 */
struct s3_target {
    const char *endpoint;
    const char *region;
    const char *bucket;
    bool path_style;
    const char *access_key_id;
    const char *secret_access_key;
};

/* ---------------------------------------------------------------------------
 * SigV4 primitives
 * ------------------------------------------------------------------------- */

/*
 * Percent-encode in (any bytes, NUL-terminated) per SigV4's UriEncode: the
 * RFC 3986 unreserved set A-Z a-z 0-9 - . _ ~ is kept, every other byte becomes
 * %XX with upper-case hex (multi-byte UTF-8 is encoded byte by byte; space is
 * %20, never '+'). '/' is kept when encode_slash is false (object-key paths)
 * and encoded as %2F when true (query values). Writes a NUL-terminated string
 * into out. Returns false, leaving out as an empty string when out_size > 0, if
 * any argument is NULL or out_size is too small.
 */
bool s3_uri_encode(const char *in, bool encode_slash, char *out, size_t out_size);

/*
 * The parts of a SigV4 canonical request, each already in canonical form; the
 * builder only joins them, so the caller owns every canonicalisation rule:
 *   method            "GET", "PUT", ... (upper case);
 *   canonical_uri     the URI-encoded absolute path ("/" when empty). For S3 it
 *                     is encoded exactly once, segments kept as-is (no dot
 *                     segment removal, no double encoding);
 *   canonical_query   "k=v&k=v" sorted by encoded name, names and values
 *                     URI-encoded with encode_slash=true, "" when none;
 *   canonical_headers one "name:value\n" per signed header, lower-case names in
 *                     ascending order, values trimmed, inner spaces collapsed;
 *   signed_headers    the same names joined with ';' ("host;x-amz-date");
 *   payload_hash      lower-case hex SHA-256 of the body, or
 *                     "UNSIGNED-PAYLOAD" (presigned URLs).
 */
struct s3_canonical_request {
    const char *method;
    const char *canonical_uri;
    const char *canonical_query;
    const char *canonical_headers;
    const char *signed_headers;
    const char *payload_hash;
};

/*
 * Joins req into the canonical request text
 *   method \n uri \n query \n headers \n signed_headers \n payload_hash
 * (canonical_headers carries its own trailing '\n', hence the blank line AWS's
 * examples show). Returns a malloc'd string the caller frees with free(), or
 * NULL when a field is NULL or memory runs out.
 */
char *s3_sigv4_canonical_request_new(const struct s3_canonical_request *req);

/*
 * Writes the credential scope "date8/region/service/aws4_request" into out.
 * date8 must be 8 digits (YYYYMMDD); region and service must be non-empty and
 * free of '/' and control characters. Returns false (out emptied when
 * out_size > 0) on a bad argument or short buffer.
 */
bool s3_sigv4_scope(const char *date8, const char *region, const char *service, char *out,
                    size_t out_size);

/*
 * Builds the string to sign
 *   "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" hex(SHA-256(canonical_request))
 * into out. amz_date is the ISO 8601 basic timestamp ("20130524T000000Z").
 * Returns false (out emptied when out_size > 0) on NULL input, a malformed
 * amz_date, a hashing failure or a short buffer; 256 bytes always suffice for
 * scopes s3_sigv4_scope produces from region names up to 64 bytes.
 */
bool s3_sigv4_string_to_sign(const char *amz_date, const char *scope, const char *canonical_request,
                             char *out, size_t out_size);

/*
 * Derives the SigV4 signing key
 *   HMAC(HMAC(HMAC(HMAC("AWS4" secret, date8), region), service), "aws4_request")
 * into out. Intermediate keys are cleansed. On an internal OpenSSL failure out
 * is zero-filled, which can never verify.
 */
void s3_sigv4_signing_key(const char *secret, const char *date8, const char *region,
                          const char *service, unsigned char out[32]);

/* Writes lower-case hex HMAC-SHA256(signing_key, string_to_sign) and a NUL into
 * out; on an internal OpenSSL failure out is the empty string. */
void s3_sigv4_signature_hex(const unsigned char signing_key[32], const char *string_to_sign,
                            char out[65]);

/* Formats now (UTC) as amz_date "YYYYMMDDTHHMMSSZ" (out[17]) and date8
 * "YYYYMMDD" (out[9]). Returns false if the time cannot be represented. */
bool s3_sigv4_format_time(time_t now, char amz_date[17], char date8[9]);

/* ---------------------------------------------------------------------------
 * Presigned URLs (SPEC §4.6)
 * ------------------------------------------------------------------------- */

/*
 * Builds a SigV4 query-string presigned URL for one object:
 *   <base>/<key>?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...
 *   &X-Amz-Date=...&X-Amz-Expires=...&X-Amz-SignedHeaders=host&X-Amz-Signature=...
 * signed over the Host header only with UNSIGNED-PAYLOAD, so anyone holding the
 * URL may perform exactly `method` on exactly `key` until now + expires_in.
 *
 * Contract: method is "GET" or "PUT"; key is the full object key (the caller
 * adds any tenant prefix and validates it) of 1..S3_KEY_MAX bytes without
 * control characters and without "." or ".." path segments (rejected here too,
 * because some S3-compatible servers and proxies normalise them away, which
 * could move a signed URL out of its prefix); expires_in is
 * S3_PRESIGN_EXPIRES_MIN..S3_PRESIGN_EXPIRES_MAX; now is the signing time
 * (injected so tests are deterministic). Default ports (443 for https, 80 for
 * http) are dropped from the Host so the signature matches what HTTP clients
 * send. On success stores a malloc'd URL in *url_out (free with free()) and
 * returns 0; otherwise returns -1 and sets *url_out to NULL. The secret is
 * used only to derive the signing key, which is cleansed before return.
 */
int s3_presign_url(const struct s3_target *t, const char *method, const char *key, long expires_in,
                   time_t now, char **url_out);

/* ---------------------------------------------------------------------------
 * Storage test action (SPEC §4.3)
 * ------------------------------------------------------------------------- */

enum s3_test_status {
    S3_TEST_OK,
    S3_TEST_AUTH_FAILED,
    S3_TEST_BUCKET_NOT_FOUND,
    S3_TEST_ACCESS_DENIED,
    S3_TEST_UNREACHABLE,
    S3_TEST_TLS_ERROR,
    S3_TEST_UNEXPECTED
};

/* Stable wire name of a status: "ok", "auth_failed", "bucket_not_found",
 * "access_denied", "unreachable", "tls_error", "unexpected" ("unexpected" for
 * out-of-range values). */
const char *s3_test_status_name(enum s3_test_status status);

struct s3_test_result {
    enum s3_test_status status;
    int http_status;  /* HTTP status of the request that decided, 0 if none */
    char detail[256]; /* one short sentence for a human; never a secret */
};

/*
 * Proves the bucket exists and the keys can list and write: ListObjectsV2
 * (max-keys=1), then PUT of a small probe object ".tenantd-probe/<random hex>",
 * then DELETE of it; each request signed by libcurl (CURLOPT_AWS_SIGV4
 * "aws:amz:<region>:s3"), connect timeout 3 s, total 10 s per request, no
 * redirects, http/https only, no signals. Stops at the first failing request
 * and maps it:
 *   2xx                                                   -> ok (after all three)
 *   401, or 403 InvalidAccessKeyId/SignatureDoesNotMatch  -> auth_failed
 *   404 NoSuchBucket                                      -> bucket_not_found
 *   other 403 (AccessDenied, ...)                         -> access_denied
 *   resolve/connect failure, timeout                      -> unreachable
 *   TLS handshake or certificate failure                  -> tls_error
 *   anything else (wrong region, redirects, clock skew,
 *   5xx, a 200 that is not an S3 listing, bad config)     -> unexpected
 * Blocks the calling thread for up to ~30 s. Thread-safe once main has called
 * curl_global_init. out is always filled; the secret never reaches detail or
 * any log.
 */
void s3_test_bucket(const struct s3_target *t, struct s3_test_result *out);

/*
 * Classifies one finished S3 response (exposed for unit tests): http_status and
 * the S3 error <Code> parsed from body (may be NULL/empty). Returns
 * S3_TEST_OK for 2xx. body_len bytes of body are read; it need not be
 * NUL-terminated.
 */
enum s3_test_status s3_test_classify_http(long http_status, const char *body, size_t body_len);

/*
 * Extracts the text of the first <Code>...</Code> element of an S3 XML error
 * body into out (at most out_size-1 bytes, characters outside [A-Za-z0-9._-]
 * rejected). Returns false and empties out when there is none or it is
 * malformed or too long. body need not be NUL-terminated.
 */
bool s3_error_code_parse(const char *body, size_t body_len, char *out, size_t out_size);

#endif /* TENANTD_S3_S3_H */
