/*
 * app_storage.c — an app's custom storage configuration over HTTP:
 *
 *   PUT    /api/v1/tenants/{tid}/apps/{aid}/storage   set or replace (-> 200 app)
 *   DELETE /api/v1/tenants/{tid}/apps/{aid}/storage   back to managed (-> 200 app)
 *
 * plus the parsing/validation of the storage object that app creation shares. The
 * secret access key is sealed by store/app_storage.c before it reaches SQL, shown
 * back only as secret_access_key_last4, and wiped here from every buffer the
 * request handling copied it into (including the parsed JSON).
 */
#include "api/app_storage.h"

#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "api/write.h"
#include "crypto/hash.h"
#include "http/json_input.h"
#include "service.h"
#include "util/timeutil.h"

static const char *const storage_fields[] = {
    "provider", "bucket", "access_key_id", "secret_access_key", "endpoint", "region", NULL};

/* Re-points a problem filled by the json_input helpers at prefix + its field. */
static void storage_prefix_field(struct problem *p, const char *prefix)
{
    if (!prefix || !*prefix || !p->field[0])
        return;
    char field[sizeof p->field];
    snprintf(field, sizeof field, "%s%s", prefix, p->field);
    memcpy(p->field, field, sizeof field);
}

/* Sets a 400 problem on field prefix + name. Always returns false. */
static bool storage_fail(struct problem *p, const char *prefix, const char *name, const char *code,
                         const char *message)
{
    char field[96];
    snprintf(field, sizeof field, "%s%s", prefix ? prefix : "", name);
    problem_set(p, 400, code, field, "%s %s", field, message);
    return false;
}

/* Copies src into dst[0..size) when it fits; false otherwise. */
static bool storage_copy(char *dst, size_t size, const char *src)
{
    size_t n = strlen(src);
    if (n >= size)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

static const char *storage_rule_message(const char *code)
{
    if (strcmp(code, "endpoint_required") == 0)
        return "is required for this provider";
    if (strcmp(code, "endpoint_or_region_required") == 0)
        return "(or region) is required for this provider";
    return "is not valid";
}

bool api_app_storage_parse(const json_t *obj, const char *field_prefix,
                           struct app_storage_input *in, struct problem *p)
{
    memset(in, 0, sizeof *in);
    const char *prefix = field_prefix ? field_prefix : "";
    if (!json_is_object(obj)) {
        char field[96];
        snprintf(field, sizeof field, "%s", *prefix ? prefix : "body");
        size_t n = strlen(field);
        if (n > 0 && field[n - 1] == '.')
            field[n - 1] = '\0';
        problem_set(p, 400, "invalid_type", field, "%s must be an object", field);
        return false;
    }
    if (!json_input_reject_unknown(obj, storage_fields, p)) {
        storage_prefix_field(p, prefix);
        return false;
    }
    const char *provider, *bucket, *endpoint, *region, *access_key_id, *secret;
    if (!json_input_get_string(obj, "provider", true, false, &provider, p) ||
        !json_input_get_string(obj, "bucket", true, false, &bucket, p) ||
        !json_input_get_string(obj, "endpoint", false, true, &endpoint, p) ||
        !json_input_get_string(obj, "region", false, true, &region, p) ||
        !json_input_get_string(obj, "access_key_id", true, false, &access_key_id, p) ||
        !json_input_get_string(obj, "secret_access_key", true, false, &secret, p)) {
        storage_prefix_field(p, prefix);
        return false;
    }
    bool ok = false;
    if (!storage_provider_parse(provider, &in->cfg.provider)) {
        storage_fail(p, prefix, "provider", "invalid_provider",
                     "must be one of aws_s3, tigris, cloudflare_r2, minio, backblaze_b2");
    } else if (!storage_copy(in->cfg.bucket, sizeof in->cfg.bucket, bucket) ||
               !storage_bucket_is_valid(bucket, NULL)) {
        storage_fail(p, prefix, "bucket", "invalid_bucket",
                     "is not a valid bucket name (S3 bucket naming rules)");
    } else if (endpoint && (!storage_copy(in->cfg.endpoint, sizeof in->cfg.endpoint, endpoint) ||
                            !storage_endpoint_is_valid(endpoint, NULL))) {
        storage_fail(p, prefix, "endpoint", "invalid_endpoint",
                     "must be an absolute https:// URL without a path (http:// only for a "
                     "loopback host)");
    } else if (region && (!storage_copy(in->cfg.region, sizeof in->cfg.region, region) ||
                          !storage_region_is_valid(region))) {
        storage_fail(p, prefix, "region", "invalid_region", "must match [a-z0-9-]{1,32}");
    } else if (!storage_access_key_id_is_valid(access_key_id) ||
               !storage_copy(in->access_key_id, sizeof in->access_key_id, access_key_id)) {
        storage_fail(p, prefix, "access_key_id", "invalid_access_key_id",
                     "must be 1 to 128 printable ASCII characters without spaces");
    } else if (!storage_secret_key_is_valid(secret) ||
               !storage_copy(in->secret_access_key, sizeof in->secret_access_key, secret)) {
        storage_fail(p, prefix, "secret_access_key", "invalid_secret_access_key",
                     "must be 1 to 256 printable ASCII characters without spaces");
    } else {
        const char *code = NULL, *field = NULL;
        if (!storage_config_apply_provider_rules(&in->cfg, endpoint != NULL, region != NULL, &code,
                                                 &field))
            storage_fail(p, prefix, field ? field : "provider", code ? code : "invalid_value",
                         storage_rule_message(code ? code : ""));
        else
            ok = true;
    }
    if (!ok)
        api_app_storage_input_wipe(in);
    return ok;
}

void api_app_storage_wipe_json(json_t *obj)
{
    if (!json_is_object(obj))
        return;
    json_t *secret = json_object_get(obj, "secret_access_key");
    if (json_is_string(secret))
        crypto_wipe((char *)json_string_value(secret), json_string_length(secret));
}

void api_app_storage_input_wipe(struct app_storage_input *in)
{
    crypto_wipe(in, sizeof *in);
}

void api_app_storage_row_from_input(const struct app_storage_input *in, const char *app_id,
                                    int64_t now, struct app_storage_row *row)
{
    memset(row, 0, sizeof *row);
    snprintf(row->app_id, sizeof row->app_id, "%s", app_id);
    snprintf(row->provider, sizeof row->provider, "%s", storage_provider_name(in->cfg.provider));
    snprintf(row->bucket, sizeof row->bucket, "%s", in->cfg.bucket);
    snprintf(row->endpoint, sizeof row->endpoint, "%s", in->cfg.endpoint);
    snprintf(row->region, sizeof row->region, "%s", in->cfg.region);
    snprintf(row->access_key_id, sizeof row->access_key_id, "%s", in->access_key_id);
    app_storage_secret_last4(in->secret_access_key, row->secret_access_key_last4);
    row->updated_at = now;
}

json_t *api_app_storage_audit_detail(const struct app_storage_row *row)
{
    return json_pack("{s:s,s:s,s:s?,s:s?}", "provider", row->provider, "bucket", row->bucket,
                     "endpoint", row->endpoint[0] ? row->endpoint : NULL, "region",
                     row->region[0] ? row->region : NULL);
}

/* What a PUT hands its change: the validated storage (plaintext secret included). */
static int app_storage_put_change(struct db_conn *c, struct api_write *w)
{
    const struct app_storage_input *in = w->ctx;
    const struct app_row *app = w->app;
    int64_t now = time_now();
    struct app_storage_row row;
    api_app_storage_row_from_input(in, app->id, now, &row);
    int rc = store_app_storage_put(c, w->req->service->keyring, &row, in->secret_access_key);
    if (rc == DB_DONE)
        rc = store_app_touch(c, app->id, now);
    return api_write_audited(c, w, rc, app->tenant_id, "app.storage.update", "app", app->id,
                             api_app_storage_audit_detail(&row));
}

/* PUT /api/v1/tenants/{tid}/apps/{aid}/storage */
static void app_storage_put(struct http_request *req, struct http_reply *reply)
{
    json_t *body = api_app_body(req, reply);
    if (!body)
        return;
    struct problem p = {0};
    struct app_storage_input in;
    bool parsed = api_app_storage_parse(body, "", &in, &p);
    api_app_storage_wipe_json(body);
    json_decref(body);
    if (!parsed) {
        reply_problem(reply, &p);
        return;
    }
    api_write_app_reply(req, reply, "saving app storage", app_storage_put_change, &in);
    api_app_storage_input_wipe(&in);
}

static int app_storage_delete_change(struct db_conn *c, struct api_write *w)
{
    const struct app_row *app = w->app;
    bool removed = false;
    int64_t now = time_now();
    int rc = store_app_storage_delete(c, app->id, &removed);
    if (rc == DB_DONE && removed)
        rc = store_app_touch(c, app->id, now);
    if (rc == DB_DONE && removed)
        rc = audit_record(c, w->who, w->req, app->tenant_id, "app.storage.delete", "app", app->id,
                          json_pack("{s:s}", "provider", app->storage.provider));
    return rc;
}

/* DELETE /api/v1/tenants/{tid}/apps/{aid}/storage — idempotent: an app already on
 * managed storage answers 200 unchanged (no audit event). */
static void app_storage_delete(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return;
    api_write_app_reply(req, reply, "removing app storage", app_storage_delete_change, NULL);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_APP_STORAGE_ROUTES(ROUTE)                                                              \
    ROUTE(HTTP_PUT, "/api/v1/tenants/{}/apps/{}/storage", app_storage_put, ACCESS_TENANT_ADMIN)    \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/storage", app_storage_delete,                   \
          ACCESS_TENANT_ADMIN)

ROUTE_TABLE(api_app_storage, API_APP_STORAGE_ROUTES);
