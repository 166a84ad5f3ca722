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
#include <stdlib.h>
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
#include "store/plans.h"
#include "store/regions.h"
#include "store/tenants.h"
#include "store/users.h"
#include "util/timeutil.h"

#define DEMO_ADMIN_EMAIL "admin@demo.local"
#define DEMO_ADMIN_PASSWORD "demo-admin-password"
#define DEMO_OWNER_EMAIL "owner@demo.local"
#define DEMO_OWNER_PASSWORD "demo-owner-password"
#define DEMO_TENANT_NAME "Demo Tenant"
#define DEMO_APP_NAME "Demo App"

static int demo_user(struct db_conn *c, const char *email, const char *password,
                     const char *display, bool host_admin, const char *tenant_id)
{
    struct user_row u;
    enum db_status found = store_user_by_email(c, email, &u);
    if (found != DB_NOT_FOUND)
        return found == DB_DONE ? 0 : -1;
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

/* Inserts the region with one database, unless the region exists (natural key). */
static int demo_region(struct db_conn *c, int64_t now)
{
    struct region_row region;
    enum db_status rc = store_region_get(c, "eu-west", &region);
    if (rc == DB_NOT_FOUND) {
        region = (struct region_row){.code = "eu-west",
                                     .name = "EU West",
                                     .active = true,
                                     .created_at = now,
                                     .updated_at = now};
        rc = store_region_insert(c, &region);
    }
    if (rc != DB_DONE)
        return -1;
    struct region_database_row database;
    rc = store_region_database_get(c, "eu-west-db1", &database);
    if (rc == DB_NOT_FOUND) {
        database = (struct region_database_row){.db_code = "eu-west-db1",
                                                .region_code = "eu-west",
                                                .active = true,
                                                .created_at = now,
                                                .updated_at = now};
        rc = store_region_database_insert(c, &database);
    }
    return rc == DB_DONE ? 0 : -1;
}

/* Inserts an active plan unless one with its code exists. */
static int demo_plan(struct db_conn *c, const char *code, const char *name, const char *tier,
                     const char *entitlements, int64_t now)
{
    /* A plan row carries a 16 KiB buffer: on the heap. */
    struct plan_row *plan = calloc(1, sizeof *plan);
    if (!plan)
        return -1;
    enum db_status rc = store_plan_get(c, code, plan);
    if (rc == DB_NOT_FOUND) {
        memset(plan, 0, sizeof *plan);
        snprintf(plan->code, sizeof plan->code, "%s", code);
        snprintf(plan->name, sizeof plan->name, "%s", name);
        snprintf(plan->tier, sizeof plan->tier, "%s", tier);
        snprintf(plan->status, sizeof plan->status, "active");
        snprintf(plan->entitlements, sizeof plan->entitlements, "%s", entitlements);
        plan->created_at = plan->updated_at = now;
        rc = store_plan_insert(c, plan);
    }
    free(plan);
    return rc == DB_DONE ? 0 : -1;
}

/* The demo app of the tenant (name "Demo App"), if it has one: DB_DONE with its row. */
static enum db_status demo_find_app(struct db_conn *c, const char *tenant_id, struct app_row *out)
{
    char app_id[37];
    enum db_status rc = store_app_id_by_name(c, tenant_id, "demo app", app_id);
    return rc == DB_DONE ? store_app_get(c, tenant_id, app_id, out) : rc;
}

static int demo_seed(struct db_conn *c, const struct config *cfg, char client_id[32],
                     char secret[64])
{
    char tenant_id[37], hash[65];
    int64_t now = time_now();
    if (demo_region(c, now) ||
        demo_plan(c, "free", "Free", "free",
                  "{\"maxApiRequestsPerMinute\":60,\"maxDocumentUnitsPerDay\":100,"
                  "\"allowedFormats\":[\"pdf\",\"png\"],"
                  "\"features\":{\"advancedExtraction\":false}}",
                  now) ||
        demo_plan(c, "pro", "Pro", "paid",
                  "{\"maxApiRequestsPerMinute\":600,\"maxDocumentUnitsPerDay\":10000,"
                  "\"allowedFormats\":[\"pdf\",\"png\",\"docx\"],"
                  "\"features\":{\"advancedExtraction\":true}}",
                  now))
        return -1;
    if (demo_user(c, DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD, "Demo Operator", true, NULL))
        return -1;

    struct user_row owner;
    enum db_status found = store_user_by_email(c, DEMO_OWNER_EMAIL, &owner);
    if (found == DB_DONE) {
        snprintf(tenant_id, sizeof tenant_id, "%s", owner.tenant_id);
    } else if (found == DB_NOT_FOUND) {
        if (store_new_id(tenant_id) != 0)
            return -1;
        struct tenant_row tenant = {.status = "active",
                                    .app_limit = cfg->app_limit_default,
                                    .created_at = now,
                                    .updated_at = now};
        snprintf(tenant.id, sizeof tenant.id, "%s", tenant_id);
        snprintf(tenant.name, sizeof tenant.name, "%s", DEMO_TENANT_NAME);
        if (store_tenant_insert(c, &tenant) != DB_DONE ||
            demo_user(c, DEMO_OWNER_EMAIL, DEMO_OWNER_PASSWORD, "Demo Owner", false, tenant_id))
            return -1;
    } else {
        return -1;
    }

    if (credential_new_secret(CLIENT_SECRET_PREFIX, secret, hash) != 0)
        return -1;
    struct app_row app = {0};
    found = demo_find_app(c, tenant_id, &app);
    if (found == DB_DONE) {
        /* The same change as POST .../apps/{id}/secret without a grace period. */
        snprintf(client_id, 32, "%s", app.client_id);
        enum db_status rc = store_app_set_secret(c, app.id, hash, now, 0);
        store_app_row_clear(&app);
        return rc == DB_DONE ? 0 : -1;
    }
    if (found != DB_NOT_FOUND)
        return -1;
    if (store_new_id(app.id) != 0 || credential_new_client_id(client_id) != 0)
        return -1;
    /* Through the store, which also counts the app for its tenant and database. */
    snprintf(app.tenant_id, sizeof app.tenant_id, "%s", tenant_id);
    snprintf(app.name, sizeof app.name, "%s", DEMO_APP_NAME);
    snprintf(app.name_folded, sizeof app.name_folded, "demo app");
    snprintf(app.client_id, sizeof app.client_id, "%s", client_id);
    snprintf(app.license_region_code, sizeof app.license_region_code, "eu-west");
    snprintf(app.db_code, sizeof app.db_code, "eu-west-db1");
    snprintf(app.plan_code, sizeof app.plan_code, "free");
    app.enabled = true;
    app.created_at = app.updated_at = app.secret_rotated_at = now;
    enum db_status rc = store_app_row_set_json(&app.allowed_domains, "[\"localhost:3000\"]") == 0
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
