/*
 * members.h — a tenant's members and invitations (SPEC §1 "User", §4.3):
 * GET/PATCH/DELETE /api/v1/tenants/{tid}/members[/{uid}],
 * POST/GET/DELETE /api/v1/tenants/{tid}/invitations[/{id}] and
 * POST /api/v1/invitations/accept.
 *
 * api_invitation_create() is the one way to invite someone, shared with the host's
 * "create a tenant with owner_email" (api/tenants.c), so every invitation gets the
 * same token format, expiry, email and audit event.
 */
#ifndef TENANTD_API_MEMBERS_H
#define TENANTD_API_MEMBERS_H

#include <stddef.h>

#include "api/context.h"
#include "http/request.h"
#include "http/router.h"
#include "store/db.h"
#include "store/invitations.h"

#define INVITATION_ACCEPT_URL_SIZE 640

/*
 * Inside the caller's write transaction: mints a token, inserts a pending invitation of
 * email (normalised) with role into tenant_id (named tenant_name in the email), queues
 * the invitation email and records `invitation.create`. Checks nothing else — the caller
 * has already refused members, other tenants' users and duplicate pending invitations.
 * who may be NULL (system). On DB_DONE out is filled and accept_url (size >=
 * INVITATION_ACCEPT_URL_SIZE) holds the link to show once; otherwise DB_ERROR/DB_BUSY
 * and nothing to show. The token itself never outlives this call except inside
 * accept_url and the queued email.
 */
int api_invitation_create(struct db_conn *c, const struct principal *who,
                          const struct http_request *req, const char *tenant_id,
                          const char *tenant_name, const char *email, const char *role,
                          struct invitation_row *out, char *accept_url, size_t accept_url_size);

extern const struct http_route api_members_routes[];
extern const size_t api_members_routes_count;

#endif
