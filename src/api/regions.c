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
#include "api/listing.h"
#include "api/represent.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "http/router.h"
#include "service.h"
#include "store/regions.h"
#include "util/timeutil.h"

/* ---- shared helpers ---------------------------------------------------------------- */

/* Collects up to limit representations; notes whether one more row exists. */
struct regions_page {
    json_t *items;
    int limit;
    int count;
    bool more;
    char last[DB_CODE_SIZE];
};

static int regions_page_add_region(const struct region_row *row, void *ctx)
{
    struct regions_page *page = ctx;
    if (page->count == page->limit) {
        page->more = true;
        return 1;
    }
    json_array_append_new(page->items, represent_region(row));
    snprintf(page->last, sizeof page->last, "%s", row->code);
    page->count++;
    return 0;
}

static int regions_page_add_database(const struct region_database_row *row, void *ctx)
{
    struct regions_page *page = ctx;
    if (page->count == page->limit) {
        page->more = true;
        return 1;
    }
    json_array_append_new(page->items, represent_region_database(row));
    snprintf(page->last, sizeof page->last, "%s", row->db_code);
    page->count++;
    return 0;
}

/*
 * Contract: value is untrusted JSON input (may be NULL). A region display name:
 * 1–100 characters after trimming (domain/names.h). Writes the trimmed name to out;
 * on failure fills p with 400 invalid_name naming the field.
 */
static bool regions_take_name(const char *value, char *out, size_t out_size, struct problem *p)
{
    const char *reason = NULL;
    if (!name_normalize(value, NAME_MAX_CHARS, out, out_size, &reason)) {
        problem_set(p, 400, "invalid_name", "name", "name %s",
                    reason ? reason : "must be 1 to 100 characters");
        return false;
    }
    return true;
}

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

/* Ends a failed write: rollback, release, answer. */
static void regions_fail(struct http_request *req, struct http_reply *reply, struct db_conn *c,
                         int rc, const char *what)
{
    db_rollback(c);
    db_release(req->service->db, c);
    api_reply_db_error(reply, rc, what);
}

/* ---- regions ------------------------------------------------------------------------ */

/* POST /api/v1/regions — body is untrusted: {code, name, active}, nothing else. */
static void regions_create(struct http_request *req, struct http_reply *reply)
{
    struct principal who;
    if (!api_authenticate(req, reply, &who) || !api_require_host(reply, &who))
        return;
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
        else if (regions_take_name(name, r.name, sizeof r.name, &p))
            snprintf(r.code, sizeof r.code, "%s", code);
    }
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }
    r.created_at = r.updated_at = time_now();

    struct db_conn *c = db_acquire(req->service->db);
    int rc = db_begin_write(c);
    if (rc != DB_OK) {
        regions_fail(req, reply, c, rc, "creating a region");
        return;
    }
    struct region_row existing;
    int found = store_region_get(c, r.code, &existing);
    if (found != 0) {
        if (found < 0) {
            regions_fail(req, reply, c, DB_ERROR, "creating a region");
            return;
        }
        db_rollback(c);
        db_release(req->service->db, c);
        reply_error(reply, 409, "region_exists", "code", "a region with this code already exists");
        return;
    }
    rc = store_region_insert(c, &r);
    if (rc == DB_CONSTRAINT) {
        db_rollback(c);
        db_release(req->service->db, c);
        reply_error(reply, 409, "region_exists", "code", "a region with this code already exists");
        return;
    }
    if (rc == DB_DONE)
        rc = audit_record(c, &who, req, NULL, "region.create", "region", r.code,
                          json_pack("{s:s,s:b}", "name", r.name, "active", r.active));
    if (rc != DB_DONE || (rc = db_commit(c)) != DB_OK) {
        regions_fail(req, reply, c, rc, "creating a region");
        return;
    }
    db_release(req->service->db, c);
    reply_json(reply, 201, represent_region(&r));
}

/* GET /api/v1/regions — host admins see every region, tenant members active ones. */
static void regions_list(struct http_request *req, struct http_reply *reply)
{
    struct principal who;
    struct page_request page;
    if (!api_authenticate(req, reply, &who) ||
        !represent_parse_code_page(req, reply, region_code_is_valid, &page))
        return;
    struct regions_page out = {json_array(), page.limit, 0, false, ""};
    struct db_conn *c = db_acquire(req->service->db);
    int n = store_region_list(c, !who.host_admin, page.cursor, page.limit + 1,
                              regions_page_add_region, &out);
    db_release(req->service->db, c);
    if (n < 0) {
        json_decref(out.items);
        api_reply_db_error(reply, DB_ERROR, "listing regions");
        return;
    }
    reply_json(reply, 200, api_page_wrap(out.items, out.more, out.last));
}

/* PATCH /api/v1/regions/{code} — body is untrusted: {name?, active?}. */
static void regions_update(struct http_request *req, struct http_reply *reply)
{
    struct principal who;
    if (!api_authenticate(req, reply, &who) || !api_require_host(reply, &who))
        return;
    const char *code = req->params[0];
    if (!region_code_is_valid(code)) {
        reply_error(reply, 404, "region_not_found", NULL, "no such region");
        return;
    }
    struct problem p;
    problem_clear(&p);
    static const char *const allowed[] = {"name", "active", NULL};
    json_t *body = json_input_object(req, false, &p);
    const char *name = NULL;
    bool active = false, has_active = false;
    char new_name[REGION_NAME_SIZE] = "";
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_string(body, "name", false, false, &name, &p) &&
        json_input_get_bool(body, "active", false, &has_active, &active, &p) && name)
        regions_take_name(name, new_name, sizeof new_name, &p);
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }

    struct db_conn *c = db_acquire(req->service->db);
    int rc = db_begin_write(c);
    if (rc != DB_OK) {
        regions_fail(req, reply, c, rc, "updating a region");
        return;
    }
    struct region_row r;
    int found = store_region_get_for_update(c, code, &r);
    if (found <= 0) {
        if (found < 0) {
            regions_fail(req, reply, c, DB_ERROR, "updating a region");
            return;
        }
        db_rollback(c);
        db_release(req->service->db, c);
        reply_error(reply, 404, "region_not_found", NULL, "no such region");
        return;
    }
    json_t *changes = json_object();
    if (new_name[0] && strcmp(new_name, r.name) != 0) {
        snprintf(r.name, sizeof r.name, "%s", new_name);
        json_object_set_new(changes, "name", json_string(r.name));
    }
    if (has_active && active != r.active) {
        r.active = active;
        json_object_set_new(changes, "active", json_boolean(active));
    }
    rc = DB_DONE;
    if (json_object_size(changes) > 0) {
        r.updated_at = time_now();
        rc = store_region_update(c, &r);
        if (rc == DB_DONE) {
            rc = audit_record(c, &who, req, NULL, "region.update", "region", r.code, changes);
            changes = NULL;
        }
    }
    json_decref(changes);
    if (rc != DB_DONE || (rc = db_commit(c)) != DB_OK) {
        regions_fail(req, reply, c, rc, "updating a region");
        return;
    }
    db_release(req->service->db, c);
    reply_json(reply, 200, represent_region(&r));
}

/* ---- region databases --------------------------------------------------------------- */

/* POST /api/v1/regions/{code}/databases — body is untrusted: {db_code, active, dsn?}.
 * The row is the caller's scratch space, wiped by the caller (the dsn may hold a
 * password). */
static void regions_create_database_in(struct http_request *req, struct http_reply *reply,
                                       struct region_database_row *d)
{
    struct principal who;
    if (!api_authenticate(req, reply, &who) || !api_require_host(reply, &who))
        return;
    const char *region_code = req->params[0];
    if (!region_code_is_valid(region_code)) {
        reply_error(reply, 404, "region_not_found", NULL, "no such region");
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

    struct db_conn *c = db_acquire(req->service->db);
    int rc = db_begin_write(c);
    if (rc != DB_OK) {
        regions_fail(req, reply, c, rc, "creating a region database");
        return;
    }
    struct region_row region;
    struct region_database_row existing;
    int found = store_region_get(c, region_code, &region);
    int taken = found == 1 ? store_region_database_get(c, d->db_code, &existing) : 0;
    explicit_bzero(&existing, sizeof existing);
    if (found < 0 || taken < 0) {
        regions_fail(req, reply, c, DB_ERROR, "creating a region database");
        return;
    }
    if (found == 0 || taken == 1) {
        db_rollback(c);
        db_release(req->service->db, c);
        if (found == 0)
            reply_error(reply, 404, "region_not_found", NULL, "no such region");
        else
            reply_error(reply, 409, "database_exists", "db_code",
                        "a region database with this db_code already exists");
        return;
    }
    rc = store_region_database_insert(c, d);
    if (rc == DB_CONSTRAINT) {
        db_rollback(c);
        db_release(req->service->db, c);
        reply_error(reply, 409, "database_exists", "db_code",
                    "a region database with this db_code already exists");
        return;
    }
    /* The DSN is deliberately not in the audit detail: it may hold a password. */
    if (rc == DB_DONE)
        rc = audit_record(c, &who, req, NULL, "region_database.create", "region_database",
                          d->db_code,
                          json_pack("{s:s,s:b,s:b}", "region_code", d->region_code, "active",
                                    d->active, "dsn_set", d->has_dsn));
    if (rc != DB_DONE || (rc = db_commit(c)) != DB_OK) {
        regions_fail(req, reply, c, rc, "creating a region database");
        return;
    }
    db_release(req->service->db, c);
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
    struct principal who;
    struct page_request page;
    if (!api_authenticate(req, reply, &who) || !api_require_host(reply, &who) ||
        !represent_parse_code_page(req, reply, db_code_is_valid, &page))
        return;
    const char *region_code = req->params[0];
    if (!region_code_is_valid(region_code)) {
        reply_error(reply, 404, "region_not_found", NULL, "no such region");
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    struct region_row region;
    int found = store_region_get(c, region_code, &region);
    struct regions_page out = {json_array(), page.limit, 0, false, ""};
    int n = found == 1 ? store_region_database_list(c, region_code, page.cursor, page.limit + 1,
                                                    regions_page_add_database, &out)
                       : 0;
    db_release(req->service->db, c);
    if (found < 0 || n < 0) {
        json_decref(out.items);
        api_reply_db_error(reply, DB_ERROR, "listing region databases");
        return;
    }
    if (found == 0) {
        json_decref(out.items);
        reply_error(reply, 404, "region_not_found", NULL, "no such region");
        return;
    }
    reply_json(reply, 200, api_page_wrap(out.items, out.more, out.last));
}

/* Scratch space of a database update that may hold DSN passwords; wiped by the caller. */
struct regions_database_scratch {
    struct region_database_row d;
    char new_dsn[REGION_DSN_MAX_LEN + 1];
};

/* PATCH /api/v1/region-databases/{db_code} — body is untrusted: {active?, dsn?}; a null
 * dsn clears it; a dsn replaces the whole stored value. */
static void regions_update_database_in(struct http_request *req, struct http_reply *reply,
                                       struct regions_database_scratch *scratch)
{
    struct region_database_row *d = &scratch->d;
    char *new_dsn = scratch->new_dsn;
    struct principal who;
    if (!api_authenticate(req, reply, &who) || !api_require_host(reply, &who))
        return;
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
    bool active = false, has_active = false, has_dsn_field = false;
    if (body && json_input_reject_unknown(body, allowed, &p) &&
        json_input_get_bool(body, "active", false, &has_active, &active, &p) &&
        json_input_get_string(body, "dsn", false, true, &dsn, &p)) {
        has_dsn_field = json_object_get(body, "dsn") != NULL;
        if (dsn)
            regions_take_dsn(dsn, new_dsn, &p);
    }
    json_decref(body);
    if (problem_is_set(&p)) {
        reply_problem(reply, &p);
        return;
    }

    struct db_conn *c = db_acquire(req->service->db);
    int rc = db_begin_write(c);
    if (rc != DB_OK) {
        regions_fail(req, reply, c, rc, "updating a region database");
        return;
    }
    int found = store_region_database_get_for_update(c, db_code, d);
    if (found <= 0) {
        if (found < 0) {
            regions_fail(req, reply, c, DB_ERROR, "updating a region database");
            return;
        }
        db_rollback(c);
        db_release(req->service->db, c);
        reply_error(reply, 404, "database_not_found", NULL, "no such region database");
        return;
    }
    json_t *changes = json_object();
    if (has_active && active != d->active) {
        d->active = active;
        json_object_set_new(changes, "active", json_boolean(active));
    }
    if (has_dsn_field) {
        bool now_set = new_dsn[0] != 0;
        if (now_set != d->has_dsn || (now_set && strcmp(new_dsn, d->dsn) != 0)) {
            d->has_dsn = now_set;
            snprintf(d->dsn, sizeof d->dsn, "%s", new_dsn);
            /* Only whether it changed: the value may hold a password. */
            json_object_set_new(changes, "dsn_set", json_boolean(now_set));
        }
    }
    rc = DB_DONE;
    if (json_object_size(changes) > 0) {
        d->updated_at = time_now();
        rc = store_region_database_update(c, d);
        if (rc == DB_DONE) {
            rc = audit_record(c, &who, req, NULL, "region_database.update", "region_database",
                              d->db_code, changes);
            changes = NULL;
        }
    }
    json_decref(changes);
    if (rc != DB_DONE || (rc = db_commit(c)) != DB_OK) {
        regions_fail(req, reply, c, rc, "updating a region database");
        return;
    }
    db_release(req->service->db, c);
    reply_json(reply, 200, represent_region_database(d));
}

static void regions_update_database(struct http_request *req, struct http_reply *reply)
{
    struct regions_database_scratch scratch;
    memset(&scratch, 0, sizeof scratch);
    regions_update_database_in(req, reply, &scratch);
    explicit_bzero(&scratch, sizeof scratch);
}

const struct http_route api_regions_routes[] = {
    {HTTP_POST, "/api/v1/regions", regions_create},
    {HTTP_GET, "/api/v1/regions", regions_list},
    {HTTP_PATCH, "/api/v1/regions/{}", regions_update},
    {HTTP_POST, "/api/v1/regions/{}/databases", regions_create_database},
    {HTTP_GET, "/api/v1/regions/{}/databases", regions_list_databases},
    {HTTP_PATCH, "/api/v1/region-databases/{}", regions_update_database},
};
const size_t api_regions_routes_count = sizeof api_regions_routes / sizeof api_regions_routes[0];
