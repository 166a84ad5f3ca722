/*
 * tenants.c — tenants as the host operates them (SPEC §1 "Tenant", §4.2):
 *
 *   GET   /api/v1/tenants                 host: list (?status= filter), by id
 *   POST  /api/v1/tenants                 host: {name, owner_email?}
 *   GET   /api/v1/tenants/{tid}           host: any; a member: their own tenant
 *   PATCH /api/v1/tenants/{tid}           host: {name?, app_limit?}
 *   POST  /api/v1/tenants/{tid}/activate  host (idempotent)
 *   POST  /api/v1/tenants/{tid}/suspend   host (idempotent)
 *
 * Every new tenant starts `pending_activation` with the configured default
 * app_limit, host-created ones included. With owner_email the host also invites the
 * tenant's first owner through the members module (same token, expiry, email and
 * audit as any invitation); the accept link is shown once in the 201 answer.
 * Tenant isolation: a member naming any tenant but their own gets 404
 * tenant_not_found; on their own tenant, host-only actions answer 403 forbidden.
 * Status changes are token facts: after the commit the tenant's apps are dropped
 * from the app cache.
 */
#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "api/context.h"
#include "api/fields.h"
#include "api/write.h"
#include "api/listing.h"
#include "api/members.h"
#include "api/represent.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "http/router.h"
#include "service.h"
#include "store/ids.h"
#include "store/outbox.h"
#include "store/tenants.h"
#include "util/timeutil.h"

#define TENANT_APP_LIMIT_MAX 100000

/* ---- list ---------------------------------------------------------------------------- */

API_PAGE_ADD_FN(tenants_page_add, struct tenant_row, represent_tenant, id)

/* api_page_query_fn: the tenants with ?status= (checked by tenants_list), or all. */
static enum db_status tenants_list_query(struct db_conn *c, const struct http_request *req,
                                         const char *cursor, int max_rows,
                                         struct page_collector *out)
{
    const char *status = http_request_query(req, "status");
    return store_tenant_list(c, status, cursor, max_rows, tenants_page_add, out);
}

/* GET /api/v1/tenants[?status=...] — host only, oldest first. */
static void tenants_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (!api_page_parse(req, reply, &page))
        return;
    const char *status = http_request_query(req, "status");
    if (status && !tenant_status_is_valid(status)) {
        reply_error(reply, 400, "invalid_status", "status",
                    "status must be pending_activation, active or suspended");
        return;
    }
    api_page_list(req, reply, &page, tenants_list_query, "listing tenants");
}

/* ---- create -------------------------------------------------------------------------- */

/* {id, email, role, status, expires_at, created_at} — the members module's invitation
 * shape (GET /tenants/{tid}/invitations lists the same object). */
static json_t *tenants_invitation_json(const struct invitation_row *inv)
{
    char created[32], expires[32];
    time_format_rfc3339(inv->created_at, created);
    time_format_rfc3339(inv->expires_at, expires);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", inv->id, "email", inv->email, "role",
                     inv->role, "status", inv->status, "expires_at", expires, "created_at",
                     created);
}

/* What a tenant creation hands its change; the change fills the invitation. */
struct tenants_create {
    struct tenant_row *tenant;
    const char *email; /* "" = no owner invited */
    struct invitation_row invitation;
    char accept_url[INVITATION_ACCEPT_URL_SIZE]; /* shown once; wiped by the handler */
};

static int tenants_create_change(struct db_conn *c, struct api_write *w)
{
    struct tenants_create *x = w->ctx;
    struct tenant_row *t = x->tenant;
    if (x->email[0]) {
        /* A user belongs to exactly one tenant: an existing account cannot become the
         * owner of another one. */
        struct user_row existing;
        enum db_status taken = store_user_by_email(c, x->email, &existing);
        if (db_is_failure(taken))
            return DB_ERROR;
        if (taken != DB_NOT_FOUND) {
            problem_set(&w->problem, 409, "email_taken", "owner_email",
                        "a user with this email already exists");
            return DB_CONSTRAINT;
        }
    }
    int rc = store_tenant_insert(c, t);
    if (rc == DB_DONE)
        rc = audit_record(c, w->who, w->req, t->id, "tenant.create", "tenant", t->id,
                          json_pack("{s:s,s:I,s:b}", "name", t->name, "app_limit",
                                    (json_int_t)t->app_limit, "owner_invited", x->email[0] != 0));
    if (rc == DB_DONE && x->email[0])
        rc = api_invitation_create(c, w->who, w->req, t->id, t->name, x->email, "owner",
                                   &x->invitation, x->accept_url, sizeof x->accept_url);
    return rc == DB_CONSTRAINT ? DB_ERROR : rc;
}

/* POST /api/v1/tenants — body is untrusted: {name, owner_email?}. Answers 201 with the
 * tenant's fields, plus `invitation` and `accept_url` (shown once) with owner_email. */
static void tenants_create(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", "owner_email", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *name = NULL, *owner_email = NULL;
    struct tenant_row t;
    memset(&t, 0, sizeof t);
    char email[256] = "";
    bool ok = body && json_input_reject_unknown(body, allowed, &p) &&
              json_input_get_string(body, "name", true, false, &name, &p) &&
              json_input_get_string(body, "owner_email", false, true, &owner_email, &p) &&
              api_field_name(name, t.name, sizeof t.name, &p);
    if (ok && owner_email && !email_normalize(owner_email, email, sizeof email)) {
        problem_set(&p, 400, "invalid_email", "owner_email", "owner_email is not a valid address");
        ok = false;
    }
    json_decref(body);
    if (!ok) {
        reply_problem(reply, &p);
        return;
    }
    if (store_new_id(t.id) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot create the tenant");
        return;
    }
    snprintf(t.status, sizeof t.status, "pending_activation");
    t.app_limit = svc->cfg.app_limit_default;
    t.created_at = t.updated_at = time_now();

    struct tenants_create x = {.tenant = &t, .email = email};
    if (!api_write_run(req, reply, "creating a tenant", tenants_create_change, &x)) {
        explicit_bzero(x.accept_url, sizeof x.accept_url);
        return;
    }
    struct invitation_row *inv = &x.invitation;
    char *accept_url = x.accept_url;
    json_t *out = represent_tenant(&t);
    if (email[0]) {
        json_object_set_new(out, "invitation", tenants_invitation_json(inv));
        json_object_set_new(out, "accept_url", json_string(accept_url));
    }
    explicit_bzero(x.accept_url, sizeof x.accept_url);
    reply_json(reply, 201, out);
}

/* ---- read ---------------------------------------------------------------------------- */

/* GET /api/v1/tenants/{tid} — host admins any tenant; members only their own (404
 * for every other id). */
static void tenants_get(struct http_request *req, struct http_reply *reply)
{
    struct tenant_row t;
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status found = store_tenant_get(c, req->params[0], &t);
    db_release(req->service->db, c);
    if (!api_reply_unless_found(reply, found, "reading a tenant", "tenant_not_found",
                                "no such tenant"))
        reply_json(reply, 200, represent_tenant(&t));
}

/* ---- host changes -------------------------------------------------------------------- */

/* What a PATCH hands its change. */
struct tenants_update {
    const char *new_name; /* "" = unchanged */
    bool has_limit;
    long long app_limit;
};

static int tenants_update_change(struct db_conn *c, struct api_write *w)
{
    const struct tenants_update *x = w->ctx;
    struct tenant_row *t = w->tenant;
    json_t *changes = json_object();
    if (x->new_name[0] && strcmp(x->new_name, t->name) != 0) {
        snprintf(t->name, sizeof t->name, "%s", x->new_name);
        json_object_set_new(changes, "name", json_string(t->name));
    }
    if (x->has_limit && x->app_limit != t->app_limit) {
        json_object_set_new(changes, "app_limit",
                            json_pack("{s:I,s:I}", "from", (json_int_t)t->app_limit, "to",
                                      (json_int_t)x->app_limit));
        t->app_limit = x->app_limit;
    }
    if (api_write_unchanged(changes))
        return DB_DONE;
    t->updated_at = time_now();
    return api_write_audited(c, w, store_tenant_update(c, t), t->id, "tenant.update", "tenant",
                             t->id, changes);
}

/* PATCH /api/v1/tenants/{tid} — body is untrusted: {name?, app_limit?}. Lowering
 * app_limit below the current number of apps is allowed: existing apps stay, new
 * ones are refused until the count is below the limit. */
static void tenants_update(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", "app_limit", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *name = NULL;
    char new_name[TENANT_NAME_SIZE] = "";
    long long app_limit = 0;
    bool has_limit = false;
    bool ok = body && json_input_reject_unknown(body, allowed, &p) &&
              json_input_get_string(body, "name", false, false, &name, &p) &&
              json_input_get_int(body, "app_limit", false, &has_limit, 0, TENANT_APP_LIMIT_MAX,
                                 &app_limit, &p) &&
              (!name || api_field_name(name, new_name, sizeof new_name, &p));
    json_decref(body);
    if (!ok) {
        reply_problem(reply, &p);
        return;
    }

    struct tenants_update x = {new_name, has_limit, app_limit};
    struct tenant_row t;
    if (api_write_tenant(req, reply, "updating a tenant", tenants_update_change, &x, &t))
        reply_json(reply, 200, represent_tenant(&t));
}

/* Queues the "your organisation is active" email to one owner. */
struct tenants_mail {
    struct db_conn *c;
    const char *subject;
    const char *body;
    int rc;
};

static int tenants_mail_owner(const char *email, void *ctx)
{
    struct tenants_mail *m = ctx;
    m->rc = store_outbox_enqueue(m->c, email, m->subject, m->body);
    return m->rc == DB_DONE ? 0 : 1;
}

/* What a status change hands its change. */
struct tenants_status {
    const char *status; /* "active" or "suspended" */
    const char *action; /* the audit action */
};

static int tenants_set_status_change(struct db_conn *c, struct api_write *w)
{
    const struct tenants_status *x = w->ctx;
    struct tenant_row *t = w->tenant;
    struct service *svc = w->req->service;
    if (strcmp(t->status, x->status) == 0)
        return DB_DONE;
    char from[sizeof t->status];
    snprintf(from, sizeof from, "%s", t->status);
    snprintf(t->status, sizeof t->status, "%s", x->status);
    t->updated_at = time_now();
    int rc = store_tenant_update(c, t);
    if (rc == DB_DONE)
        rc = audit_record(c, w->who, w->req, t->id, x->action, "tenant", t->id,
                          json_pack("{s:s,s:s}", "from", from, "to", x->status));
    if (rc == DB_DONE && strcmp(x->status, "active") == 0) {
        char body_text[2048];
        snprintf(body_text, sizeof body_text,
                 "Hello,\n\nyour organisation \"%s\" is now active: you can create apps "
                 "and request tokens.\n\nSign in: %s/\n",
                 t->name, svc->cfg.issuer);
        struct tenants_mail mail = {c, "Your organisation is active", body_text, DB_DONE};
        if (store_tenant_owner_emails(c, t->id, tenants_mail_owner, &mail) != DB_DONE)
            rc = DB_ERROR;
        else
            rc = mail.rc;
    }
    return rc;
}

/*
 * POST /api/v1/tenants/{tid}/activate and /suspend. Idempotent: moving to the status
 * the tenant already has answers 200 and records nothing. A real change is audited,
 * an activation emails the tenant's owners, and the app cache drops the tenant so the
 * next token request sees the new status. No body (or an empty object) is accepted.
 */
static void tenants_set_status(struct http_request *req, struct http_reply *reply,
                               const char *status, const char *action)
{
    struct problem p;
    problem_clear(&p);
    if (!json_input_none(req, &p)) {
        reply_problem(reply, &p);
        return;
    }

    struct tenants_status x = {status, action};
    struct tenant_row t;
    if (api_write_tenant(req, reply, "changing a tenant's status", tenants_set_status_change, &x,
                         &t))
        reply_json(reply, 200, represent_tenant(&t));
}

static void tenants_activate(struct http_request *req, struct http_reply *reply)
{
    tenants_set_status(req, reply, "active", "tenant.activate");
}

static void tenants_suspend(struct http_request *req, struct http_reply *reply)
{
    tenants_set_status(req, reply, "suspended", "tenant.suspend");
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_TENANTS_ROUTES(ROUTE)                                                                  \
    ROUTE(HTTP_GET, "/api/v1/tenants", tenants_list, ACCESS_HOST)                                  \
    ROUTE(HTTP_POST, "/api/v1/tenants", tenants_create, ACCESS_HOST)                               \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}", tenants_get, ACCESS_TENANT_VIEWER)                       \
    ROUTE(HTTP_PATCH, "/api/v1/tenants/{}", tenants_update, ACCESS_TENANT_HOST)                    \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/activate", tenants_activate, ACCESS_TENANT_HOST)          \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/suspend", tenants_suspend, ACCESS_TENANT_HOST)

ROUTE_TABLE(api_tenants, API_TENANTS_ROUTES);
