/*
 * domain/app_rules.c — see app_rules.h.
 */
#include "domain/app_rules.h"

#include <string.h>

enum app_rule app_rule_create(int64_t live_apps, int64_t app_limit)
{
    return live_apps >= app_limit ? APP_RULE_LIMIT_REACHED : APP_RULE_OK;
}

enum app_rule app_rule_plan_assignable(const char *plan_status, const char *plan_tier,
                                       bool by_host_admin)
{
    if (!plan_status || strcmp(plan_status, "active") != 0)
        return APP_RULE_PLAN_NOT_ACTIVE;
    if (!app_rule_plan_is_free(plan_tier) && !by_host_admin)
        return APP_RULE_PLAN_REQUIRES_HOST;
    return APP_RULE_OK;
}

bool app_rule_plan_is_free(const char *plan_tier)
{
    return plan_tier && strcmp(plan_tier, "free") == 0;
}

enum app_rule app_rule_free_plan(int64_t other_free_apps)
{
    return other_free_apps > 0 ? APP_RULE_FREE_PLAN_TAKEN : APP_RULE_OK;
}

bool app_rule_previous_secret_active(int64_t previous_expires_at, int64_t now)
{
    return previous_expires_at > now;
}
