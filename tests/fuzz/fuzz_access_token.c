/*
 * tests/fuzz/fuzz_access_token.c — libFuzzer harness for the verification of
 * untrusted JWT access tokens (src/oauth/access_token.c: access_token_verify and
 * access_token_check_active), the path /connect/introspect, /connect/revoke and
 * the /internal/v1 bearer check run on whatever a caller sends.
 *
 * The service is real and in-process (as in tests/unit/test_oauth_service.c): a
 * SQLite store in a fresh /tmp directory, a master keyring, the app cache and the
 * signing key set. The signing key is DETERMINISTIC (a P-256 key derived from a
 * fixed scalar, sealed and inserted before the key set opens), so tokens in the
 * committed seed corpus (tests/fuzz/corpus/fuzz_access_token/) are real tokens
 * whose signatures verify in every run.
 *
 * The first input byte picks the target; the rest is the input:
 *   0  the bytes are the token (raw JWS from an attacker; the seeds are real
 *      tokens, so libFuzzer's mutations of them are "mutations of a valid token");
 *   1  the bytes are the claims JSON, signed with the real key under the real
 *      header: what happens after the signature check (claims parsing, the
 *      iss/aud/sub/exp checks, the revocation and app cache lookups of
 *      access_token_check_active with attacker-shaped client ids) — defence in
 *      depth against a key compromise or a signer bug;
 *   2  the bytes are the header JSON, signed with the real key over valid claims:
 *      alg / kid / typ / crit confusion;
 *   3  the bytes are (offset, value) pairs applied to a token freshly minted by
 *      oauth_token_grant: a changed token must never verify.
 * Invariants (abort on violation) besides memory safety: a token that verifies
 * has iss == issuer, sub == client_id, a non-empty jti, an aud naming our
 * audience, and (target 2) our kid and typ at+jwt; no changed token verifies.
 *
 * Seeds: TENANTD_FUZZ_WRITE_SEEDS=<dir> makes the harness write a handful of
 * real tokens and claims/header seeds into <dir> at start-up (used once to
 * create the committed corpus).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "config.h"
#include "crypto/aead.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "http/reply.h"
#include "oauth/access_token.h"
#include "oauth/jws.h"
#include "oauth/signing_keys.h"
#include "oauth/token.h"
#include "service.h"
#include "store/db.h"
#include "store/signing_keys_store.h"

#define FUZZ_ISSUER "https://issuer.fuzz.example"
#define FUZZ_TOKEN_MAX 8192

static struct service svc;
static bool svc_ready;
static char tmpdir[64];
static char fresh_token[FUZZ_TOKEN_MAX]; /* minted at start-up by oauth_token_grant */
static size_t fresh_len;
static char kid[JWS_THUMBPRINT_SIZE];

static void fuzz_die(const char *what)
{
    fprintf(stderr, "fuzz_access_token setup: %s\n", what);
    abort();
}

static void fuzz_sql(const char *text)
{
    struct db_conn *c = db_acquire(svc.db);
    int rc = db_exec(c, text);
    db_release(svc.db, c);
    if (rc != DB_OK)
        fuzz_die(text);
}

static void fuzz_cleanup(void)
{
    if (svc_ready)
        service_close(&svc);
    svc_ready = false;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_access_token: could not remove %s\n", tmpdir);
}

/* The fixed P-256 key: private scalar d = SHA-256("tenantd fuzz signing key"),
 * public point d*G. Publicly known by construction: for fuzzing only. PEM
 * (PKCS#8) malloc'd; the caller frees. */
static char *fuzz_fixed_key_pem(void)
{
    unsigned char d[32];
    const char *label = "tenantd fuzz signing key";
    if (!EVP_Digest(label, strlen(label), d, NULL, EVP_sha256(), NULL))
        fuzz_die("digest");
    EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *priv = BN_bin2bn(d, sizeof d, NULL);
    EC_POINT *pub = group ? EC_POINT_new(group) : NULL;
    unsigned char pub_oct[65];
    if (!group || !priv || !pub || !EC_POINT_mul(group, pub, priv, NULL, NULL, NULL) ||
        EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, pub_oct, sizeof pub_oct,
                           NULL) != sizeof pub_oct)
        fuzz_die("EC point");
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (!bld ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub_oct, sizeof pub_oct))
        fuzz_die("params");
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
        fuzz_die("EVP_PKEY_fromdata");
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio || !PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL))
        fuzz_die("PEM");
    char *mem = NULL;
    long n = BIO_get_mem_data(bio, &mem);
    char *pem = malloc((size_t)n + 1);
    if (!pem)
        fuzz_die("malloc");
    memcpy(pem, mem, (size_t)n);
    pem[n] = '\0';
    BIO_free(bio);
    EVP_PKEY_free(pkey);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EC_POINT_free(pub);
    BN_clear_free(priv);
    EC_GROUP_free(group);
    OPENSSL_cleanse(d, sizeof d);
    return pem;
}

/* Seals the fixed key and inserts it as an active ES256 key (svc open without the
 * key set), so signing_keys_open finds it and generates nothing. */
static void fuzz_install_fixed_key(void)
{
    char *pem = fuzz_fixed_key_pem();
    struct jws_key *k = jws_key_from_private_pem(pem, JWS_ES256, NULL);
    if (!k)
        fuzz_die("jws_key_from_private_pem");
    snprintf(kid, sizeof kid, "%s", jws_key_kid(k));
    struct signing_key_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.kid, sizeof row.kid, "%s", kid);
    snprintf(row.alg, sizeof row.alg, "ES256");
    char aad[96];
    snprintf(aad, sizeof aad, "signing-key:%s", kid);
    row.private_key_enc = aead_seal(svc.keyring, pem, strlen(pem), aad);
    json_t *jwk = jws_key_public_jwk(k, NULL);
    row.public_jwk = jwk ? json_dumps(jwk, JSON_COMPACT) : NULL;
    json_decref(jwk);
    if (!row.private_key_enc || !row.public_jwk)
        fuzz_die("seal");
    struct db_conn *c = db_acquire(svc.db);
    if (store_signing_key_insert(c, &row) != DB_DONE)
        fuzz_die("store_signing_key_insert");
    db_release(svc.db, c);
    free(row.private_key_enc);
    free(row.public_jwk);
    OPENSSL_cleanse(pem, strlen(pem));
    free(pem);
    jws_key_free(k);
}

/* Signs header_json.claims_json with the current signer; the compact token goes
 * to out (NUL-terminated). Returns its length, 0 when it does not fit. When
 * header_json is NULL the signer's own header is used. */
static size_t fuzz_sign(const char *header_json, size_t header_len, const char *claims_json,
                        size_t claims_len, char *out, size_t out_size)
{
    struct signing_key_ref ref;
    if (!signing_keys_acquire_signer(svc.signing_keys, &ref))
        fuzz_die("no signer");
    size_t pos = 0, n;
    if (header_json) {
        n = base64url_encode((const unsigned char *)header_json, header_len, out, out_size);
        if (n == 0 && header_len > 0)
            goto too_big;
    } else {
        if (ref.header_b64_len + 1 > out_size)
            goto too_big;
        memcpy(out, ref.header_b64, ref.header_b64_len);
        n = ref.header_b64_len;
    }
    pos = n;
    if (pos + 2 > out_size)
        goto too_big;
    out[pos++] = '.';
    n = base64url_encode((const unsigned char *)claims_json, claims_len, out + pos, out_size - pos);
    if (n == 0 && claims_len > 0)
        goto too_big;
    pos += n;
    if (pos + jws_signature_suffix_len(ref.key) + 1 > out_size)
        goto too_big;
    size_t len = jws_sign_compact(ref.key, out, pos, out_size);
    signing_keys_release(&ref);
    return len;
too_big:
    signing_keys_release(&ref);
    return 0;
}

static void fuzz_write_file(const char *dir, const char *name, uint8_t selector, const void *data,
                            size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        fuzz_die(path);
    fputc(selector, f);
    fwrite(data, 1, len, f);
    fclose(f);
}

/* Mints a token through the real grant; returns its length (0 on refusal). */
static size_t fuzz_grant(const char *client_id, const char *secret, const char *scope, char *out,
                         size_t out_size)
{
    struct http_reply reply;
    reply_init(&reply);
    oauth_token_grant(&svc, client_id, secret, scope, NULL, "192.0.2.7", false, &reply);
    size_t len = 0;
    json_error_t err;
    json_t *doc = reply.status == 200 ? json_loadb(reply.body, reply.body_len, 0, &err) : NULL;
    const char *t = json_string_value(json_object_get(doc, "access_token"));
    if (t && strlen(t) < out_size) {
        len = strlen(t);
        memcpy(out, t, len + 1);
    }
    json_decref(doc);
    reply_release(&reply);
    return len;
}

static const char *const SEED_CLAIMS =
    "{\"iss\":\"" FUZZ_ISSUER "\",\"sub\":\"tdc_fz1\",\"client_id\":\"tdc_fz1\","
    "\"aud\":\"tenantd-api\",\"tenantid\":\"t1\",\"appId\":\"a1\","
    "\"licenseRegionCode\":\"eu\",\"dbCode\":\"eu-db1\",\"entitlements\":{\"plan\":\"pro\"},"
    "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":4102444800,\"jti\":\"AAAAAAAAAAAAAAAAAAAAAA\","
    "\"scope\":\"api\"}";

static void fuzz_write_seeds(const char *dir)
{
    char token[FUZZ_TOKEN_MAX];
    size_t n = fuzz_grant("tdc_fz1", "fuzz-secret-1", "api", token, sizeof token);
    if (!n)
        fuzz_die("grant tdc_fz1");
    fuzz_write_file(dir, "token-app", 0, token, n);
    n = fuzz_grant("tdc_fzp", "fuzz-secret-p", NULL, token, sizeof token);
    if (!n)
        fuzz_die("grant tdc_fzp");
    fuzz_write_file(dir, "token-platform", 0, token, n);
    /* a long-lived token, so that check_active runs on the seed in later runs */
    n = fuzz_sign(NULL, 0, SEED_CLAIMS, strlen(SEED_CLAIMS), token, sizeof token);
    fuzz_write_file(dir, "token-long-lived", 0, token, n);
    fuzz_write_file(dir, "claims", 1, SEED_CLAIMS, strlen(SEED_CLAIMS));
    char header[256];
    int hn = snprintf(header, sizeof header,
                      "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\"%s\"}", kid);
    fuzz_write_file(dir, "header", 2, header, (size_t)hn);
    const uint8_t mutation[] = {0x00, 0x10, 'B', 0x00, 0x40, 'x'};
    fuzz_write_file(dir, "mutation", 3, mutation, sizeof mutation);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tenantd-fuzz-at-XXXXXX");
    if (!mkdtemp(tmpdir))
        fuzz_die("mkdtemp");
    char db[128], data[128];
    snprintf(db, sizeof db, "sqlite:%s/t.db", tmpdir);
    snprintf(data, sizeof data, "%s/data", tmpdir);
    setenv("TENANTD_DATABASE", db, 1);
    setenv("TENANTD_DATA_DIR", data, 1);
    setenv("TENANTD_ISSUER", FUZZ_ISSUER, 1);
    setenv("TENANTD_SIGNING_ALG", "ES256", 1);
    unsetenv("TENANTD_AUDIENCE");
    unsetenv("TENANTD_SCOPES");
    struct config cfg;
    char err[256];
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0)
        fuzz_die(err);
    /* 1: store + keyring only, to install the fixed key; 2: the full service. */
    if (service_open(&svc, &cfg, false, err, sizeof err) != 0)
        fuzz_die(err);
    svc_ready = true;
    atexit(fuzz_cleanup);
    fuzz_install_fixed_key();
    fuzz_sql("INSERT INTO tenants (id, name, status, app_limit, created_at, updated_at)"
             " VALUES ('t1', 'T', 'active', 100, 0, 0)");
    fuzz_sql("INSERT INTO regions (code, name, active, created_at, updated_at)"
             " VALUES ('eu', 'EU', 1, 0, 0)");
    fuzz_sql("INSERT INTO region_databases (db_code, region_code, active, created_at,"
             " updated_at) VALUES ('eu-db1', 'eu', 1, 0, 0)");
    fuzz_sql("INSERT INTO plans (code, name, tier, status, entitlements, created_at, updated_at)"
             " VALUES ('pro', 'Pro', 'paid', 'active', '{\"maxApiRequestsPerMinute\":5}', 0, 0)");
    char hash[65], stmt[1024];
    crypto_sha256_hex("fuzz-secret-1", strlen("fuzz-secret-1"), hash);
    snprintf(stmt, sizeof stmt,
             "INSERT INTO apps (id, tenant_id, name, name_folded, client_id, secret_hash,"
             " license_region_code, db_code, enabled, plan_code, allowed_domains, created_at,"
             " updated_at, secret_rotated_at) VALUES ('a1', 't1', 'a1', 'a1', 'tdc_fz1', '%s',"
             " 'eu', 'eu-db1', 1, 'pro', '[\"app.example.com\"]', 0, 0, 0)",
             hash);
    fuzz_sql(stmt);
    crypto_sha256_hex("fuzz-secret-p", strlen("fuzz-secret-p"), hash);
    snprintf(stmt, sizeof stmt,
             "INSERT INTO platform_clients (id, name, client_id, secret_hash, scopes,"
             " created_at, secret_rotated_at) VALUES ('p1', 'svc', 'tdc_fzp', '%s',"
             " 'platform:storage', 0, 0)",
             hash);
    fuzz_sql(stmt);
    service_close(&svc);
    svc_ready = false;
    if (service_open(&svc, &cfg, true, err, sizeof err) != 0)
        fuzz_die(err);
    svc_ready = true;

    fresh_len = fuzz_grant("tdc_fz1", "fuzz-secret-1", "api", fresh_token, sizeof fresh_token);
    if (!fresh_len)
        fuzz_die("cannot mint a token");
    const char *seeds = getenv("TENANTD_FUZZ_WRITE_SEEDS");
    if (seeds && *seeds)
        fuzz_write_seeds(seeds);
    return 0;
}

/* The invariants every verified token must satisfy. */
static void fuzz_check_verified(const struct access_token *t)
{
    const char *iss = json_string_value(json_object_get(t->claims, "iss"));
    const char *sub = json_string_value(json_object_get(t->claims, "sub"));
    if (!iss || strcmp(iss, FUZZ_ISSUER) != 0 || !sub || !t->client_id ||
        strcmp(sub, t->client_id) != 0 || !t->jti || !*t->jti)
        abort();
    json_t *aud = json_object_get(t->claims, "aud");
    bool aud_ok = json_is_string(aud) && strcmp(json_string_value(aud), "tenantd-api") == 0;
    for (size_t i = 0; json_is_array(aud) && i < json_array_size(aud); i++) {
        const char *s = json_string_value(json_array_get(aud, i));
        aud_ok = aud_ok || (s && strcmp(s, "tenantd-api") == 0);
    }
    if (!aud_ok)
        abort();
}

/* verify (both modes) + check_active; returns whether the lenient verify passed. */
static bool fuzz_verify_all(const char *token, size_t len)
{
    struct access_token t;
    bool lenient = access_token_verify(&svc, token, len, false, &t);
    if (lenient)
        fuzz_check_verified(&t);
    access_token_free(&t);
    bool strict = access_token_verify(&svc, token, len, true, &t);
    if (strict) {
        fuzz_check_verified(&t);
        if (!lenient)
            abort(); /* strict accepts a subset */
    }
    access_token_free(&t);
    if (strict) {
        int active = access_token_check_active(&svc, token, len, &t);
        if (active == 1) {
            fuzz_check_verified(&t);
            if (t.platform && (t.tenant_id || t.app_id))
                abort();
        } else if (t.claims != NULL) {
            abort(); /* inactive leaves out empty */
        }
        access_token_free(&t);
    }
    return lenient;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > ACCESS_TOKEN_MAX_LEN + 16)
        return 0;
    uint8_t selector = data[0];
    data++;
    size--;
    static char token[ACCESS_TOKEN_MAX_LEN * 2];

    switch (selector % 4) {
    case 0: { /* raw token, not NUL-terminated: ASan catches a read past size */
        char *copy = malloc(size ? size : 1);
        if (!copy)
            abort();
        memcpy(copy, data, size);
        (void)fuzz_verify_all(copy, size);
        free(copy);
        break;
    }
    case 1: { /* fuzzed claims under the real header and key */
        size_t n = fuzz_sign(NULL, 0, (const char *)data, size, token, sizeof token);
        if (n)
            (void)fuzz_verify_all(token, n);
        break;
    }
    case 2: { /* fuzzed header over valid claims */
        size_t n = fuzz_sign((const char *)data, size, SEED_CLAIMS, strlen(SEED_CLAIMS), token,
                             sizeof token);
        if (n && fuzz_verify_all(token, n)) {
            /* accepted: the header must name our key and the at+jwt type */
            json_error_t err;
            json_t *h = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
            const char *hk = json_string_value(json_object_get(h, "kid"));
            const char *ht = json_string_value(json_object_get(h, "typ"));
            const char *ha = json_string_value(json_object_get(h, "alg"));
            if (!hk || strcmp(hk, kid) != 0 || !ht ||
                (strcasecmp(ht, "at+jwt") != 0 && strcasecmp(ht, "application/at+jwt") != 0) ||
                !ha || strcmp(ha, "ES256") != 0 || json_object_get(h, "crit"))
                abort();
            json_decref(h);
        }
        break;
    }
    default: { /* (offset, value) mutations of a fresh, valid token */
        memcpy(token, fresh_token, fresh_len + 1);
        for (size_t i = 0; i + 3 <= size; i += 3) {
            size_t off = ((size_t)data[i] << 8 | data[i + 1]) % fresh_len;
            token[off] = (char)data[i + 2];
        }
        bool changed = memcmp(token, fresh_token, fresh_len) != 0;
        struct access_token t;
        bool ok = access_token_verify(&svc, token, fresh_len, false, &t);
        access_token_free(&t);
        if (ok == changed)
            abort(); /* the original must verify; any change must not */
        break;
    }
    }
    return 0;
}
