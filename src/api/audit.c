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

/* ---- reading ------------------------------------------------------------------------- */

/*
 * The filters both audit lists take (docs/HOST_API.md "Audit log"), parsed once from
 * the untrusted query string. Absent parameters filter nothing.
 */
struct audit_filter {
    enum { AUDIT_SCOPE_TENANT, AUDIT_SCOPE_PLATFORM, AUDIT_SCOPE_ALL } scope;
    char tenant_id[37];  /* AUDIT_SCOPE_TENANT: the tenant */
    char action[65];     /* exact action, or with action_prefix the part before '*' */
    char action_end[65]; /* prefix: the first string after every string it starts */
    bool action_prefix;
    char actor[255]; /* actor email, compared case-insensitively */
    char target_type[33];
    char target_id[129];
    bool has_since, has_until;
    int64_t since, until; /* created_at >= since, created_at < until */
};

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

/* Appends " AND <condition>$<param>" (or just the condition when param is 0) to the
 * query; false when it does not fit (never, at these sizes: the caller treats it as an
 * internal error). condition is one of the constants below, never input. */
static bool audit_sql_add(char *sql, size_t size, const char *condition, int param)
{
    size_t used = strlen(sql);
    int n = param > 0 ? snprintf(sql + used, size - used, " AND %s$%d", condition, param)
                      : snprintf(sql + used, size - used, " AND %s", condition);
    return n >= 0 && (size_t)n < size - used;
}

/*
 * Answers one page of f's events, newest first, in the list envelope. Every event
 * carries tenant_id (null for platform-level events).
 */
static void audit_reply_page(struct http_request *req, struct http_reply *reply,
                             const struct audit_filter *f, const struct page_request *page)
{
    char sql[1024] = "SELECT id, actor_user_id, actor_email, action, target_type, target_id, "
                     "detail, remote_addr, created_at, tenant_id FROM audit_events WHERE id < $1";
    const char *texts[8];
    int64_t ints[3];
    enum { BIND_TEXT, BIND_INT } kinds[12];
    int params = 1, n_texts = 0, n_ints = 0;
    bool ok = true;
#define AUDIT_TEXT(cond, value)                                                                    \
    do {                                                                                           \
        ok = ok && audit_sql_add(sql, sizeof sql, cond, params + 1);                               \
        kinds[params] = BIND_TEXT;                                                                 \
        texts[n_texts++] = (value);                                                                \
        params++;                                                                                  \
    } while (0)
#define AUDIT_INT(cond, value)                                                                     \
    do {                                                                                           \
        ok = ok && audit_sql_add(sql, sizeof sql, cond, params + 1);                               \
        kinds[params] = BIND_INT;                                                                  \
        ints[n_ints++] = (value);                                                                  \
        params++;                                                                                  \
    } while (0)
    kinds[0] = BIND_TEXT;
    texts[n_texts++] = page->cursor[0] ? page->cursor : "~";
    if (f->scope == AUDIT_SCOPE_TENANT)
        AUDIT_TEXT("tenant_id = ", f->tenant_id);
    else if (f->scope == AUDIT_SCOPE_PLATFORM)
        ok = ok && audit_sql_add(sql, sizeof sql, "tenant_id IS NULL", 0);
    if (f->action[0] && !f->action_prefix)
        AUDIT_TEXT("action = ", f->action);
    if (f->action_prefix) {
        AUDIT_TEXT("action >= ", f->action);
        AUDIT_TEXT("action < ", f->action_end);
    }
    if (f->actor[0])
        AUDIT_TEXT("lower(actor_email) = ", f->actor);
    if (f->target_type[0])
        AUDIT_TEXT("target_type = ", f->target_type);
    if (f->target_id[0])
        AUDIT_TEXT("target_id = ", f->target_id);
    if (f->has_since)
        AUDIT_INT("created_at >= ", f->since);
    if (f->has_until)
        AUDIT_INT("created_at < ", f->until);
#undef AUDIT_TEXT
#undef AUDIT_INT
    int limit_param = params + 1;
    size_t used = strlen(sql);
    int w = snprintf(sql + used, sizeof sql - used, " ORDER BY id DESC LIMIT $%d", limit_param);
    if (!ok || w < 0 || (size_t)w >= sizeof sql - used) {
        reply_error(reply, 500, "internal", NULL, "cannot build the audit query");
        return;
    }
    struct db_conn *c = db_acquire(req->service->db);
    struct db_stmt *s = db_prepare(c, sql);
    if (!s) {
        db_release(req->service->db, c);
        api_reply_db_error(reply, DB_ERROR, "listing audit events");
        return;
    }
    for (int i = 0, t = 0, k = 0; i < params; i++) {
        if (kinds[i] == BIND_TEXT)
            db_bind_text(s, i + 1, texts[t++]);
        else
            db_bind_int(s, i + 1, ints[k++]);
    }
    db_bind_int(s, limit_param, page->limit + 1);
    json_t *items = json_array();
    char last[37] = "";
    int n = 0, rc;
    bool more = false;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == page->limit) {
            more = true;
            break;
        }
        char when[32];
        time_format_rfc3339(db_column_int(s, 8), when);
        const char *detail_text = db_column_text(s, 6);
        json_t *detail = detail_text ? json_loads(detail_text, 0, NULL) : NULL;
        json_array_append_new(
            items, json_pack("{s:s,s:s?,s:{s:s?,s:s?},s:s,s:{s:s?,s:s?},s:o,s:s?,s:s}", "id",
                             db_column_text(s, 0), "tenant_id", db_column_text(s, 9), "actor",
                             "user_id", db_column_text(s, 1), "email", db_column_text(s, 2),
                             "action", db_column_text(s, 3), "target", "type", db_column_text(s, 4),
                             "id", db_column_text(s, 5), "detail", detail ? detail : json_null(),
                             "remote_addr", db_column_text(s, 7), "created_at", when));
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
