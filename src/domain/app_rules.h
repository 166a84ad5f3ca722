/*
 * domain/app_rules — SPEC §1 rules on a tenant's apps that the admin API enforces:
 * the tenant's app_limit, which plans may be assigned and by whom, one free-plan app
 * per tenant, and the client-secret grace period (SPEC §3.7). Pure: no I/O; the
 * caller reads the counts inside its write transaction (writers are serialised, so
 * the rules hold under concurrency: docs/ARCHITECTURE.md "Writes") and maps the
 * verdict to its error code.
 */
#ifndef TENANTD_DOMAIN_APP_RULES_H
#define TENANTD_DOMAIN_APP_RULES_H

#include <stdbool.h>
#include <stdint.h>

enum app_rule {
    APP_RULE_OK = 0,
    APP_RULE_LIMIT_REACHED,      /* 409 app_limit_reached */
    APP_RULE_PLAN_NOT_ACTIVE,    /* 400 plan_not_assignable */
    APP_RULE_PLAN_REQUIRES_HOST, /* 403 plan_requires_host */
    APP_RULE_FREE_PLAN_TAKEN,    /* 409 free_plan_limit */
};

/* May a tenant holding live_apps (not deleted) apps create one more under
 * app_limit? Lowering a limit below the count keeps the apps but refuses new ones. */
enum app_rule app_rule_create(int64_t live_apps, int64_t app_limit);

/* May a plan of this status ("active", "retired", ...) and tier ("free", "paid")
 * be assigned by this caller? Only active plans; paid ones only by host admins. */
enum app_rule app_rule_plan_assignable(const char *plan_status, const char *plan_tier,
                                       bool by_host_admin);

/* Does assigning a plan of this tier take the tenant's one free-plan slot? */
bool app_rule_plan_is_free(const char *plan_tier);

/* The free-plan slot: other_free_apps is the count of the tenant's other live apps
 * already on a free plan. */
enum app_rule app_rule_free_plan(int64_t other_free_apps);

/* Is an app's previous client secret (expiring at previous_expires_at, 0 = none)
 * still accepted at `now`? */
bool app_rule_previous_secret_active(int64_t previous_expires_at, int64_t now);

#endif
