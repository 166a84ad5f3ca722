/*
 * domain/storage_rules — SPEC §1 "Storage configuration": providers,
 * bucket names, endpoints, regions, credentials' shape, provider defaults,
 * addressing style and object keys for presigning. Pure: no I/O.
 * The provider table is documented in docs/RULES.md.
 *
 * Error codes callers use for storage fields: invalid_provider,
 * invalid_bucket, invalid_endpoint, invalid_region, invalid_access_key_id,
 * invalid_secret_access_key, endpoint_required, endpoint_or_region_required.
 */
#ifndef TENANTD_DOMAIN_STORAGE_RULES_H
#define TENANTD_DOMAIN_STORAGE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "domain/uris.h"

#define STORAGE_BUCKET_MAX_LEN 63
#define STORAGE_REGION_MAX_LEN 32
#define STORAGE_ACCESS_KEY_ID_MAX_LEN 128
#define STORAGE_SECRET_KEY_MAX_LEN 256
#define STORAGE_OBJECT_KEY_MAX_LEN 1024

enum storage_provider {
    STORAGE_AWS_S3,
    STORAGE_TIGRIS,
    STORAGE_CLOUDFLARE_R2,
    STORAGE_MINIO,
    STORAGE_BACKBLAZE_B2
};

/* Exact, case-sensitive: "aws_s3", "tigris", "cloudflare_r2", "minio", "backblaze_b2". */
bool storage_provider_parse(const char *s, enum storage_provider *out);

/* The API name of p; "unknown" for a value outside the enum. */
const char *storage_provider_name(enum storage_provider p);

/*
 * Contract: bucket is untrusted. AWS general-purpose bucket naming rules:
 * 3..63 chars of [a-z0-9.-], starts and ends with a letter or digit, no
 * "..", not shaped like an IPv4 address (four all-digit labels), no prefix
 * "xn--", "sthree-" or "amzn-s3-demo-", no suffix "-s3alias", "--ol-s3",
 * ".mrap", "--x-s3" or "--table-s3". *reason (may be NULL) on false.
 */
bool storage_bucket_is_valid(const char *bucket, const char **reason);

/*
 * Contract: endpoint is untrusted. An absolute URL "https://host[:port]"
 * with an optional single trailing "/", no other path, no query, no
 * fragment, no userinfo, at most URI_MAX_LEN bytes of printable ASCII.
 * host is a DNS name (single labels allowed, any case), an IPv4 literal or
 * a bracketed IPv6 literal; port 1..65535. "http://" only when the host is
 * loopback: localhost, 127.0.0.0/8 or [::1]. *reason (may be NULL) on false.
 */
bool storage_endpoint_is_valid(const char *endpoint, const char **reason);

/*
 * Validates endpoint as above and writes its canonical form to out:
 * scheme and host lowercased, trailing "/" removed. False (out "") if
 * invalid or if out_size is too small.
 */
bool storage_endpoint_normalize(const char *endpoint, char *out, size_t out_size,
                                const char **reason);

bool storage_region_is_valid(const char *region);   /* [a-z0-9-]{1,32} */
bool storage_access_key_id_is_valid(const char *s); /* 1..128 of 0x21..0x7E */
bool storage_secret_key_is_valid(const char *s);    /* 1..256 of 0x21..0x7E */

struct storage_config {
    enum storage_provider provider;
    char bucket[64];
    char endpoint[URI_MAX_LEN + 1];
    char region[33];
};

/*
 * Applies the provider rules to cfg (bucket, and endpoint / region when the
 * corresponding *_given flag is set, hold the caller's values; the others
 * are ignored and overwritten). Re-validates the given fields, then:
 *   minio, cloudflare_r2: endpoint required            -> "endpoint_required"
 *   backblaze_b2: endpoint or region required           -> "endpoint_or_region_required"
 *   default region: aws_s3 "us-east-1" (or taken from an
 *     s3.<region>.amazonaws.com endpoint), tigris and cloudflare_r2 "auto",
 *     minio "us-east-1", backblaze_b2 taken from an
 *     s3.<region>.backblazeb2.com endpoint, else "us-east-1";
 *   default endpoint: aws_s3 https://s3.<region>.amazonaws.com, tigris
 *     https://fly.storage.tigris.dev, backblaze_b2
 *     https://s3.<region>.backblazeb2.com.
 * On success cfg->endpoint is canonical (storage_endpoint_normalize) and
 * cfg->region is filled. On failure returns false with static *code and
 * *field ("bucket", "endpoint" or "region"); code and field may be NULL.
 */
bool storage_config_apply_provider_rules(struct storage_config *cfg, bool endpoint_given,
                                         bool region_given, const char **code, const char **field);

/*
 * True for path-style addressing (https://endpoint/bucket/key), false for
 * virtual-hosted (https://bucket.endpoint/key). Path-style for minio, for an
 * endpoint whose host is an IP literal, localhost or a single label, and for
 * bucket names containing '.' (a TLS wildcard certificate cannot cover
 * them). An endpoint that does not parse also yields path-style.
 */
bool storage_use_path_style(const struct storage_config *cfg);

/*
 * Contract: key is untrusted. Object keys accepted for presigning:
 * 1..1024 bytes of valid UTF-8, no control characters (C0, DEL, C1), no
 * leading '/', no empty segment ("a//b"), no "." or ".." segment. A single
 * trailing '/' is allowed ("folder/"). *reason (may be NULL) on false.
 */
bool storage_object_key_is_valid(const char *key, const char **reason);

#endif
