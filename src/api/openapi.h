/*
 * openapi.h — GET /api/v1/openapi.json: the OpenAPI 3.1 description of every route
 * of routes.c. The document is src/api/openapi.json, compiled into the binary by
 * tools/embed_file.sh; tests/unit/test_openapi.c proves its paths and methods are
 * exactly the route tables', and the integration suite validates the document and
 * every response it receives against it (docs/OPERATIONS.md "API description").
 */
#ifndef TENANTD_API_OPENAPI_H
#define TENANTD_API_OPENAPI_H

#include <stddef.h>

/* The document's bytes (valid JSON, NUL-terminated) and length without the NUL. */
extern const unsigned char openapi_document[];
extern const size_t openapi_document_size;

#endif
