/*
 * demo.c — `tenantd demo`: seeds a demo region, database, plans, an active tenant
 * with an owner, a host admin and one app, then prints how to use them.
 *
 * Idempotent: existing rows are kept (looked up by their natural keys). The demo
 * app's secret is stored only as a hash, so each run mints a fresh secret and
 * prints it — the previous one stops working, as after any regeneration.
 * The demo passwords are public: this command is for local evaluation only.
 */
#include <stdio.h>
#include <string.h>

#include "api/credentials.h"
#include "cli/commands.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "domain/secret_format.h"
#include "service.h"
#include "store/apps.h"
#include "store/db.h"
#include "store/ids.h"
#include "store/users.h"
#include "util/timeutil.h"

#define DEMO_ADMIN_EMAIL "admin@demo.local"
#define DEMO_ADMIN_PASSWORD "demo-admin-password"
#define DEMO_OWNER_EMAIL "owner@demo.local"
#define DEMO_OWNER_PASSWORD "demo-owner-password"
#define DEMO_TENANT_NAME "Demo Tenant"
#define DEMO_APP_NAME "Demo App"

/* Runs sql with text params; DB_DONE/DB_ROW on success. */
static int demo_exec(struct db_conn *c, const char *sql, int n, const char *const *params)
{
    int rc = db_run(c, sql, n, params);
    return rc == DB_DONE || rc == DB_ROW ? 0 : -1;
}

/* Selects one text column into out; 1 found, 0 none, -1 error. */
static int demo_select(struct db_conn *c, const char *sql, const char *param, char *out,
                       size_t size)
{
    struct db_stmt *s = db_prepare(c, sql);
    if (!s)
        return -1;
    if (param)
        db_bind_text(s, 1, param);
    int rc = db_step(s), found = -1;
    if (rc == DB_ROW) {
        snprintf(out, size, "%s", db_column_text(s, 0));
        found = 1;
    } else if (rc == DB_DONE) {
        found = 0;
    }
    db_finalize(s);
    return found;
}

static int demo_user(struct db_conn *c, const char *email, const char *password,
                     const char *display, bool host_admin, const char *tenant_id)
{
    struct user_row u;
    int found = store_user_by_email(c, email, &u);
    if (found != 0)
        return found < 0 ? -1 : 0;
    memset(&u, 0, sizeof u);
    snprintf(u.email, sizeof u.email, "%s", email);
    snprintf(u.display_name, sizeof u.display_name, "%s", display);
    if (password_hash(password, u.password_hash, sizeof u.password_hash) != 0 ||
        store_new_id(u.id) != 0)
        return -1;
    u.is_host_admin = host_admin;
    if (tenant_id) {
        snprintf(u.tenant_id, sizeof u.tenant_id, "%s", tenant_id);
        snprintf(u.role, sizeof u.role, "owner");
    }
    u.created_at = time_now();
    return store_user_insert(c, &u) == DB_DONE ? 0 : -1;
}

static int demo_seed(struct db_conn *c, const struct config *cfg, char client_id[32],
                     char secret[64])
{
    char now[24], tenant_id[37], app_id[37], hash[65], limit[16];
    snprintf(now, sizeof now, "%lld", (long long)time_now());
    snprintf(limit, sizeof limit, "%d", cfg->app_limit_default);
    const char *region[] = {"eu-west", "EU West", now};
    const char *database[] = {"eu-west-db1", "eu-west", now};
    const char *free_plan[] = {"free", "Free", "free",
                               "{\"maxApiRequestsPerMinute\":60,\"maxDocumentUnitsPerDay\":100,"
                               "\"allowedFormats\":[\"pdf\",\"png\"],"
                               "\"features\":{\"advancedExtraction\":false}}",
                               now};
    const char *pro_plan[] = {"pro", "Pro", "paid",
                              "{\"maxApiRequestsPerMinute\":600,\"maxDocumentUnitsPerDay\":10000,"
                              "\"allowedFormats\":[\"pdf\",\"png\",\"docx\"],"
                              "\"features\":{\"advancedExtraction\":true}}",
                              now};
    if (demo_exec(c,
                  "INSERT INTO regions (code, name, active, created_at, updated_at) "
                  "VALUES ($1, $2, 1, $3, $3) ON CONFLICT (code) DO NOTHING",
                  3, region) ||
        demo_exec(c,
                  "INSERT INTO region_databases (db_code, region_code, active, created_at, "
                  "updated_at) VALUES ($1, $2, 1, $3, $3) ON CONFLICT (db_code) DO NOTHING",
                  3, database) ||
        demo_exec(c,
                  "INSERT INTO plans (code, name, tier, status, entitlements, created_at, "
                  "updated_at) VALUES ($1, $2, $3, 'active', $4, $5, $5) "
                  "ON CONFLICT (code) DO NOTHING",
                  5, free_plan) ||
        demo_exec(c,
                  "INSERT INTO plans (code, name, tier, status, entitlements, created_at, "
                  "updated_at) VALUES ($1, $2, $3, 'active', $4, $5, $5) "
                  "ON CONFLICT (code) DO NOTHING",
                  5, pro_plan))
        return -1;
    if (demo_user(c, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "Demo Operator", true, NULL))
        return -1;

    int found = demo_select(c, "SELECT tenant_id FROM users WHERE email = $1", DEMO_OWNER_EMAIL,
                            tenant_id, sizeof tenant_id);
    if (found < 0)
        return -1;
    if (found == 0) {
        if (store_new_id(tenant_id) != 0)
            return -1;
        const char *tenant[] = {tenant_id, DEMO_TENANT_NAME, limit, now};
        if (demo_exec(c,
                      "INSERT INTO tenants (id, name, status, app_limit, created_at, "
                      "updated_at) VALUES ($1, $2, 'active', $3, $4, $4)",
                      4, tenant) ||
            demo_user(c, DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, "Demo Owner", false, tenant_id))
            return -1;
    }

    if (credential_new_secret(CLIENT_SECRET_PREFIX, secret, hash) != 0)
        return -1;
    found = demo_select(c,
                        "SELECT id FROM apps WHERE tenant_id = $1 AND name_folded = 'demo app' "
                        "AND deleted_at IS NULL",
                        tenant_id, app_id, sizeof app_id);
    if (found < 0)
        return -1;
    if (found == 1) {
        const char *rotate[] = {hash, now, app_id};
        if (demo_exec(c,
                      "UPDATE apps SET secret_hash = $1, secret_rotated_at = $2, "
                      "previous_secret_hash = NULL, previous_secret_expires_at = NULL, "
                      "updated_at = $2 WHERE id = $3",
                      3, rotate) ||
            demo_select(c, "SELECT client_id FROM apps WHERE id = $1", app_id, client_id, 32) != 1)
            return -1;
        return 0;
    }
    if (store_new_id(app_id) != 0 || credential_new_client_id(client_id) != 0)
        return -1;
    /* Through the store, which also counts the app for its tenant and database. */
    struct app_row app = {0};
    snprintf(app.id, sizeof app.id, "%s", app_id);
    snprintf(app.tenant_id, sizeof app.tenant_id, "%s", tenant_id);
    snprintf(app.name, sizeof app.name, "%s", DEMO_APP_NAME);
    snprintf(app.name_folded, sizeof app.name_folded, "demo app");
    snprintf(app.client_id, sizeof app.client_id, "%s", client_id);
    snprintf(app.license_region_code, sizeof app.license_region_code, "eu-west");
    snprintf(app.db_code, sizeof app.db_code, "eu-west-db1");
    snprintf(app.plan_code, sizeof app.plan_code, "free");
    app.enabled = true;
    app.created_at = app.updated_at = app.secret_rotated_at = time_now();
    int rc = store_app_row_set_json(&app.allowed_domains, "[\"localhost:3000\"]") == 0
                 ? store_app_insert(c, &app, hash)
                 : DB_ERROR;
    store_app_row_clear(&app);
    return rc == DB_DONE ? 0 : -1;
}

int cli_demo(int argc, char **argv)
{
    struct config cfg;
    struct service svc;
    char err[512];
    if (argc > 0) {
        fprintf(stderr, "tenantd: demo takes no arguments\n");
        return 2;
    }
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    if (service_open(&svc, &cfg, false, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    char client_id[32] = "", secret[64] = "";
    struct db_conn *c = db_acquire(svc.db);
    int rc = -1;
    if (db_begin_write(c) == DB_OK) {
        rc = demo_seed(c, &cfg, client_id, secret);
        if (rc == 0 && db_commit(c) != DB_OK)
            rc = -1;
        if (rc != 0)
            db_rollback(c);
    }
    db_release(svc.db, c);
    service_close(&svc);
    if (rc != 0) {
        crypto_wipe(secret, sizeof secret);
        fprintf(stderr, "tenantd: cannot seed the demo data (database error)\n");
        return 1;
    }
    const char *base = cfg.issuer;
    printf("\n"
           "tenantd demo data is ready (local evaluation only: these passwords are public).\n"
           "  Dashboard:        %s/\n"
           "  Host admin:       %s / %s\n"
           "  Tenant owner:     %s / %s   (tenant \"%s\", active)\n"
           "  Demo app:         client_id     %s\n"
           "                    client_secret %s\n"
           "                    (a new secret is minted on every `tenantd demo` run)\n"
           "  Get a token:\n"
           "    curl -s -u '%s:%s' -d grant_type=client_credentials %s/connect/token\n\n",
           base, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD,
           DEMO_TENANT_NAME, client_id, secret, client_id, secret, base);
    crypto_wipe(secret, sizeof secret);
    return 0;
}
