/*
 * storage_access.c — the storage test action and presigned URLs for platform
 * services (see storage_access.h and docs/STORAGE.md).
 *
 * Which bucket: an app with custom storage uses its own bucket and keys; an app on
 * managed storage uses the platform bucket from TENANTD_MANAGED_STORAGE_*, with
 * every object key confined under "apps/<app_id>/". Unconfigured managed storage
 * answers 503 managed_storage_unconfigured.
 */
#include "api/storage_access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/audit.h"
#include "api/context.h"
#include "crypto/hash.h"
#include "domain/names.h"
#include "domain/storage_rules.h"
#include "http/json_input.h"
#include "s3/s3.h"
#include "service.h"
#include "store/app_storage.h"
#include "store/apps.h"
#include "util/timeutil.h"
#include "util/log.h"

#define STORAGE_SECRET_MAX 300

/* Where an app's objects live, with the secret in a buffer the caller wipes. */
struct storage_location {
    bool managed;
    struct app_storage_row custom;
    char secret[STORAGE_SECRET_MAX];
    struct s3_target target;
};

/*
 * Resolves the app's storage into loc->target. Returns 0, or writes the problem to
 * reply and returns -1. The app is known to exist in tenant_id.
 */
static int storage_resolve(struct service *svc, struct db_conn *c, const char *app_id,
                           struct storage_location *loc, struct http_reply *reply)
{
    memset(loc, 0, sizeof *loc);
    enum db_status found = store_app_storage_get_decrypted(c, svc->keyring, app_id, &loc->custom,
                                                           loc->secret, sizeof loc->secret);
    if (found == DB_UNREADABLE) {
        log_event(LOG_ERROR,
                  "storage secret of app %s cannot be decrypted "
                  "(master key missing?)",
                  app_id);
        reply_error(reply, 500, "storage_secret_unreadable", NULL,
                    "the stored storage secret cannot be decrypted with the current master keys");
        return -1;
    }
    if (db_is_failure(found)) {
        api_reply_db_error(reply, DB_ERROR, "reading storage settings");
        return -1;
    }
    if (found == DB_DONE) {
        struct storage_config cfg;
        memset(&cfg, 0, sizeof cfg);
        storage_provider_parse(loc->custom.provider, &cfg.provider);
        snprintf(cfg.bucket, sizeof cfg.bucket, "%s", loc->custom.bucket);
        snprintf(cfg.endpoint, sizeof cfg.endpoint, "%s", loc->custom.endpoint);
        snprintf(cfg.region, sizeof cfg.region, "%s", loc->custom.region);
        loc->target.endpoint = loc->custom.endpoint;
        loc->target.region = loc->custom.region;
        loc->target.bucket = loc->custom.bucket;
        loc->target.path_style = storage_use_path_style(&cfg);
        loc->target.access_key_id = loc->custom.access_key_id;
        loc->target.secret_access_key = loc->secret;
        return 0;
    }
    const struct config *cfg = &svc->cfg;
    if (!cfg->managed_storage.configured) {
        reply_error(reply, 503, "managed_storage_unconfigured", NULL,
                    "this app uses managed storage, which the platform has not configured");
        return -1;
    }
    loc->managed = true;
    struct storage_config managed;
    memset(&managed, 0, sizeof managed);
    snprintf(managed.bucket, sizeof managed.bucket, "%s", cfg->managed_storage.bucket);
    snprintf(managed.endpoint, sizeof managed.endpoint, "%s", cfg->managed_storage.endpoint);
    loc->target.endpoint = cfg->managed_storage.endpoint;
    loc->target.region = cfg->managed_storage.region;
    loc->target.bucket = cfg->managed_storage.bucket;
    /* Path-style unless the endpoint is a plain DNS name that suits virtual hosting. */
    managed.provider = STORAGE_AWS_S3;
    loc->target.path_style = storage_use_path_style(&managed);
    loc->target.access_key_id = cfg->managed_storage.access_key_id;
    loc->target.secret_access_key = cfg->managed_storage.secret_access_key;
    return 0;
}

/* What the storage test needs once it runs off the HTTP worker (see reply.h). */
struct storage_test_job {
    struct service *svc;
    struct principal who;
    char tenant_id[37];
    char app_id[37];
    char remote_addr[64];
    struct storage_location loc; /* target points into loc and svc->cfg */
};

static void storage_test_job_free(void *arg)
{
    struct storage_test_job *job = arg;
    crypto_wipe(job->loc.secret, sizeof job->loc.secret);
    free(job);
}

/* Runs on its own thread: the signed requests (up to ~30 s), then the audit event. */
static void storage_test_run(void *arg, struct http_reply *reply)
{
    struct storage_test_job *job = arg;
    struct s3_test_result result;
    s3_test_bucket(&job->loc.target, &result);
    crypto_wipe(job->loc.secret, sizeof job->loc.secret);
    const char *status = s3_test_status_name(result.status);
    const char *mode = job->loc.managed ? "managed" : "custom";
    struct http_request origin; /* audit_record only reads the remote address */
    memset(&origin, 0, sizeof origin);
    snprintf(origin.remote_addr, sizeof origin.remote_addr, "%s", job->remote_addr);
    struct db_conn *c = db_acquire(job->svc->db);
    int rc =
        audit_record(c, &job->who, &origin, job->tenant_id, "app.storage.test", "app", job->app_id,
                     json_pack("{s:s,s:s,s:i}", "mode", mode, "status", status, "http_status",
                               result.http_status));
    db_release(job->svc->db, c);
    if (rc != DB_DONE)
        api_reply_db_error(reply, rc, "recording the storage test");
    else
        reply_json(reply, 200,
                   json_pack("{s:b,s:s,s:s,s:s}", "ok", result.status == S3_TEST_OK, "status",
                             status, "detail", result.detail, "mode", mode));
    storage_test_job_free(job);
}

/* POST /api/v1/tenants/{tid}/apps/{aid}/storage/test — owner/admin. Checks and
 * resolves the storage here, then defers the network part (reply.h). */
static void storage_test(struct http_request *req, struct http_reply *reply)
{
    const char *tenant_id = req->params[0], *app_id = req->params[1];
    struct service *svc = req->service;
    if (!uuid_is_valid(app_id)) {
        reply_error(reply, 404, "app_not_found", NULL, "no such app");
        return;
    }
    struct db_conn *c = db_acquire(svc->db);
    struct app_row app;
    memset(&app, 0, sizeof app);
    enum db_status found = store_app_get(c, tenant_id, app_id, &app);
    store_app_row_clear(&app);
    if (found != DB_DONE) {
        db_release(svc->db, c);
        if (found == DB_NOT_FOUND)
            reply_error(reply, 404, "app_not_found", NULL, "no such app");
        else
            api_reply_db_error(reply, DB_ERROR, "reading an app");
        return;
    }
    struct storage_test_job *job = calloc(1, sizeof *job);
    if (!job) {
        db_release(svc->db, c);
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    int resolved = storage_resolve(svc, c, app_id, &job->loc, reply);
    db_release(svc->db, c);
    if (resolved != 0) {
        storage_test_job_free(job);
        return;
    }
    job->svc = svc;
    job->who = *req->principal;
    snprintf(job->tenant_id, sizeof job->tenant_id, "%s", tenant_id);
    snprintf(job->app_id, sizeof job->app_id, "%s", app_id);
    snprintf(job->remote_addr, sizeof job->remote_addr, "%s", req->remote_addr);
    reply->deferred = storage_test_run;
    reply->deferred_free = storage_test_job_free;
    reply->deferred_ctx = job;
}

/* POST /internal/v1/apps/{aid}/storage/presign — platform clients with platform:storage
 * (ACCESS_PLATFORM_STORAGE: the token is checked before this runs, api/access.c). */
static void storage_presign(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    struct problem p;
    problem_clear(&p);
    static const char *const allowed_fields[] = {"method", "key", "expires_in", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *method = NULL, *key = NULL;
    long long expires_in = 0;
    if (!body || !json_input_reject_unknown(body, allowed_fields, &p) ||
        !json_input_get_string(body, "method", true, false, &method, &p) ||
        !json_input_get_string(body, "key", true, false, &key, &p) ||
        !json_input_get_int(body, "expires_in", true, NULL, S3_PRESIGN_EXPIRES_MIN,
                            S3_PRESIGN_EXPIRES_MAX, &expires_in, &p)) {
        if (p.code && strcmp(p.code, "invalid_value") == 0 && strcmp(p.field, "expires_in") == 0)
            p.code = "invalid_expires_in";
        json_decref(body);
        reply_problem(reply, &p);
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0) {
        json_decref(body);
        reply_error(reply, 400, "invalid_method", "method", "method must be GET or PUT");
        return;
    }
    const char *why = NULL;
    if (!storage_object_key_is_valid(key, &why)) {
        json_decref(body);
        reply_error(reply, 400, "invalid_key", "key", "key is not a valid object key: %s", why);
        return;
    }

    const char *app_id = req->params[0];
    if (!uuid_is_valid(app_id)) {
        json_decref(body);
        reply_error(reply, 404, "app_not_found", NULL, "no such app");
        return;
    }
    struct db_conn *c = db_acquire(svc->db);
    enum db_status rc = store_app_exists(c, app_id);
    if (rc != DB_DONE) {
        db_release(svc->db, c);
        json_decref(body);
        if (rc == DB_NOT_FOUND)
            reply_error(reply, 404, "app_not_found", NULL, "no such app");
        else
            api_reply_db_error(reply, rc, "reading an app");
        return;
    }
    struct storage_location loc;
    int resolved = storage_resolve(svc, c, app_id, &loc, reply);
    db_release(svc->db, c);
    if (resolved != 0) {
        crypto_wipe(loc.secret, sizeof loc.secret);
        json_decref(body);
        return;
    }
    char full_key[1200];
    int n = loc.managed ? snprintf(full_key, sizeof full_key, "apps/%s/%s", app_id, key)
                        : snprintf(full_key, sizeof full_key, "%s", key);
    if (n < 0 || (size_t)n > S3_KEY_MAX) {
        crypto_wipe(loc.secret, sizeof loc.secret);
        json_decref(body);
        reply_error(reply, 400, "invalid_key", "key", "key is too long once placed under apps/%s/",
                    app_id);
        return;
    }
    time_t now = (time_t)time_now();
    char *url = NULL;
    int signed_ok = s3_presign_url(&loc.target, method, full_key, (long)expires_in, now, &url);
    crypto_wipe(loc.secret, sizeof loc.secret);
    json_decref(body);
    if (signed_ok != 0) {
        reply_error(reply, 500, "presign_failed", NULL, "cannot sign a URL for this storage");
        return;
    }
    char expires_at[32];
    time_format_rfc3339((int64_t)now + expires_in, expires_at);
    reply_json(reply, 200, json_pack("{s:s,s:s}", "url", url, "expires_at", expires_at));
    free(url);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_STORAGE_TEST_ROUTES(ROUTE)                                                             \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/apps/{}/storage/test", storage_test, ACCESS_TENANT_ADMIN)

ROUTE_TABLE(api_storage_test, API_STORAGE_TEST_ROUTES);

/* method, pattern, handler, who may call it (http/router.h) */
#define INTERNAL_ROUTES(ROUTE)                                                                     \
    ROUTE(HTTP_POST, "/internal/v1/apps/{}/storage/presign", storage_presign,                      \
          ACCESS_PLATFORM_STORAGE)

ROUTE_TABLE(internal, INTERNAL_ROUTES);
