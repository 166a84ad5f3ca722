/*
 * tests/unit/test_domain_storage_rules — providers, AWS bucket naming
 * rules, endpoints (https, loopback http), regions, credential shapes,
 * provider defaults, addressing style and object keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "domain/storage_rules.h"

static void test_providers(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum storage_provider p;
    } all[] = {
        {"aws_s3", STORAGE_AWS_S3},
        {"tigris", STORAGE_TIGRIS},
        {"cloudflare_r2", STORAGE_CLOUDFLARE_R2},
        {"minio", STORAGE_MINIO},
        {"backblaze_b2", STORAGE_BACKBLAZE_B2},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        enum storage_provider p = (enum storage_provider)99;
        assert_true(storage_provider_parse(all[i].name, &p));
        assert_int_equal(p, all[i].p);
        assert_string_equal(storage_provider_name(all[i].p), all[i].name);
    }
    assert_true(storage_provider_parse("minio", NULL));
    assert_false(storage_provider_parse("MinIO", NULL));
    assert_false(storage_provider_parse("s3", NULL));
    assert_false(storage_provider_parse("aws_s3 ", NULL));
    assert_false(storage_provider_parse("", NULL));
    assert_false(storage_provider_parse(NULL, NULL));
    assert_string_equal(storage_provider_name((enum storage_provider)42), "unknown");
}

static void expect_bucket(const char *bucket, bool ok)
{
    const char *reason = NULL;
    bool got = storage_bucket_is_valid(bucket, &reason);
    if (got != ok)
        fail_msg("bucket \"%s\": got %d (%s)", bucket ? bucket : "(null)", got,
                 reason ? reason : "");
    if (!got)
        assert_non_null(reason);
}

static void test_bucket_names(void **state)
{
    (void)state;
    expect_bucket("my-bucket", true);
    expect_bucket("abc", true);
    expect_bucket("a.b.c", true);
    expect_bucket("docexamplebucket1", true);
    expect_bucket("log-delivery-march-2020", true);
    expect_bucket("my.example.s3.bucket", true);
    expect_bucket("123", true);
    expect_bucket("1.2.3", true);     /* three labels: not an IPv4 address */
    expect_bucket("1.2.3.4.5", true); /* five labels */
    expect_bucket("a-.b", true);      /* not forbidden by the current AWS rules */
    expect_bucket("xn-a", true);      /* only "xn--" is reserved */
    expect_bucket("my-s3alias-x", true);
    expect_bucket("ab", false);
    expect_bucket("", false);
    expect_bucket(NULL, false);
    char b[80];
    memset(b, 'a', 63);
    b[63] = '\0';
    expect_bucket(b, true);
    b[63] = 'a';
    b[64] = '\0';
    expect_bucket(b, false);
    expect_bucket("My-Bucket", false);
    expect_bucket("my_bucket", false);
    expect_bucket("my bucket", false);
    expect_bucket("my/bucket", false);
    expect_bucket("b\xc3\xbc"
                  "cket",
                  false);
    expect_bucket("-bucket", false);
    expect_bucket("bucket-", false);
    expect_bucket(".bucket", false);
    expect_bucket("bucket.", false);
    expect_bucket("my..bucket", false);
    expect_bucket("192.168.5.4", false);
    expect_bucket("999.999.999.999", false);
    expect_bucket("1.2.3.04", false);
    expect_bucket("xn--bucket", false);
    expect_bucket("sthree-bucket", false);
    expect_bucket("sthree-configurator", false);
    expect_bucket("amzn-s3-demo-bucket", false);
    expect_bucket("bucket-s3alias", false);
    expect_bucket("bucket--ol-s3", false);
    expect_bucket("bucket.mrap", false);
    expect_bucket("bucket--x-s3", false);
    expect_bucket("bucket--table-s3", false);
}

static void expect_endpoint(const char *e, bool ok, const char *want_normalized)
{
    const char *reason = NULL;
    bool got = storage_endpoint_is_valid(e, &reason);
    if (got != ok)
        fail_msg("endpoint \"%s\": got %d (%s)", e ? e : "(null)", got, reason ? reason : "");
    char out[URI_MAX_LEN + 1];
    memset(out, 'X', sizeof out);
    assert_int_equal(storage_endpoint_normalize(e, out, sizeof out, &reason), ok);
    if (ok)
        assert_string_equal(out, want_normalized);
    else
        assert_string_equal(out, "");
}

static void test_endpoints(void **state)
{
    (void)state;
    expect_endpoint("https://s3.us-east-1.amazonaws.com", true,
                    "https://s3.us-east-1.amazonaws.com");
    expect_endpoint("https://s3.us-east-1.amazonaws.com/", true,
                    "https://s3.us-east-1.amazonaws.com");
    expect_endpoint("HTTPS://ACCOUNT.R2.CloudflareStorage.com", true,
                    "https://account.r2.cloudflarestorage.com");
    expect_endpoint("https://minio.internal:9000", true, "https://minio.internal:9000");
    expect_endpoint("https://minio:9000/", true, "https://minio:9000");
    expect_endpoint("https://10.0.0.5:9000", true, "https://10.0.0.5:9000");
    expect_endpoint("https://[2001:db8::1]:9000", true, "https://[2001:db8::1]:9000");
    expect_endpoint("https://[2001:DB8::1]", true, "https://[2001:db8::1]");
    /* http only for loopback. */
    expect_endpoint("http://localhost:9000", true, "http://localhost:9000");
    expect_endpoint("http://LOCALHOST:9000/", true, "http://localhost:9000");
    expect_endpoint("http://127.0.0.1:9000", true, "http://127.0.0.1:9000");
    expect_endpoint("http://127.255.3.4", true, "http://127.255.3.4");
    expect_endpoint("http://[::1]:9000", true, "http://[::1]:9000");
    expect_endpoint("http://[0:0:0:0:0:0:0:1]", true, "http://[0:0:0:0:0:0:0:1]");
    expect_endpoint("HTTP://127.0.0.1", true, "http://127.0.0.1");
    expect_endpoint("http://example.com", false, NULL);
    expect_endpoint("http://10.0.0.1:9000", false, NULL);
    expect_endpoint("http://128.0.0.1", false, NULL);
    expect_endpoint("http://0.0.0.0:9000", false, NULL);
    expect_endpoint("http://[::2]", false, NULL);
    expect_endpoint("http://localhost.example.com", false, NULL);
    expect_endpoint("http://127.0.0.1.nip.io", false, NULL);
    /* Structure. */
    expect_endpoint(NULL, false, NULL);
    expect_endpoint("", false, NULL);
    expect_endpoint("s3.amazonaws.com", false, NULL);
    expect_endpoint("ftp://s3.amazonaws.com", false, NULL);
    expect_endpoint("https://", false, NULL);
    expect_endpoint("https:///", false, NULL);
    expect_endpoint("https://:9000", false, NULL);
    expect_endpoint("https://host/path", false, NULL);
    expect_endpoint("https://host//", false, NULL);
    expect_endpoint("https://host/bucket/", false, NULL);
    expect_endpoint("https://host?x=1", false, NULL);
    expect_endpoint("https://host/?x=1", false, NULL);
    expect_endpoint("https://host#f", false, NULL);
    expect_endpoint("https://host/#f", false, NULL);
    expect_endpoint("https://user@host", false, NULL);
    expect_endpoint("https://user:pw@host", false, NULL);
    expect_endpoint("https://host:0", false, NULL);
    expect_endpoint("https://host:65536", false, NULL);
    expect_endpoint("https://host:", false, NULL);
    expect_endpoint("https://host:09000", false, NULL);
    expect_endpoint("https://host:90a", false, NULL);
    expect_endpoint("https://ho st", false, NULL);
    expect_endpoint(" https://host", false, NULL);
    expect_endpoint("https://host\n", false, NULL);
    expect_endpoint("https://h\xc3\xb6st", false, NULL);
    expect_endpoint("https://ho_st", false, NULL);
    expect_endpoint("https://-host", false, NULL);
    expect_endpoint("https://host.", false, NULL);
    expect_endpoint("https://256.1.1.1", false, NULL);
    expect_endpoint("https://[::1", false, NULL);
    expect_endpoint("https://[zz::1]", false, NULL);
    expect_endpoint("https://[::1]x", false, NULL);
    char *long_ep = malloc(URI_MAX_LEN + 64);
    assert_non_null(long_ep);
    memset(long_ep, 'a', URI_MAX_LEN + 63);
    memcpy(long_ep, "https://", 8);
    long_ep[URI_MAX_LEN + 63] = '\0';
    expect_endpoint(long_ep, false, NULL);
    free(long_ep);
    /* normalize: small buffer fails cleanly. */
    char tiny[10];
    const char *reason = NULL;
    assert_false(storage_endpoint_normalize("https://example.com", tiny, sizeof tiny, &reason));
    assert_string_equal(tiny, "");
    assert_false(storage_endpoint_normalize("https://example.com", NULL, 0, &reason));
}

static void test_region_and_keys(void **state)
{
    (void)state;
    char buf[300];
    assert_true(storage_region_is_valid("us-east-1"));
    assert_true(storage_region_is_valid("auto"));
    assert_true(storage_region_is_valid("a"));
    memset(buf, 'r', 32);
    buf[32] = '\0';
    assert_true(storage_region_is_valid(buf));
    buf[32] = 'r';
    buf[33] = '\0';
    assert_false(storage_region_is_valid(buf));
    assert_false(storage_region_is_valid(""));
    assert_false(storage_region_is_valid(NULL));
    assert_false(storage_region_is_valid("US-EAST-1"));
    assert_false(storage_region_is_valid("us_east_1"));
    assert_false(storage_region_is_valid("us east"));
    assert_false(storage_region_is_valid("us.east"));

    assert_true(storage_access_key_id_is_valid("AKIAIOSFODNN7EXAMPLE"));
    assert_true(storage_access_key_id_is_valid("!"));
    assert_true(storage_access_key_id_is_valid("~"));
    assert_false(storage_access_key_id_is_valid(""));
    assert_false(storage_access_key_id_is_valid(NULL));
    assert_false(storage_access_key_id_is_valid("AKIA EXAMPLE"));
    assert_false(storage_access_key_id_is_valid("AKIA\tEXAMPLE"));
    assert_false(storage_access_key_id_is_valid("AKIA\x7f"));
    assert_false(storage_access_key_id_is_valid("AKIA\xc3\xa9"));
    memset(buf, 'K', 128);
    buf[128] = '\0';
    assert_true(storage_access_key_id_is_valid(buf));
    buf[128] = 'K';
    buf[129] = '\0';
    assert_false(storage_access_key_id_is_valid(buf));

    assert_true(storage_secret_key_is_valid("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
    assert_false(storage_secret_key_is_valid(""));
    assert_false(storage_secret_key_is_valid(NULL));
    assert_false(storage_secret_key_is_valid("secret with space"));
    assert_false(storage_secret_key_is_valid("secret\n"));
    memset(buf, 'S', 256);
    buf[256] = '\0';
    assert_true(storage_secret_key_is_valid(buf));
    buf[256] = 'S';
    buf[257] = '\0';
    assert_false(storage_secret_key_is_valid(buf));
}

static struct storage_config make_cfg(enum storage_provider p, const char *bucket,
                                      const char *endpoint, const char *region)
{
    struct storage_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = p;
    snprintf(cfg.bucket, sizeof cfg.bucket, "%s", bucket);
    /* Garbage in the fields that are not "given" must be ignored. */
    snprintf(cfg.endpoint, sizeof cfg.endpoint, "%s", endpoint ? endpoint : "garbage!");
    snprintf(cfg.region, sizeof cfg.region, "%s", region ? region : "GARBAGE");
    return cfg;
}

static void expect_rules(enum storage_provider p, const char *endpoint, const char *region,
                         const char *want_endpoint, const char *want_region)
{
    struct storage_config cfg = make_cfg(p, "my-bucket", endpoint, region);
    const char *code = "unset", *field = "unset";
    if (!storage_config_apply_provider_rules(&cfg, endpoint != NULL, region != NULL, &code, &field))
        fail_msg("%s endpoint=%s region=%s rejected: %s/%s", storage_provider_name(p),
                 endpoint ? endpoint : "-", region ? region : "-", code, field);
    assert_null(code);
    assert_null(field);
    assert_string_equal(cfg.endpoint, want_endpoint);
    assert_string_equal(cfg.region, want_region);
}

static void expect_rule_error(enum storage_provider p, const char *bucket, const char *endpoint,
                              const char *region, const char *want_code, const char *want_field)
{
    struct storage_config cfg = make_cfg(p, bucket, endpoint, region);
    const char *code = NULL, *field = NULL;
    if (storage_config_apply_provider_rules(&cfg, endpoint != NULL, region != NULL, &code, &field))
        fail_msg("%s endpoint=%s region=%s accepted", storage_provider_name(p),
                 endpoint ? endpoint : "-", region ? region : "-");
    assert_string_equal(code, want_code);
    assert_string_equal(field, want_field);
}

static void test_provider_rules_aws(void **state)
{
    (void)state;
    expect_rules(STORAGE_AWS_S3, NULL, NULL, "https://s3.us-east-1.amazonaws.com", "us-east-1");
    expect_rules(STORAGE_AWS_S3, NULL, "eu-west-1", "https://s3.eu-west-1.amazonaws.com",
                 "eu-west-1");
    expect_rules(STORAGE_AWS_S3, "https://s3.eu-central-1.amazonaws.com/", NULL,
                 "https://s3.eu-central-1.amazonaws.com", "eu-central-1");
    expect_rules(STORAGE_AWS_S3, "https://s3.eu-central-1.amazonaws.com", "eu-west-3",
                 "https://s3.eu-central-1.amazonaws.com", "eu-west-3");
    expect_rules(STORAGE_AWS_S3, "https://s3-fips.example.com", NULL, "https://s3-fips.example.com",
                 "us-east-1");
    expect_rules(STORAGE_AWS_S3, "https://s3.amazonaws.com", NULL, "https://s3.amazonaws.com",
                 "us-east-1");
    expect_rules(STORAGE_AWS_S3, "https://s3.a.b.amazonaws.com", NULL,
                 "https://s3.a.b.amazonaws.com", "us-east-1"); /* "a.b" is no region */
}

static void test_provider_rules_others(void **state)
{
    (void)state;
    expect_rules(STORAGE_TIGRIS, NULL, NULL, "https://fly.storage.tigris.dev", "auto");
    expect_rules(STORAGE_TIGRIS, "https://t3.storage.dev", NULL, "https://t3.storage.dev", "auto");
    expect_rules(STORAGE_TIGRIS, NULL, "iad", "https://fly.storage.tigris.dev", "iad");

    expect_rules(STORAGE_CLOUDFLARE_R2, "https://acct.r2.cloudflarestorage.com", NULL,
                 "https://acct.r2.cloudflarestorage.com", "auto");
    expect_rules(STORAGE_CLOUDFLARE_R2, "https://acct.eu.r2.cloudflarestorage.com", "eu",
                 "https://acct.eu.r2.cloudflarestorage.com", "eu");
    expect_rule_error(STORAGE_CLOUDFLARE_R2, "my-bucket", NULL, NULL, "endpoint_required",
                      "endpoint");
    expect_rule_error(STORAGE_CLOUDFLARE_R2, "my-bucket", NULL, "auto", "endpoint_required",
                      "endpoint");

    expect_rules(STORAGE_MINIO, "http://127.0.0.1:9000", NULL, "http://127.0.0.1:9000",
                 "us-east-1");
    expect_rules(STORAGE_MINIO, "https://minio.example.com/", "eu-1", "https://minio.example.com",
                 "eu-1");
    expect_rule_error(STORAGE_MINIO, "my-bucket", NULL, NULL, "endpoint_required", "endpoint");
    expect_rule_error(STORAGE_MINIO, "my-bucket", NULL, "us-east-1", "endpoint_required",
                      "endpoint");

    expect_rules(STORAGE_BACKBLAZE_B2, NULL, "us-west-004",
                 "https://s3.us-west-004.backblazeb2.com", "us-west-004");
    expect_rules(STORAGE_BACKBLAZE_B2, "https://s3.eu-central-003.backblazeb2.com", NULL,
                 "https://s3.eu-central-003.backblazeb2.com", "eu-central-003");
    expect_rules(STORAGE_BACKBLAZE_B2, "https://b2-proxy.example.com", NULL,
                 "https://b2-proxy.example.com", "us-east-1");
    expect_rules(STORAGE_BACKBLAZE_B2, "https://b2-proxy.example.com", "us-west-002",
                 "https://b2-proxy.example.com", "us-west-002");
    expect_rule_error(STORAGE_BACKBLAZE_B2, "my-bucket", NULL, NULL, "endpoint_or_region_required",
                      "endpoint");
}

static void test_provider_rules_revalidate(void **state)
{
    (void)state;
    expect_rule_error(STORAGE_AWS_S3, "Bad_Bucket", NULL, NULL, "invalid_bucket", "bucket");
    expect_rule_error(STORAGE_AWS_S3, "my-bucket", "http://example.com", NULL, "invalid_endpoint",
                      "endpoint");
    expect_rule_error(STORAGE_MINIO, "my-bucket", "", NULL, "invalid_endpoint", "endpoint");
    expect_rule_error(STORAGE_AWS_S3, "my-bucket", NULL, "US-EAST-1", "invalid_region", "region");
    expect_rule_error(STORAGE_BACKBLAZE_B2, "my-bucket", NULL, "", "invalid_region", "region");
    /* Found by fuzzing (tests/fuzz/fuzz_domain_rules.c): a region that is valid on its
     * own but cannot be a DNS label of the default endpoint. */
    expect_rule_error(STORAGE_AWS_S3, "my-bucket", NULL, "eu-", "invalid_region", "region");
    expect_rule_error(STORAGE_AWS_S3, "my-bucket", NULL, "deu-can--", "invalid_region", "region");
    expect_rule_error(STORAGE_AWS_S3, "my-bucket", NULL, "-", "invalid_region", "region");
    expect_rule_error(STORAGE_BACKBLAZE_B2, "my-bucket", NULL, "-us-west-004", "invalid_region",
                      "region");
    /* where the region is not part of a host name it is only a signing scope */
    expect_rules(STORAGE_MINIO, "https://minio.example.com", "eu-", "https://minio.example.com",
                 "eu-");
    expect_rules(STORAGE_TIGRIS, NULL, "-", "https://fly.storage.tigris.dev", "-");
    expect_rule_error((enum storage_provider)77, "my-bucket", NULL, NULL, "invalid_provider",
                      "provider");
    /* Unterminated fields are rejected, not over-read. */
    struct storage_config cfg = make_cfg(STORAGE_AWS_S3, "my-bucket", NULL, NULL);
    memset(cfg.bucket, 'a', sizeof cfg.bucket);
    const char *code = NULL, *field = NULL;
    assert_false(storage_config_apply_provider_rules(&cfg, false, false, &code, &field));
    assert_string_equal(code, "invalid_bucket");
    cfg = make_cfg(STORAGE_AWS_S3, "my-bucket", NULL, NULL);
    memset(cfg.region, 'a', sizeof cfg.region);
    assert_false(storage_config_apply_provider_rules(&cfg, false, true, &code, &field));
    assert_string_equal(code, "invalid_region");
    cfg = make_cfg(STORAGE_AWS_S3, "my-bucket", NULL, NULL);
    memset(cfg.endpoint, 'a', sizeof cfg.endpoint);
    assert_false(storage_config_apply_provider_rules(&cfg, true, false, &code, &field));
    assert_string_equal(code, "invalid_endpoint");
    assert_false(storage_config_apply_provider_rules(NULL, false, false, &code, &field));
    cfg = make_cfg(STORAGE_TIGRIS, "my-bucket", NULL, NULL);
    assert_true(storage_config_apply_provider_rules(&cfg, false, false, NULL, NULL));
}

static bool path_style(enum storage_provider p, const char *bucket, const char *endpoint)
{
    struct storage_config cfg = make_cfg(p, bucket, endpoint, NULL);
    const char *code = NULL, *field = NULL;
    if (!storage_config_apply_provider_rules(&cfg, endpoint != NULL, false, &code, &field))
        fail_msg("setup rejected: %s/%s", code, field);
    return storage_use_path_style(&cfg);
}

static void test_addressing_style(void **state)
{
    (void)state;
    assert_false(path_style(STORAGE_AWS_S3, "my-bucket", NULL));
    assert_true(path_style(STORAGE_AWS_S3, "my.bucket", NULL));
    assert_false(path_style(STORAGE_TIGRIS, "my-bucket", NULL));
    assert_false(
        path_style(STORAGE_CLOUDFLARE_R2, "my-bucket", "https://acct.r2.cloudflarestorage.com"));
    assert_true(
        path_style(STORAGE_CLOUDFLARE_R2, "my.bucket", "https://acct.r2.cloudflarestorage.com"));
    assert_false(
        path_style(STORAGE_BACKBLAZE_B2, "my-bucket", "https://s3.us-west-004.backblazeb2.com"));
    assert_true(path_style(STORAGE_MINIO, "my-bucket", "https://minio.example.com"));
    assert_true(path_style(STORAGE_MINIO, "my-bucket", "http://localhost:9000"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "http://localhost:4569"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "http://127.0.0.1:4569"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "http://[::1]:4569"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "https://10.1.2.3"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "https://[2001:db8::5]"));
    assert_true(path_style(STORAGE_AWS_S3, "my-bucket", "https://storage:9000"));
    assert_false(path_style(STORAGE_AWS_S3, "my-bucket", "https://s3.example.com:9000"));
    assert_true(storage_use_path_style(NULL));
    struct storage_config broken = make_cfg(STORAGE_AWS_S3, "my-bucket", "not a url", NULL);
    assert_true(storage_use_path_style(&broken));
}

static void expect_key(const char *key, bool ok)
{
    const char *reason = NULL;
    bool got = storage_object_key_is_valid(key, &reason);
    if (got != ok)
        fail_msg("key \"%s\": got %d (%s)", key ? key : "(null)", got, reason ? reason : "");
    if (!got)
        assert_non_null(reason);
}

static void test_object_keys(void **state)
{
    (void)state;
    expect_key("a", true);
    expect_key("docs/2024/report.pdf", true);
    expect_key("folder/", true);
    expect_key("a/b/c/", true);
    expect_key(".hidden", true);
    expect_key("a/..b/c..", true);
    expect_key("a/.../b", true);
    expect_key("with space/and+plus&amp=1?#", true);
    expect_key("caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.txt", true);
    expect_key("back\\slash", true);
    expect_key(NULL, false);
    expect_key("", false);
    expect_key("/leading", false);
    expect_key("/", false);
    expect_key("a//b", false);
    expect_key("a/./b", false);
    expect_key("a/../b", false);
    expect_key(".", false);
    expect_key("..", false);
    expect_key("./a", false);
    expect_key("../a", false);
    expect_key("a/.", false);
    expect_key("a/..", false);
    expect_key("a/../", false);
    expect_key("tab\there", false);
    expect_key("nl\nhere", false);
    expect_key("del\x7fhere", false);
    expect_key("c1\xc2\x85here", false);
    expect_key("bad\xffutf8", false);
    expect_key("overlong\xc0\xae", false);
    expect_key("surrogate\xed\xb0\x80", false);
    char *key = malloc(2000);
    assert_non_null(key);
    memset(key, 'k', 1024);
    key[1024] = '\0';
    expect_key(key, true);
    key[1024] = 'k';
    key[1025] = '\0';
    expect_key(key, false);
    free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_providers),
        cmocka_unit_test(test_bucket_names),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_region_and_keys),
        cmocka_unit_test(test_provider_rules_aws),
        cmocka_unit_test(test_provider_rules_others),
        cmocka_unit_test(test_provider_rules_revalidate),
        cmocka_unit_test(test_addressing_style),
        cmocka_unit_test(test_object_keys),
    };
    return cmocka_run_group_tests_name("domain_storage_rules", tests, NULL, NULL);
}
