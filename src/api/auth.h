/*
 * auth.h — signing in to the admin API (sessions, sign-up, personal API keys), the
 * User JSON representation and the random tokens that sign-in and invitations share.
 * (The Tenant representation is api/represent.h's represent_tenant.)
 *
 * Policy (session lifetime, cookie flags, CSRF, throttling, passwords, invitations,
 * outbox) is written down in docs/AUTH.md.
 */
#ifndef TENANTD_API_AUTH_H
#define TENANTD_API_AUTH_H

#include <jansson.h>
#include <stddef.h>

#include "http/router.h"
#include "store/users.h"

/* Random opaque tokens (session cookies, CSRF tokens, invitation tokens): 32 bytes from
 * the CSPRNG, unpadded base64url (43 characters). */
#define AUTH_TOKEN_BYTES 32
#define AUTH_TOKEN_CHARS 43

/* Fills out (>= AUTH_TOKEN_CHARS + 1 bytes) with a fresh token. 0, or -1 when the CSPRNG
 * failed (out is then ""). */
int auth_new_token(char out[AUTH_TOKEN_CHARS + 1]);

/* SPEC §4.4 User: {id, email, display_name, created_at}. New reference. */
json_t *api_user_json(const struct user_row *u);

extern const struct http_route api_auth_routes[];
extern const size_t api_auth_routes_count;

#endif
