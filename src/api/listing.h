/*
 * listing.h — `?limit=` (1–200, default 50) and `?cursor=` for list endpoints,
 * and the `{"items":[...],"next_cursor":...}` envelope. Cursors are the last id
 * of the previous page (ids are time-ordered UUIDv7, see store/ids.h).
 */
#ifndef TENANTD_API_LISTING_H
#define TENANTD_API_LISTING_H

#include <jansson.h>
#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"

struct page_request {
    int limit;
    char cursor[64]; /* "" when absent */
};

/* 400 invalid_limit / invalid_cursor on bad input. */
bool api_page_parse(const struct http_request *req, struct http_reply *reply,
                    struct page_request *page);
/* Steals items; when the query fetched limit+1 rows, pass has_more and the last
 * included id. */
json_t *api_page_wrap(json_t *items, bool has_more, const char *last_id);

#endif
