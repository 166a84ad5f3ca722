/*
 * router.c — segment-by-segment matching of request paths against route patterns.
 *
 * A linear scan is enough: the table has a few dozen entries and the hot route
 * (/connect/token) sits first.
 */
#include "http/router.h"

#include <stdio.h>
#include <string.h>

#define ROUTER_PARAM_MAX 200

/* Matches path against pattern; on success copies the placeholders into req. */
static bool router_try(const char *pattern, const char *path, struct http_request *req)
{
    size_t nparams = 0, used = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || len > ROUTER_PARAM_MAX || nparams >= HTTP_MAX_PARAMS ||
                used + len + 1 > sizeof req->param_storage)
                return false;
            memcpy(req->param_storage + used, s, len);
            req->param_storage[used + len] = 0;
            req->params[nparams++] = req->param_storage + used;
            used += len + 1;
            s += len;
            p += 2;
        } else {
            if (*p != *s)
                return false;
            p++;
            s++;
        }
    }
    if (*p || *s)
        return false;
    req->param_count = nparams;
    return true;
}

size_t router_find(const struct http_route *routes, size_t count, struct http_request *req,
                   bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < count; i++) {
        if (!router_try(routes[i].pattern, req->path, req))
            continue;
        if (routes[i].method == req->method ||
            (req->method == HTTP_HEAD && routes[i].method == HTTP_GET)) {
            req->route = routes[i].pattern;
            return i;
        }
        *path_known = true;
    }
    req->param_count = 0;
    return count;
}

http_handler router_match(const struct http_route *routes, size_t count, struct http_request *req,
                          bool *path_known)
{
    size_t i = router_find(routes, count, req, path_known);
    return i < count ? routes[i].handler : NULL;
}
