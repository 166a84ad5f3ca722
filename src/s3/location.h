/*
 * s3/location.h — internal to s3/: turns an s3_target plus an optional object
 * key into the exact Host header, canonical URI and URL prefix a request
 * will use, for both path-style and virtual-hosted-style addressing. Both the
 * presigner (which signs what it builds here) and the bucket test (whose
 * requests libcurl signs from the URL) go through it, so the two can never
 * disagree about where an object lives.
 */
#ifndef TENANTD_S3_LOCATION_H
#define TENANTD_S3_LOCATION_H

#include <stdbool.h>
#include <stddef.h>

#include "s3/s3.h"

/* Longest endpoint host (DNS name or bracketed IPv6 literal) we accept. */
#define S3_LOCATION_HOST_MAX 255
/* Longest bucket name we accept (S3 allows 63; legacy us-east-1 buckets 255). */
#define S3_LOCATION_BUCKET_MAX 255

/* [bucket.]host[:port] plus NUL. */
#define S3_LOCATION_HOST_HEADER_SIZE (S3_LOCATION_BUCKET_MAX + 1 + S3_LOCATION_HOST_MAX + 6 + 1)

struct s3_location {
    bool https;
    /* Host header value: [bucket.]host[:port], port omitted when default. */
    char host[S3_LOCATION_HOST_HEADER_SIZE];
    /* "https://" + host: the URL up to (not including) the path. */
    char origin[8 + S3_LOCATION_HOST_HEADER_SIZE];
    /* Canonical URI = URL path: "/bucket/key", "/bucket", "/key" or "/". */
    char path[3 * (S3_LOCATION_BUCKET_MAX + S3_KEY_MAX) + 4];
};

/*
 * Fills loc for t and key (NULL for the bucket itself). Rejects, returning
 * false: a NULL/empty endpoint or bucket; an endpoint that is not http(s),
 * carries userinfo, a query, a fragment or a path other than "/", or has a
 * bad host or port; a bucket that is too long or has '/', spaces or control
 * characters; for virtual-hosted style, a bucket outside [a-z0-9.-] or an
 * IP-literal endpoint host; a key that is empty, too long, has control
 * characters or has a "." or ".." path segment (HTTP clients, libcurl
 * included, and some servers remove dot segments, which would change the
 * object addressed). The key is URI-encoded once with '/' kept; the bucket
 * (path style) with '/' encoded.
 */
bool s3_location_build(const struct s3_target *t, const char *key, struct s3_location *loc);

#endif /* TENANTD_S3_LOCATION_H */
