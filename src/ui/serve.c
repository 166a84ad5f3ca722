/*
 * ui/serve.c — the dashboard over HTTP (SPEC §6).
 *
 *   GET /, GET /index.html   the app shell: Cache-Control no-cache + ETag, strict CSP
 *   GET /assets/{name}       an embedded asset by its content-hashed name
 *                            (app.<hash16>.js): cached for a year, immutable
 *
 * The assets are compiled into the binary by tools/embed_assets.sh, which also
 * rewrites the shell's and the modules' references to the hashed names, so a new
 * build can never be mixed with a browser's cached old files. The dashboard routes
 * inside the page (`/#/apps/...`), so the server needs nothing but these paths;
 * an unknown asset name is 404.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http/router.h"
#include "ui/assets.h"

#define UI_SHELL_PATH "/index.html"
#define UI_CACHE_SHELL "no-cache"
#define UI_CACHE_HASHED "public, max-age=31536000, immutable"

/* The dashboard loads only its own scripts, styles and API; no inline code at all. */
#define UI_CSP                                                                                     \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* The embedded asset served at exactly `path`, or NULL. */
static const struct ui_asset *ui_find(const char *path)
{
    for (const struct ui_asset *a = ui_assets; a->path; a++)
        if (strcmp(a->path, path) == 0)
            return a;
    return NULL;
}

/*
 * Contract: the If-None-Match header is untrusted and only searched. True when it
 * is "*" or lists the strong or weak form of etag (a quoted 16-hex hash, which
 * cannot occur inside another well-formed entity tag by accident).
 */
static bool ui_not_modified(const struct http_request *req, const char *etag)
{
    const char *inm = http_request_header(req, "If-None-Match");
    if (!inm)
        return false;
    while (*inm == ' ' || *inm == '\t')
        inm++;
    return strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL;
}

/* Answers asset a (200, or 304 when the client holds this version). */
static void ui_send(struct http_request *req, struct http_reply *reply, const struct ui_asset *a,
                    const char *cache_control, bool is_shell)
{
    char etag[40];
    int n = snprintf(etag, sizeof etag, "\"%s\"", a->hash);
    if (n > 0 && (size_t)n < sizeof etag)
        reply_header(reply, "ETag", etag);
    else
        etag[0] = 0;
    reply_header(reply, "Cache-Control", cache_control);
    if (is_shell)
        reply_header(reply, "Content-Security-Policy", UI_CSP);
    if (etag[0] && ui_not_modified(req, etag)) {
        reply_empty(reply, 304);
        return;
    }
    reply_static(reply, 200, a->content_type, a->data, a->size);
}

/* GET / and GET /index.html — the app shell. */
static void ui_shell(struct http_request *req, struct http_reply *reply)
{
    const struct ui_asset *a = ui_find(UI_SHELL_PATH);
    if (!a) {
        reply_error(reply, 404, "not_found", NULL, "the dashboard is not built into this binary");
        return;
    }
    ui_send(req, reply, a, UI_CACHE_SHELL, true);
}

/*
 * GET /assets/{name}.
 * Contract: name is an untrusted path segment (the router bounds it to 200 bytes);
 * it is only compared with the embedded table, never used to open anything.
 */
static void ui_asset(struct http_request *req, struct http_reply *reply)
{
    char path[256];
    int n = snprintf(path, sizeof path, "/assets/%s", req->params[0]);
    const struct ui_asset *a = (n > 0 && (size_t)n < sizeof path) ? ui_find(path) : NULL;
    if (!a) {
        reply_error(reply, 404, "not_found", NULL, "no such asset");
        return;
    }
    ui_send(req, reply, a, UI_CACHE_HASHED, false);
}

const struct http_route ui_routes[] = {
    {HTTP_GET, "/", ui_shell},
    {HTTP_GET, "/index.html", ui_shell},
    {HTTP_GET, "/assets/{}", ui_asset},
};
const size_t ui_routes_count = sizeof ui_routes / sizeof ui_routes[0];
