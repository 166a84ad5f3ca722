/*
 * audit.c — recording audit events and GET /api/v1/tenants/{tid}/audit.
 */
#include "api/audit.h"

#include <stdlib.h>
#include <string.h>

#include "api/listing.h"
#include "http/router.h"
#include "service.h"
#include "store/ids.h"
#include "util/timeutil.h"

int audit_record(struct db_conn *c, const struct principal *who, const struct http_request *req,
                 const char *tenant_id, const char *action, const char *target_type,
                 const char *target_id, json_t *detail)
{
    char id[37];
    char *detail_text = NULL;
    if (detail) {
        detail_text = json_dumps(detail, JSON_COMPACT);
        json_decref(detail);
    }
    if (store_new_id(id) != 0) {
        free(detail_text);
        return DB_ERROR;
    }
    struct db_stmt *s = db_prepare(
        c, "INSERT INTO audit_events (id, tenant_id, actor_user_id, actor_email, action, "
           "target_type, target_id, detail, remote_addr, created_at) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
    if (!s) {
        free(detail_text);
        return DB_ERROR;
    }
    db_bind_text(s, 1, id);
    db_bind_text(s, 2, tenant_id && *tenant_id ? tenant_id : NULL);
    db_bind_text(s, 3, who ? who->user.id : NULL);
    db_bind_text(s, 4, who ? who->user.email : "system");
    db_bind_text(s, 5, action);
    db_bind_text(s, 6, target_type);
    db_bind_text(s, 7, target_id);
    db_bind_text(s, 8, detail_text);
    db_bind_text(s, 9, req ? req->remote_addr : "local");
    db_bind_int(s, 10, time_now());
    int rc = db_step(s);
    db_finalize(s);
    free(detail_text);
    return rc;
}

/* GET /api/v1/tenants/{tid}/audit — newest first. */
static void audit_list(struct http_request *req, struct http_reply *reply)
{
    struct principal who;
    struct page_request page;
    if (!api_authenticate(req, reply, &who) ||
        !api_authorize_tenant(req, reply, &who, req->params[0], ROLE_VIEWER) ||
        !api_page_parse(req, reply, &page))
        return;
    struct db_conn *c = db_acquire(req->service->db);
    struct db_stmt *s = db_prepare(
        c, "SELECT id, actor_user_id, actor_email, action, target_type, target_id, detail, "
           "remote_addr, created_at FROM audit_events WHERE tenant_id = $1 AND id < $2 "
           "ORDER BY id DESC LIMIT $3");
    if (!s) {
        db_release(req->service->db, c);
        api_reply_db_error(reply, DB_ERROR, "listing audit events");
        return;
    }
    db_bind_text(s, 1, req->params[0]);
    db_bind_text(s, 2, page.cursor[0] ? page.cursor : "~");
    db_bind_int(s, 3, page.limit + 1);
    json_t *items = json_array();
    char last[37] = "";
    int n = 0, rc;
    bool more = false;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == page.limit) {
            more = true;
            break;
        }
        char when[32];
        time_format_rfc3339(db_column_int(s, 8), when);
        const char *detail_text = db_column_text(s, 6);
        json_t *detail = detail_text ? json_loads(detail_text, 0, NULL) : NULL;
        json_array_append_new(
            items, json_pack("{s:s,s:{s:s?,s:s?},s:s,s:{s:s?,s:s?},s:o,s:s?,s:s}", "id",
                             db_column_text(s, 0), "actor", "user_id", db_column_text(s, 1),
                             "email", db_column_text(s, 2), "action", db_column_text(s, 3),
                             "target", "type", db_column_text(s, 4), "id", db_column_text(s, 5),
                             "detail", detail ? detail : json_null(), "remote_addr",
                             db_column_text(s, 7), "created_at", when));
        snprintf(last, sizeof last, "%s", db_column_text(s, 0));
        n++;
    }
    db_finalize(s);
    db_release(req->service->db, c);
    if (rc != DB_ROW && rc != DB_DONE) {
        json_decref(items);
        api_reply_db_error(reply, rc, "listing audit events");
        return;
    }
    reply_json(reply, 200, api_page_wrap(items, more, last));
}

const struct http_route api_audit_routes[] = {
    {HTTP_GET, "/api/v1/tenants/{}/audit", audit_list},
};
const size_t api_audit_routes_count = sizeof api_audit_routes / sizeof api_audit_routes[0];
