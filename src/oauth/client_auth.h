/*
 * client_auth.h — the request side shared by the three OAuth endpoints
 * (/connect/token, /connect/introspect, /connect/revoke): reading the form body,
 * finding the client credentials (client_secret_basic or client_secret_post,
 * exactly one), authenticating the client against the app cache with failure
 * throttling, and writing RFC 6749 §5.2 JSON errors.
 *
 * Authentication never reveals whether a client_id exists: an unknown id costs the
 * same hashing and comparison as a wrong secret (against a dummy hash) and gets
 * the same answer. Failures are counted per (address, client_id) (SPEC §3.6):
 * after 20 in a minute that pair's further *failing* attempts get 429 with
 * Retry-After, while the same client from any other address is unaffected. The
 * secret is verified first: a request presenting the correct secret is never
 * refused by the throttle (secrets are 256-bit random, so the throttle sheds cost
 * and tells a misconfigured caller to back off; it does not stop guessing).
 * Credentials holding a control character are refused before any lookup.
 *
 * SPEC §3.7: during a grace rotation the previous secret is tried only when the
 * current one fails (and only until its expiry, checked against the clock); an app
 * using private_key_jwt refuses its shared secret and authenticates with a signed
 * client assertion instead (client_auth_verify_assertion, oauth/client_assertion.h).
 */
#ifndef TENANTD_OAUTH_CLIENT_AUTH_H
#define TENANTD_OAUTH_CLIENT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "oauth/app_cache.h"
#include "http/form.h"
#include "http/reply.h"
#include "http/request.h"

struct service;

enum client_auth_method {
    CLIENT_AUTH_NONE = 0,
    CLIENT_AUTH_BASIC, /* client_secret_basic */
    CLIENT_AUTH_POST,  /* client_secret_post */
    CLIENT_AUTH_JWT,   /* private_key_jwt: client_assertion (RFC 7523 §2.2) */
};

/* The credentials a request presented. Pointers refer to the Basic strings
 * (owned here) or into the form (owned by it). */
struct client_credentials {
    enum client_auth_method method;
    const char *client_id;        /* CLIENT_AUTH_JWT: the body's client_id, or NULL */
    const char *client_secret;    /* NULL for CLIENT_AUTH_JWT */
    const char *client_assertion; /* CLIENT_AUTH_JWT only */
    char *basic_user;             /* malloc'd */
    char *basic_pass;             /* malloc'd, wiped on free */
};

enum client_auth_result {
    CLIENT_AUTH_OK = 0,
    CLIENT_AUTH_FAILED,      /* 401 invalid_client */
    CLIENT_AUTH_THROTTLED,   /* 429 too_many_requests + Retry-After */
    CLIENT_AUTH_UNAVAILABLE, /* 503 temporarily_unavailable (store failure) */
    CLIENT_AUTH_REFUSED,     /* 401 invalid_client with a specific description: a
                                correctly signed assertion that is still refused */
};

/* RFC 6749 §5.2 error body {"error","error_description"} (application/json). The
 * description must be a constant without characters that need JSON escaping. */
void oauth_reply_error(struct http_reply *reply, int status, const char *error,
                       const char *description);

/*
 * Reads the body of an OAuth endpoint: Content-Type must be
 * application/x-www-form-urlencoded, the body well-formed, no parameter repeated.
 * On failure answers 400 invalid_request and returns false; form is then empty
 * (form_free is still fine). Untrusted input.
 */
bool oauth_read_form(struct http_request *req, struct form *form, struct http_reply *reply);

/*
 * Finds the client credentials: an Authorization: Basic header (RFC 6749 §2.3.1
 * form-decoding), client_id + client_secret in the form, or client_assertion_type
 * (the jwt-bearer URN) + client_assertion (private_key_jwt; client_id optional).
 * An assertion next to another method, an assertion without its type (or the
 * other way round) or another assertion type -> 400 invalid_request. Both methods at once
 * (or a body client_id that differs from the Basic one) -> 400 invalid_request;
 * none, a malformed Basic header, a client_id without secret, or a client_id or
 * secret holding a control character (C0 or DEL, after all decoding) -> 401
 * invalid_client. On failure answers and returns false. Always call
 * client_credentials_free.
 */
bool client_credentials_read(struct http_request *req, const struct form *form,
                             struct client_credentials *cred, struct http_reply *reply);
void client_credentials_free(struct client_credentials *cred);

/*
 * Authenticates client_id/client_secret (untrusted) from remote_addr: cache lookup
 * (one store query on a miss), SHA-256 of the secret compared in constant time
 * with the current secret's hash (or a dummy hash); only when that fails, the
 * throttle check. So a correct secret is CLIENT_AUTH_OK whatever the throttle
 * holds, and a failure is CLIENT_AUTH_THROTTLED (429) instead of FAILED (401)
 * once its (address, client_id) pair is over the limit. On CLIENT_AUTH_OK fills
 * *facts and, when claims is not NULL, the claims prefix (claims_cap >=
 * APP_CACHE_CLAIMS_MAX + 1). *retry_after gets the seconds for
 * CLIENT_AUTH_THROTTLED. Failures are recorded in the throttle and the metrics.
 */
enum client_auth_result client_auth_verify(struct service *svc, const char *remote_addr,
                                           const char *client_id, const char *client_secret,
                                           struct app_facts *facts, char *claims, size_t claims_cap,
                                           int *retry_after);

/*
 * private_key_jwt (SPEC §3.7): authenticates a client_assertion (untrusted) from
 * remote_addr. client_id (the body's, may be NULL) must equal the assertion's iss.
 * Parses the assertion, looks up its client (which must use private_key_jwt),
 * verifies the signature with the client's keys and the claims
 * (oauth/client_assertion.h), then records its jti in the replay cache until
 * exp + skew: a jti seen before is refused. Results as client_auth_verify, plus
 * CLIENT_AUTH_REFUSED with *why (a constant) for an assertion that is correctly
 * signed but refused (claims, replay); CLIENT_AUTH_UNAVAILABLE also when the
 * replay cache is full of live values. Failures count in the throttle like wrong
 * secrets; a good assertion is never throttled.
 */
enum client_auth_result client_auth_verify_assertion(struct service *svc, const char *remote_addr,
                                                     const char *client_id, const char *assertion,
                                                     struct app_facts *facts, char *claims,
                                                     size_t claims_cap, int *retry_after,
                                                     const char **why);

/* Either of the above, as cred says. */
enum client_auth_result client_auth_authenticate(struct service *svc, const char *remote_addr,
                                                 const struct client_credentials *cred,
                                                 struct app_facts *facts, char *claims,
                                                 size_t claims_cap, int *retry_after,
                                                 const char **why);

/* Answers a failed client_auth_verify: 401 invalid_client (+ WWW-Authenticate:
 * Basic realm="tenantd" when basic), 429 with Retry-After, or 503. For
 * CLIENT_AUTH_REFUSED, why is the error_description. */
void client_auth_reply_failure(struct http_reply *reply, enum client_auth_result result, bool basic,
                               int retry_after);
void client_auth_reply_refusal(struct http_reply *reply, enum client_auth_result result, bool basic,
                               int retry_after, const char *why);

#endif
