/*
 * access.c — the one access check every routed request passes (see access.h).
 *
 * access_decide() is the rule, without I/O, so tests/unit/test_route_access.c can walk
 * the whole route table against it; access_check() gathers what it needs (the
 * caller's credentials, the tenant's existence for host admins) and turns the
 * verdict into the same replies the handlers used to write themselves.
 */
#include "api/access.h"

#include <string.h>
#include <strings.h>

#include "domain/names.h"
#include "oauth/access_token.h"

const char *access_name(enum route_access level)
{
    switch (level) {
    case ACCESS_ANONYMOUS:
        return "anonymous";
    case ACCESS_SIGNED_IN:
        return "signed_in";
    case ACCESS_TENANT_VIEWER:
        return "tenant_viewer";
    case ACCESS_TENANT_ADMIN:
        return "tenant_admin";
    case ACCESS_TENANT_OWNER:
        return "tenant_owner";
    case ACCESS_TENANT_HOST:
        return "tenant_host";
    case ACCESS_HOST:
        return "host";
    case ACCESS_PLATFORM_STORAGE:
        return "platform_storage";
    case ACCESS_UNDECLARED:
    default:
        return "undeclared";
    }
}

enum role access_min_role(enum route_access level)
{
    switch (level) {
    case ACCESS_TENANT_VIEWER:
    case ACCESS_TENANT_HOST: /* membership first (404 elsewhere), then host only */
        return ROLE_VIEWER;
    case ACCESS_TENANT_ADMIN:
        return ROLE_ADMIN;
    case ACCESS_TENANT_OWNER:
        return ROLE_OWNER;
    default:
        return ROLE_NONE;
    }
}

/* The tenant levels: member of the path's tenant with a role, or a host admin. */
static enum access_verdict access_decide_tenant(enum route_access level,
                                                const struct principal *who,
                                                const char *path_tenant_id)
{
    if (!path_tenant_id || !uuid_is_valid(path_tenant_id))
        return ACCESS_DENY_TENANT_NOT_FOUND;
    if (who->host_admin)
        return ACCESS_ALLOW_IF_TENANT_EXISTS;
    if (strcmp(who->user.tenant_id, path_tenant_id) != 0)
        return ACCESS_DENY_TENANT_NOT_FOUND;
    if (who->role < access_min_role(level))
        return ACCESS_DENY_ROLE;
    if (level == ACCESS_TENANT_HOST)
        return ACCESS_DENY_HOST_ONLY;
    return ACCESS_ALLOW;
}

enum access_verdict access_decide(enum route_access level, const struct access_caller *caller,
                                  const char *path_tenant_id)
{
    switch (level) {
    case ACCESS_ANONYMOUS:
        return ACCESS_ALLOW;
    case ACCESS_PLATFORM_STORAGE:
        if (!caller->access_token)
            return ACCESS_DENY_UNAUTHENTICATED;
        return caller->platform_scope ? ACCESS_ALLOW : ACCESS_DENY_INSUFFICIENT_SCOPE;
    case ACCESS_SIGNED_IN:
    case ACCESS_HOST:
    case ACCESS_TENANT_VIEWER:
    case ACCESS_TENANT_ADMIN:
    case ACCESS_TENANT_OWNER:
    case ACCESS_TENANT_HOST:
        break;
    case ACCESS_UNDECLARED:
    default:
        return ACCESS_DENY_UNDECLARED;
    }
    if (!caller->user)
        return ACCESS_DENY_UNAUTHENTICATED;
    if (level == ACCESS_SIGNED_IN)
        return ACCESS_ALLOW;
    if (level == ACCESS_HOST)
        return caller->user->host_admin ? ACCESS_ALLOW : ACCESS_DENY_HOST_ONLY;
    return access_decide_tenant(level, caller->user, path_tenant_id);
}

/* Answers 401 for a missing/invalid token, per RFC 6750 §3. */
static void access_reply_invalid_token(struct http_reply *reply, const char *detail)
{
    reply_error(reply, 401, "invalid_token", NULL, "%s", detail);
    reply_header(reply, "WWW-Authenticate", "Bearer realm=\"tenantd\", error=\"invalid_token\"");
}

/*
 * ACCESS_PLATFORM_STORAGE: a Bearer access token issued to a platform client, active,
 * carrying the scope. Fills *caller, or replies (401, or 503 when the revocation list
 * cannot be read) and returns false.
 */
static bool access_platform_client(struct http_request *req, struct http_reply *reply,
                                   struct access_caller *caller)
{
    const char *auth = http_request_header(req, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        access_reply_invalid_token(reply, "a Bearer access token is required");
        return false;
    }
    const char *token = auth + 7;
    while (*token == ' ')
        token++;
    size_t token_len = strlen(token);
    if (token_len == 0 || token_len > ACCESS_TOKEN_MAX_LEN) {
        access_reply_invalid_token(reply, "the access token is not valid");
        return false;
    }
    struct access_token at;
    memset(&at, 0, sizeof at);
    int active = access_token_check_active(req->service, token, token_len, &at);
    if (active < 0) {
        api_reply_db_error(reply, DB_ERROR, "checking an access token");
        return false;
    }
    if (active == 0) {
        access_reply_invalid_token(reply, "the access token is not valid, expired or revoked");
        return false;
    }
    caller->access_token = true;
    caller->platform_scope = at.platform && access_token_has_scope(&at, PLATFORM_STORAGE_SCOPE);
    access_token_free(&at);
    return true;
}

bool access_check(struct http_request *req, struct http_reply *reply, enum route_access level,
                  struct principal *who)
{
    struct access_caller caller = {NULL, false, false};
    if (level == ACCESS_PLATFORM_STORAGE) {
        if (!access_platform_client(req, reply, &caller))
            return false;
    } else if (level != ACCESS_ANONYMOUS && level != ACCESS_UNDECLARED) {
        /* 401 unauthenticated, 403 csrf_failed, 503 are answered here. */
        if (!api_authenticate(req, reply, who))
            return false;
        caller.user = who;
    }
    const char *tenant_id = req->param_count > 0 ? req->params[0] : NULL;
    enum role min_role = access_min_role(level);
    switch (access_decide(level, &caller, tenant_id)) {
    case ACCESS_ALLOW:
        return true;
    case ACCESS_ALLOW_IF_TENANT_EXISTS:
        /* A host admin: the tenant lookup (404 tenant_not_found, 503) is context.c's. */
        return api_authorize_tenant(req, reply, who, tenant_id, min_role);
    case ACCESS_DENY_UNAUTHENTICATED: /* answered above; kept to fail closed */
        reply_error(reply, 401, "unauthenticated", NULL, "sign in first");
        return false;
    case ACCESS_DENY_INSUFFICIENT_SCOPE:
        reply_error(reply, 403, "insufficient_scope", NULL,
                    "this endpoint needs a platform client token with scope %s",
                    PLATFORM_STORAGE_SCOPE);
        reply_header(reply, "WWW-Authenticate",
                     "Bearer realm=\"tenantd\", error=\"insufficient_scope\", "
                     "scope=\"" PLATFORM_STORAGE_SCOPE "\"");
        return false;
    case ACCESS_DENY_TENANT_NOT_FOUND:
        reply_error(reply, 404, "tenant_not_found", NULL, "no such tenant");
        return false;
    case ACCESS_DENY_ROLE:
        reply_error(reply, 403, "forbidden", NULL,
                    "your role (%s) may not do this; %s or higher is needed", role_name(who->role),
                    role_name(min_role));
        return false;
    case ACCESS_DENY_HOST_ONLY:
        return api_require_host(reply, who);
    case ACCESS_DENY_UNDECLARED:
    default:
        reply_error(reply, 500, "internal", NULL, "this route declares no access level");
        return false;
    }
}
