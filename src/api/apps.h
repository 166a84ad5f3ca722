/*
 * apps.h — tenant apps over HTTP (SPEC §4.3); the representation is represent_app
 * (represent.h), the write path api_write_app (write.h).
 */
#ifndef TENANTD_API_APPS_H
#define TENANTD_API_APPS_H

#include <stddef.h>

#include "http/router.h"

extern const struct http_route api_apps_routes[];
extern const size_t api_apps_routes_count;

#endif
