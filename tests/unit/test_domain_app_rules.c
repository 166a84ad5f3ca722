/*
 * tests/unit/test_domain_app_rules — SPEC §1 rules on a tenant's apps (domain/app_rules):
 * app_limit (the limit itself is refused, lowering below the count refuses new apps),
 * which plans may be assigned and by whom, one free-plan app per tenant, and the
 * previous secret's grace period (SPEC §3.7).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "domain/app_rules.h"

static void test_app_limit(void **state)
{
    (void)state;
    assert_int_equal(app_rule_create(0, 1), APP_RULE_OK);
    assert_int_equal(app_rule_create(9, 10), APP_RULE_OK);
    assert_int_equal(app_rule_create(10, 10), APP_RULE_LIMIT_REACHED);
    /* A limit lowered below the count: existing apps stay, new ones are refused. */
    assert_int_equal(app_rule_create(12, 10), APP_RULE_LIMIT_REACHED);
    /* app_limit 0: no apps at all. */
    assert_int_equal(app_rule_create(0, 0), APP_RULE_LIMIT_REACHED);
}

static void test_plan_assignable(void **state)
{
    (void)state;
    assert_int_equal(app_rule_plan_assignable("active", "free", false), APP_RULE_OK);
    assert_int_equal(app_rule_plan_assignable("active", "free", true), APP_RULE_OK);
    assert_int_equal(app_rule_plan_assignable("active", "paid", true), APP_RULE_OK);
    /* Paid plans are the platform operator's to assign. */
    assert_int_equal(app_rule_plan_assignable("active", "paid", false),
                     APP_RULE_PLAN_REQUIRES_HOST);
    /* Only active plans, for everyone; the status is checked before the tier. */
    const char *const inactive[] = {"draft", "archived", "retired", "", NULL};
    for (size_t i = 0; inactive[i]; i++) {
        assert_int_equal(app_rule_plan_assignable(inactive[i], "free", true),
                         APP_RULE_PLAN_NOT_ACTIVE);
        assert_int_equal(app_rule_plan_assignable(inactive[i], "paid", false),
                         APP_RULE_PLAN_NOT_ACTIVE);
    }
    assert_int_equal(app_rule_plan_assignable(NULL, "free", true), APP_RULE_PLAN_NOT_ACTIVE);
}

static void test_one_free_plan_app_per_tenant(void **state)
{
    (void)state;
    assert_true(app_rule_plan_is_free("free"));
    assert_false(app_rule_plan_is_free("paid"));
    assert_false(app_rule_plan_is_free("Free"));
    assert_false(app_rule_plan_is_free(NULL));
    assert_int_equal(app_rule_free_plan(0), APP_RULE_OK);
    assert_int_equal(app_rule_free_plan(1), APP_RULE_FREE_PLAN_TAKEN);
    assert_int_equal(app_rule_free_plan(3), APP_RULE_FREE_PLAN_TAKEN);
}

static void test_previous_secret_grace(void **state)
{
    (void)state;
    assert_false(app_rule_previous_secret_active(0, 1000)); /* no previous secret */
    assert_true(app_rule_previous_secret_active(1001, 1000));
    assert_false(app_rule_previous_secret_active(1000, 1000)); /* dies at its instant */
    assert_false(app_rule_previous_secret_active(999, 1000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_app_limit),
        cmocka_unit_test(test_plan_assignable),
        cmocka_unit_test(test_one_free_plan_app_per_tenant),
        cmocka_unit_test(test_previous_secret_grace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
