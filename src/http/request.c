/*
 * request.c — accessors over a libmicrohttpd connection: headers, query, cookies,
 * Basic credentials (RFC 7617 + RFC 6749 §2.3.1 form-decoding).
 */
#include "http/request.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/form.h"

const char *http_request_header(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_cookie(const struct http_request *req, const char *name)
{
    if (!req->connection)
        return NULL;
    return MHD_lookup_connection_value(req->connection, MHD_COOKIE_KIND, name);
}

bool http_request_content_type_is(const struct http_request *req, const char *type)
{
    const char *ct = http_request_header(req, "Content-Type");
    if (!ct)
        return false;
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n) != 0)
        return false;
    return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

int http_request_basic_auth(const struct http_request *req, char **user, char **pass)
{
    *user = NULL;
    *pass = NULL;
    const char *auth = http_request_header(req, "Authorization");
    if (!auth)
        return 0;
    if (strncasecmp(auth, "Basic ", 6) != 0)
        return 0;
    char *raw_pass = NULL;
    char *raw_user = MHD_basic_auth_get_username_password(req->connection, &raw_pass);
    if (!raw_user || !raw_pass) {
        if (raw_user)
            MHD_free(raw_user);
        if (raw_pass)
            MHD_free(raw_pass);
        return -1;
    }
    /* RFC 6749 §2.3.1: client_id and secret are form-urlencoded before Basic. */
    *user = form_decode_component(raw_user, strlen(raw_user));
    *pass = form_decode_component(raw_pass, strlen(raw_pass));
    size_t pass_len = strlen(raw_pass);
    explicit_bzero(raw_pass, pass_len);
    MHD_free(raw_user);
    MHD_free(raw_pass);
    if (!*user || !*pass) {
        free(*user);
        if (*pass) {
            explicit_bzero(*pass, strlen(*pass));
            free(*pass);
        }
        *user = *pass = NULL;
        return -1;
    }
    return 1;
}
