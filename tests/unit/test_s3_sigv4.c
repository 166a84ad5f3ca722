/*
 * tests/unit/test_s3_sigv4.c — SigV4 primitives and presigned URLs against
 * AWS's published examples:
 *   - S3 "GET Object" header-signed example (Amazon S3 API reference,
 *     "Signature Calculations for the Authorization Header"), signature
 *     f0e8bdb8...bdb41;
 *   - S3 presigned URL example ("Authenticating Requests: Using Query
 *     Parameters"), signature aeeed9bb...d404;
 *   - the signing-key derivation example of the AWS general reference
 *     (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1,
 *     iam -> f4780e2d...404d);
 * plus URI-encoding edge cases and the presigner's fail-closed contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "s3/location.h"
#include "s3/s3.h"

#define AWS_EXAMPLE_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AWS_EXAMPLE_AKID "AKIAIOSFODNN7EXAMPLE"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* 2013-05-24T00:00:00Z */
#define AWS_EXAMPLE_TIME ((time_t)1369353600)

static void hex_of(const unsigned char *bytes, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

/* ------------------------------------------------------------------------ */
/* AWS vectors                                                              */

static void test_signing_key_general_reference_example(void **state)
{
    unsigned char key[32];
    char hex[65];
    s3_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam",
                         key);
    hex_of(key, sizeof key, hex);
    assert_string_equal(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

static void test_get_object_header_example(void **state)
{
    const struct s3_canonical_request req = {
        .method = "GET",
        .canonical_uri = "/test.txt",
        .canonical_query = "",
        .canonical_headers = "host:examplebucket.s3.amazonaws.com\n"
                             "range:bytes=0-9\n"
                             "x-amz-content-sha256:" EMPTY_SHA256 "\n"
                             "x-amz-date:20130524T000000Z\n",
        .signed_headers = "host;range;x-amz-content-sha256;x-amz-date",
        .payload_hash = EMPTY_SHA256,
    };
    char *canonical = s3_sigv4_canonical_request_new(&req);
    assert_non_null(canonical);
    assert_string_equal(canonical, "GET\n"
                                   "/test.txt\n"
                                   "\n"
                                   "host:examplebucket.s3.amazonaws.com\n"
                                   "range:bytes=0-9\n"
                                   "x-amz-content-sha256:" EMPTY_SHA256 "\n"
                                   "x-amz-date:20130524T000000Z\n"
                                   "\n"
                                   "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA256);

    char scope[128];
    assert_true(s3_sigv4_scope("20130524", "us-east-1", "s3", scope, sizeof scope));
    assert_string_equal(scope, "20130524/us-east-1/s3/aws4_request");

    char sts[256];
    assert_true(s3_sigv4_string_to_sign("20130524T000000Z", scope, canonical, sts, sizeof sts));
    assert_string_equal(sts, "AWS4-HMAC-SHA256\n"
                             "20130524T000000Z\n"
                             "20130524/us-east-1/s3/aws4_request\n"
                             "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");

    unsigned char key[32];
    char signature[65];
    s3_sigv4_signing_key(AWS_EXAMPLE_SECRET, "20130524", "us-east-1", "s3", key);
    s3_sigv4_signature_hex(key, sts, signature);
    assert_string_equal(signature,
                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    free(canonical);
}

static void test_presigned_url_example_primitives(void **state)
{
    const struct s3_canonical_request req = {
        .method = "GET",
        .canonical_uri = "/test.txt",
        .canonical_query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                           "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
                           "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                           "&X-Amz-SignedHeaders=host",
        .canonical_headers = "host:examplebucket.s3.amazonaws.com\n",
        .signed_headers = "host",
        .payload_hash = "UNSIGNED-PAYLOAD",
    };
    char *canonical = s3_sigv4_canonical_request_new(&req);
    assert_non_null(canonical);
    char sts[256];
    assert_true(s3_sigv4_string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                                        canonical, sts, sizeof sts));
    assert_string_equal(sts, "AWS4-HMAC-SHA256\n"
                             "20130524T000000Z\n"
                             "20130524/us-east-1/s3/aws4_request\n"
                             "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
    unsigned char key[32];
    char signature[65];
    s3_sigv4_signing_key(AWS_EXAMPLE_SECRET, "20130524", "us-east-1", "s3", key);
    s3_sigv4_signature_hex(key, sts, signature);
    assert_string_equal(signature,
                        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
    free(canonical);
}

static const char aws_presigned_example_url[] =
    "https://examplebucket.s3.amazonaws.com/test.txt"
    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

static void test_presign_reproduces_aws_example_virtual_hosted(void **state)
{
    const struct s3_target t = {
        .endpoint = "https://s3.amazonaws.com",
        .region = "us-east-1",
        .bucket = "examplebucket",
        .path_style = false,
        .access_key_id = AWS_EXAMPLE_AKID,
        .secret_access_key = AWS_EXAMPLE_SECRET,
    };
    char *url = NULL;
    assert_int_equal(s3_presign_url(&t, "GET", "test.txt", 86400, AWS_EXAMPLE_TIME, &url), 0);
    assert_non_null(url);
    assert_string_equal(url, aws_presigned_example_url);
    free(url);

    /* Trailing slash, upper-case scheme/host and an explicit default port change nothing. */
    const struct s3_target t2 = {
        .endpoint = "HTTPS://S3.AmazonAWS.com:443/",
        .region = "us-east-1",
        .bucket = "examplebucket",
        .path_style = false,
        .access_key_id = AWS_EXAMPLE_AKID,
        .secret_access_key = AWS_EXAMPLE_SECRET,
    };
    assert_int_equal(s3_presign_url(&t2, "GET", "test.txt", 86400, AWS_EXAMPLE_TIME, &url), 0);
    assert_string_equal(url, aws_presigned_example_url);
    free(url);
}

/* Independent recomputation of a path-style presigned URL from the primitives. */
static void test_presign_path_style_with_port(void **state)
{
    const struct s3_target t = {
        .endpoint = "http://127.0.0.1:4569",
        .region = "us-east-1",
        .bucket = "my-bucket",
        .path_style = true,
        .access_key_id = "S3RVER",
        .secret_access_key = "S3RVER",
    };
    char *url = NULL;
    assert_int_equal(s3_presign_url(&t, "PUT", "apps/a b/ü~+=.txt", 900, AWS_EXAMPLE_TIME, &url),
                     0);
    const char *query = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        "&X-Amz-Credential=S3RVER%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host";
    const char *path = "/my-bucket/apps/a%20b/%C3%BC~%2B%3D.txt";
    const struct s3_canonical_request req = {
        .method = "PUT",
        .canonical_uri = path,
        .canonical_query = query,
        .canonical_headers = "host:127.0.0.1:4569\n",
        .signed_headers = "host",
        .payload_hash = "UNSIGNED-PAYLOAD",
    };
    char *canonical = s3_sigv4_canonical_request_new(&req);
    assert_non_null(canonical);
    char sts[256];
    assert_true(s3_sigv4_string_to_sign("20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
                                        canonical, sts, sizeof sts));
    unsigned char key[32];
    char signature[65];
    s3_sigv4_signing_key("S3RVER", "20130524", "us-east-1", "s3", key);
    s3_sigv4_signature_hex(key, sts, signature);

    char expected[1024];
    int n = snprintf(expected, sizeof expected, "http://127.0.0.1:4569%s?%s&X-Amz-Signature=%s",
                     path, query, signature);
    assert_true(n > 0 && (size_t)n < sizeof expected);
    assert_string_equal(url, expected);
    free(url);
    free(canonical);
}

static void test_presign_get_and_put_differ(void **state)
{
    const struct s3_target t = {
        .endpoint = "https://s3.amazonaws.com",
        .region = "us-east-1",
        .bucket = "examplebucket",
        .path_style = false,
        .access_key_id = AWS_EXAMPLE_AKID,
        .secret_access_key = AWS_EXAMPLE_SECRET,
    };
    char *get = NULL, *put = NULL, *later = NULL;
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &get), 0);
    assert_int_equal(s3_presign_url(&t, "PUT", "k", 60, AWS_EXAMPLE_TIME, &put), 0);
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME + 1, &later), 0);
    assert_string_not_equal(get, put);
    assert_string_not_equal(get, later);
    assert_non_null(strstr(later, "X-Amz-Date=20130524T000001Z"));
    assert_non_null(strstr(get, "X-Amz-Expires=60&"));
    /* The secret never appears in a URL, in any encoding. */
    assert_null(strstr(get, "wJalrXUtnFEMI"));
    assert_null(strstr(put, "wJalrXUtnFEMI"));
    free(get);
    free(put);
    free(later);
}

static void test_presign_region_auto_and_other_region(void **state)
{
    const struct s3_target t = {
        .endpoint = "https://account.r2.cloudflarestorage.com",
        .region = "auto",
        .bucket = "media",
        .path_style = true,
        .access_key_id = "AKID",
        .secret_access_key = "SECRET",
    };
    char *url = NULL;
    assert_int_equal(s3_presign_url(&t, "GET", "x/y.bin", 3600, AWS_EXAMPLE_TIME, &url), 0);
    assert_true(strncmp(url, "https://account.r2.cloudflarestorage.com/media/x/y.bin?", 55) == 0);
    assert_non_null(strstr(url, "X-Amz-Credential=AKID%2F20130524%2Fauto%2Fs3%2Faws4_request&"));
    free(url);
}

static void test_presign_rejects_bad_input(void **state)
{
    const struct s3_target good = {
        .endpoint = "https://s3.amazonaws.com",
        .region = "us-east-1",
        .bucket = "examplebucket",
        .path_style = false,
        .access_key_id = AWS_EXAMPLE_AKID,
        .secret_access_key = AWS_EXAMPLE_SECRET,
    };
    char *url = (char *)"sentinel";

    assert_int_equal(s3_presign_url(&good, "DELETE", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    assert_null(url);
    assert_int_equal(s3_presign_url(&good, "get", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(&good, NULL, "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(NULL, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(&good, "GET", "k", 60, AWS_EXAMPLE_TIME, NULL), -1);

    /* expires_in bounds */
    assert_int_equal(s3_presign_url(&good, "GET", "k", 0, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(&good, "GET", "k", -5, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(&good, "GET", "k", 604801, AWS_EXAMPLE_TIME, &url), -1);
    assert_int_equal(s3_presign_url(&good, "GET", "k", 604800, AWS_EXAMPLE_TIME, &url), 0);
    free(url);
    assert_int_equal(s3_presign_url(&good, "GET", "k", 1, AWS_EXAMPLE_TIME, &url), 0);
    free(url);

    /* keys */
    const char *bad_keys[] = {"",    ".",   "..",   "a/../b", "../a", "a/..",   "a/./b",
                              "./a", "a/.", "a\nb", "a\rb",   "a\tb", "a\177b", "a\x01"};
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        url = (char *)"sentinel";
        assert_int_equal(s3_presign_url(&good, "GET", bad_keys[i], 60, AWS_EXAMPLE_TIME, &url), -1);
        assert_null(url);
    }
    char long_key[S3_KEY_MAX + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[S3_KEY_MAX + 1] = '\0';
    assert_int_equal(s3_presign_url(&good, "GET", long_key, 60, AWS_EXAMPLE_TIME, &url), -1);
    long_key[S3_KEY_MAX] = '\0'; /* exactly the maximum */
    assert_int_equal(s3_presign_url(&good, "GET", long_key, 60, AWS_EXAMPLE_TIME, &url), 0);
    free(url);
    /* Dots inside a segment are ordinary characters. */
    const char *ok_keys[] = {"...", "a..b", ".hidden", "a/.b/c", "dir/", "a//b", "/lead"};
    for (size_t i = 0; i < sizeof ok_keys / sizeof ok_keys[0]; i++) {
        assert_int_equal(s3_presign_url(&good, "GET", ok_keys[i], 60, AWS_EXAMPLE_TIME, &url), 0);
        free(url);
    }

    /* credentials, region */
    struct s3_target t = good;
    t.access_key_id = "";
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    t = good;
    t.secret_access_key = "";
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    t = good;
    t.secret_access_key = NULL;
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    t = good;
    t.region = "";
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    t = good;
    t.region = "us/east";
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
    t = good;
    t.region = "us east";
    assert_int_equal(s3_presign_url(&t, "GET", "k", 60, AWS_EXAMPLE_TIME, &url), -1);
}

/* ------------------------------------------------------------------------ */
/* Endpoint / addressing                                                    */

static void test_location_rejects_bad_endpoints(void **state)
{
    const char *bad[] = {
        "",
        "s3.amazonaws.com",
        "ftp://s3.amazonaws.com",
        "https://",
        "https:///bucket",
        "https://user:pw@s3.amazonaws.com",
        "https://@s3.amazonaws.com",
        "https://s3.amazonaws.com/prefix",
        "https://s3.amazonaws.com?x=1",
        "https://s3.amazonaws.com#frag",
        "https://s3.amazonaws.com:",
        "https://s3.amazonaws.com:0",
        "https://s3.amazonaws.com:65536",
        "https://s3.amazonaws.com:123456",
        "https://s3.amazonaws.com:+443",
        "https://s3.amazonaws.com:44a",
        "https://s3 amazonaws.com",
        "https://s3_amazonaws.com",
        "https://.s3.amazonaws.com",
        "https://s3.amazonaws.com.",
        "https://[::1",
        "https://[zz::1]:9000",
        "https://[]:9000",
        "https://[::1]x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct s3_target t = {.endpoint = bad[i], .bucket = "b", .path_style = true};
        struct s3_location loc;
        if (s3_location_build(&t, "k", &loc))
            fail_msg("endpoint accepted: \"%s\"", bad[i]);
    }
}

static void test_location_addressing(void **state)
{
    struct s3_location loc;
    struct s3_target t = {.endpoint = "http://127.0.0.1:4569", .bucket = "b1", .path_style = true};

    assert_true(s3_location_build(&t, NULL, &loc));
    assert_string_equal(loc.host, "127.0.0.1:4569");
    assert_string_equal(loc.origin, "http://127.0.0.1:4569");
    assert_string_equal(loc.path, "/b1");
    assert_false(loc.https);

    assert_true(s3_location_build(&t, "a/b c", &loc));
    assert_string_equal(loc.path, "/b1/a/b%20c");

    /* Virtual-hosted style refuses IP literals. */
    t.path_style = false;
    assert_false(s3_location_build(&t, "k", &loc));
    t.endpoint = "http://[::1]:9000";
    assert_false(s3_location_build(&t, "k", &loc));
    t.path_style = true;
    assert_true(s3_location_build(&t, "k", &loc));
    assert_string_equal(loc.host, "[::1]:9000");
    assert_string_equal(loc.path, "/b1/k");

    /* Default ports dropped, others kept. */
    t.endpoint = "http://minio.local:80";
    assert_true(s3_location_build(&t, "k", &loc));
    assert_string_equal(loc.host, "minio.local");
    t.endpoint = "https://minio.local:80";
    assert_true(s3_location_build(&t, "k", &loc));
    assert_string_equal(loc.host, "minio.local:80");
    assert_string_equal(loc.origin, "https://minio.local:80");

    /* Virtual-hosted: bucket joins the host, path is the key only. */
    t.endpoint = "https://s3.eu-west-1.amazonaws.com";
    t.path_style = false;
    assert_true(s3_location_build(&t, NULL, &loc));
    assert_string_equal(loc.host, "b1.s3.eu-west-1.amazonaws.com");
    assert_string_equal(loc.path, "/");
    assert_true(s3_location_build(&t, "dir/x y", &loc));
    assert_string_equal(loc.path, "/dir/x%20y");
    assert_string_equal(loc.origin, "https://b1.s3.eu-west-1.amazonaws.com");

    /* Buckets: virtual-hosted needs DNS-safe characters; path style encodes. */
    t.bucket = "Legacy_Bucket";
    assert_false(s3_location_build(&t, "k", &loc));
    t.path_style = true;
    assert_true(s3_location_build(&t, "k", &loc));
    assert_string_equal(loc.path, "/Legacy_Bucket/k");
    t.bucket = "a/b";
    assert_false(s3_location_build(&t, "k", &loc));
    t.bucket = "a b";
    assert_false(s3_location_build(&t, "k", &loc));
    t.bucket = "";
    assert_false(s3_location_build(&t, "k", &loc));
    t.bucket = NULL;
    assert_false(s3_location_build(&t, "k", &loc));
    assert_false(s3_location_build(NULL, "k", &loc));
}

/* ------------------------------------------------------------------------ */
/* URI encoding                                                             */

static void assert_encodes(const char *in, bool encode_slash, const char *expected)
{
    char out[256];
    assert_true(s3_uri_encode(in, encode_slash, out, sizeof out));
    assert_string_equal(out, expected);
}

static void test_uri_encode_cases(void **state)
{
    assert_encodes("", false, "");
    assert_encodes("AZaz09-._~", false, "AZaz09-._~");
    assert_encodes("AZaz09-._~", true, "AZaz09-._~");
    assert_encodes("a b", false, "a%20b");
    assert_encodes("a+b=c", false, "a%2Bb%3Dc");
    assert_encodes("a/b/", false, "a/b/");
    assert_encodes("a/b/", true, "a%2Fb%2F");
    assert_encodes("ü", false, "%C3%BC");
    assert_encodes("日本", false, "%E6%97%A5%E6%9C%AC");
    assert_encodes("😀", true, "%F0%9F%98%80");
    assert_encodes("%41", false, "%2541"); /* never decoded, encoded once */
    assert_encodes("!*'();:@&$,?#[]", false, "%21%2A%27%28%29%3B%3A%40%26%24%2C%3F%23%5B%5D");
    assert_encodes("\x01\x7f\xff", false, "%01%7F%FF");
}

static void test_uri_encode_bounds(void **state)
{
    char out[8];
    /* "abcdefg" needs 8 bytes with the NUL: fits exactly. */
    assert_true(s3_uri_encode("abcdefg", false, out, sizeof out));
    assert_string_equal(out, "abcdefg");
    assert_false(s3_uri_encode("abcdefgh", false, out, sizeof out));
    assert_string_equal(out, "");
    /* "%20%20" + NUL = 7 fits; a third escape does not. */
    assert_true(s3_uri_encode("  ", false, out, sizeof out));
    assert_string_equal(out, "%20%20");
    assert_false(s3_uri_encode("   ", false, out, sizeof out));
    assert_string_equal(out, "");
    assert_false(s3_uri_encode("a", false, out, 1));
    assert_true(s3_uri_encode("", false, out, 1));
    assert_false(s3_uri_encode("a", false, out, 0));
    assert_false(s3_uri_encode(NULL, false, out, sizeof out));
    assert_false(s3_uri_encode("a", false, NULL, 8));
}

/* ------------------------------------------------------------------------ */
/* Helpers' contracts                                                       */

static void test_scope_and_string_to_sign_reject_bad_input(void **state)
{
    char out[256];
    assert_false(s3_sigv4_scope("2013052", "us-east-1", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope("2013052a", "us-east-1", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope("20130524", "", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope("20130524", "us-east-1", "", out, sizeof out));
    assert_false(s3_sigv4_scope("20130524", "a/b", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope("20130524", "a\nb", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope(NULL, "us-east-1", "s3", out, sizeof out));
    assert_false(s3_sigv4_scope("20130524", "us-east-1", "s3", out, 10));
    assert_string_equal(out, "");

    assert_false(s3_sigv4_string_to_sign("20130524", "s", "c", out, sizeof out));
    assert_false(s3_sigv4_string_to_sign("20130524T000000", "s", "c", out, sizeof out));
    assert_false(s3_sigv4_string_to_sign("20130524X000000Z", "s", "c", out, sizeof out));
    assert_false(s3_sigv4_string_to_sign("20130524T000000Z", NULL, "c", out, sizeof out));
    assert_false(s3_sigv4_string_to_sign("20130524T000000Z", "s", NULL, out, sizeof out));
    assert_false(s3_sigv4_string_to_sign("20130524T000000Z", "s", "c", out, 50));
    assert_string_equal(out, "");

    const struct s3_canonical_request missing = {.method = "GET", .canonical_uri = "/"};
    assert_null(s3_sigv4_canonical_request_new(&missing));
    assert_null(s3_sigv4_canonical_request_new(NULL));
}

static void test_format_time(void **state)
{
    char amz[17], d8[9];
    assert_true(s3_sigv4_format_time(AWS_EXAMPLE_TIME, amz, d8));
    assert_string_equal(amz, "20130524T000000Z");
    assert_string_equal(d8, "20130524");
    assert_true(s3_sigv4_format_time((time_t)1709251199, amz, d8)); /* 2024-02-29T23:59:59Z */
    assert_string_equal(amz, "20240229T235959Z");
    assert_string_equal(d8, "20240229");
    assert_true(s3_sigv4_format_time((time_t)0, amz, d8));
    assert_string_equal(amz, "19700101T000000Z");
}

static void test_signature_depends_on_every_input(void **state)
{
    unsigned char a[32], b[32];
    s3_sigv4_signing_key("secret", "20240101", "us-east-1", "s3", a);
    s3_sigv4_signing_key("secreT", "20240101", "us-east-1", "s3", b);
    assert_memory_not_equal(a, b, 32);
    s3_sigv4_signing_key("secret", "20240102", "us-east-1", "s3", b);
    assert_memory_not_equal(a, b, 32);
    s3_sigv4_signing_key("secret", "20240101", "us-east-2", "s3", b);
    assert_memory_not_equal(a, b, 32);
    s3_sigv4_signing_key("secret", "20240101", "us-east-1", "iam", b);
    assert_memory_not_equal(a, b, 32);

    /* NULL inputs give an all-zero key, never an uninitialised one. */
    static const unsigned char zero[32];
    s3_sigv4_signing_key(NULL, "20240101", "us-east-1", "s3", b);
    assert_memory_equal(b, zero, 32);

    char sig1[65], sig2[65];
    s3_sigv4_signature_hex(a, "x", sig1);
    s3_sigv4_signature_hex(a, "y", sig2);
    assert_int_equal(strlen(sig1), 64);
    assert_string_not_equal(sig1, sig2);
    s3_sigv4_signature_hex(a, NULL, sig2);
    assert_string_equal(sig2, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signing_key_general_reference_example),
        cmocka_unit_test(test_get_object_header_example),
        cmocka_unit_test(test_presigned_url_example_primitives),
        cmocka_unit_test(test_presign_reproduces_aws_example_virtual_hosted),
        cmocka_unit_test(test_presign_path_style_with_port),
        cmocka_unit_test(test_presign_get_and_put_differ),
        cmocka_unit_test(test_presign_region_auto_and_other_region),
        cmocka_unit_test(test_presign_rejects_bad_input),
        cmocka_unit_test(test_location_rejects_bad_endpoints),
        cmocka_unit_test(test_location_addressing),
        cmocka_unit_test(test_uri_encode_cases),
        cmocka_unit_test(test_uri_encode_bounds),
        cmocka_unit_test(test_scope_and_string_to_sign_reject_bad_input),
        cmocka_unit_test(test_format_time),
        cmocka_unit_test(test_signature_depends_on_every_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
