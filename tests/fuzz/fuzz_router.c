/*
 * tests/fuzz/fuzz_router.c — libFuzzer harness for request routing
 * (src/http/router.c: router_match) against the real route tables of every
 * module listed in src/routes.c, with fuzzed paths and methods.
 *
 * The first input byte is the method; the rest is the decoded path (NUL-
 * terminated, as libmicrohttpd hands it over). Invariants besides memory
 * safety: a match fills exactly as many parameters as the pattern has `{}`
 * placeholders, each non-empty, at most 200 bytes and without '/', and putting
 * them back into the pattern gives the request path byte for byte (so a handler
 * never sees a parameter that differs from what was addressed); the method
 * agrees (HEAD may take a GET route); no match leaves param_count 0; and when no
 * module matches, path_known (405 vs 404) is true exactly when some route has
 * that path under another method.
 *
 * Seeds: tests/fuzz/corpus/fuzz_router/.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "routes.h"

/* Rebuilds the path from pattern + params; true when it equals path. */
static bool fuzz_rebuild_matches(const char *pattern, const struct http_request *req)
{
    char buf[8192];
    size_t o = 0, param = 0;
    for (const char *p = pattern; *p; p++) {
        if (p[0] == '{' && p[1] == '}') {
            if (param >= req->param_count)
                return false;
            const char *v = req->params[param++];
            size_t n = strlen(v);
            if (n == 0 || n > 200 || memchr(v, '/', n) || o + n >= sizeof buf)
                return false;
            memcpy(buf + o, v, n);
            o += n;
            p++;
        } else {
            if (o + 1 >= sizeof buf)
                return false;
            buf[o++] = *p;
        }
    }
    buf[o] = '\0';
    return param == req->param_count && strcmp(buf, req->path) == 0;
}

/* Reference: does pattern match path (ignoring the method)? */
static bool fuzz_ref_match(const char *pattern, const char *path)
{
    size_t used = 0; /* parameters share a 512-byte store (request.h) */
    while (*pattern && *path) {
        if (pattern[0] == '{' && pattern[1] == '}') {
            size_t n = strcspn(path, "/");
            used += n + 1;
            if (n == 0 || n > 200 || used > 512)
                return false;
            path += n;
            pattern += 2;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *path = malloc(size);
    if (!path)
        abort();
    memcpy(path, data + 1, size - 1);
    path[size - 1] = '\0';
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.method = (enum http_method)(data[0] % (HTTP_OTHER + 1));
    req.path = path;

    bool matched = false;
    size_t count = 0;
    const struct http_route *routes;
    for (size_t m = 0; !matched && (routes = routes_module(m, &count)) != NULL; m++) {
        bool known = true;
        http_handler h = router_match(routes, count, &req, &known);
        if (h) {
            matched = true;
            const struct http_route *r = NULL;
            for (size_t i = 0; i < count; i++)
                if (routes[i].pattern == req.route && routes[i].handler == h)
                    r = &routes[i];
            if (!r ||
                !(r->method == req.method || (req.method == HTTP_HEAD && r->method == HTTP_GET)))
                abort();
            if (!fuzz_rebuild_matches(r->pattern, &req) || req.param_count > HTTP_MAX_PARAMS)
                abort();
        } else {
            if (req.param_count != 0)
                abort();
            /* 405 vs 404: known exactly when some route of this module has the path */
            bool ref_known = false;
            for (size_t i = 0; i < count; i++)
                ref_known = ref_known || fuzz_ref_match(routes[i].pattern, path);
            if (known != ref_known)
                abort();
        }
    }
    free(path);
    return 0;
}
