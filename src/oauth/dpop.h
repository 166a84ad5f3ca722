/*
 * dpop.h — DPoP proofs at the token endpoint (RFC 9449 §4, SPEC §3.7).
 *
 * A client that sends a valid proof in the DPoP header gets a token bound to the
 * proof's public key: token_type "DPoP" and the claim cnf.jkt (the key's RFC 7638
 * thumbprint), so a resource server can demand a proof made with the same key and
 * a stolen token is useless without it.
 *
 * dpop_proof_check validates one untrusted proof (RFC 9449 §4.3): a compact JWS
 * whose header has typ "dpop+jwt", an alg from the safe list (ES256, RS256,
 * EdDSA / Ed25519 — never none, never a MAC) that fits the public key in the
 * header's "jwk" (which must hold no private member), a signature by that key,
 * claims htm = the request method, htu = the endpoint URL (query and fragment
 * ignored), iat within [now - DPOP_IAT_PAST, now + DPOP_IAT_FUTURE], and a jti
 * (1..256 chars) not seen before for that key (the replay cache remembers it
 * until iat + DPOP_IAT_PAST + DPOP_IAT_FUTURE; per node, like assertion jti values:
 * docs/OAUTH.md "DPoP").
 */
#ifndef TENANTD_OAUTH_DPOP_H
#define TENANTD_OAUTH_DPOP_H

#include <stddef.h>
#include <stdint.h>

struct replay_cache;

#define DPOP_PROOF_MAX 8192
#define DPOP_IAT_PAST 60   /* a proof is fresh for this long after its iat */
#define DPOP_IAT_FUTURE 30 /* tolerated clock skew ahead */
#define DPOP_JKT_SIZE 44   /* 43 base64url characters + NUL */

/*
 * Contract: proof is untrusted (the DPoP header's value). htm and htu are what the
 * proof must name (the method and the endpoint's URL); now is unix seconds. Returns
 * NULL when valid — jkt then holds the key's thumbprint and the jti is remembered
 * in replay — or a constant error description (for 400 invalid_dpop_proof).
 * replay may be NULL (no replay check: tests and the fuzz harness).
 */
const char *dpop_proof_check(const char *proof, size_t len, const char *htm, const char *htu,
                             int64_t now, struct replay_cache *replay, char jkt[DPOP_JKT_SIZE]);

#endif
