/*
 * tests/fuzz/fuzz_domain_rules.c — libFuzzer harness for the lexical rules that
 * read untrusted strings from admin API bodies and sign-in forms:
 * src/domain/names.c (name_normalize, name_fold_case, email_normalize,
 * password_is_acceptable, region/db/plan codes, uuid_is_valid) and
 * src/domain/storage_rules.c (buckets, endpoints and their normalisation,
 * regions, credential shapes, provider rules, addressing style, object keys).
 *
 * The first input byte picks the target (and a small output buffer size for the
 * normalisers); the rest is the NUL-terminated string. Besides memory safety,
 * each accepted value is checked against an independent statement of the rule
 * (docs/RULES.md), normalisers must be idempotent and must fail rather than
 * truncate, and whatever storage_rules accepts must be addressable by the s3/
 * layer (s3_location_build), so a configuration the API stores can always be
 * signed and an object key it accepts always names exactly that object.
 *
 * Seeds: tests/fuzz/corpus/fuzz_domain_rules/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "domain/names.h"
#include "domain/storage_rules.h"
#include "domain/utf8.h"
#include "s3/location.h"
#include "s3/s3.h"

static bool fuzz_utf8(const char *s, size_t len, size_t *chars, bool *control)
{
    size_t pos = 0;
    *chars = 0;
    *control = false;
    while (pos < len) {
        uint32_t cp;
        if (!utf8_next(s, len, &pos, &cp))
            return false;
        (*chars)++;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
            (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            *control = true;
    }
    return true;
}

static bool fuzz_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static void fuzz_names(const char *s, size_t out_size)
{
    char out[512], again[512];
    for (size_t max = 1; max <= NAME_MAX_CHARS; max += 33) {
        const char *reason = NULL;
        bool ok = name_normalize(s, max, out, out_size, &reason);
        if (!ok) {
            if (!reason || (out_size > 0 && out[0] != '\0'))
                abort();
            continue;
        }
        size_t len = strlen(out), chars;
        bool control;
        if (len == 0 || len >= out_size || fuzz_space(out[0]) || fuzz_space(out[len - 1]) ||
            !fuzz_utf8(out, len, &chars, &control) || control || chars > max ||
            strstr(s, out) == NULL)
            abort();
        if (!name_normalize(out, max, again, sizeof again, NULL) || strcmp(out, again) != 0)
            abort(); /* idempotent */
    }
    char folded[512];
    size_t n = strlen(s);
    name_fold_case(s, folded, sizeof folded);
    if (strlen(folded) != (n < sizeof folded ? n : sizeof folded - 1))
        abort();
    for (size_t i = 0; folded[i]; i++)
        if (folded[i] >= 'A' && folded[i] <= 'Z')
            abort();
    name_fold_case(s, folded, 1);
    if (folded[0] != '\0')
        abort();
}

static bool fuzz_code(const char *s, size_t min, size_t max, const char *extra, bool first_alnum)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 && first_alnum))
            return false;
        if (!alnum && (c == '\0' || !strchr(extra, c)))
            return false;
    }
    return true;
}

static void fuzz_codes(const char *s)
{
    if (region_code_is_valid(s) != fuzz_code(s, 2, 32, "-", false) ||
        db_code_is_valid(s) != fuzz_code(s, 2, 64, "-", false) ||
        plan_code_is_valid(s) != fuzz_code(s, 2, 64, "_-", true))
        abort();
    bool uuid = strlen(s) == 36;
    for (size_t i = 0; uuid && i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        uuid = dash ? s[i] == '-' : ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'));
    }
    if (uuid_is_valid(s) != uuid)
        abort();
    const char *reason = NULL;
    size_t n = strnlen(s, 300), chars;
    bool control;
    bool pw = n >= 10 && n <= 256 && fuzz_utf8(s, n, &chars, &control);
    if (password_is_acceptable(s, &reason) != pw || (!pw && !reason))
        abort();
}

static void fuzz_email(const char *s, size_t out_size)
{
    char out[300], again[300];
    if (!email_normalize(s, out, out_size)) {
        if (out_size > 0 && out[0] != '\0')
            abort();
        return;
    }
    size_t len = strlen(out);
    if (len == 0 || len > EMAIL_MAX_LEN || len >= out_size)
        abort();
    const char *at = strchr(out, '@');
    if (!at || strchr(at + 1, '@') || at == out || at - out > 64 || !strchr(at + 1, '.'))
        abort();
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f ||
            (out[i] >= 'A' && out[i] <= 'Z'))
            abort();
    if (!email_normalize(out, again, sizeof again) || strcmp(out, again) != 0)
        abort();
}

static void fuzz_bucket(const char *s)
{
    const char *reason = NULL;
    bool ok = storage_bucket_is_valid(s, &reason);
    if (!ok) {
        if (!reason)
            abort();
        return;
    }
    size_t n = strlen(s);
    if (n < 3 || n > STORAGE_BUCKET_MAX_LEN || strstr(s, ".."))
        abort();
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            abort();
    }
    /* both addressing styles of the s3 layer take it */
    struct s3_target t = {"https://s3.example.com", "us-east-1", s, true, "AKID", "secret"};
    struct s3_location loc;
    if (!s3_location_build(&t, "k", &loc))
        abort();
    t.path_style = false;
    if (!s3_location_build(&t, "k", &loc))
        abort();
}

static void fuzz_endpoint(const char *s, size_t out_size)
{
    const char *reason = NULL;
    bool ok = storage_endpoint_is_valid(s, &reason);
    char out[URI_MAX_LEN + 1], again[URI_MAX_LEN + 1];
    bool norm = storage_endpoint_normalize(s, out, sizeof out, NULL);
    if (ok != norm || (!ok && !reason))
        abort();
    if (!ok)
        return;
    if (strncmp(out, "https://", 8) != 0 && strncmp(out, "http://", 7) != 0)
        abort();
    if (strchr(out + 8, '/') || strchr(out, '?') || strchr(out, '#') || strchr(out, '@'))
        abort();
    if (!storage_endpoint_normalize(out, again, sizeof again, NULL) || strcmp(out, again) != 0)
        abort();
    /* a small buffer fails, never truncates */
    char small[64];
    size_t sz = out_size < sizeof small ? out_size : sizeof small;
    if (storage_endpoint_normalize(s, small, sz, NULL) != (strlen(out) < sz))
        abort();
    /* http:// only for loopback hosts: localhost, 127.0.0.0/8, [::1] */
    if (strncmp(out, "http://", 7) == 0) {
        const char *h = out + 7;
        bool loopback = strncmp(h, "localhost", 9) == 0 && (h[9] == '\0' || h[9] == ':');
        loopback = loopback || strncmp(h, "127.", 4) == 0;
        const char *close = h[0] == '[' ? strchr(h, ']') : NULL;
        if (close && (size_t)(close - h) < 64) {
            char lit[64];
            unsigned char a[16];
            static const unsigned char one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
            memcpy(lit, h + 1, (size_t)(close - h) - 1);
            lit[close - h - 1] = '\0';
            loopback = loopback || (inet_pton(AF_INET6, lit, a) == 1 && memcmp(a, one, 16) == 0);
        }
        if (!loopback)
            abort();
    }
    /* the s3 layer can address it (path style always works) */
    struct s3_target t = {out, "us-east-1", "bucket", true, "AKID", "secret"};
    struct s3_location loc;
    if (!s3_location_build(&t, "dir/key", &loc))
        abort();
    /* the provider rules keep a valid endpoint valid */
    struct storage_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = (enum storage_provider)(out_size % 5);
    memcpy(cfg.bucket, "bucket", 7);
    memcpy(cfg.endpoint, s, strlen(s) + 1);
    const char *code = NULL, *field = NULL;
    if (!storage_config_apply_provider_rules(&cfg, true, false, &code, &field))
        abort();
    if (strcmp(cfg.endpoint, out) != 0 || !storage_region_is_valid(cfg.region))
        abort();
    t.endpoint = cfg.endpoint;
    t.region = cfg.region;
    t.path_style = storage_use_path_style(&cfg);
    if (!s3_location_build(&t, "dir/key", &loc))
        abort();
}

static void fuzz_region_and_credentials(const char *s, size_t selector)
{
    size_t n = strlen(s);
    bool region = n >= 1 && n <= STORAGE_REGION_MAX_LEN;
    for (size_t i = 0; region && i < n; i++)
        region = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-';
    if (storage_region_is_valid(s) != region)
        abort();
    bool printable = n >= 1;
    for (size_t i = 0; printable && i < n; i++)
        printable = (unsigned char)s[i] >= 0x21 && (unsigned char)s[i] <= 0x7e;
    if (storage_access_key_id_is_valid(s) != (printable && n <= STORAGE_ACCESS_KEY_ID_MAX_LEN) ||
        storage_secret_key_is_valid(s) != (printable && n <= STORAGE_SECRET_KEY_MAX_LEN))
        abort();
    enum storage_provider p;
    if (storage_provider_parse(s, &p) && strcmp(storage_provider_name(p), s) != 0)
        abort();
    /* provider rules with a fuzzed region (and no endpoint) */
    struct storage_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.provider = (enum storage_provider)(selector % 6); /* 5 = not a provider */
    memcpy(cfg.bucket, "my-bucket", 10);
    size_t copy = n < sizeof cfg.region ? n : sizeof cfg.region; /* may leave no NUL */
    memcpy(cfg.region, s, copy);
    const char *code = NULL, *field = NULL;
    bool ok = storage_config_apply_provider_rules(&cfg, false, true, &code, &field);
    if (ok) {
        if (!region || !storage_region_is_valid(cfg.region) ||
            !storage_endpoint_is_valid(cfg.endpoint, NULL) || code || field)
            abort();
        struct s3_target t = {cfg.endpoint, cfg.region, cfg.bucket, storage_use_path_style(&cfg),
                              "AKID",       "secret"};
        struct s3_location loc;
        if (!s3_location_build(&t, NULL, &loc))
            abort();
    } else if (!code || !field) {
        abort();
    }
}

static void fuzz_object_key(const char *s)
{
    const char *reason = NULL;
    bool ok = storage_object_key_is_valid(s, &reason);
    size_t n = strlen(s), chars;
    bool control;
    bool ref = n >= 1 && n <= STORAGE_OBJECT_KEY_MAX_LEN && fuzz_utf8(s, n, &chars, &control) &&
               s[0] != '/' && strstr(s, "//") == NULL;
    if (ref) {
        /* C0/DEL/C1 only (U+2028 etc. are allowed in keys) */
        size_t pos = 0;
        uint32_t cp;
        while (ref && pos < n && utf8_next(s, n, &pos, &cp))
            ref = !(cp < 0x20 || (cp >= 0x7f && cp <= 0x9f));
        /* no "." or ".." segment */
        const char *seg = s;
        while (ref) {
            const char *slash = strchr(seg, '/');
            size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
            if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
                ref = false;
            if (!slash)
                break;
            seg = slash + 1;
        }
    }
    if (ok != ref || (!ok && !reason))
        abort();
    if (!ok)
        return;
    /* the s3 layer addresses exactly that key, also under a managed prefix */
    struct s3_target t = {"https://s3.example.com", "us-east-1", "bucket", true, "AKID", "secret"};
    struct s3_location loc;
    if (!s3_location_build(&t, s, &loc))
        abort();
    char prefixed[STORAGE_OBJECT_KEY_MAX_LEN + 64];
    int m = snprintf(prefixed, sizeof prefixed, "apps/0190a4a0-0000-7000-8000-000000000000/%s", s);
    if (m > 0 && (size_t)m <= S3_KEY_MAX && !s3_location_build(&t, prefixed, &loc))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192)
        return 0;
    uint8_t selector = data[0];
    char *s = malloc(size);
    if (!s)
        abort();
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    size_t out_size = 1 + (size_t)(selector >> 3) * 8; /* 1..249 */

    switch (selector % 7) {
    case 0:
        fuzz_names(s, out_size);
        break;
    case 1:
        fuzz_codes(s);
        break;
    case 2:
        fuzz_email(s, out_size);
        break;
    case 3:
        fuzz_bucket(s);
        break;
    case 4:
        fuzz_endpoint(s, out_size);
        break;
    case 5:
        fuzz_region_and_credentials(s, selector >> 3);
        break;
    default:
        fuzz_object_key(s);
        break;
    }
    free(s);
    return 0;
}
