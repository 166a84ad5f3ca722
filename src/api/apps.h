/*
 * apps.h — what the apps API (apps.c) shares with the app storage routes
 * (app_storage.c): the app representation of SPEC §4.4 and the write skeleton every
 * app mutation follows:
 *
 *   api_app_id_check       params[1] looks like an app id (the caller's access to
 *                          tenant params[0] is the route table's, api/access.h)
 *   api_app_write_begin    db_begin_write + load the app of this tenant (404 otherwise)
 *   ... change + audit_record on the same connection ...
 *   api_app_write_commit   commit (rollback and reply on failure)
 *   api_app_reply_current  invalidate the app's cache entry, re-read, reply 200 app
 *
 * api_app_write_abort rolls back and releases on any failure in between.
 */
#ifndef TENANTD_API_APPS_H
#define TENANTD_API_APPS_H

#include <jansson.h>
#include <stdbool.h>

#include "api/context.h"
#include "http/reply.h"
#include "http/request.h"
#include "http/router.h"
#include "store/apps.h"
#include "store/db.h"

/* The SPEC §4.4 representation (never a secret or a hash). New reference or NULL. */
json_t *api_app_to_json(const struct app_row *a);

/* When the route has an app id (req->param_count >= 2), a malformed one answers 404
 * app_not_found and returns false. */
bool api_app_id_check(const struct http_request *req, struct http_reply *reply);

/*
 * Acquires a connection, begins a write transaction and loads the non-deleted app
 * req->params[1] of tenant req->params[0] into app. Returns the connection, or NULL
 * after replying (404 app_not_found, 503 busy, 500) with nothing left open.
 */
struct db_conn *api_app_write_begin(struct http_request *req, struct http_reply *reply,
                                    struct app_row *app);

/* Rolls back and releases c. */
void api_app_write_abort(struct http_request *req, struct db_conn *c);

/* Commits. On failure rolls back, releases c, replies and returns false; on success c
 * stays acquired (outside any transaction). */
bool api_app_write_commit(struct http_request *req, struct http_reply *reply, struct db_conn *c);

/*
 * After a commit: invalidates the cache entry of client_id, re-reads the app and
 * replies `status` with its representation; releases c.
 */
/* Ends a write begun with api_app_write_begin: rc == DB_DONE commits and answers 200
 * with the current app (cache entry invalidated first); any other rc rolls back and
 * answers the database error for `what`. Releases c and clears app either way. */
void api_app_write_end(struct http_request *req, struct http_reply *reply, struct db_conn *c,
                       struct app_row *app, int rc, const char *what);
void api_app_reply_current(struct http_request *req, struct http_reply *reply, struct db_conn *c,
                           const char *client_id, int status);

/* Replies the problem after rolling back and releasing c. */
void api_app_write_fail(struct http_request *req, struct http_reply *reply, struct db_conn *c,
                        const struct problem *p);

extern const struct http_route api_apps_routes[];
extern const size_t api_apps_routes_count;

#endif
