/*
 * write.c — every admin mutation's transaction (see write.h).
 */
#include "api/write.h"

#include <stdlib.h>

#include "api/audit.h"
#include "api/represent.h"
#include "domain/names.h"
#include "http/json_input.h"
#include "service.h"

enum api_write_load { API_LOAD_NOTHING, API_LOAD_APP, API_LOAD_TENANT };

/* Loads what the variant needs inside the transaction. DB_DONE when found; otherwise
 * the reply's problem is in w->problem, or a DB_* failure is returned. */
static int api_write_load(struct db_conn *c, struct api_write *w, enum api_write_load load)
{
    const struct http_request *req = w->req;
    enum db_status found = DB_DONE;
    if (load == API_LOAD_APP) {
        found = store_app_get(c, req->params[0], req->params[1], w->app);
        if (found == DB_NOT_FOUND)
            problem_set(&w->problem, 404, "app_not_found", NULL, "no such app");
    } else if (load == API_LOAD_TENANT) {
        found = store_tenant_get_for_update(c, req->params[0], w->tenant);
        if (found == DB_NOT_FOUND) /* deleted between the access check and now */
            problem_set(&w->problem, 404, "tenant_not_found", NULL, "no such tenant");
    }
    if (db_is_failure(found))
        return DB_ERROR;
    return found == DB_DONE ? DB_DONE : DB_CONSTRAINT;
}

static bool api_write_exec(struct http_request *req, struct http_reply *reply, const char *what,
                           api_write_fn change, void *ctx, enum api_write_load load, void *row)
{
    struct api_write w = {
        .req = req,
        .reply = reply,
        .who = req->principal,
        .ctx = ctx,
        .app = load == API_LOAD_APP ? row : NULL,
        .tenant = load == API_LOAD_TENANT ? row : NULL,
    };
    problem_clear(&w.problem);
    struct db_conn *c = db_acquire(req->service->db);
    int rc = db_begin_write(c);
    if (rc != DB_OK) {
        db_release(req->service->db, c);
        api_reply_db_error(reply, rc, what);
        return false;
    }
    rc = api_write_load(c, &w, load);
    if (rc == DB_DONE)
        rc = change(c, &w);
    if (rc == DB_DONE) {
        int committed = db_commit(c);
        if (committed != DB_OK)
            rc = committed;
    }
    if (rc == DB_DONE) {
        db_release(req->service->db, c);
        return true;
    }
    db_rollback(c);
    db_release(req->service->db, c);
    if (problem_is_set(&w.problem))
        reply_problem(reply, &w.problem);
    else if (rc != API_WRITE_ANSWERED)
        api_reply_db_error(reply, rc, what);
    return false;
}

bool api_write_run(struct http_request *req, struct http_reply *reply, const char *what,
                   api_write_fn change, void *ctx)
{
    return api_write_exec(req, reply, what, change, ctx, API_LOAD_NOTHING, NULL);
}

bool api_write_app(struct http_request *req, struct http_reply *reply, const char *what,
                   api_write_fn change, void *ctx, struct app_row *app)
{
    return api_write_exec(req, reply, what, change, ctx, API_LOAD_APP, app);
}

bool api_write_tenant(struct http_request *req, struct http_reply *reply, const char *what,
                      api_write_fn change, void *ctx, struct tenant_row *tenant)
{
    return api_write_exec(req, reply, what, change, ctx, API_LOAD_TENANT, tenant);
}

bool api_app_id_check(const struct http_request *req, struct http_reply *reply)
{
    if (req->param_count >= 2 && !uuid_is_valid(req->params[1])) {
        reply_error(reply, 404, "app_not_found", NULL, "no such app");
        return false;
    }
    return true;
}

void api_write_app_reply(struct http_request *req, struct http_reply *reply, const char *what,
                         api_write_fn change, void *ctx)
{
    struct app_row app = {0};
    if (api_write_app(req, reply, what, change, ctx, &app))
        api_write_reply_app(req, reply, 200);
    store_app_row_clear(&app);
}

json_t *api_app_body(struct http_request *req, struct http_reply *reply)
{
    if (!api_app_id_check(req, reply))
        return NULL;
    struct problem p = {0};
    json_t *body = json_input_object(req, false, &p);
    if (!body)
        reply_problem(reply, &p);
    return body;
}

bool api_write_unchanged(json_t *changes)
{
    if (json_object_size(changes) > 0)
        return false;
    json_decref(changes);
    return true;
}

int api_write_audited(struct db_conn *c, const struct api_write *w, int write_rc,
                      const char *tenant_id, const char *action, const char *target_type,
                      const char *target_id, json_t *detail)
{
    if (write_rc != DB_DONE) {
        json_decref(detail);
        return write_rc;
    }
    return audit_record(c, w->who, w->req, tenant_id, action, target_type, target_id, detail);
}

void api_write_reply_app(struct http_request *req, struct http_reply *reply, int status)
{
    struct app_row *app = calloc(1, sizeof *app);
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status found = app ? store_app_get(c, req->params[0], req->params[1], app) : DB_ERROR;
    db_release(req->service->db, c);
    json_t *doc = found == DB_DONE ? represent_app(app) : NULL;
    if (app) {
        store_app_row_clear(app);
        free(app);
    }
    if (found == DB_NOT_FOUND)
        reply_error(reply, 404, "app_not_found", NULL, "no such app");
    else if (!doc)
        api_reply_db_error(reply, DB_ERROR, "reading an app back");
    else
        reply_json(reply, status, doc);
}
