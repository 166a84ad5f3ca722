/*
 * write.h — the one way an admin change reaches the database.
 *
 *   api_write_run     acquire a connection, db_begin_write, run the change (the rows
 *                     and its audit_record, on that connection), commit — or roll back
 *                     and answer the failure — and release
 *   api_write_app     the same, loading the app of the path (tenant params[0], app
 *                     params[1], 404 app_not_found) inside the transaction first
 *   api_write_tenant  the same, loading (row-locked) the tenant params[0] first
 *                     (404 tenant_not_found)
 *
 * Who may call is already settled by the route table (api/access.h): the change finds
 * the authorised caller in w->who. Caches are not the handler's business: the pool's
 * commit hook applies the change feed (oauth/change_feed.c) right after the commit.
 * On success nothing is written to the reply: the handler answers (api_write_reply_app
 * for "200 with the app as it is now").
 */
#ifndef TENANTD_API_WRITE_H
#define TENANTD_API_WRITE_H

#include <stdbool.h>

#include <jansson.h>

#include "api/context.h"
#include "http/reply.h"
#include "http/request.h"
#include "store/apps.h"
#include "store/db.h"
#include "store/tenants.h"
#include "util/problem.h"

/* A change that wrote its own reply: roll back without a database error. Distinct
 * from every DB_* status. */
#define API_WRITE_ANSWERED (-1)

/* What a change sees besides its connection. */
struct api_write {
    struct http_request *req;
    struct http_reply *reply;
    const struct principal *who; /* req->principal */
    void *ctx;                   /* the handler's own state */
    struct app_row *app;         /* api_write_app: the app, loaded in this transaction */
    struct tenant_row *tenant;   /* api_write_tenant: the tenant, row-locked */
    struct problem problem;      /* set it to refuse the change with this answer */
};

/*
 * One change: checks, rows and audit event on c, in the transaction. Returns DB_DONE
 * to commit. Anything else rolls back and answers: w->problem when set (a 4xx the
 * change decided, e.g. 409 duplicate_app_name with DB_CONSTRAINT), nothing more for
 * API_WRITE_ANSWERED, otherwise api_reply_db_error for the DB_* status (503
 * database_busy / database_unavailable, 500 internal).
 */
typedef int (*api_write_fn)(struct db_conn *c, struct api_write *w);

/*
 * Runs change in one write transaction. true: committed, nothing written to reply —
 * the caller answers. false: rolled back (or never begun) and answered; `what` names
 * the change in database error messages ("creating a region"). The connection is
 * released either way.
 */
bool api_write_run(struct http_request *req, struct http_reply *reply, const char *what,
                   api_write_fn change, void *ctx);

/* api_write_run after loading the non-deleted app req->params[1] of tenant
 * req->params[0] into *app (404 app_not_found when there is none). The caller clears
 * *app (store_app_row_clear) afterwards, whatever the outcome. */
bool api_write_app(struct http_request *req, struct http_reply *reply, const char *what,
                   api_write_fn change, void *ctx, struct app_row *app);

/* api_write_run after loading tenant req->params[0] for update into *tenant (404
 * tenant_not_found when it was deleted since the access check). */
bool api_write_tenant(struct http_request *req, struct http_reply *reply, const char *what,
                      api_write_fn change, void *ctx, struct tenant_row *tenant);

/* For a PATCH change: true, and changes (a JSON object) freed, when the body changed
 * nothing — the change then returns DB_DONE without writing or auditing. */
bool api_write_unchanged(json_t *changes);

/* The audit event of a change whose row write returned write_rc: when that is DB_DONE,
 * audit_record(action on target_type/target_id of tenant_id, detail stolen); otherwise
 * detail is freed and write_rc returned. The common ending of create/update changes. */
int api_write_audited(struct db_conn *c, const struct api_write *w, int write_rc,
                      const char *tenant_id, const char *action, const char *target_type,
                      const char *target_id, json_t *detail);

/* The route's app id (req->params[1], when the route has one) looks like an id;
 * otherwise answers 404 app_not_found and returns false. Checked before the body. */
bool api_app_id_check(const struct http_request *req, struct http_reply *reply);

/* api_app_id_check, then the JSON object body (json_input_object, not empty): the
 * opening of the app writes that take a body. NULL when it answered (404, 4xx). */
json_t *api_app_body(struct http_request *req, struct http_reply *reply);

/* The whole of an app write answered by the app: api_write_app on a scratch row (cleared
 * afterwards), then api_write_reply_app(200) when it committed. */
void api_write_app_reply(struct http_request *req, struct http_reply *reply, const char *what,
                         api_write_fn change, void *ctx);

/* Answers `status` with the app req->params[1] of tenant req->params[0] as it is now
 * (re-read after a commit; SPEC §4.4 representation). */
void api_write_reply_app(struct http_request *req, struct http_reply *reply, int status);

#endif
