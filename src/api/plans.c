/*
 * plans.c — the host's plans (SPEC §1 "Plan", §4.2):
 *
 *   POST  /api/v1/plans          host: {code, name, tier, status?, entitlements}
 *   GET   /api/v1/plans          host: all; tenant members: active plans only
 *   PATCH /api/v1/plans/{code}   host: {name?, entitlements?, status?}
 *
 * A plan starts as `draft` (or `active` when asked); its status only moves forward
 * along draft → active → archived → retired (any forward step, skipping allowed).
 * The tier is fixed at creation. Entitlements are checked against the known-key
 * schema of domain/entitlements.h so typos never reach tokens. Every PATCH reaches
 * tokens at once: after the commit the plan's apps are dropped from the app cache.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/audit.h"
#include "api/context.h"
#include "api/fields.h"
#include "api/write.h"
#include "api/listing.h"
#include "api/represent.h"
#include "domain/entitlements.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "http/router.h"
#include "service.h"
#include "store/plans.h"
#include "util/timeutil.h"

static const char *const plan_statuses[] = {"draft", "active", "archived", "retired"};

/* Position of status in the lifecycle, or -1 when it is not a plan status. */
static int plans_status_rank(const char *status)
{
    for (int i = 0; i < (int)(sizeof plan_statuses / sizeof plan_statuses[0]); i++)
        if (status && strcmp(status, plan_statuses[i]) == 0)
            return i;
    return -1;
}

/*
 * Contract: value is an untrusted, parsed JSON value (NULL when absent). Validates it
 * as an entitlements object and writes its compact text to out. Fills p with 400
 * unknown_field / invalid_value naming the dotted field (e.g.
 * "entitlements.maxApiRequestsPerMinute") or invalid_type for a non-object.
 */
static bool plans_take_entitlements(const json_t *value, char out[PLAN_ENTITLEMENTS_SIZE],
                                    struct problem *p)
{
    if (!json_is_object(value)) {
        problem_set(p, 400, "invalid_type", "entitlements", "entitlements must be an object");
        return false;
    }
    const char *code = NULL;
    char field[96] = "";
    if (!entitlements_validate(value, &code, field, sizeof field)) {
        if (!field[0])
            snprintf(field, sizeof field, "entitlements");
        bool unknown = code && strcmp(code, "unknown_field") == 0;
        problem_set(p, 400, unknown ? "unknown_field" : "invalid_value", field,
                    unknown ? "%s is not a known entitlement" : "%s has an invalid value", field);
        return false;
    }
    char *text = json_dumps(value, JSON_COMPACT);
    size_t n = text ? strlen(text) : 0;
    bool fits = text && n < PLAN_ENTITLEMENTS_SIZE;
    if (fits)
        memcpy(out, text, n + 1);
    free(text);
    if (!fits) {
        problem_set(p, 400, "invalid_value", "entitlements", "entitlements are too large");
        return false;
    }
    return true;
}

/* Parses and validates a create body into p (a heap row: it carries 16 KiB). */
static bool plans_parse_create(const struct http_request *req, struct plan_row *plan,
                               struct problem *p)
{
    static const char *const allowed[] = {"code", "name", "tier", "status", "entitlements", NULL};
    json_t *body = json_input_object(req, false, p);
    const char *code = NULL, *name = NULL, *tier = NULL, *status = NULL;
    bool ok = body && json_input_reject_unknown(body, allowed, p) &&
              json_input_get_string(body, "code", true, false, &code, p) &&
              json_input_get_string(body, "name", true, false, &name, p) &&
              json_input_get_string(body, "tier", true, false, &tier, p) &&
              json_input_get_string(body, "status", false, true, &status, p);
    if (ok && !plan_code_is_valid(code)) {
        problem_set(p, 400, "invalid_code", "code",
                    "code must be 2 to 64 characters of a-z, 0-9, '_' and '-', "
                    "starting with a letter or digit");
        ok = false;
    }
    ok = ok && api_field_name(name, plan->name, sizeof plan->name, p);
    if (ok && strcmp(tier, "free") != 0 && strcmp(tier, "paid") != 0) {
        problem_set(p, 400, "invalid_tier", "tier", "tier must be \"free\" or \"paid\"");
        ok = false;
    }
    if (ok && status && plans_status_rank(status) < 0) {
        problem_set(p, 400, "invalid_status", "status",
                    "status must be one of draft, active, archived, retired");
        ok = false;
    }
    if (ok && status && plans_status_rank(status) > 1) {
        problem_set(p, 400, "invalid_status", "status", "a new plan starts as draft or active");
        ok = false;
    }
    json_t *entitlements = ok ? json_object_get(body, "entitlements") : NULL;
    if (ok && !entitlements) {
        problem_set(p, 400, "missing_field", "entitlements", "entitlements is required");
        ok = false;
    }
    ok = ok && plans_take_entitlements(entitlements, plan->entitlements, p);
    if (ok) {
        snprintf(plan->code, sizeof plan->code, "%s", code);
        snprintf(plan->tier, sizeof plan->tier, "%s", tier);
        snprintf(plan->status, sizeof plan->status, "%s", status ? status : "draft");
    }
    json_decref(body);
    return ok;
}

/* api_write_fn: inserts the plan w->ctx ([0] new, [1] scratch) unless its code is
 * taken (409 plan_exists). */
static int plans_create_change(struct db_conn *c, struct api_write *w)
{
    struct plan_row *plan = w->ctx;
    enum db_status found = store_plan_get(c, plan->code, &plan[1]);
    if (db_is_failure(found))
        return DB_ERROR;
    int rc = found == DB_DONE ? DB_CONSTRAINT : store_plan_insert(c, plan);
    if (rc == DB_CONSTRAINT) {
        problem_set(&w->problem, 409, "plan_exists", "code",
                    "a plan with this code already exists");
        return rc;
    }
    return api_write_audited(
        c, w, rc, NULL, "plan.create", "plan", plan->code,
        json_pack("{s:s,s:s,s:s}", "name", plan->name, "tier", plan->tier, "status", plan->status));
}

/* POST /api/v1/plans — body is untrusted: {code, name, tier, status?, entitlements}. */
static void plans_create(struct http_request *req, struct http_reply *reply)
{
    struct plan_row *plan = calloc(2, sizeof *plan); /* [0] new, [1] existing */
    if (!plan) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    struct problem p;
    problem_clear(&p);
    if (!plans_parse_create(req, plan, &p)) {
        reply_problem(reply, &p);
        free(plan);
        return;
    }
    plan->created_at = plan->updated_at = time_now();

    if (api_write_run(req, reply, "creating a plan", plans_create_change, plan))
        reply_json(reply, 201, represent_plan(plan));
    free(plan);
}

API_PAGE_ADD_FN(plans_page_add, struct plan_row, represent_plan, code)

/* api_page_query_fn: tenant members see active plans only. */
static enum db_status plans_list_query(struct db_conn *c, const struct http_request *req,
                                       const char *cursor, int max_rows, struct page_collector *out)
{
    return store_plan_list(c, !req->principal->host_admin, cursor, max_rows, plans_page_add, out);
}

/* GET /api/v1/plans — ordered by code. */
static void plans_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    if (api_page_parse_code(req, reply, plan_code_is_valid, &page))
        api_page_list(req, reply, &page, plans_list_query, "listing plans");
}

/* A PATCH body, validated before any database work. */
struct plans_patch {
    char name[PLAN_NAME_SIZE]; /* "" = unchanged */
    char status[16];           /* "" = unchanged */
    bool has_entitlements;
    char entitlements[PLAN_ENTITLEMENTS_SIZE];
    struct plan_row current;
};

/* Contract: the body is untrusted: {name?, entitlements?, status?}; status must name a
 * plan status (400 invalid_status) — whether the move is allowed is checked later
 * against the stored status. */
static bool plans_parse_patch(const struct http_request *req, struct plans_patch *patch,
                              struct problem *p)
{
    static const char *const allowed[] = {"name", "entitlements", "status", NULL};
    json_t *body = json_input_object(req, false, p);
    const char *name = NULL, *status = NULL;
    bool ok = body && json_input_reject_unknown(body, allowed, p) &&
              json_input_get_string(body, "name", false, false, &name, p) &&
              json_input_get_string(body, "status", false, false, &status, p);
    ok = ok && (!name || api_field_name(name, patch->name, sizeof patch->name, p));
    if (ok && status && plans_status_rank(status) < 0) {
        problem_set(p, 400, "invalid_status", "status",
                    "status must be one of draft, active, archived, retired");
        ok = false;
    }
    json_t *entitlements = ok ? json_object_get(body, "entitlements") : NULL;
    ok = ok && (!entitlements || plans_take_entitlements(entitlements, patch->entitlements, p));
    if (ok) {
        if (status)
            snprintf(patch->status, sizeof patch->status, "%s", status);
        patch->has_entitlements = entitlements != NULL;
    }
    json_decref(body);
    return ok;
}

/* api_write_fn: applies the struct plans_patch w->ctx to plan req->params[0]
 * (404 plan_not_found; 400 invalid_status_transition: statuses only move forward). */
static int plans_update_change(struct db_conn *c, struct api_write *w)
{
    struct plans_patch *patch = w->ctx;
    struct plan_row *plan = &patch->current;
    enum db_status found = store_plan_get_for_update(c, w->req->params[0], plan);
    if (db_is_failure(found))
        return DB_ERROR;
    if (found == DB_NOT_FOUND) {
        problem_set(&w->problem, 404, "plan_not_found", NULL, "no such plan");
        return DB_CONSTRAINT;
    }
    if (patch->status[0] && plans_status_rank(patch->status) <= plans_status_rank(plan->status)) {
        problem_set(&w->problem, 400, "invalid_status_transition", "status",
                    "a plan's status only moves forward (draft, active, archived, retired); "
                    "it is %s",
                    plan->status);
        return DB_CONSTRAINT;
    }
    json_t *changes = json_object();
    if (patch->name[0] && strcmp(patch->name, plan->name) != 0) {
        snprintf(plan->name, sizeof plan->name, "%s", patch->name);
        json_object_set_new(changes, "name", json_string(plan->name));
    }
    if (patch->status[0]) {
        json_object_set_new(changes, "status",
                            json_pack("{s:s,s:s}", "from", plan->status, "to", patch->status));
        snprintf(plan->status, sizeof plan->status, "%s", patch->status);
    }
    if (patch->has_entitlements && strcmp(patch->entitlements, plan->entitlements) != 0) {
        memcpy(plan->entitlements, patch->entitlements, sizeof plan->entitlements);
        json_object_set_new(changes, "entitlements", json_true());
    }
    if (api_write_unchanged(changes))
        return DB_DONE;
    plan->updated_at = time_now();
    return api_write_audited(c, w, store_plan_update(c, plan), NULL, "plan.update", "plan",
                             plan->code, changes);
}

/* PATCH /api/v1/plans/{code} */
static void plans_update(struct http_request *req, struct http_reply *reply)
{
    const char *code = req->params[0];
    if (!plan_code_is_valid(code)) {
        reply_error(reply, 404, "plan_not_found", NULL, "no such plan");
        return;
    }
    struct plans_patch *patch = calloc(1, sizeof *patch);
    if (!patch) {
        reply_error(reply, 500, "internal", NULL, "out of memory");
        return;
    }
    struct problem p;
    problem_clear(&p);
    if (!plans_parse_patch(req, patch, &p)) {
        reply_problem(reply, &p);
        free(patch);
        return;
    }

    if (api_write_run(req, reply, "updating a plan", plans_update_change, patch))
        reply_json(reply, 200, represent_plan(&patch->current));
    free(patch);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_PLANS_ROUTES(ROUTE)                                                                    \
    ROUTE(HTTP_POST, "/api/v1/plans", plans_create, ACCESS_HOST)                                   \
    ROUTE(HTTP_GET, "/api/v1/plans", plans_list, ACCESS_SIGNED_IN)                                 \
    ROUTE(HTTP_PATCH, "/api/v1/plans/{}", plans_update, ACCESS_HOST)

ROUTE_TABLE(api_plans, API_PLANS_ROUTES);
