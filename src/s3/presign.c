/*
 * s3/presign.c — SigV4 query-string presigned URLs (SPEC §4.6). Builds the
 * canonical request for one object and one method, signed over the Host
 * header only with UNSIGNED-PAYLOAD, and returns the URL a platform service
 * can use without ever seeing the app's keys.
 */
#include "s3/location.h"
#include "s3/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Longest access key id we sign with (AWS: 16..128). */
#define PRESIGN_ACCESS_KEY_MAX 128
/* Longest region name we sign with. */
#define PRESIGN_REGION_MAX 64

int s3_presign_url(const struct s3_target *t, const char *method, const char *key, long expires_in,
                   time_t now, char **url_out)
{
    struct s3_location loc;
    char amz_date[17], date8[9];
    char scope[128];
    char credential[PRESIGN_ACCESS_KEY_MAX + 1 + sizeof scope];
    char credential_enc[3 * sizeof credential];
    char query[sizeof credential_enc + 256];
    char headers[sizeof loc.host + 8];
    char string_to_sign[256];
    unsigned char signing_key[32];
    char signature[65];
    char *canonical = NULL;
    int written;
    int rc = -1;

    if (url_out == NULL)
        return -1;
    *url_out = NULL;
    if (t == NULL || method == NULL || key == NULL || t->region == NULL ||
        t->access_key_id == NULL || t->secret_access_key == NULL)
        return -1;
    if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0)
        return -1;
    if (expires_in < S3_PRESIGN_EXPIRES_MIN || expires_in > S3_PRESIGN_EXPIRES_MAX)
        return -1;
    size_t akid_len = strlen(t->access_key_id);
    if (akid_len == 0 || akid_len > PRESIGN_ACCESS_KEY_MAX ||
        strlen(t->region) > PRESIGN_REGION_MAX || t->secret_access_key[0] == '\0')
        return -1;
    if (!s3_location_build(t, key, &loc))
        return -1;
    if (!s3_sigv4_format_time(now, amz_date, date8))
        return -1;
    if (!s3_sigv4_scope(date8, t->region, "s3", scope, sizeof scope))
        return -1;

    written = snprintf(credential, sizeof credential, "%s/%s", t->access_key_id, scope);
    if (written < 0 || (size_t)written >= sizeof credential)
        return -1;
    if (!s3_uri_encode(credential, true, credential_enc, sizeof credential_enc))
        return -1;

    /* Parameter names are already in ascending byte order. */
    written = snprintf(query, sizeof query,
                       "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s"
                       "&X-Amz-Date=%s&X-Amz-Expires=%ld&X-Amz-SignedHeaders=host",
                       credential_enc, amz_date, expires_in);
    if (written < 0 || (size_t)written >= sizeof query)
        return -1;
    written = snprintf(headers, sizeof headers, "host:%s\n", loc.host);
    if (written < 0 || (size_t)written >= sizeof headers)
        return -1;

    const struct s3_canonical_request req = {
        .method = method,
        .canonical_uri = loc.path,
        .canonical_query = query,
        .canonical_headers = headers,
        .signed_headers = "host",
        .payload_hash = "UNSIGNED-PAYLOAD",
    };
    canonical = s3_sigv4_canonical_request_new(&req);
    if (canonical == NULL)
        goto done;
    if (!s3_sigv4_string_to_sign(amz_date, scope, canonical, string_to_sign, sizeof string_to_sign))
        goto done;
    s3_sigv4_signing_key(t->secret_access_key, date8, t->region, "s3", signing_key);
    s3_sigv4_signature_hex(signing_key, string_to_sign, signature);
    if (strlen(signature) != 64)
        goto done;

    size_t url_size =
        strlen(loc.origin) + strlen(loc.path) + 1 + strlen(query) + sizeof "&X-Amz-Signature=" + 64;
    char *url = malloc(url_size);
    if (url == NULL)
        goto done;
    written = snprintf(url, url_size, "%s%s?%s&X-Amz-Signature=%s", loc.origin, loc.path, query,
                       signature);
    if (written < 0 || (size_t)written >= url_size) {
        free(url);
        goto done;
    }
    *url_out = url;
    rc = 0;

done:
    OPENSSL_cleanse(signing_key, sizeof signing_key);
    free(canonical);
    return rc;
}
