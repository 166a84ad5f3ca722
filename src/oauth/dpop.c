/*
 * dpop.c — DPoP proof validation (see dpop.h). Keys and signatures go through
 * oauth/jws.c (OpenSSL EVP); this file decides what a valid proof is.
 */
#include "oauth/dpop.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "oauth/jws.h"
#include "oauth/replay_cache.h"

/* Its parts are decoded by jws_part_object, whose buffer holds a whole proof. */
_Static_assert(DPOP_PROOF_MAX <= JWS_PART_MAX, "a part may be as long as the whole token");

/* htu compared without query and fragment (RFC 9449 §4.3 item 9). */
static bool dpop_htu_matches(const char *claimed, const char *htu)
{
    size_t n = strcspn(claimed, "?#");
    return n == strlen(htu) && memcmp(claimed, htu, n) == 0;
}

static bool dpop_jwk_is_public(const json_t *jwk)
{
    static const char *const private_members[] = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"};
    for (size_t i = 0; i < sizeof private_members / sizeof *private_members; i++)
        if (json_object_get(jwk, private_members[i]))
            return false;
    return true;
}

const char *dpop_proof_check(const char *proof, size_t len, const char *htm, const char *htu,
                             int64_t now, struct replay_cache *replay, char jkt[DPOP_JKT_SIZE])
{
    jkt[0] = 0;
    if (!proof || len == 0 || len > DPOP_PROOF_MAX)
        return "the DPoP proof is missing or too large";
    const char *dot1 = memchr(proof, '.', len);
    const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - proof)) : NULL;
    if (!dot2)
        return "the DPoP proof is not a JWT";
    json_t *header = jws_part_object(proof, (size_t)(dot1 - proof));
    json_t *claims = header ? jws_part_object(dot1 + 1, (size_t)(dot2 - dot1 - 1)) : NULL;
    struct jws_key *key = NULL;
    const char *why = NULL;
    enum jws_alg alg;
    const char *typ = json_string_value(json_object_get(header, "typ"));
    const char *alg_name = json_string_value(json_object_get(header, "alg"));
    const json_t *jwk = json_object_get(header, "jwk");
    if (!header || !claims)
        why = "the DPoP proof is not a JWT";
    else if (!typ || strcmp(typ, "dpop+jwt") != 0)
        why = "the DPoP proof must have typ dpop+jwt";
    else if (!alg_name || !jws_alg_parse(alg_name, &alg))
        why = "the DPoP proof alg is not supported (see dpop_signing_alg_values_supported)";
    else if (json_object_get(header, "crit"))
        why = "the DPoP proof has a crit header";
    else if (!json_is_object(jwk) || !dpop_jwk_is_public(jwk))
        why = "the DPoP proof jwk must be a public key";
    else if (!(key = jws_key_from_public_jwk(jwk)) || jws_key_alg(key) != alg)
        why = "the DPoP proof jwk is not a usable key for its alg";
    else if (!jws_verify_compact(key, proof, len))
        why = "the DPoP proof signature is invalid";
    if (!why) {
        const char *p_htm = json_string_value(json_object_get(claims, "htm"));
        const char *p_htu = json_string_value(json_object_get(claims, "htu"));
        const char *jti = json_string_value(json_object_get(claims, "jti"));
        const json_t *iat_v = json_object_get(claims, "iat");
        double iat = json_is_number(iat_v) ? json_number_value(iat_v) : NAN;
        if (!p_htm || strcmp(p_htm, htm) != 0)
            why = "the DPoP proof htm does not match the request method";
        else if (!p_htu || !dpop_htu_matches(p_htu, htu))
            why = "the DPoP proof htu does not match the token endpoint URL";
        else if (!isfinite(iat))
            why = "the DPoP proof has no iat";
        else if (iat < (double)(now - DPOP_IAT_PAST))
            why = "the DPoP proof is too old (iat)";
        else if (iat > (double)(now + DPOP_IAT_FUTURE))
            why = "the DPoP proof iat is in the future";
        else if (!jti || !*jti || strlen(jti) > 256)
            why = "the DPoP proof needs a jti";
        else {
            jws_key_thumbprint(key, jkt);
            if (replay) {
                unsigned char rk[REPLAY_CACHE_KEY_LEN];
                char scope[DPOP_JKT_SIZE + 8];
                memcpy(scope, "dpop:", 5);
                memcpy(scope + 5, jkt, strlen(jkt) + 1);
                replay_cache_key(scope, jti, rk);
                enum replay_result r = replay_cache_check_and_remember(
                    replay, rk, (int64_t)floor(iat) + DPOP_IAT_PAST + DPOP_IAT_FUTURE, now);
                if (r == REPLAY_SEEN)
                    why = "the DPoP proof jti was already used";
                else if (r == REPLAY_FULL)
                    why = "DPoP proofs cannot be checked for replay right now";
            }
            if (why)
                jkt[0] = 0;
        }
    }
    jws_key_free(key);
    json_decref(header);
    json_decref(claims);
    return why;
}
