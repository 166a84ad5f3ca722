/*
 * listing.h — `?limit=` (1–200, default 50) and `?cursor=` for list endpoints,
 * and the `{"items":[...],"next_cursor":...}` envelope. Cursors are the last id
 * of the previous page (ids are time-ordered UUIDv7, see store/ids.h), or for lists
 * ordered by a natural code (regions, plans, region databases) the last code.
 */
#ifndef TENANTD_API_LISTING_H
#define TENANTD_API_LISTING_H

#include <jansson.h>
#include <stdbool.h>

#include "http/reply.h"
#include "http/request.h"
#include "store/db.h"

struct page_request {
    int limit;
    char cursor[64]; /* "" when absent */
};

/*
 * Contract: parses the untrusted `?limit=` (1–200, default 50 → 400 invalid_limit)
 * and `?cursor=` (absent or "" → no cursor; otherwise a canonical UUID → 400
 * invalid_cursor) into page. Returns false with the problem written to reply.
 */
bool api_page_parse(const struct http_request *req, struct http_reply *reply,
                    struct page_request *page);

/*
 * The same for lists ordered by a natural code instead of an id: the cursor is the
 * last code of the previous page and must fit page->cursor and satisfy code_is_valid
 * (400 invalid_cursor otherwise).
 */
bool api_page_parse_code(const struct http_request *req, struct http_reply *reply,
                         bool (*code_is_valid)(const char *), struct page_request *page);
/* Steals items; when the query fetched limit+1 rows, pass has_more and the last
 * included id. */
json_t *api_page_wrap(json_t *items, bool has_more, const char *last_id);

/*
 * Collects one page while a store list function walks up to limit+1 rows, from its
 * per-row callback:
 *
 *     if (api_page_full(page)) return 1;
 *     return api_page_add(page, represent_x(row), row->id);
 *
 * then api_page_reply() answers the envelope (or the store failure).
 */
struct page_collector {
    json_t *items; /* NULL when the array could not be allocated */
    int limit;
    int count;
    bool more;     /* a row beyond the page exists */
    bool failed;   /* an item could not be built or appended */
    char last[65]; /* id or code of the last item collected */
};

void api_page_init(struct page_collector *page, int limit);
/* true (and more set) once limit items are collected: the callback returns 1 to stop. */
bool api_page_full(struct page_collector *page);
/* Appends item (stolen; NULL counts as a failure) and remembers key as the cursor.
 * 0 to go on, 1 (failed set) to stop the walk. */
int api_page_add(struct page_collector *page, json_t *item, const char *key);
/* store_rc is the list function's status (DB_DONE when it walked its rows). Answers
 * 200 with the envelope, or api_reply_db_error(DB_ERROR, what) when the store or the
 * collector failed. Takes the items either way. */
void api_page_reply(struct http_reply *reply, struct page_collector *page, enum db_status store_rc,
                    const char *what);

/*
 * Defines `name`, the per-row callback of a store list function over row_type: stops
 * once the page is full, otherwise adds represent(row) with row->key as the cursor.
 * One definition for every collector-based list instead of a copy per resource.
 */
#define API_PAGE_ADD_FN(name, row_type, represent, key)                                            \
    static int name(const row_type *row, void *ctx)                                                \
    {                                                                                              \
        if (api_page_full(ctx))                                                                    \
            return 1;                                                                              \
        return api_page_add(ctx, represent(row), row->key);                                        \
    }

/* A list handler's query: its store list function on c, with the filters it reads
 * from req, for at most max_rows rows after cursor ("" = from the start), each added
 * to out by an API_PAGE_ADD_FN callback. Returns the store's status (DB_DONE when it walked its
 * rows). */
typedef enum db_status (*api_page_query_fn)(struct db_conn *c, const struct http_request *req,
                                            const char *cursor, int max_rows,
                                            struct page_collector *out);

/* Runs query for the page asked (page->limit + 1 rows, to learn whether there are
 * more) on a pooled connection and answers it with api_page_reply: the one ending of
 * every collector-based list handler. */
void api_page_list(const struct http_request *req, struct http_reply *reply,
                   const struct page_request *page, api_page_query_fn query, const char *what);

#endif
