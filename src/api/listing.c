/*
 * listing.c — pagination parameters and envelope (see listing.h).
 */
#include "api/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/names.h"

bool api_page_parse(const struct http_request *req, struct http_reply *reply,
                    struct page_request *page)
{
    page->limit = 50;
    page->cursor[0] = 0;
    const char *limit = http_request_query(req, "limit");
    if (limit) {
        char *end;
        long n = strtol(limit, &end, 10);
        if (!*limit || *end || n < 1 || n > 200) {
            reply_error(reply, 400, "invalid_limit", "limit", "limit must be an integer from 1 to 200");
            return false;
        }
        page->limit = (int)n;
    }
    const char *cursor = http_request_query(req, "cursor");
    if (cursor && *cursor) {
        if (!uuid_is_valid(cursor)) {
            reply_error(reply, 400, "invalid_cursor", "cursor", "cursor is not one this server issued");
            return false;
        }
        snprintf(page->cursor, sizeof page->cursor, "%s", cursor);
    }
    return true;
}

json_t *api_page_wrap(json_t *items, bool has_more, const char *last_id)
{
    return json_pack("{s:o,s:o}", "items", items, "next_cursor",
                     has_more && last_id ? json_string(last_id) : json_null());
}
