/*
 * openapi.c — serves the embedded OpenAPI document (see openapi.h).
 */
#include "api/openapi.h"

#include "http/router.h"

/* Public like the metadata: it describes routes, not data. Revalidated on every use
 * (no-cache): a new binary may serve a new document under the same URL. */
static void openapi_get(struct http_request *req, struct http_reply *reply)
{
    reply_static(reply, 200, "application/json", openapi_document, openapi_document_size);
    reply_header(reply, "Cache-Control", "no-cache");
}

/* method, pattern, handler, who may call it (http/router.h) */
#define API_OPENAPI_ROUTES(ROUTE)                                                                  \
    ROUTE(HTTP_GET, "/api/v1/openapi.json", openapi_get, ACCESS_ANONYMOUS)

ROUTE_TABLE(api_openapi, API_OPENAPI_ROUTES);
