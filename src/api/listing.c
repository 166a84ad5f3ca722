/*
 * listing.c — pagination parameters and envelope (see listing.h).
 */
#include "api/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/context.h"
#include "domain/names.h"
#include "service.h"

bool api_page_parse_code(const struct http_request *req, struct http_reply *reply,
                         bool (*code_is_valid)(const char *), struct page_request *page)
{
    page->limit = 50;
    page->cursor[0] = 0;
    const char *limit = http_request_query(req, "limit");
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (!*limit || *end || n < 1 || n > 200) {
            reply_error(reply, 400, "invalid_limit", "limit",
                        "limit must be an integer from 1 to 200");
            return false;
        }
        page->limit = (int)n;
    }
    const char *cursor = http_request_query(req, "cursor");
    if (cursor && *cursor) {
        int n = snprintf(page->cursor, sizeof page->cursor, "%s", cursor);
        if (n < 0 || (size_t)n >= sizeof page->cursor || !code_is_valid(cursor)) {
            page->cursor[0] = 0;
            reply_error(reply, 400, "invalid_cursor", "cursor",
                        "cursor is not one this server issued");
            return false;
        }
    }
    return true;
}

bool api_page_parse(const struct http_request *req, struct http_reply *reply,
                    struct page_request *page)
{
    /* An id cursor is a code whose only valid form is a canonical UUID. */
    return api_page_parse_code(req, reply, uuid_is_valid, page);
}

json_t *api_page_wrap(json_t *items, bool has_more, const char *last_id)
{
    return json_pack("{s:o,s:o}", "items", items, "next_cursor",
                     has_more && last_id ? json_string(last_id) : json_null());
}

void api_page_init(struct page_collector *page, int limit)
{
    memset(page, 0, sizeof *page);
    page->items = json_array();
    page->limit = limit;
}

bool api_page_full(struct page_collector *page)
{
    if (page->count < page->limit)
        return false;
    page->more = true;
    return true;
}

int api_page_add(struct page_collector *page, json_t *item, const char *key)
{
    if (!page->items) {
        json_decref(item);
        page->failed = true;
        return 1;
    }
    if (!item || json_array_append_new(page->items, item) != 0) { /* it took item */
        page->failed = true;
        return 1;
    }
    snprintf(page->last, sizeof page->last, "%s", key);
    page->count++;
    return 0;
}

void api_page_reply(struct http_reply *reply, struct page_collector *page, enum db_status store_rc,
                    const char *what)
{
    if (store_rc != DB_DONE || page->failed || !page->items) {
        json_decref(page->items);
        page->items = NULL;
        api_reply_db_error(reply, DB_ERROR, what);
        return;
    }
    reply_json(reply, 200, api_page_wrap(page->items, page->more, page->last));
    page->items = NULL;
}

void api_page_list(const struct http_request *req, struct http_reply *reply,
                   const struct page_request *page, api_page_query_fn query, const char *what)
{
    struct page_collector out;
    api_page_init(&out, page->limit);
    struct db_conn *c = db_acquire(req->service->db);
    enum db_status rc = query(c, req, page->cursor, page->limit + 1, &out);
    db_release(req->service->db, c);
    api_page_reply(reply, &out, rc, what);
}
