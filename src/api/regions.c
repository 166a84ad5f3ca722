/*
 * regions.c — the host's license regions and region databases (SPEC §1, §4.2):
 *
 *   POST  /api/v1/regions                      host: create {code, name, active}
 *   GET   /api/v1/regions                      host: all; tenant members: active only
 *   PATCH /api/v1/regions/{code}               host: {name?, active?}
 *   POST  /api/v1/regions/{code}/databases     host: {db_code, active, dsn?}
 *   GET   /api/v1/regions/{code}/databases     host
 *   PATCH /api/v1/region-databases/{db_code}   host: {active?, dsn?}
 *
 * Lists are ordered by code and the cursor is the last code of the previous page.
 * A DSN may carry a password, so it is answered redacted and never audited.
 * Neither a region's nor a database's `active` flag is part of the token facts:
 * they only decide where NEW apps may go, so these writes invalidate no cache
 * (docs/HOST_API.md).
 */
#include <stdio.h>
#include <string.h>

#include "api/audit.h"
#include "api/context.h"
#include "api/fields.h"
#include "api/write.h"
#include "api/listing.h"
#include "api/represent.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "http/router.h"
#include "service.h"
#include "store/regions.h"
#include "util/timeutil.h"

/* ---- shared helpers ---------------------------------------------------------------- */

API_PAGE_ADD_FN(regions_page_add_region, struct region_row, represent_region, code)
API_PAGE_ADD_FN(regions_page_add_database, struct region_database_row, represent_region_database,
                db_code)

/*
 * Contract: dsn is untrusted JSON input. Accepts 1..1024 bytes with no control
 * characters (the JSON layer already guarantees UTF-8 without NULs). On failure fills
 * p with 400 invalid_value naming `dsn` — and never echoes the value (it may hold a
 * password).
 */
static bool regions_take_dsn(const char *dsn, char out[REGION_DSN_MAX_LEN + 1], struct problem *p)
{
    size_t n = strlen(dsn);
    if (n == 0 || n > REGION_DSN_MAX_LEN) {
        problem_set(p, 400, "invalid_value", "dsn", "dsn must be 1 to %d bytes",
                    REGION_DSN_MAX_LEN);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)dsn[i];
        if (ch < 0x20 || ch == 0x7f) {
            problem_set(p, 400, "invalid_value", "dsn", "dsn must not contain control characters");
            return false;
        }
    }
    memcpy(out, dsn, n + 1);
    return true;
}

/* ---- regions ------------------------------------------------------------------------ */

static void regions_reply_not_found(struct http_reply *reply)
{
    reply_error(reply, 404, "region_not_found", NULL, "no such region");
}

/* api_write_fn: inserts the region w->ctx unless its code is taken (409 region_exists). */
static int regions_create_change(struct db_conn *c, struct api_write *w)
{
    const struct region_row *r = w->ctx;
    struct region_row existing;
    enum db_status found = store_region_get(c, r->code, &existing);
    if (db_is_failure(found))
        return DB_ERROR;
    int rc = found == DB_DONE ? DB_CONSTRAINT : store_region_insert(c, r);
    if (rc == DB_CONSTRAINT) {
        reply_error(w->reply, 409, "region_exists", "code",
                    "a region with this code already exists");
        return API_WRITE_ANSWERED;
    }
    return api_write_audited(c, w, rc, NULL, "region.create", "region", r->code,
                             json_pack("{s:s,s:b}", "name", r->name, "active", r->active));
}

/* POST /api/v1/regions — body is untrusted: {code, name, active}, nothing else. */
static void regions_create(struct http_request *req, struct http_reply *reply)
{
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"code", "name", "active", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *code = NULL, *name = NULL;
    struct region_row r;
    memset(&r, 0, sizeof r);
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_string(body, "code", true, false, &code, &p) &&
        json_input_get_string(body, "name", true, false, &name, &p) &&
        json_input_get_bool(body, "active", true, NULL, &r.active, &p)) {
        if (!region_code_is_valid(code))
            problem_set(&p, 400, "invalid_code", "code",
                        "code must be 2 to 32 characters of a-z, 0-9 and '-'");
        else if (api_field_name(name, r.name, sizeof r.name, &p))
            snprintf(r.code, sizeof r.code, "%s", code);
    }
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }
    r.created_at = r.updated_at = time_now();
    if (api_write_run(req, reply, "creating a region", regions_create_change, &r))
        reply_json(reply, 201, represent_region(&r));
}

/* api_page_query_fn: tenant members see active regions only. */
static enum db_status regions_list_query(struct db_conn *c, const struct http_request *req,
                                         const char *cursor, int max_rows,
                                         struct page_collector *out)
{
    return store_region_list(c, !req->principal->host_admin, cursor, max_rows,
                             regions_page_add_region, out);
}

/* GET /api/v1/regions — host admins see every region, tenant members active ones. */
static void regions_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (api_page_parse_code(req, reply, region_code_is_valid, &page))
        api_page_list(req, reply, &page, regions_list_query, "listing regions");
}

/* A validated region PATCH, and the region it leaves. */
struct regions_update {
    char new_name[REGION_NAME_SIZE]; /* "" = unchanged */
    bool has_active;
    bool active;
    struct region_row r;
};

/* api_write_fn: applies the struct regions_update w->ctx to region req->params[0]
 * (404 region_not_found); audits only what changed. */
static int regions_update_change(struct db_conn *c, struct api_write *w)
{
    struct regions_update *u = w->ctx;
    struct region_row *r = &u->r;
    enum db_status found = store_region_get_for_update(c, w->req->params[0], r);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        regions_reply_not_found(w->reply);
        return API_WRITE_ANSWERED;
    }
    json_t *changes = json_object();
    if (u->new_name[0] && strcmp(u->new_name, r->name) != 0) {
        snprintf(r->name, sizeof r->name, "%s", u->new_name);
        json_object_set_new(changes, "name", json_string(r->name));
    }
    if (u->has_active && u->active != r->active) {
        r->active = u->active;
        json_object_set_new(changes, "active", json_boolean(u->active));
    }
    if (api_write_unchanged(changes))
        return DB_DONE;
    r->updated_at = time_now();
    return api_write_audited(c, w, store_region_update(c, r), NULL, "region.update", "region",
                             r->code, changes);
}

/* PATCH /api/v1/regions/{code} — body is untrusted: {name?, active?}. */
static void regions_update(struct http_request *req, struct http_reply *reply)
{
    const char *code = req->params[0];
    if (!region_code_is_valid(code)) {
        regions_reply_not_found(reply);
        return;
    }
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", "active", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *name = NULL;
    struct regions_update u;
    memset(&u, 0, sizeof u);
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_string(body, "name", false, false, &name, &p) &&
        json_input_get_bool(body, "active", false, &u.has_active, &u.active, &p) && name)
        api_field_name(name, u.new_name, sizeof u.new_name, &p);
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }
    if (api_write_run(req, reply, "updating a region", regions_update_change, &u))
        reply_json(reply, 200, represent_region(&u.r));
}

/* ---- region databases --------------------------------------------------------------- */

static void regions_reply_database_exists(struct http_reply *reply)
{
    reply_error(reply, 409, "database_exists", "db_code",
                "a region database with this db_code already exists");
}

/* api_write_fn: inserts the database w->ctx into its region (404 region_not_found)
 * unless its db_code is taken (409 database_exists). */
static int regions_create_database_change(struct db_conn *c, struct api_write *w)
{
    const struct region_database_row *d = w->ctx;
    struct region_row region;
    struct region_database_row existing;
    enum db_status found = store_region_get(c, d->region_code, &region);
    enum db_status taken =
        found == DB_DONE ? store_region_database_get(c, d->db_code, &existing) : DB_NOT_FOUND;
    explicit_bzero(&existing, sizeof existing);
    if (db_is_failure(found) || db_is_failure(taken))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        regions_reply_not_found(w->reply);
        return API_WRITE_ANSWERED;
    }
    int rc = taken == DB_DONE ? DB_CONSTRAINT : store_region_database_insert(c, d);
    if (rc == DB_CONSTRAINT) {
        regions_reply_database_exists(w->reply);
        return API_WRITE_ANSWERED;
    }
    /* The DSN is deliberately not in the audit detail: it may hold a password. */
    return api_write_audited(c, w, rc, NULL, "region_database.create", "region_database",
                             d->db_code,
                             json_pack("{s:s,s:b,s:b}", "region_code", d->region_code, "active",
                                       d->active, "dsn_set", d->has_dsn));
}

/* POST /api/v1/regions/{code}/databases — body is untrusted: {db_code, active, dsn?}.
 * The row is the caller's scratch space, wiped by the caller (the dsn may hold a
 * password). */
static void regions_create_database_in(struct http_request *req, struct http_reply *reply,
                                       struct region_database_row *d)
{
    const char *region_code = req->params[0];
    if (!region_code_is_valid(region_code)) {
        regions_reply_not_found(reply);
        return;
    }
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"db_code", "active", "dsn", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *db_code = NULL, *dsn = NULL;
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_string(body, "db_code", true, false, &db_code, &p) &&
        json_input_get_bool(body, "active", true, NULL, &d->active, &p) &&
        json_input_get_string(body, "dsn", false, true, &dsn, &p)) {
        if (!db_code_is_valid(db_code))
            problem_set(&p, 400, "invalid_db_code", "db_code",
                        "db_code must be 2 to 64 characters of a-z, 0-9 and '-'");
        else if (!dsn || regions_take_dsn(dsn, d->dsn, &p)) {
            snprintf(d->db_code, sizeof d->db_code, "%s", db_code);
            d->has_dsn = dsn != NULL;
        }
    }
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }
    snprintf(d->region_code, sizeof d->region_code, "%s", region_code);
    d->created_at = d->updated_at = time_now();
    if (api_write_run(req, reply, "creating a region database", regions_create_database_change, d))
        reply_json(reply, 201, represent_region_database(d));
}

static void regions_create_database(struct http_request *req, struct http_reply *reply)
{
    struct region_database_row scratch;
    memset(&scratch, 0, sizeof scratch);
    regions_create_database_in(req, reply, &scratch);
    explicit_bzero(&scratch, sizeof scratch);
}

/* GET /api/v1/regions/{code}/databases — host only; ordered by db_code. */
static void regions_list_databases(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (!api_page_parse_code(req, reply, db_code_is_valid, &page))
        return;
    const char *region_code = req->params[0];
    if (!region_code_is_valid(region_code)) {
        regions_reply_not_found(reply);
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    struct region_row region;
    enum db_status found = store_region_get(c, region_code, &region);
    struct page_collector out;
    api_page_init(&out, page.limit);
    enum db_status rc =
        found == DB_DONE ? store_region_database_list(c, region_code, page.cursor, page.limit + 1,
                                                      regions_page_add_database, &out)
                         : found;
    db_release(req->service->db, c);
    if (found == DB_NOT_FOUND) {
        json_decref(out.items);
        regions_reply_not_found(reply);
        return;
    }
    api_page_reply(reply, &out, rc, "listing region databases");
}

/* Scratch space of a database update that may hold DSN passwords; wiped by the caller:
 * the validated PATCH and the database row it leaves. */
struct regions_database_scratch {
    struct region_database_row d;
    char new_dsn[REGION_DSN_MAX_LEN + 1]; /* "" with has_dsn_field: clear it */
    bool has_active;
    bool active;
    bool has_dsn_field;
};

/* api_write_fn: applies the struct regions_database_scratch w->ctx to database
 * req->params[0] (404 database_not_found); audits only what changed, never the DSN. */
static int regions_update_database_change(struct db_conn *c, struct api_write *w)
{
    struct regions_database_scratch *scratch = w->ctx;
    struct region_database_row *d = &scratch->d;
    const char *new_dsn = scratch->new_dsn;
    enum db_status found = store_region_database_get_for_update(c, w->req->params[0], d);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        reply_error(w->reply, 404, "database_not_found", NULL, "no such region database");
        return API_WRITE_ANSWERED;
    }
    json_t *changes = json_object();
    if (scratch->has_active && scratch->active != d->active) {
        d->active = scratch->active;
        json_object_set_new(changes, "active", json_boolean(scratch->active));
    }
    if (scratch->has_dsn_field) {
        bool now_set = new_dsn[0] != 0;
        if (now_set != d->has_dsn || (now_set && strcmp(new_dsn, d->dsn) != 0)) {
            d->has_dsn = now_set;
            snprintf(d->dsn, sizeof d->dsn, "%s", new_dsn);
            /* Only whether it changed: the value may hold a password. */
            json_object_set_new(changes, "dsn_set", json_boolean(now_set));
        }
    }
    if (api_write_unchanged(changes))
        return DB_DONE;
    d->updated_at = time_now();
    return api_write_audited(c, w, store_region_database_update(c, d), NULL,
                             "region_database.update", "region_database", d->db_code, changes);
}

/* PATCH /api/v1/region-databases/{db_code} — body is untrusted: {active?, dsn?}; a null
 * dsn clears it; a dsn replaces the whole stored value. */
static void regions_update_database_in(struct http_request *req, struct http_reply *reply,
                                       struct regions_database_scratch *scratch)
{
    const char *db_code = req->params[0];
    if (!db_code_is_valid(db_code)) {
        reply_error(reply, 404, "database_not_found", NULL, "no such region database");
        return;
    }
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"active", "dsn", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *dsn = NULL;
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_bool(body, "active", false, &scratch->has_active, &scratch->active, &p) &&
        json_input_get_string(body, "dsn", false, true, &dsn, &p)) {
        scratch->has_dsn_field = json_object_get(body, "dsn") != NULL;
        if (dsn)
            regions_take_dsn(dsn, scratch->new_dsn, &p);
    }
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }

    if (api_write_run(req, reply, "updating a region database", regions_update_database_change,
                      scratch))
        reply_json(reply, 200, represent_region_database(&scratch->d));
}

static void regions_update_database(struct http_request *req, struct http_reply *reply)
{
    struct regions_database_scratch scratch;
    memset(&scratch, 0, sizeof scratch);
    regions_update_database_in(req, reply, &scratch);
    explicit_bzero(&scratch, sizeof scratch);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_REGIONS_ROUTES(ROUTE)                                                                  \
    ROUTE(HTTP_POST, "/api/v1/regions", regions_create, ACCESS_HOST)                               \
    ROUTE(HTTP_GET, "/api/v1/regions", regions_list, ACCESS_SIGNED_IN)                             \
    ROUTE(HTTP_PATCH, "/api/v1/regions/{}", regions_update, ACCESS_HOST)                           \
    ROUTE(HTTP_POST, "/api/v1/regions/{}/databases", regions_create_database, ACCESS_HOST)         \
    ROUTE(HTTP_GET, "/api/v1/regions/{}/databases", regions_list_databases, ACCESS_HOST)           \
    ROUTE(HTTP_PATCH, "/api/v1/region-databases/{}", regions_update_database, ACCESS_HOST)

ROUTE_TABLE(api_regions, API_REGIONS_ROUTES);
