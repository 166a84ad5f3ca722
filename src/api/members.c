/*
 * members.c — a tenant's members and invitations (see members.h).
 *
 * Viewers and up read the member and invitation lists; only owners (and host admins)
 * change roles, remove members, invite and cancel invitations. A tenant always keeps
 * at least one owner (409 last_owner). Accepting an invitation needs no session: the
 * single-use token is the credential. Decisions: docs/AUTH.md.
 */
#include "api/members.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/auth.h"
#include "api/listing.h"
#include "api/represent.h"
#include "api/context.h"
#include "api/write.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "service.h"
#include "store/ids.h"
#include "store/outbox.h"
#include "store/tenants.h"
#include "store/users.h"
#include "util/timeutil.h"

/* {id, email, display_name, role, created_at} */
static json_t *members_member_json(const struct user_row *u)
{
    json_t *m = api_user_json(u);
    json_object_set_new(m, "role", json_string(u->role));
    return m;
}

/* {id, email, role, status, expires_at, created_at}; status as seen at now. */
static json_t *members_invitation_json(const struct invitation_row *inv, int64_t now)
{
    char expires[32], created[32];
    time_format_rfc3339(inv->expires_at, expires);
    time_format_rfc3339(inv->created_at, created);
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "id", inv->id, "email", inv->email, "role",
                     inv->role, "status", store_invitation_status_at(inv, now), "expires_at",
                     expires, "created_at", created);
}

/* Reads body field "role" (owner|admin|viewer) — 400 invalid_role otherwise. */
static bool members_get_role(const json_t *body, const char **role, struct problem *p)
{
    if (!json_input_get_string(body, "role", true, false, role, p))
        return false;
    if (role_parse(*role) == ROLE_NONE) {
        problem_set(p, 400, "invalid_role", "role", "role must be owner, admin or viewer");
        return false;
    }
    return true;
}

/* GET /api/v1/tenants/{tid}/members (viewer and up). */
static void members_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (!api_page_parse(req, reply, &page))
        return;
    size_t want = (size_t)page.limit + 1, got = 0;
    struct user_row *rows = calloc(want, sizeof *rows);
    if (!rows) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    int rc = store_members_list(c, req->params[0], page.cursor, want, rows, &got);
    db_release(req->service->db, c);
    if (rc != DB_DONE) {
        crypto_wipe(rows, want * sizeof *rows);
        free(rows);
        api_reply_db_error(reply, rc, "listing members");
        return;
    }
    bool more = got > (size_t)page.limit;
    size_t shown = more ? (size_t)page.limit : got;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, members_member_json(&rows[i]));
    reply_json(reply, 200, api_page_wrap(items, more, shown ? rows[shown - 1].id : NULL));
    crypto_wipe(rows, want * sizeof *rows); /* rows carry password hashes */
    free(rows);
}

/*
 * Shared by PATCH and DELETE of a member: inside an open write transaction, locks the
 * tenant, loads member uid of tid and says whether taking away its owner role would
 * leave the tenant without one. Returns DB_DONE, DB_CONSTRAINT with w->problem (404
 * member_not_found) or a database failure.
 */
static int members_load_target(struct db_conn *c, struct api_write *w, const char *tid,
                               const char *uid, struct user_row *target, bool *last_owner)
{
    int64_t owners = 0;
    if (store_members_lock_count_owners(c, tid, &owners) != DB_DONE)
        return DB_ERROR;
    enum db_status found = uuid_is_valid(uid) ? store_user_by_id(c, uid, target) : DB_NOT_FOUND;
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND || target->is_host_admin || strcmp(target->tenant_id, tid) != 0) {
        problem_set(&w->problem, 404, "member_not_found", NULL, "no such member of this tenant");
        return DB_CONSTRAINT;
    }
    *last_owner = strcmp(target->role, "owner") == 0 && owners <= 1;
    return DB_DONE;
}

/* What a role change hands its change. */
struct members_update {
    char new_role[16];
    struct user_row target; /* loaded by the change; wiped by the handler */
};

static int members_update_change(struct db_conn *c, struct api_write *w)
{
    struct members_update *x = w->ctx;
    const char *tid = w->req->params[0], *uid = w->req->params[1];
    bool last_owner = false;
    int rc = members_load_target(c, w, tid, uid, &x->target, &last_owner);
    if (rc != DB_DONE)
        return rc;
    if (last_owner && strcmp(x->new_role, "owner") != 0) {
        problem_set(&w->problem, 409, "last_owner", "role",
                    "a tenant needs at least one owner; make someone else owner first");
        return DB_CONSTRAINT;
    }
    char old_role[16];
    snprintf(old_role, sizeof old_role, "%s", x->target.role);
    if (strcmp(old_role, x->new_role) != 0 &&
        (store_member_set_role(c, tid, uid, x->new_role) != DB_DONE ||
         audit_record(c, w->who, w->req, tid, "member.update", "user", uid,
                      json_pack("{s:s,s:s,s:s}", "email", x->target.email, "role_from", old_role,
                                "role_to", x->new_role)) != DB_DONE))
        return DB_ERROR;
    return DB_DONE;
}

/* PATCH /api/v1/tenants/{tid}/members/{uid} {role} (owners). Contract: body untrusted. */
static void members_update(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"role", NULL};
    const char *role = NULL;
    struct members_update x;
    memset(&x, 0, sizeof x);
    json_t *body = json_input_object(req, false, &p);
    bool valid =
        body && json_input_reject_unknown(body, allowed, &p) && members_get_role(body, &role, &p);
    if (valid)
        snprintf(x.new_role, sizeof x.new_role, "%s", role);
    json_decref(body);
    if (!valid) {
        reply_problem(reply, &p);
        return;
    }
    if (api_write_run(req, reply, "updating a member", members_update_change, &x)) {
        snprintf(x.target.role, sizeof x.target.role, "%s", x.new_role);
        reply_json(reply, 200, members_member_json(&x.target));
    }
    crypto_wipe(&x, sizeof x);
}

static int members_remove_change(struct db_conn *c, struct api_write *w)
{
    const char *tid = w->req->params[0], *uid = w->req->params[1];
    struct user_row target;
    bool last_owner = false;
    int rc = members_load_target(c, w, tid, uid, &target, &last_owner);
    if (rc == DB_DONE && last_owner) {
        problem_set(&w->problem, 409, "last_owner", NULL,
                    "a tenant needs at least one owner; make someone else owner first");
        rc = DB_CONSTRAINT;
    }
    if (rc == DB_DONE && (store_member_remove(c, tid, uid) != DB_DONE ||
                          audit_record(c, w->who, w->req, tid, "member.remove", "user", uid,
                                       json_pack("{s:s,s:s}", "email", target.email, "role",
                                                 target.role)) != DB_DONE))
        rc = DB_ERROR;
    crypto_wipe(&target, sizeof target);
    return rc;
}

/* DELETE /api/v1/tenants/{tid}/members/{uid} (owners): the user, their sessions and API
 * keys are removed; the last owner cannot be. */
static void members_remove(struct http_request *req, struct http_reply *reply)
{
    if (api_write_run(req, reply, "removing a member", members_remove_change, NULL))
        reply_empty(reply, 204);
}

int api_invitation_create(struct db_conn *c, const struct principal *who,
                          const struct http_request *req, const char *tenant_id,
                          const char *tenant_name, const char *email, const char *role,
                          struct invitation_row *out, char *accept_url, size_t accept_url_size)
{
    memset(out, 0, sizeof *out);
    if (accept_url_size)
        accept_url[0] = 0;
    char token[AUTH_TOKEN_CHARS + 1], token_hash[65];
    if (auth_new_token(token) != 0 || store_new_id(out->id) != 0)
        return DB_ERROR;
    crypto_sha256_hex(token, strlen(token), token_hash);
    const char *issuer = req ? req->service->cfg.issuer : "";
    int n = snprintf(accept_url, accept_url_size, "%s/#/accept?token=%s", issuer, token);
    crypto_wipe(token, sizeof token);
    if (n < 0 || (size_t)n >= accept_url_size) {
        crypto_wipe(accept_url, accept_url_size);
        return DB_ERROR;
    }
    int64_t now = time_now();
    snprintf(out->tenant_id, sizeof out->tenant_id, "%s", tenant_id);
    snprintf(out->email, sizeof out->email, "%s", email);
    snprintf(out->role, sizeof out->role, "%s", role);
    snprintf(out->status, sizeof out->status, "pending");
    snprintf(out->invited_by, sizeof out->invited_by, "%s", who ? who->user.id : "");
    out->created_at = now;
    out->expires_at = now + req->service->cfg.invitation_ttl_seconds;

    /* Tenant names are 1–100 code points (up to 4 bytes each) without control
     * characters (names.h): the whole subject fits here, and store_outbox_enqueue
     * shortens it on a character boundary when it exceeds OUTBOX_SUBJECT_MAX bytes. */
    char expires[32], subject[sizeof "You are invited to join " + NAME_MAX_CHARS * 4];
    char message[2048];
    time_format_rfc3339(out->expires_at, expires);
    int subject_len = snprintf(subject, sizeof subject, "You are invited to join %s", tenant_name);
    n = snprintf(message, sizeof message,
                 "Hello,\n\n%s invited you to join \"%s\" on tenantd as %s.\n\n"
                 "Accept the invitation (the link works once, until %s):\n%s\n\n"
                 "If you did not expect this email, ignore it.\n",
                 who ? who->user.email : "The platform operator", tenant_name, role, expires,
                 accept_url);
    int rc = DB_ERROR;
    if (n > 0 && (size_t)n < sizeof message && subject_len > 0 &&
        (size_t)subject_len < sizeof subject) {
        rc = store_invitation_insert(c, out, token_hash);
        if (rc == DB_DONE)
            rc = store_outbox_enqueue(c, email, subject, message);
        if (rc == DB_DONE)
            rc = audit_record(c, who, req, tenant_id, "invitation.create", "invitation", out->id,
                              json_pack("{s:s,s:s}", "email", email, "role", role));
    }
    crypto_wipe(message, sizeof message);
    if (rc != DB_DONE) {
        crypto_wipe(accept_url, accept_url_size);
        return rc == DB_BUSY ? DB_BUSY : DB_ERROR;
    }
    return DB_DONE;
}

/* What an invitation hands its change; the change fills the invitation. */
struct members_invite {
    const char *email, *role;
    struct invitation_row invitation;
    char accept_url[INVITATION_ACCEPT_URL_SIZE]; /* shown once; wiped by the handler */
};

static int members_invite_change(struct db_conn *c, struct api_write *w)
{
    struct members_invite *x = w->ctx;
    const char *tid = w->req->params[0];
    struct tenant_row tenant;
    if (store_tenant_get_for_update(c, tid, &tenant) != DB_DONE)
        return DB_ERROR; /* authorised a moment ago: only a database failure gets here */
    struct user_row existing;
    enum db_status found = store_user_by_email(c, x->email, &existing);
    if (db_is_failure(found))
        return DB_ERROR;
    bool member_here = found == DB_DONE && strcmp(existing.tenant_id, tid) == 0;
    crypto_wipe(&existing, sizeof existing);
    if (found == DB_DONE) {
        if (member_here)
            problem_set(&w->problem, 409, "already_member", "email",
                        "this email already belongs to a member");
        else
            problem_set(&w->problem, 409, "email_taken", "email",
                        "this email belongs to a user of another tenant");
        return DB_CONSTRAINT;
    }
    enum db_status pending = store_invitation_pending_exists(c, tid, x->email, time_now());
    if (db_is_failure(pending))
        return DB_ERROR;
    if (pending == DB_DONE) {
        problem_set(&w->problem, 409, "invitation_exists", "email",
                    "a pending invitation for this email exists; cancel it first");
        return DB_CONSTRAINT;
    }
    int made = api_invitation_create(c, w->who, w->req, tid, tenant.name, x->email, x->role,
                                     &x->invitation, x->accept_url, sizeof x->accept_url);
    if (made != DB_DONE)
        return made == DB_BUSY ? DB_BUSY : DB_ERROR;
    return DB_DONE;
}

/*
 * POST /api/v1/tenants/{tid}/invitations {email, role} (owners, host admins) → 201
 * {invitation, accept_url}. Contract: body untrusted. 409 already_member when the
 * email is a member here, email_taken when it belongs to any other user (a user
 * belongs to one tenant), invitation_exists when a pending one is outstanding.
 */
static void members_invite(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"email", "role", NULL};
    const char *email_in = NULL, *role_in = NULL;
    char email[EMAIL_MAX_LEN + 1] = "", role[16] = "";
    json_t *body = json_input_object(req, false, &p);
    bool valid = body && json_input_reject_unknown(body, allowed, &p) &&
                 json_input_get_string(body, "email", true, false, &email_in, &p);
    if (valid && !email_normalize(email_in, email, sizeof email)) {
        problem_set(&p, 400, "invalid_email", "email", "email is not a valid address");
        valid = false;
    }
    valid = valid && members_get_role(body, &role_in, &p);
    if (valid)
        snprintf(role, sizeof role, "%s", role_in);
    json_decref(body);
    if (!valid) {
        reply_problem(reply, &p);
        return;
    }

    struct members_invite x = {.email = email, .role = role};
    if (api_write_run(req, reply, "creating an invitation", members_invite_change, &x))
        reply_json(reply, 201,
                   json_pack("{s:o,s:s}", "invitation",
                             members_invitation_json(&x.invitation, x.invitation.created_at),
                             "accept_url", x.accept_url));
    crypto_wipe(x.accept_url, sizeof x.accept_url);
}

/* GET /api/v1/tenants/{tid}/invitations (viewer and up); status computed at read time. */
static void members_invitations_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (!api_page_parse(req, reply, &page))
        return;
    size_t want = (size_t)page.limit + 1, got = 0;
    struct invitation_row *rows = calloc(want, sizeof *rows);
    if (!rows) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    int rc = store_invitations_list(c, req->params[0], page.cursor, want, rows, &got);
    db_release(req->service->db, c);
    if (rc != DB_DONE) {
        free(rows);
        api_reply_db_error(reply, rc, "listing invitations");
        return;
    }
    int64_t now = time_now();
    bool more = got > (size_t)page.limit;
    size_t shown = more ? (size_t)page.limit : got;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, members_invitation_json(&rows[i], now));
    reply_json(reply, 200, api_page_wrap(items, more, shown ? rows[shown - 1].id : NULL));
    free(rows);
}

static int members_invitation_cancel_change(struct db_conn *c, struct api_write *w)
{
    const char *tid = w->req->params[0], *id = w->req->params[1];
    struct invitation_row inv;
    enum db_status found = store_invitation_get(c, tid, id, &inv);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(&w->problem, 404, "invitation_not_found", NULL, "no such invitation");
        return DB_CONSTRAINT;
    }
    bool pending = strcmp(store_invitation_status_at(&inv, time_now()), "pending") == 0;
    enum db_status cancelled = pending ? store_invitation_cancel(c, id) : DB_NOT_FOUND;
    if (db_is_failure(cancelled))
        return DB_ERROR;
    if (cancelled != DB_DONE) {
        problem_set(&w->problem, 409, "invitation_not_pending", NULL, "the invitation is %s",
                    store_invitation_status_at(&inv, time_now()));
        return DB_CONSTRAINT;
    }
    if (audit_record(c, w->who, w->req, tid, "invitation.cancel", "invitation", id,
                     json_pack("{s:s}", "email", inv.email)) != DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/* DELETE /api/v1/tenants/{tid}/invitations/{id} (owners): pending → cancelled; 409
 * invitation_not_pending for accepted, cancelled or expired ones. */
static void members_invitation_cancel(struct http_request *req, struct http_reply *reply)
{
    if (!uuid_is_valid(req->params[1])) {
        reply_error(reply, 404, "invitation_not_found", NULL, "no such invitation");
        return;
    }
    if (api_write_run(req, reply, "cancelling an invitation", members_invitation_cancel_change,
                      NULL))
        reply_empty(reply, 204);
}

/* Maps an invitation's status at now to the accept error code, or NULL when it can be
 * accepted. */
static const char *members_accept_refusal(const struct invitation_row *inv, int64_t now)
{
    const char *status = store_invitation_status_at(inv, now);
    if (strcmp(status, "pending") == 0)
        return NULL;
    return strcmp(status, "expired") == 0 ? "invitation_expired" : "invalid_invitation";
}

static void members_reply_refusal(struct http_reply *reply, const char *code)
{
    if (strcmp(code, "invitation_expired") == 0)
        reply_error(reply, 400, code, "token", "the invitation has expired; ask for a new one");
    else
        reply_error(reply, 400, code, "token", "the invitation is not valid");
}

/* What an acceptance hands its change. */
struct members_accept_write {
    const struct principal *who; /* the new user (the route is anonymous) */
    const struct invitation_row *inv;
    const char *token_hash;
    int64_t now;
    struct tenant_row tenant; /* filled by the change */
};

/* api_write_fn: consumes the invitation and creates its user, once: a token another
 * request consumed (or that expired) since it was looked at answers its refusal; an
 * email already taken is 409 email_taken. */
static int members_accept_change(struct db_conn *c, struct api_write *w)
{
    struct members_accept_write *x = w->ctx;
    const struct user_row *u = &x->who->user;
    if (store_tenant_get(c, x->inv->tenant_id, &x->tenant) != DB_DONE)
        return DB_ERROR;
    enum db_status consumed = store_invitation_accept(c, x->inv->id, x->now);
    if (db_is_failure(consumed))
        return DB_ERROR;
    if (consumed != DB_DONE) {
        /* another request consumed it, or it expired, since we looked */
        struct invitation_row again;
        const char *why_not = store_invitation_by_token(c, x->token_hash, &again) == DB_DONE
                                  ? members_accept_refusal(&again, x->now)
                                  : NULL;
        members_reply_refusal(w->reply, why_not ? why_not : "invalid_invitation");
        return API_WRITE_ANSWERED;
    }
    int step = store_user_insert(c, u);
    if (step == DB_CONSTRAINT) {
        problem_set(&w->problem, 409, "email_taken", "email",
                    "a user with this email exists; a user belongs to one tenant");
        return step;
    }
    if (step != DB_DONE)
        return step == DB_BUSY ? DB_BUSY : DB_ERROR;
    if (audit_record(c, x->who, w->req, x->inv->tenant_id, "invitation.accept", "invitation",
                     x->inv->id,
                     json_pack("{s:s,s:s,s:s}", "email", u->email, "role", u->role, "user_id",
                               u->id)) != DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/*
 * POST /api/v1/invitations/accept {token, password, display_name} (no auth) → 201
 * {user, tenant, role}. Contract: body untrusted; the token is looked up by its SHA-256
 * only. Unknown, used or cancelled → 400 invalid_invitation; past expiry → 400
 * invitation_expired. The password is hashed only for a live token. Creating the user
 * and consuming the invitation happen in one transaction, so a token works once.
 */
static void members_accept(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"token", "password", "display_name", NULL};
    const char *token = NULL, *password = NULL, *name_in = NULL;
    struct user_row u;
    memset(&u, 0, sizeof u);
    json_t *body = json_input_object(req, false, &p);
    bool valid = body && json_input_reject_unknown(body, allowed, &p) &&
                 json_input_get_string(body, "token", true, false, &token, &p) &&
                 json_input_get_string(body, "password", true, false, &password, &p) &&
                 json_input_get_string(body, "display_name", true, false, &name_in, &p);
    const char *why = NULL;
    if (valid && !password_is_acceptable(password, &why)) {
        problem_set(&p, 400, "password_too_weak", "password", "%s",
                    why ? why : "password not acceptable");
        valid = false;
    }
    if (valid &&
        !name_normalize(name_in, NAME_MAX_CHARS, u.display_name, sizeof u.display_name, &why)) {
        problem_set(&p, 400, "invalid_name", "display_name", "display_name: %s",
                    why ? why : "not acceptable");
        valid = false;
    }
    char token_hash[65] = "";
    if (valid && strlen(token) == AUTH_TOKEN_CHARS)
        crypto_sha256_hex(token, strlen(token), token_hash);
    if (!valid) {
        if (password)
            crypto_wipe((char *)password, strlen(password));
        json_decref(body);
        reply_problem(reply, &p);
        return;
    }

    struct invitation_row inv;
    int64_t now = time_now();
    enum db_status found = DB_NOT_FOUND;
    struct db_conn *c = db_acquire(svc->db);
    if (token_hash[0])
        found = store_invitation_by_token(c, token_hash, &inv);
    db_release(svc->db, c);
    const char *refusal =
        found == DB_DONE ? members_accept_refusal(&inv, now) : "invalid_invitation";
    if (db_is_failure(found) || refusal) {
        crypto_wipe((char *)password, strlen(password));
        json_decref(body);
        if (db_is_failure(found))
            api_reply_db_error(reply, DB_ERROR, "reading an invitation");
        else
            members_reply_refusal(reply, refusal);
        return;
    }
    int hashed = password_hash(password, u.password_hash, sizeof u.password_hash);
    crypto_wipe((char *)password, strlen(password));
    json_decref(body);
    if (hashed != 0 || store_new_id(u.id) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot create the account");
        return;
    }
    snprintf(u.email, sizeof u.email, "%s", inv.email);
    snprintf(u.tenant_id, sizeof u.tenant_id, "%s", inv.tenant_id);
    snprintf(u.role, sizeof u.role, "%s", inv.role);
    now = time_now();
    u.created_at = now;
    struct principal who;
    memset(&who, 0, sizeof who);
    who.user = u;
    who.role = role_parse(u.role);

    struct members_accept_write x = {
        .who = &who, .inv = &inv, .token_hash = token_hash, .now = now};
    bool accepted = api_write_run(req, reply, "accepting an invitation", members_accept_change, &x);
    crypto_wipe(&who, sizeof who);
    if (accepted)
        reply_json(reply, 201,
                   json_pack("{s:o,s:o,s:s}", "user", api_user_json(&u), "tenant",
                             represent_tenant(&x.tenant), "role", u.role));
    crypto_wipe(&u, sizeof u);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_MEMBERS_ROUTES(ROUTE)                                                                  \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/members", members_list, ACCESS_TENANT_VIEWER)              \
    ROUTE(HTTP_PATCH, "/api/v1/tenants/{}/members/{}", members_update, ACCESS_TENANT_OWNER)        \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/members/{}", members_remove, ACCESS_TENANT_OWNER)       \
    ROUTE(HTTP_POST, "/api/v1/tenants/{}/invitations", members_invite, ACCESS_TENANT_OWNER)        \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/invitations", members_invitations_list,                    \
          ACCESS_TENANT_VIEWER)                                                                    \
    ROUTE(HTTP_DELETE, "/api/v1/tenants/{}/invitations/{}", members_invitation_cancel,             \
          ACCESS_TENANT_OWNER)                                                                     \
    ROUTE(HTTP_POST, "/api/v1/invitations/accept", members_accept, ACCESS_ANONYMOUS)

ROUTE_TABLE(api_members, API_MEMBERS_ROUTES);
