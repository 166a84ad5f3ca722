/*
 * audit.c — recording audit events; GET /api/v1/tenants/{tid}/audit (a tenant's
 * events) and GET /api/v1/audit (host admins: platform-level events), with the same
 * pagination and filters.
 */
#include "api/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/listing.h"
#include "domain/names.h"
#include "http/router.h"
#include "service.h"
#include "store/audit_log.h"
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
    struct audit_event_row event = {
        .id = id,
        .tenant_id = tenant_id && *tenant_id ? tenant_id : NULL,
        .actor_user_id = who ? who->user.id : NULL,
        .actor_email = who ? who->user.email : "system",
        .action = action,
        .target_type = target_type,
        .target_id = target_id,
        .detail = detail_text,
        .remote_addr = req ? req->remote_addr : "local",
        .created_at = time_now(),
    };
    int rc = store_audit_event_insert(c, &event);
    free(detail_text);
    return rc;
}

/* ---- reading ------------------------------------------------------------------------- */

/* [a-z0-9_.]: every action and target type tenantd records is made of these. */
static bool audit_word_is_valid(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

static bool audit_filter_invalid(struct http_reply *reply, const char *param, const char *message)
{
    reply_error(reply, 400, "invalid_filter", param, "%s", message);
    return false;
}

/*
 * Contract: reads ?action= (an action, or a prefix ending in '*': "app.*"), ?actor=
 * (an email, or "system"), ?target_type=, ?target_id=, ?since= / ?until= (RFC 3339 UTC, since
 * inclusive, until exclusive) into f. Anything malformed → 400 invalid_filter naming
 * the parameter, written to reply, and false.
 */
static bool audit_filter_parse(const struct http_request *req, struct http_reply *reply,
                               struct audit_filter *f)
{
    const char *v;
    if ((v = http_request_query(req, "action")) && *v) {
        size_t n = strlen(v);
        f->action_prefix = n > 1 && v[n - 1] == '*';
        snprintf(f->action, sizeof f->action, "%.*s", (int)(f->action_prefix ? n - 1 : n), v);
        if (n >= sizeof f->action || !audit_word_is_valid(f->action, sizeof f->action - 1))
            return audit_filter_invalid(reply, "action",
                                        "action must be an action name like app.create, or a "
                                        "prefix ending in * like app.*");
        if (f->action_prefix) {
            /* Every string starting with the prefix sorts below the prefix with its last
             * byte incremented (byte order: the C collation tenantd requires). */
            snprintf(f->action_end, sizeof f->action_end, "%s", f->action);
            f->action_end[strlen(f->action_end) - 1]++;
        }
    }
    if ((v = http_request_query(req, "actor")) && *v) {
        if (strcmp(v, "system") == 0)
            snprintf(f->actor, sizeof f->actor, "system");
        else if (!email_normalize(v, f->actor, sizeof f->actor))
            return audit_filter_invalid(reply, "actor",
                                        "actor must be an email address (or system)");
    }
    if ((v = http_request_query(req, "target_type")) && *v) {
        if (!audit_word_is_valid(v, sizeof f->target_type - 1))
            return audit_filter_invalid(reply, "target_type",
                                        "target_type must be a type like app or tenant");
        snprintf(f->target_type, sizeof f->target_type, "%s", v);
    }
    if ((v = http_request_query(req, "target_id")) && *v) {
        size_t n = strlen(v);
        bool ok = n < sizeof f->target_id;
        for (size_t i = 0; ok && i < n; i++)
            ok = (unsigned char)v[i] > 0x20 && (unsigned char)v[i] < 0x7f;
        if (!ok)
            return audit_filter_invalid(reply, "target_id",
                                        "target_id must be an id or code (printable ASCII, at "
                                        "most 128 bytes)");
        snprintf(f->target_id, sizeof f->target_id, "%s", v);
    }
    if ((v = http_request_query(req, "since")) && *v) {
        if (time_parse_rfc3339(v, &f->since) != 0)
            return audit_filter_invalid(reply, "since",
                                        "since must be an RFC 3339 UTC time like "
                                        "2026-01-31T12:00:00Z");
        f->has_since = true;
    }
    if ((v = http_request_query(req, "until")) && *v) {
        if (time_parse_rfc3339(v, &f->until) != 0)
            return audit_filter_invalid(reply, "until",
                                        "until must be an RFC 3339 UTC time like "
                                        "2026-01-31T12:00:00Z");
        f->has_until = true;
    }
    return true;
}

struct audit_page {
    json_t *items;
    int limit, n;
    bool more;
    char last[37];
};

/* store_audit_each_fn: one event into the page (the row after a full page only says
 * there are more). */
static int audit_page_add(const struct audit_event_row *e, void *ctx)
{
    struct audit_page *p = ctx;
    if (p->n == p->limit) {
        p->more = true;
        return 1;
    }
    char when[32];
    time_format_rfc3339(e->created_at, when);
    json_t *detail = e->detail ? json_loads(e->detail, 0, NULL) : NULL;
    json_array_append_new(p->items,
                          json_pack("{s:s,s:s?,s:{s:s?,s:s?},s:s,s:{s:s?,s:s?},s:o,s:s?,s:s}", "id",
                                    e->id, "tenant_id", e->tenant_id, "actor", "user_id",
                                    e->actor_user_id, "email", e->actor_email, "action", e->action,
                                    "target", "type", e->target_type, "id", e->target_id, "detail",
                                    detail ? detail : json_null(), "remote_addr", e->remote_addr,
                                    "created_at", when));
    snprintf(p->last, sizeof p->last, "%s", e->id);
    p->n++;
    return 0;
}

/*
 * Answers one page of f's events, newest first, in the list envelope. Every event
 * carries tenant_id (null for platform-level events).
 */
static void audit_reply_page(struct http_request *req, struct http_reply *reply,
                             const struct audit_filter *f, const struct page_request *page)
{
    struct audit_page p = {.items = json_array(), .limit = page->limit};
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status rc = store_audit_list(c, f, page->cursor, page->limit + 1, audit_page_add, &p);
    db_release(req->service->db, c);
    if (rc != DB_DONE) {
        json_decref(p.items);
        api_reply_db_error(reply, rc, "listing audit events");
        return;
    }
    reply_json(reply, 200, api_page_wrap(p.items, p.more, p.last));
}

/* GET /api/v1/tenants/{tid}/audit — the tenant's events, newest first (viewers up). */
static void audit_list(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    struct audit_filter f = {.scope = AUDIT_SCOPE_TENANT};
    if (!api_page_parse(req, reply, &page) || !audit_filter_parse(req, reply, &f))
        return;
    snprintf(f.tenant_id, sizeof f.tenant_id, "%s", req->params[0]);
    audit_reply_page(req, reply, &f, &page);
}

/*
 * GET /api/v1/audit — host admins only (403 forbidden otherwise): platform-level
 * events (tenant_id null: regions, databases, plans, platform clients, host-admin
 * sign-ins and keys) by default; ?tenant_id= one tenant's events; ?scope=all every
 * event of the platform. The same pagination and filters as the tenant audit log.
 */
static void audit_list_platform(struct http_request *req, struct http_reply *reply)
{
    struct page_request page;
    struct audit_filter f = {.scope = AUDIT_SCOPE_PLATFORM};
    if (!api_page_parse(req, reply, &page) || !audit_filter_parse(req, reply, &f))
        return;
    const char *scope = http_request_query(req, "scope");
    const char *tenant = http_request_query(req, "tenant_id");
    if (scope && *scope && strcmp(scope, "platform") != 0 && strcmp(scope, "all") != 0) {
        reply_error(reply, 400, "invalid_filter", "scope", "scope must be platform or all");
        return;
    }
    if (tenant && *tenant) {
        if (!uuid_is_valid(tenant)) {
            reply_error(reply, 400, "invalid_filter", "tenant_id", "tenant_id must be a UUID");
            return;
        }
        if (scope && *scope) {
            reply_error(reply, 400, "invalid_filter", "scope",
                        "scope and tenant_id cannot be combined");
            return;
        }
        f.scope = AUDIT_SCOPE_TENANT;
        snprintf(f.tenant_id, sizeof f.tenant_id, "%s", tenant);
    } else if (scope && strcmp(scope, "all") == 0) {
        f.scope = AUDIT_SCOPE_ALL;
    }
    audit_reply_page(req, reply, &f, &page);
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_AUDIT_ROUTES(ROUTE)                                                                    \
    ROUTE(HTTP_GET, "/api/v1/tenants/{}/audit", audit_list, ACCESS_TENANT_VIEWER)                  \
    ROUTE(HTTP_GET, "/api/v1/audit", audit_list_platform, ACCESS_HOST)

ROUTE_TABLE(api_audit, API_AUDIT_ROUTES);
