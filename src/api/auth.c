/*
 * auth.c — signing in to the admin API: POST /api/v1/auth/login, /auth/logout,
 * /auth/signup, GET /api/v1/me, and the caller's personal API keys
 * (/api/v1/me/api-keys). Sessions are random 256-bit cookie tokens of which only the
 * SHA-256 is stored; each carries its own CSRF token. Failed sign-ins are throttled
 * per (email, address) and per address; sign-ups per address. Decisions: docs/AUTH.md.
 */
#include "api/auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/write.h"
#include "api/context.h"
#include "api/credentials.h"
#include "api/listing.h"
#include "api/represent.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "domain/names.h"
#include "domain/secret_format.h"
#include "http/json_input.h"
#include "service.h"
#include "store/ids.h"
#include "store/outbox.h"
#include "store/tenants.h"
#include "util/throttle.h"
#include "util/timeutil.h"

/* Failed sign-ins from one address, whatever the email (password spraying). */
int auth_new_token(char out[AUTH_TOKEN_CHARS + 1])
{
    unsigned char raw[AUTH_TOKEN_BYTES];
    out[0] = 0;
    if (crypto_random_bytes(raw, sizeof raw) != 0)
        return -1;
    size_t n = base64url_encode(raw, sizeof raw, out, AUTH_TOKEN_CHARS + 1);
    crypto_wipe(raw, sizeof raw);
    return n == AUTH_TOKEN_CHARS ? 0 : -1;
}

json_t *api_user_json(const struct user_row *u)
{
    char created[32];
    time_format_rfc3339(u->created_at, created);
    return json_pack("{s:s,s:s,s:s,s:s}", "id", u->id, "email", u->email, "display_name",
                     u->display_name, "created_at", created);
}

/* Overwrites a password held in a parsed JSON body before the body is freed. */
static void auth_wipe_json_string(const char *s)
{
    if (s)
        crypto_wipe((char *)s, strlen(s));
}

static void auth_reply_throttled(struct http_reply *reply, int wait_seconds, const char *what)
{
    char retry[16];
    snprintf(retry, sizeof retry, "%d", wait_seconds);
    reply_error(reply, 429, "too_many_attempts", NULL, "too many %s; retry in %d seconds", what,
                wait_seconds);
    reply_header(reply, "Retry-After", retry);
}

/* Throttle keys: fixed length whatever the email, so none is truncated by throttle.c. */
static void auth_email_key(const char *email, const char *addr, char out[72])
{
    char joined[EMAIL_MAX_LEN + 80];
    int n = snprintf(joined, sizeof joined, "%s|%s", email, addr);
    char hex[65];
    crypto_sha256_hex(joined, n > 0 ? strnlen(joined, sizeof joined) : 0, hex);
    snprintf(out, 72, "e:%s", hex);
}

static void auth_address_key(const char *addr, char out[80])
{
    snprintf(out, 80, "a:%s", addr);
}

/* Set-Cookie for a new session token, or (token NULL) one that clears the cookie. */
static void auth_set_cookie(struct http_request *req, struct http_reply *reply, const char *token)
{
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             SESSION_COOKIE, token ? token : "", token ? SESSION_TTL_SECONDS : 0,
             req->service->cfg.cookie_secure ? "; Secure" : "");
    reply_header(reply, "Set-Cookie", cookie);
    crypto_wipe(cookie, sizeof cookie);
}

/* A principal for audit records written on behalf of a user who has no session yet. */
static void auth_principal_of(const struct user_row *u, struct principal *who)
{
    memset(who, 0, sizeof *who);
    who->user = *u;
    who->host_admin = u->is_host_admin;
    who->role = u->is_host_admin ? ROLE_NONE : role_parse(u->role);
}

/* What a sign-in hands its change. */
struct auth_login_write {
    const struct principal *who; /* the user signing in (the route is anonymous) */
    const char *token_hash, *csrf;
    int64_t now;
};

/* api_write_fn: drops expired sessions, stores the new one, audits the sign-in. */
static int auth_login_change(struct db_conn *c, struct api_write *w)
{
    const struct auth_login_write *x = w->ctx;
    const struct user_row *u = &x->who->user;
    if (store_session_delete_expired(c, x->now) != DB_DONE ||
        store_session_insert(c, x->token_hash, u->id, x->csrf, x->now,
                             x->now + SESSION_TTL_SECONDS) != DB_DONE ||
        audit_record(c, x->who, w->req, u->tenant_id, "user.login", "user", u->id, NULL) != DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/*
 * POST /api/v1/auth/login {email, password}.
 * Contract: body is untrusted. Unknown email, user without a password (invited, never
 * accepted) and wrong password all answer the same 401 invalid_credentials after one
 * Argon2id verification (a dummy one when there is no hash), so neither the body nor
 * the timing tells whether an email is registered. Throttled before verifying.
 */
static void auth_login(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"email", "password", NULL};
    const char *email_in = NULL, *password = NULL;
    json_t *body = json_input_object(req, false, &p);
    if (!body || !json_input_reject_unknown(body, allowed, &p) ||
        !json_input_get_string(body, "email", true, false, &email_in, &p) ||
        !json_input_get_string(body, "password", true, false, &password, &p)) {
        auth_wipe_json_string(password);
        json_decref(body);
        reply_problem(reply, &p);
        return;
    }
    char email[EMAIL_MAX_LEN + 1];
    bool email_ok = email_normalize(email_in, email, sizeof email);
    char address_key[80], email_key[72];
    auth_address_key(req->remote_addr, address_key);
    auth_email_key(email_ok ? email : "", req->remote_addr, email_key);

    int wait = throttle_check(req->service->login_address_throttle, address_key);
    if (!wait && email_ok)
        wait = throttle_check(svc->login_throttle, email_key);
    if (wait) {
        auth_wipe_json_string(password);
        json_decref(body);
        auth_reply_throttled(reply, wait, "failed sign-ins");
        return;
    }

    struct user_row u;
    enum db_status found = DB_NOT_FOUND;
    if (email_ok) {
        struct db_conn *c = db_acquire(svc->db);
        found = store_user_by_email(c, email, &u);
        db_release(svc->db, c);
        if (db_is_failure(found)) {
            auth_wipe_json_string(password);
            json_decref(body);
            api_reply_db_error(reply, DB_ERROR, "signing in");
            return;
        }
    }
    bool ok = false;
    if (found == DB_DONE && u.password_hash[0])
        ok = password_verify(u.password_hash, password);
    else if (email_ok)
        password_dummy_verify(password); /* a malformed email can never be registered */
    auth_wipe_json_string(password);
    json_decref(body);
    if (!ok) {
        throttle_record_failure(req->service->login_address_throttle, address_key);
        if (email_ok)
            throttle_record_failure(svc->login_throttle, email_key);
        crypto_wipe(&u, sizeof u);
        reply_error(reply, 401, "invalid_credentials", NULL, "wrong email or password");
        return;
    }
    throttle_reset(svc->login_throttle, email_key);

    char token[AUTH_TOKEN_CHARS + 1], csrf[AUTH_TOKEN_CHARS + 1], token_hash[65];
    if (auth_new_token(token) != 0 || auth_new_token(csrf) != 0) {
        crypto_wipe(token, sizeof token);
        reply_error(reply, 500, "internal", NULL, "cannot create a session");
        return;
    }
    crypto_sha256_hex(token, strlen(token), token_hash);
    int64_t now = time_now();
    struct principal who;
    auth_principal_of(&u, &who);
    struct auth_login_write x = {&who, token_hash, csrf, now};
    if (!api_write_run(req, reply, "creating a session", auth_login_change, &x)) {
        crypto_wipe(token, sizeof token);
        crypto_wipe(csrf, sizeof csrf);
        crypto_wipe(&who, sizeof who);
        crypto_wipe(&u, sizeof u);
        return;
    }
    auth_set_cookie(req, reply, token);
    reply_json(reply, 200, json_pack("{s:o,s:s}", "user", api_user_json(&u), "csrf_token", csrf));
    crypto_wipe(token, sizeof token);
    crypto_wipe(csrf, sizeof csrf);
    crypto_wipe(&who, sizeof who);
    crypto_wipe(&u, sizeof u);
}

/* api_write_fn: deletes the session whose hash is w->ctx and audits the sign-out. */
static int auth_logout_change(struct db_conn *c, struct api_write *w)
{
    if (store_session_delete(c, w->ctx) != DB_DONE ||
        audit_record(c, w->who, w->req, w->who->user.tenant_id, "user.logout", "user",
                     w->who->user.id, NULL) != DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/* POST /api/v1/auth/logout — ends the calling session (CSRF applies) and clears the
 * cookie. A Bearer caller has no session: nothing changes, 204 all the same. */
static void auth_logout(struct http_request *req, struct http_reply *reply)
{
    const struct principal *who = req->principal;
    if (who->via_session) {
        const char *cookie = http_request_cookie(req, SESSION_COOKIE);
        char token_hash[65];
        crypto_sha256_hex(cookie, strlen(cookie), token_hash);
        if (!api_write_run(req, reply, "ending a session", auth_logout_change, token_hash))
            return;
    }
    auth_set_cookie(req, reply, NULL);
    reply_empty(reply, 204);
}

/* GET /api/v1/me → {user, tenant|null, role}. */
static void auth_me(struct http_request *req, struct http_reply *reply)
{
    const struct principal *who = req->principal;
    json_t *tenant = json_null();
    if (!who->host_admin && who->user.tenant_id[0]) {
        struct tenant_row t;
        struct db_conn *c = db_acquire(req->service->db);
        enum db_status found = store_tenant_get(c, who->user.tenant_id, &t);
        db_release(req->service->db, c);
        if (db_is_failure(found)) {
            api_reply_db_error(reply, DB_ERROR, "reading the caller's tenant");
            return;
        }
        if (found == DB_DONE)
            tenant = represent_tenant(&t);
    }
    reply_json(reply, 200,
               json_pack("{s:o,s:o,s:s}", "user", api_user_json(&who->user), "tenant", tenant,
                         "role", who->host_admin ? "host_admin" : role_name(who->role)));
}

/* Reads a required name field (1–100 code points after trimming) into out; 400
 * invalid_name naming the field otherwise. */
static bool auth_get_name(const json_t *body, const char *field, char *out, size_t out_size,
                          struct problem *p)
{
    const char *raw = NULL;
    if (!json_input_get_string(body, field, true, false, &raw, p))
        return false;
    const char *why = NULL;
    if (!name_normalize(raw, NAME_MAX_CHARS, out, out_size, &why)) {
        problem_set(p, 400, "invalid_name", field, "%s: %s", field, why ? why : "not acceptable");
        return false;
    }
    return true;
}

/* Reads and checks a new password (domain/names.h password_is_acceptable); 400
 * password_too_weak naming the field otherwise. *out borrows the body's string. */
static bool auth_get_new_password(const json_t *body, const char *field, const char **out,
                                  struct problem *p)
{
    if (!json_input_get_string(body, field, true, false, out, p))
        return false;
    const char *why = NULL;
    if (!password_is_acceptable(*out, &why)) {
        problem_set(p, 400, "password_too_weak", field, "%s",
                    why ? why : "password not acceptable");
        return false;
    }
    return true;
}

/* What a sign-up hands its change. */
struct auth_signup_write {
    const struct principal *who; /* the new owner (the route is anonymous) */
    const struct tenant_row *tenant;
    const struct user_row *user;
    const char *subject, *message; /* the welcome email */
};

/* api_write_fn: the tenant, its owner, the audit event and the welcome email; an email
 * already taken (a constraint at any step) is 409 email_taken. */
static int auth_signup_change(struct db_conn *c, struct api_write *w)
{
    const struct auth_signup_write *x = w->ctx;
    const struct tenant_row *t = x->tenant;
    int step = store_tenant_insert(c, t);
    if (step == DB_DONE)
        step = store_user_insert(c, x->user);
    if (step == DB_DONE)
        step = audit_record(c, x->who, w->req, t->id, "tenant.signup", "tenant", t->id,
                            json_pack("{s:s,s:s}", "name", t->name, "user_id", x->user->id));
    if (step == DB_DONE)
        step = store_outbox_enqueue(c, x->user->email, x->subject, x->message);
    if (step == DB_CONSTRAINT)
        problem_set(&w->problem, 409, "email_taken", "email", "a user with this email exists");
    else if (step != DB_DONE)
        step = step == DB_BUSY ? DB_BUSY : DB_ERROR;
    return step;
}

/*
 * POST /api/v1/auth/signup {email, password, display_name, tenant_name} (no auth).
 * Contract: body is untrusted; every field is validated before anything is written.
 * Creates the tenant (pending_activation, default app_limit) and its owner in one
 * transaction with the audit event and the welcome email. Every attempt from an
 * address counts against the sign-up throttle (429 too_many_attempts).
 */
static void auth_signup(struct http_request *req, struct http_reply *reply)
{
    struct service *svc = req->service;
    char address_key[80];
    auth_address_key(req->remote_addr, address_key);
    int wait = throttle_check(req->service->signup_throttle, address_key);
    if (wait) {
        auth_reply_throttled(reply, wait, "sign-ups from this address");
        return;
    }
    throttle_record_failure(req->service->signup_throttle, address_key);

    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"email", "password", "display_name", "tenant_name", NULL};
    const char *email_in = NULL, *password = NULL;
    struct user_row u;
    struct tenant_row t;
    memset(&u, 0, sizeof u);
    memset(&t, 0, sizeof t);
    json_t *body = json_input_object(req, false, &p);
    bool valid = body && json_input_reject_unknown(body, allowed, &p) &&
                 json_input_get_string(body, "email", true, false, &email_in, &p);
    if (valid && !email_normalize(email_in, u.email, sizeof u.email)) {
        problem_set(&p, 400, "invalid_email", "email", "email is not a valid address");
        valid = false;
    }
    valid = valid && auth_get_new_password(body, "password", &password, &p) &&
            auth_get_name(body, "display_name", u.display_name, sizeof u.display_name, &p) &&
            auth_get_name(body, "tenant_name", t.name, sizeof t.name, &p);
    if (!valid) {
        auth_wipe_json_string(password);
        json_decref(body);
        reply_problem(reply, &p);
        return;
    }

    struct user_row existing;
    struct db_conn *c = db_acquire(svc->db);
    enum db_status taken = store_user_by_email(c, u.email, &existing); /* spare an Argon2 hash */
    db_release(svc->db, c);
    if (taken != DB_NOT_FOUND) {
        auth_wipe_json_string(password);
        json_decref(body);
        if (db_is_failure(taken))
            api_reply_db_error(reply, DB_ERROR, "signing up");
        else
            reply_error(reply, 409, "email_taken", "email", "a user with this email exists");
        return;
    }
    int hashed = password_hash(password, u.password_hash, sizeof u.password_hash);
    auth_wipe_json_string(password);
    json_decref(body);
    if (hashed != 0 || store_new_id(u.id) != 0 || store_new_id(t.id) != 0) {
        reply_error(reply, 500, "internal", NULL, "cannot create the account");
        return;
    }
    int64_t now = time_now();
    snprintf(t.status, sizeof t.status, "pending_activation");
    t.app_limit = svc->cfg.app_limit_default;
    t.created_at = t.updated_at = now;
    snprintf(u.tenant_id, sizeof u.tenant_id, "%s", t.id);
    snprintf(u.role, sizeof u.role, "owner");
    u.created_at = now;
    struct principal who;
    auth_principal_of(&u, &who);

    /* The subject is a constant; store_outbox_enqueue bounds any subject itself. */
    static const char subject[] = "Welcome to tenantd";
    char message[2048];
    snprintf(message, sizeof message,
             "Hello %s,\n\nyour organisation \"%s\" is registered and waits for activation "
             "by the platform operator. You will hear from us when it is active.\n\n"
             "Sign in: %s/\n",
             u.display_name, t.name, svc->cfg.issuer);

    struct auth_signup_write x = {&who, &t, &u, subject, message};
    bool created = api_write_run(req, reply, "signing up", auth_signup_change, &x);
    crypto_wipe(&who, sizeof who);
    if (!created) {
        crypto_wipe(&u, sizeof u);
        return;
    }
    reply_json(reply, 201,
               json_pack("{s:o,s:o,s:s}", "user", api_user_json(&u), "tenant", represent_tenant(&t),
                         "role", "owner"));
    crypto_wipe(&u, sizeof u);
}

static json_t *auth_api_key_json(const struct api_key_row *k)
{
    char created[32], used[32];
    time_format_rfc3339(k->created_at, created);
    if (k->last_used_at)
        time_format_rfc3339(k->last_used_at, used);
    return json_pack("{s:s,s:s,s:s,s:o}", "id", k->id, "name", k->name, "created_at", created,
                     "last_used_at", k->last_used_at ? json_string(used) : json_null());
}

/* What a key creation hands its change. */
struct auth_api_key_write {
    const struct api_key_row *key;
    const char *key_hash;
};

/* api_write_fn: at most API_KEYS_PER_USER_MAX keys per user (409
 * api_key_limit_reached), then the key and its audit event. */
static int auth_api_key_create_change(struct db_conn *c, struct api_write *w)
{
    const struct auth_api_key_write *x = w->ctx;
    const struct principal *who = w->who;
    int64_t held = 0;
    if (store_api_keys_lock_count(c, who->user.id, &held) != DB_DONE)
        return DB_ERROR;
    if (held >= API_KEYS_PER_USER_MAX) {
        problem_set(&w->problem, 409, "api_key_limit_reached", NULL,
                    "at most %d API keys per user; delete one first", API_KEYS_PER_USER_MAX);
        return DB_CONSTRAINT;
    }
    if (store_api_key_insert(c, x->key->id, who->user.id, x->key->name, x->key_hash,
                             x->key->created_at) != DB_DONE ||
        audit_record(c, who, w->req, who->user.tenant_id, "api_key.create", "api_key", x->key->id,
                     json_pack("{s:s}", "name", x->key->name)) != DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/*
 * POST /api/v1/me/api-keys {name} → 201 {id, name, key, created_at}. The key is shown
 * here only; the store keeps its SHA-256. At most API_KEYS_PER_USER_MAX keys per user
 * (409 api_key_limit_reached).
 */
static void auth_api_key_create(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", NULL};
    struct api_key_row k;
    memset(&k, 0, sizeof k);
    json_t *body = json_input_object(req, false, &p);
    bool valid = body && json_input_reject_unknown(body, allowed, &p) &&
                 auth_get_name(body, "name", k.name, sizeof k.name, &p);
    json_decref(body);
    if (!valid) {
        reply_problem(reply, &p);
        return;
    }
    char key[64], key_hash[65];
    if (credential_new_secret(API_KEY_PREFIX, key, key_hash) != 0 || store_new_id(k.id) != 0) {
        crypto_wipe(key, sizeof key);
        reply_error(reply, 500, "internal", NULL, "cannot create an API key");
        return;
    }
    k.created_at = time_now();
    if (!api_write_run(req, reply, "creating an API key", auth_api_key_create_change,
                       &(struct auth_api_key_write){&k, key_hash})) {
        crypto_wipe(key, sizeof key);
        return;
    }
    json_t *out = auth_api_key_json(&k);
    json_object_del(out, "last_used_at");
    json_object_set_new(out, "key", json_string(key));
    crypto_wipe(key, sizeof key);
    reply_json(reply, 201, out);
}

/* GET /api/v1/me/api-keys — the caller's keys, never the key itself. */
static void auth_api_key_list(struct http_request *req, struct http_reply *reply)
{
    const struct principal *who = req->principal;
    struct page_request page;
    if (!api_page_parse(req, reply, &page))
        return;
    size_t want = (size_t)page.limit + 1, got = 0;
    struct api_key_row *rows = calloc(want, sizeof *rows);
    if (!rows) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    int rc = store_api_keys_list(c, who->user.id, page.cursor, want, rows, &got);
    db_release(req->service->db, c);
    if (rc != DB_DONE) {
        free(rows);
        api_reply_db_error(reply, rc, "listing API keys");
        return;
    }
    bool more = got > (size_t)page.limit;
    size_t shown = more ? (size_t)page.limit : got;
    json_t *items = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(items, auth_api_key_json(&rows[i]));
    reply_json(reply, 200, api_page_wrap(items, more, shown ? rows[shown - 1].id : NULL));
    free(rows);
}

/* api_write_fn: deletes the caller's key req->params[0] (404 api_key_not_found). */
static int auth_api_key_delete_change(struct db_conn *c, struct api_write *w)
{
    const struct principal *who = w->who;
    const char *id = w->req->params[0];
    enum db_status deleted = store_api_key_delete(c, id, who->user.id);
    if (db_is_failure(deleted))
        return DB_ERROR;
    if (deleted != DB_DONE) {
        problem_set(&w->problem, 404, "api_key_not_found", NULL, "no such API key");
        return DB_CONSTRAINT;
    }
    if (audit_record(c, who, w->req, who->user.tenant_id, "api_key.delete", "api_key", id, NULL) !=
        DB_DONE)
        return DB_ERROR;
    return DB_DONE;
}

/* DELETE /api/v1/me/api-keys/{id} — only the caller's own keys (404 otherwise). */
static void auth_api_key_delete(struct http_request *req, struct http_reply *reply)
{
    const char *id = req->params[0];
    if (!uuid_is_valid(id)) {
        reply_error(reply, 404, "api_key_not_found", NULL, "no such API key");
        return;
    }
    if (!api_write_run(req, reply, "deleting an API key", auth_api_key_delete_change, NULL))
        return;
    reply_empty(reply, 204);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_AUTH_ROUTES(ROUTE)                                                                     \
    ROUTE(HTTP_POST, "/api/v1/auth/login", auth_login, ACCESS_ANONYMOUS)                           \
    ROUTE(HTTP_POST, "/api/v1/auth/logout", auth_logout, ACCESS_SIGNED_IN)                         \
    ROUTE(HTTP_POST, "/api/v1/auth/signup", auth_signup, ACCESS_ANONYMOUS)                         \
    ROUTE(HTTP_GET, "/api/v1/me", auth_me, ACCESS_SIGNED_IN)                                       \
    ROUTE(HTTP_POST, "/api/v1/me/api-keys", auth_api_key_create, ACCESS_SIGNED_IN)                 \
    ROUTE(HTTP_GET, "/api/v1/me/api-keys", auth_api_key_list, ACCESS_SIGNED_IN)                    \
    ROUTE(HTTP_DELETE, "/api/v1/me/api-keys/{}", auth_api_key_delete, ACCESS_SIGNED_IN)

ROUTE_TABLE(api_auth, API_AUTH_ROUTES);
