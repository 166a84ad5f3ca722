/*
 * tests/unit/test_route_access — every route refuses every caller it should.
 *
 * Walks the whole URL space through routes_module()/routes_access() (the tables
 * routes_dispatch() checks) and, for each route:
 *   - its declared level equals the one written below (a second, independent
 *     statement of who may call what: a route added without a level, with a wrong
 *     one, or without an entry here fails, and the message names it);
 *   - the level fits the path (tenant levels only on /api/v1/tenants/{}..., where the
 *     tenant is the first parameter; mutations of a tenant's resources need at least
 *     admin; /internal/ only for platform clients; anonymous only where the handler
 *     checks a credential of its own or the route is public);
 *   - access_decide() (api/access.c, what access_check() runs) refuses every caller
 *     it must: anonymous, a member of another tenant (404, whatever its role), a too
 *     weak role of the same tenant (403), a member on a host route (403), a user on a
 *     platform route (401), a platform token without the scope (403), a malformed
 *     tenant id (404, host admins included) — and lets the least sufficient caller in.
 * The authentication itself (cookie, CSRF, API key) is api_authenticate's and is
 * exercised end to end by tests/integration (auth, security, members, ...).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "api/access.h"
#include "routes.h"

#define TENANT_A "00000000-0000-7000-8000-0000000000a1"
#define TENANT_B "00000000-0000-7000-8000-0000000000b2"

struct expected {
    enum http_method method;
    const char *pattern;
    enum route_access access;
};

/* Who may call each route. Keep in step with the route tables (and SPEC §4). */
static const struct expected expected_routes[] = {
    {HTTP_POST, "/connect/token", ACCESS_ANONYMOUS},
    {HTTP_POST, "/connect/introspect", ACCESS_ANONYMOUS},
    {HTTP_POST, "/connect/revoke", ACCESS_ANONYMOUS},
    {HTTP_GET, "/.well-known/jwks.json", ACCESS_ANONYMOUS},
    {HTTP_GET, "/.well-known/openid-configuration", ACCESS_ANONYMOUS},
    {HTTP_GET, "/.well-known/oauth-authorization-server", ACCESS_ANONYMOUS},
    {HTTP_GET, "/healthz", ACCESS_ANONYMOUS},
    {HTTP_GET, "/readyz", ACCESS_ANONYMOUS},
    {HTTP_GET, "/metrics", ACCESS_ANONYMOUS},
    {HTTP_GET, "/api/v1/openapi.json", ACCESS_ANONYMOUS},
    {HTTP_POST, "/api/v1/auth/login", ACCESS_ANONYMOUS},
    {HTTP_POST, "/api/v1/auth/logout", ACCESS_SIGNED_IN},
    {HTTP_POST, "/api/v1/auth/signup", ACCESS_ANONYMOUS},
    {HTTP_GET, "/api/v1/me", ACCESS_SIGNED_IN},
    {HTTP_POST, "/api/v1/me/api-keys", ACCESS_SIGNED_IN},
    {HTTP_GET, "/api/v1/me/api-keys", ACCESS_SIGNED_IN},
    {HTTP_DELETE, "/api/v1/me/api-keys/{}", ACCESS_SIGNED_IN},
    {HTTP_GET, "/api/v1/tenants/{}/members", ACCESS_TENANT_VIEWER},
    {HTTP_PATCH, "/api/v1/tenants/{}/members/{}", ACCESS_TENANT_OWNER},
    {HTTP_DELETE, "/api/v1/tenants/{}/members/{}", ACCESS_TENANT_OWNER},
    {HTTP_POST, "/api/v1/tenants/{}/invitations", ACCESS_TENANT_OWNER},
    {HTTP_GET, "/api/v1/tenants/{}/invitations", ACCESS_TENANT_VIEWER},
    {HTTP_DELETE, "/api/v1/tenants/{}/invitations/{}", ACCESS_TENANT_OWNER},
    {HTTP_POST, "/api/v1/invitations/accept", ACCESS_ANONYMOUS},
    {HTTP_GET, "/api/v1/tenants", ACCESS_HOST},
    {HTTP_POST, "/api/v1/tenants", ACCESS_HOST},
    {HTTP_GET, "/api/v1/tenants/{}", ACCESS_TENANT_VIEWER},
    {HTTP_PATCH, "/api/v1/tenants/{}", ACCESS_TENANT_HOST},
    {HTTP_POST, "/api/v1/tenants/{}/activate", ACCESS_TENANT_HOST},
    {HTTP_POST, "/api/v1/tenants/{}/suspend", ACCESS_TENANT_HOST},
    {HTTP_POST, "/api/v1/regions", ACCESS_HOST},
    {HTTP_GET, "/api/v1/regions", ACCESS_SIGNED_IN},
    {HTTP_PATCH, "/api/v1/regions/{}", ACCESS_HOST},
    {HTTP_POST, "/api/v1/regions/{}/databases", ACCESS_HOST},
    {HTTP_GET, "/api/v1/regions/{}/databases", ACCESS_HOST},
    {HTTP_PATCH, "/api/v1/region-databases/{}", ACCESS_HOST},
    {HTTP_POST, "/api/v1/plans", ACCESS_HOST},
    {HTTP_GET, "/api/v1/plans", ACCESS_SIGNED_IN},
    {HTTP_PATCH, "/api/v1/plans/{}", ACCESS_HOST},
    {HTTP_POST, "/api/v1/platform-clients", ACCESS_HOST},
    {HTTP_GET, "/api/v1/platform-clients", ACCESS_HOST},
    {HTTP_GET, "/api/v1/platform-clients/{}", ACCESS_HOST},
    {HTTP_DELETE, "/api/v1/platform-clients/{}", ACCESS_HOST},
    {HTTP_POST, "/api/v1/platform-clients/{}/secret", ACCESS_HOST},
    {HTTP_POST, "/api/v1/tenants/{}/apps", ACCESS_TENANT_ADMIN},
    {HTTP_GET, "/api/v1/tenants/{}/apps", ACCESS_TENANT_VIEWER},
    {HTTP_GET, "/api/v1/tenants/{}/apps/{}", ACCESS_TENANT_VIEWER},
    {HTTP_PATCH, "/api/v1/tenants/{}/apps/{}", ACCESS_TENANT_ADMIN},
    {HTTP_DELETE, "/api/v1/tenants/{}/apps/{}", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/apps/{}/enable", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/apps/{}/disable", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/apps/{}/secret", ACCESS_TENANT_ADMIN},
    {HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/secret/previous", ACCESS_TENANT_ADMIN},
    {HTTP_PUT, "/api/v1/tenants/{}/apps/{}/plan", ACCESS_TENANT_ADMIN},
    {HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/plan", ACCESS_TENANT_ADMIN},
    {HTTP_PUT, "/api/v1/tenants/{}/apps/{}/storage", ACCESS_TENANT_ADMIN},
    {HTTP_DELETE, "/api/v1/tenants/{}/apps/{}/storage", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/apps/{}/storage/test", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/internal/v1/apps/{}/storage/presign", ACCESS_PLATFORM_STORAGE},
    {HTTP_GET, "/api/v1/tenants/{}/audit", ACCESS_TENANT_VIEWER},
    {HTTP_GET, "/api/v1/audit", ACCESS_HOST},
    {HTTP_POST, "/api/v1/tenants/{}/workspaces", ACCESS_TENANT_ADMIN},
    {HTTP_GET, "/api/v1/tenants/{}/workspaces", ACCESS_TENANT_VIEWER},
    {HTTP_DELETE, "/api/v1/tenants/{}/workspaces/{}", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/workspaces/{}/token", ACCESS_TENANT_ADMIN},
    {HTTP_POST, "/api/v1/tenants/{}/workspaces/{}/introspect", ACCESS_TENANT_ADMIN},
};
#define EXPECTED_COUNT (sizeof expected_routes / sizeof expected_routes[0])

static const char *method_name(enum http_method m)
{
    static const char *const names[] = {"GET",   "HEAD",   "POST",    "PUT",
                                        "PATCH", "DELETE", "OPTIONS", "OTHER"};
    return (size_t)m < sizeof names / sizeof names[0] ? names[m] : "?";
}

static const struct expected *expected_for(const struct http_route *r)
{
    for (size_t i = 0; i < EXPECTED_COUNT; i++)
        if (expected_routes[i].method == r->method &&
            strcmp(expected_routes[i].pattern, r->pattern) == 0)
            return &expected_routes[i];
    return NULL;
}

static bool is_mutation(enum http_method m)
{
    return m == HTTP_POST || m == HTTP_PUT || m == HTTP_PATCH || m == HTTP_DELETE;
}

static bool is_tenant_level(enum route_access a)
{
    return a == ACCESS_TENANT_VIEWER || a == ACCESS_TENANT_ADMIN || a == ACCESS_TENANT_OWNER ||
           a == ACCESS_TENANT_HOST;
}

/* ---- the callers ---------------------------------------------------------------- */

static struct principal member(const char *tenant_id, enum role role)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    snprintf(p.user.tenant_id, sizeof p.user.tenant_id, "%s", tenant_id);
    p.role = role;
    return p;
}

static struct principal host_admin(void)
{
    struct principal p;
    memset(&p, 0, sizeof p);
    p.host_admin = true;
    p.user.is_host_admin = true;
    return p;
}

static enum access_verdict as_user(enum route_access a, const struct principal *who,
                                   const char *path_tenant)
{
    struct access_caller caller = {who, false, false};
    return access_decide(a, &caller, path_tenant);
}

static enum access_verdict as_anonymous(enum route_access a, const char *path_tenant)
{
    struct access_caller caller = {NULL, false, false};
    return access_decide(a, &caller, path_tenant);
}

static enum access_verdict as_platform(enum route_access a, bool scope, const char *path_tenant)
{
    struct access_caller caller = {NULL, true, scope};
    return access_decide(a, &caller, path_tenant);
}

static const enum role roles[] = {ROLE_NONE, ROLE_VIEWER, ROLE_ADMIN, ROLE_OWNER};
#define ROLE_COUNT (sizeof roles / sizeof roles[0])

/* Everything one route must refuse and admit, given its level. */
static void check_route(const struct http_route *r, enum route_access a)
{
    const char *where = r->pattern;
    /* The tenant, when the route names one, is its first parameter. */
    const char *tenant = strncmp(r->pattern, "/api/v1/tenants/{}", 18) == 0 ? TENANT_A : NULL;
    const char *tenant_for_check = tenant ? tenant : "not-a-tenant-route";
    struct principal host = host_admin();

    if (a == ACCESS_ANONYMOUS) {
        assert_int_equal(as_anonymous(a, tenant), ACCESS_ALLOW);
        return;
    }
    /* No credential at all: 401 on every other level. */
    if (as_anonymous(a, tenant) != ACCESS_DENY_UNAUTHENTICATED)
        fail_msg("%s %s admits an anonymous caller", method_name(r->method), where);

    if (a == ACCESS_PLATFORM_STORAGE) {
        assert_int_equal(as_platform(a, false, tenant), ACCESS_DENY_INSUFFICIENT_SCOPE);
        assert_int_equal(as_platform(a, true, tenant), ACCESS_ALLOW);
        /* A user (session or API key) holds no access token: 401. */
        assert_int_equal(as_user(a, &host, tenant), ACCESS_DENY_UNAUTHENTICATED);
        for (size_t i = 0; i < ROLE_COUNT; i++) {
            struct principal m = member(TENANT_A, roles[i]);
            assert_int_equal(as_user(a, &m, tenant), ACCESS_DENY_UNAUTHENTICATED);
        }
        return;
    }
    /* Every user level refuses a platform client's token (it is no user). */
    assert_int_equal(as_platform(a, true, tenant), ACCESS_DENY_UNAUTHENTICATED);

    if (a == ACCESS_SIGNED_IN) {
        assert_int_equal(as_user(a, &host, tenant), ACCESS_ALLOW);
        for (size_t i = 0; i < ROLE_COUNT; i++) {
            struct principal m = member(TENANT_A, roles[i]);
            assert_int_equal(as_user(a, &m, tenant), ACCESS_ALLOW);
        }
        return;
    }
    if (a == ACCESS_HOST) {
        assert_int_equal(as_user(a, &host, tenant), ACCESS_ALLOW);
        for (size_t i = 0; i < ROLE_COUNT; i++) {
            struct principal mine = member(TENANT_A, roles[i]);
            struct principal other = member(TENANT_B, roles[i]);
            if (as_user(a, &mine, tenant) != ACCESS_DENY_HOST_ONLY ||
                as_user(a, &other, tenant) != ACCESS_DENY_HOST_ONLY)
                fail_msg("%s %s admits a %s", method_name(r->method), where, role_name(roles[i]));
        }
        return;
    }
    assert_true(is_tenant_level(a));
    assert_non_null(tenant);
    /* Host admins: allowed once the tenant is known to exist (404 otherwise). */
    assert_int_equal(as_user(a, &host, tenant_for_check), ACCESS_ALLOW_IF_TENANT_EXISTS);
    /* A malformed id is 404 for everyone, host admins included. */
    assert_int_equal(as_user(a, &host, "not-a-uuid"), ACCESS_DENY_TENANT_NOT_FOUND);
    assert_int_equal(as_user(a, &host, NULL), ACCESS_DENY_TENANT_NOT_FOUND);
    enum role min = access_min_role(a);
    assert_int_not_equal(min, ROLE_NONE);
    for (size_t i = 0; i < ROLE_COUNT; i++) {
        /* Another tenant's member, whatever its role: 404, exactly like a missing id. */
        struct principal other = member(TENANT_B, roles[i]);
        if (as_user(a, &other, tenant) != ACCESS_DENY_TENANT_NOT_FOUND)
            fail_msg("%s %s: a %s of another tenant does not get tenant_not_found",
                     method_name(r->method), where, role_name(roles[i]));
        struct principal bad_id = member(TENANT_A, roles[i]);
        assert_int_equal(as_user(a, &bad_id, "not-a-uuid"), ACCESS_DENY_TENANT_NOT_FOUND);
        /* The same tenant: too weak a role is 403; a tenant-host route is 403 for all. */
        struct principal mine = member(TENANT_A, roles[i]);
        enum access_verdict v = as_user(a, &mine, tenant);
        enum access_verdict want = roles[i] < min            ? ACCESS_DENY_ROLE
                                   : a == ACCESS_TENANT_HOST ? ACCESS_DENY_HOST_ONLY
                                                             : ACCESS_ALLOW;
        if (v != want)
            fail_msg("%s %s: a %s of the tenant gets verdict %d, not %d", method_name(r->method),
                     where, role_name(roles[i]), (int)v, (int)want);
    }
}

/* Rules the level must follow from the path alone. */
static void check_level_fits_path(const struct http_route *r, enum route_access a)
{
    const char *p = r->pattern;
    bool tenant_path = strncmp(p, "/api/v1/tenants/{}", 18) == 0;
    if (is_tenant_level(a) && !tenant_path)
        fail_msg("%s %s: a tenant level on a path that names no tenant first",
                 method_name(r->method), p);
    if (tenant_path && !is_tenant_level(a))
        fail_msg("%s %s: a tenant's path without a tenant level", method_name(r->method), p);
    if (tenant_path && is_mutation(r->method) && a == ACCESS_TENANT_VIEWER)
        fail_msg("%s %s: viewers may not change anything", method_name(r->method), p);
    if ((strncmp(p, "/internal/", 10) == 0) != (a == ACCESS_PLATFORM_STORAGE))
        fail_msg("%s %s: /internal/ is for platform clients, and only it", method_name(r->method),
                 p);
    if (a == ACCESS_ANONYMOUS && strncmp(p, "/api/v1/", 8) == 0) {
        /* The admin API's only doors without a session: each checks its own secret
         * (a password, an invitation token) or serves a public document. */
        static const char *const open_doors[] = {"/api/v1/auth/login", "/api/v1/auth/signup",
                                                 "/api/v1/invitations/accept",
                                                 "/api/v1/openapi.json", NULL};
        bool listed = false;
        for (size_t i = 0; open_doors[i]; i++)
            listed = listed || strcmp(open_doors[i], p) == 0;
        if (!listed)
            fail_msg("%s %s: an anonymous admin API route", method_name(r->method), p);
    }
}

static void test_every_route_declares_the_expected_level(void **state)
{
    (void)state;
    size_t count = 0, seen = 0, missing = 0;
    const struct http_route *table;
    for (size_t m = 0; (table = routes_module(m, &count)) != NULL; m++) {
        for (size_t i = 0; i < count; i++) {
            enum route_access a = routes_access(m, i);
            const struct expected *e = expected_for(&table[i]);
            if (a == ACCESS_UNDECLARED) {
                fprintf(stderr, "%s %s declares no access level\n", method_name(table[i].method),
                        table[i].pattern);
                missing++;
            } else if (!e) {
                /* The dashboard's shell and assets (ui/) are public by module. */
                if (a != ACCESS_ANONYMOUS || strncmp(table[i].pattern, "/api/", 5) == 0 ||
                    strncmp(table[i].pattern, "/internal/", 10) == 0) {
                    fprintf(stderr, "%s %s (%s) is not listed in test_route_access.c\n",
                            method_name(table[i].method), table[i].pattern, access_name(a));
                    missing++;
                }
                continue;
            } else if (e->access != a) {
                fprintf(stderr, "%s %s declares %s, expected %s\n", method_name(table[i].method),
                        table[i].pattern, access_name(a), access_name(e->access));
                missing++;
            }
            seen++;
        }
    }
    assert_int_equal(missing, 0);
    /* Every expectation names a real route. */
    assert_int_equal(seen, EXPECTED_COUNT);
    assert_int_equal(routes_access(999, 0), ACCESS_UNDECLARED);
}

static void test_every_route_refuses_who_it_must(void **state)
{
    (void)state;
    size_t count = 0, checked = 0;
    const struct http_route *table;
    for (size_t m = 0; (table = routes_module(m, &count)) != NULL; m++)
        for (size_t i = 0; i < count; i++) {
            enum route_access a = routes_access(m, i);
            assert_int_not_equal(a, ACCESS_UNDECLARED);
            check_level_fits_path(&table[i], a);
            check_route(&table[i], a);
            checked++;
        }
    assert_true(checked >= EXPECTED_COUNT);
}

static void test_undeclared_level_refuses_everyone(void **state)
{
    (void)state;
    struct principal host = host_admin();
    struct principal owner = member(TENANT_A, ROLE_OWNER);
    assert_int_equal(as_anonymous(ACCESS_UNDECLARED, TENANT_A), ACCESS_DENY_UNDECLARED);
    assert_int_equal(as_user(ACCESS_UNDECLARED, &host, TENANT_A), ACCESS_DENY_UNDECLARED);
    assert_int_equal(as_user(ACCESS_UNDECLARED, &owner, TENANT_A), ACCESS_DENY_UNDECLARED);
    assert_int_equal(as_platform(ACCESS_UNDECLARED, true, TENANT_A), ACCESS_DENY_UNDECLARED);
    assert_int_equal(as_user((enum route_access)99, &host, TENANT_A), ACCESS_DENY_UNDECLARED);
}

static void test_min_roles(void **state)
{
    (void)state;
    assert_int_equal(access_min_role(ACCESS_TENANT_VIEWER), ROLE_VIEWER);
    assert_int_equal(access_min_role(ACCESS_TENANT_ADMIN), ROLE_ADMIN);
    assert_int_equal(access_min_role(ACCESS_TENANT_OWNER), ROLE_OWNER);
    assert_int_equal(access_min_role(ACCESS_TENANT_HOST), ROLE_VIEWER);
    assert_int_equal(access_min_role(ACCESS_HOST), ROLE_NONE);
    assert_string_equal(access_name(ACCESS_TENANT_OWNER), "tenant_owner");
    assert_string_equal(access_name(ACCESS_UNDECLARED), "undeclared");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_route_declares_the_expected_level),
        cmocka_unit_test(test_every_route_refuses_who_it_must),
        cmocka_unit_test(test_undeclared_level_refuses_everyone),
        cmocka_unit_test(test_min_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
