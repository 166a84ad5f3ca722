/*
 * signing_keys.c — the signing key set: generation, encryption at rest, rotation
 * bookkeeping and the in-memory view the token path signs with (see
 * signing_keys.h).
 *
 * The in-memory view is an immutable, reference-counted `signing_key_set`. A
 * reload builds a new set and swaps the pointer under a short write lock; signers
 * take a reference (read lock + atomic increment), sign with no lock held, and drop
 * it. Which key signs and which keys are published are decided from the set's
 * timestamps at use time, so an activation needs no reload.
 *
 * Reloads run on a refresher thread of their own, once a second: one metadata
 * query, and only when the rows changed are the private keys decrypted and parsed
 * again. The token path never reads the store for keys while the refresher keeps
 * up; only if no reload was even attempted for 3 s (the thread stuck) does a signer
 * or verifier try one itself (without waiting, unless the view is too stale to sign
 * with). The JWKS endpoint still re-reads when its view is >100 ms old. The same
 * pass writes the rotation bookkeeping (retired_at/expires_at of a predecessor,
 * deletion of expired keys); every node computes the same values, so concurrent
 * writers agree.
 */
#include "oauth/signing_keys.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/aead.h"
#include "crypto/base64url.h"
#include "crypto/hash.h"
#include "oauth/jws.h"
#include "service.h"
#include "store/db.h"
#include "store/signing_keys_store.h"
#include "util/timeutil.h"
#include "util/log.h"

#define SIGNING_KEYS_RELOAD_MS 1000
#define SIGNING_KEYS_STALE_WAIT_MS 3000
#define SIGNING_KEYS_JWKS_FRESH_MS 100
/* Published after retirement for the token lifetime plus this clock skew. */
#define SIGNING_KEYS_SKEW_SECONDS 60

struct signing_key_slot {
    struct jws_key *key;
    char kid[64];
    enum jws_alg family;
    const char *header_name; /* the "alg" this key is published and signs with */
    int64_t activates_at;
    int64_t retired_at; /* 0 = not retired */
    int64_t expires_at; /* 0 = no expiry yet */
    char header_b64[192];
    size_t header_b64_len;
};

struct signing_key_set {
    atomic_int refs;
    size_t count;
    char *fingerprint;                                    /* the metadata rows it was built from */
    struct signing_key_slot slots[SIGNING_KEYS_LOAD_MAX]; /* newest activation first */
};

struct signing_keys {
    struct service *svc;
    enum jws_alg family;
    char alg_name[16];
    pthread_rwlock_t lock; /* guards `current` (the pointer, not the set) */
    struct signing_key_set *current;
    pthread_mutex_t reload_lock;
    atomic_int_fast64_t checked_ms; /* monotonic time of the last reload attempt */
    atomic_int_fast64_t loaded_ms;  /* monotonic time of the last successful reload */
    /* The refresher thread (signing_keys_refresher) and how it is stopped. */
    pthread_t refresher;
    bool refreshing;
    pthread_mutex_t stop_lock;
    pthread_cond_t stop_signal;
    bool stopping;
};

/* ---- sets ------------------------------------------------------------------ */

static void signing_key_set_unref(struct signing_key_set *set)
{
    if (!set || atomic_fetch_sub(&set->refs, 1) != 1)
        return;
    for (size_t i = 0; i < set->count; i++)
        jws_key_free(set->slots[i].key);
    free(set->fingerprint);
    free(set);
}

/* A reference to the current set (never NULL once open succeeded). */
static struct signing_key_set *signing_keys_current(struct signing_keys *keys)
{
    pthread_rwlock_rdlock(&keys->lock);
    struct signing_key_set *set = keys->current;
    if (set)
        atomic_fetch_add(&set->refs, 1);
    pthread_rwlock_unlock(&keys->lock);
    return set;
}

static void signing_keys_swap(struct signing_keys *keys, struct signing_key_set *set)
{
    pthread_rwlock_wrlock(&keys->lock);
    struct signing_key_set *old = keys->current;
    keys->current = set;
    pthread_rwlock_unlock(&keys->lock);
    signing_key_set_unref(old);
}

/* The family column value of a jws algorithm. */
static const char *signing_keys_family_name(enum jws_alg alg)
{
    return jws_alg_name(alg); /* ES256 | RS256 | Ed25519 */
}

/* Text of the metadata rows, to notice any change cheaply. malloc'd. */
static char *signing_keys_fingerprint(const struct signing_key_row *rows, size_t n)
{
    size_t cap = n * 160 + 1, used = 0;
    char *fp = malloc(cap);
    if (!fp)
        return NULL;
    fp[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(fp + used, cap - used, "%s|%s|%lld|%lld|%lld;", rows[i].kid, rows[i].alg,
                         (long long)rows[i].activates_at, (long long)rows[i].retired_at,
                         (long long)rows[i].expires_at);
        if (w < 0 || (size_t)w >= cap - used) {
            free(fp);
            return NULL;
        }
        used += (size_t)w;
    }
    return fp;
}

/* base64url of the JWT header for a key; false when it does not fit. */
static bool signing_keys_header(struct signing_key_slot *slot)
{
    json_t *h =
        json_pack("{s:s,s:s,s:s}", "alg", slot->header_name, "typ", "at+jwt", "kid", slot->kid);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!text)
        return false;
    size_t n = strlen(text);
    bool ok = base64url_encoded_len(n) < sizeof slot->header_b64;
    if (ok)
        slot->header_b64_len = base64url_encode((const unsigned char *)text, n, slot->header_b64,
                                                sizeof slot->header_b64);
    free(text);
    return ok && slot->header_b64_len > 0;
}

/*
 * A copy of the key `kid` from the set this process already holds, or NULL. After
 * `tenantd keys rotate-master` the stored envelopes are sealed under a master key a
 * running server has not loaded yet (it needs a restart); keys it already holds stay
 * usable instead of vanishing at the next reload.
 */
static struct jws_key *signing_keys_copy_held(const struct signing_key_set *held, const char *kid,
                                              enum jws_alg family)
{
    for (size_t i = 0; held && i < held->count; i++) {
        if (strcmp(held->slots[i].kid, kid) != 0 || held->slots[i].family != family)
            continue;
        char *pem = jws_key_private_pem(held->slots[i].key);
        struct jws_key *k = pem ? jws_key_from_private_pem(pem, family, kid) : NULL;
        if (pem) {
            crypto_wipe(pem, strlen(pem));
            free(pem);
        }
        return k;
    }
    return NULL;
}

/* Opens one stored private key. NULL (logged) when it cannot be used. */
static struct jws_key *signing_keys_open_row(struct signing_keys *keys,
                                             const struct signing_key_row *row, enum jws_alg family,
                                             const struct signing_key_set *held)
{
    char aad[96];
    snprintf(aad, sizeof aad, "signing-key:%s", row->kid);
    size_t pem_len = 0;
    unsigned char *pem = aead_open(keys->svc->keyring, row->private_key_enc, aad, &pem_len);
    if (!pem) {
        struct jws_key *kept = signing_keys_copy_held(held, row->kid, family);
        if (kept)
            return kept;
        log_event(LOG_ERROR, "signing key %s cannot be decrypted (wrong master key?); skipped",
                  row->kid);
        return NULL;
    }
    struct jws_key *k = jws_key_from_private_pem((const char *)pem, family, row->kid);
    aead_free_plaintext(pem, pem_len);
    if (!k)
        log_event(LOG_WARN, "signing key %s is not a valid %s key; skipped", row->kid, row->alg);
    return k;
}

/* Builds a set from rows read with secrets. NULL on allocation failure. */
static struct signing_key_set *signing_keys_build(struct signing_keys *keys,
                                                  const struct signing_key_row *rows, size_t n,
                                                  const char *fingerprint,
                                                  const struct signing_key_set *held)
{
    struct signing_key_set *set = calloc(1, sizeof *set);
    if (!set)
        return NULL;
    atomic_init(&set->refs, 1);
    set->fingerprint = strdup(fingerprint);
    if (!set->fingerprint) {
        free(set);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        enum jws_alg family;
        if (!jws_alg_parse(rows[i].alg, &family)) {
            log_event(LOG_WARN, "signing key %s has unknown alg %s; skipped", rows[i].kid,
                      rows[i].alg);
            continue;
        }
        struct signing_key_slot *slot = &set->slots[set->count];
        slot->key = signing_keys_open_row(keys, &rows[i], family, held);
        if (!slot->key)
            continue;
        snprintf(slot->kid, sizeof slot->kid, "%s", rows[i].kid);
        slot->family = family;
        /* The Ed25519 family is published under the configured name ("Ed25519" or
         * "EdDSA") so that verifiers matching JWK "alg" to the header agree. */
        slot->header_name = family == keys->family ? keys->alg_name : jws_alg_name(family);
        slot->activates_at = rows[i].activates_at;
        slot->retired_at = rows[i].retired_at;
        slot->expires_at = rows[i].expires_at;
        if (!signing_keys_header(slot)) {
            jws_key_free(slot->key);
            memset(slot, 0, sizeof *slot);
            continue;
        }
        set->count++;
    }
    return set;
}

/* ---- store maintenance ----------------------------------------------------- */

/*
 * Writes the rotation bookkeeping the rows call for at `now`: a key whose newer
 * same-family successor has activated gets retired_at = that activation, expired
 * keys are deleted. Returns true when something was written (re-read the rows).
 */
static bool signing_keys_maintain(struct signing_keys *keys, struct db_conn *c,
                                  const struct signing_key_row *rows, size_t n, int64_t now)
{
    int64_t keep = (int64_t)keys->svc->cfg.token_ttl_seconds + SIGNING_KEYS_SKEW_SECONDS;
    bool wrote = false;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].retired_at)
            continue;
        /* rows are newest activation first: the successor is the nearest newer
         * active key of the same family. */
        const struct signing_key_row *successor = NULL;
        for (size_t j = i; j-- > 0;) {
            if (strcmp(rows[j].alg, rows[i].alg) == 0 && rows[j].activates_at <= now &&
                rows[j].activates_at >= rows[i].activates_at) {
                successor = &rows[j];
                break;
            }
        }
        if (!successor)
            continue;
        if (store_signing_key_retire(c, rows[i].kid, successor->activates_at,
                                     successor->activates_at + keep) == DB_DONE)
            wrote = true;
    }
    for (size_t i = 0; i < n; i++) {
        if (rows[i].expires_at && rows[i].expires_at <= now) {
            if (store_signing_keys_delete_expired(c, now) == DB_DONE)
                wrote = true;
            break;
        }
    }
    return wrote;
}

/*
 * Re-reads the table; when the rows changed, loads the keys again and swaps the
 * set. Caller holds reload_lock. Returns 0, or -1 when the store could not be read
 * (the current set stays).
 */
static int signing_keys_reload(struct signing_keys *keys)
{
    struct db_conn *c = db_acquire(keys->svc->db);
    struct signing_key_row *rows = NULL;
    size_t n = 0;
    int64_t now = time_now();
    int rc = -1;
    if (store_signing_keys_list(c, false, &rows, &n) != DB_DONE)
        goto out;
    if (signing_keys_maintain(keys, c, rows, n, now)) {
        store_signing_key_rows_free(rows, n);
        rows = NULL;
        if (store_signing_keys_list(c, false, &rows, &n) != DB_DONE)
            goto out;
    }
    char *fp = signing_keys_fingerprint(rows, n);
    if (!fp)
        goto out;
    struct signing_key_set *cur = signing_keys_current(keys);
    bool same = cur && strcmp(cur->fingerprint, fp) == 0;
    signing_key_set_unref(cur);
    if (!same) {
        store_signing_key_rows_free(rows, n);
        rows = NULL;
        if (store_signing_keys_list(c, true, &rows, &n) != DB_DONE) {
            free(fp);
            goto out;
        }
        /* Rebuild the fingerprint from what was actually loaded (it may have
         * changed between the two queries). */
        free(fp);
        fp = signing_keys_fingerprint(rows, n);
        struct signing_key_set *held = signing_keys_current(keys);
        struct signing_key_set *set = fp ? signing_keys_build(keys, rows, n, fp, held) : NULL;
        signing_key_set_unref(held);
        if (!set) {
            free(fp);
            goto out;
        }
        signing_keys_swap(keys, set);
    }
    free(fp);
    atomic_store(&keys->loaded_ms, time_monotonic_ms());
    rc = 0;
out:
    store_signing_key_rows_free(rows, n);
    db_release(keys->svc->db, c);
    return rc;
}

/* Re-reads the store when the last check is older than max_age_ms: without
 * waiting for a reload in progress, unless the view is too stale to sign with
 * safely (a retired key must not sign long after its successor activated). */
static void signing_keys_refresh(struct signing_keys *keys, int64_t max_age_ms)
{
    int64_t now = time_monotonic_ms();
    if (now - atomic_load(&keys->checked_ms) < max_age_ms)
        return;
    bool stale = now - atomic_load(&keys->loaded_ms) >= SIGNING_KEYS_STALE_WAIT_MS;
    if (stale || max_age_ms < SIGNING_KEYS_RELOAD_MS)
        pthread_mutex_lock(&keys->reload_lock);
    else if (pthread_mutex_trylock(&keys->reload_lock) != 0)
        return;
    /* Someone may have checked while this thread waited for the mutex. */
    if (atomic_load(&keys->checked_ms) <= now - max_age_ms) {
        atomic_store(&keys->checked_ms, time_monotonic_ms());
        if (signing_keys_reload(keys) != 0)
            log_event(LOG_ERROR, "signing keys: cannot re-read the key set; keeping the "
                                 "current one");
    }
    pthread_mutex_unlock(&keys->reload_lock);
}

/* Re-reads the key set once a second until signing_keys_close, so rotations made by
 * the CLI or another node arrive without a request thread touching the store. */
static void *signing_keys_refresher(void *arg)
{
    struct signing_keys *keys = arg;
    pthread_mutex_lock(&keys->stop_lock);
    while (!keys->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SIGNING_KEYS_RELOAD_MS / 1000;
        pthread_cond_timedwait(&keys->stop_signal, &keys->stop_lock, &until);
        if (keys->stopping)
            break;
        pthread_mutex_unlock(&keys->stop_lock);
        /* Half the period: a wake-up a little early must not skip a whole round
         * (a JWKS request that reloaded just before still saves this one). */
        signing_keys_refresh(keys, SIGNING_KEYS_RELOAD_MS / 2);
        pthread_mutex_lock(&keys->stop_lock);
    }
    pthread_mutex_unlock(&keys->stop_lock);
    return NULL;
}

int64_t signing_keys_view_age_ms(struct signing_keys *keys)
{
    return keys ? time_monotonic_ms() - atomic_load(&keys->loaded_ms) : -1;
}

/* ---- generation ------------------------------------------------------------- */

/* Generates, seals and inserts a key of `family` activating at activates_at. When
 * only_if_missing, does nothing if a not-retired key of the family exists (checked
 * inside the write transaction). Returns 0, or -1 with err. */
static int signing_keys_create(struct service *svc, enum jws_alg family, int64_t activates_at,
                               bool only_if_missing, bool retire_others, char *kid_out,
                               size_t kid_size, char *err, size_t err_size)
{
    struct jws_key *k = jws_key_generate(family);
    if (!k) {
        snprintf(err, err_size, "cannot generate a %s signing key", jws_alg_name(family));
        return -1;
    }
    struct signing_key_row row;
    memset(&row, 0, sizeof row);
    snprintf(row.kid, sizeof row.kid, "%s", jws_key_kid(k));
    snprintf(row.alg, sizeof row.alg, "%s", signing_keys_family_name(family));
    char *pem = jws_key_private_pem(k);
    json_t *jwk = jws_key_public_jwk(k, NULL);
    char aad[96];
    snprintf(aad, sizeof aad, "signing-key:%s", row.kid);
    row.private_key_enc = pem ? aead_seal(svc->keyring, pem, strlen(pem), aad) : NULL;
    row.public_jwk = jwk ? json_dumps(jwk, JSON_COMPACT) : NULL;
    if (pem) {
        crypto_wipe(pem, strlen(pem));
        free(pem);
    }
    json_decref(jwk);
    jws_key_free(k);
    if (!row.private_key_enc || !row.public_jwk) {
        free(row.private_key_enc);
        free(row.public_jwk);
        snprintf(err, err_size, "cannot seal the new signing key");
        return -1;
    }
    int64_t now = time_now();
    row.created_at = now;
    row.activates_at = activates_at;

    int rc = -1;
    struct db_conn *c = db_acquire(svc->db);
    if (db_begin_write(c) != DB_OK) {
        snprintf(err, err_size, "cannot start a transaction: %s", db_error_message(c));
        goto out;
    }
    bool needed = true;
    if (only_if_missing) {
        struct signing_key_row *rows = NULL;
        size_t n = 0;
        if (store_signing_keys_list(c, false, &rows, &n) != DB_DONE) {
            db_rollback(c);
            snprintf(err, err_size, "cannot read signing keys: %s", db_error_message(c));
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            if (strcmp(rows[i].alg, row.alg) == 0 && rows[i].retired_at == 0)
                needed = false;
        store_signing_key_rows_free(rows, n);
    }
    if (needed) {
        int64_t keep = (int64_t)svc->cfg.token_ttl_seconds + SIGNING_KEYS_SKEW_SECONDS;
        if (retire_others &&
            store_signing_keys_retire_other_algs(c, row.alg, now, now + keep) != DB_DONE) {
            db_rollback(c);
            snprintf(err, err_size, "cannot retire keys of other algorithms");
            goto out;
        }
        if (store_signing_key_insert(c, &row) != DB_DONE) {
            db_rollback(c);
            snprintf(err, err_size, "cannot store the signing key: %s", db_error_message(c));
            goto out;
        }
    }
    if (db_commit(c) != DB_OK) {
        db_rollback(c);
        snprintf(err, err_size, "cannot commit the signing key: %s", db_error_message(c));
        goto out;
    }
    if (kid_out)
        snprintf(kid_out, kid_size, "%s", needed ? row.kid : "");
    rc = 0;
out:
    db_release(svc->db, c);
    free(row.private_key_enc);
    free(row.public_jwk);
    return rc;
}

/* ---- public API ----------------------------------------------------------- */

struct signing_keys *signing_keys_open(struct service *svc, char *err, size_t err_size)
{
    struct signing_keys *keys = calloc(1, sizeof *keys);
    if (!keys) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    keys->svc = svc;
    if (!jws_alg_parse(svc->cfg.signing_alg, &keys->family)) {
        snprintf(err, err_size, "unsupported signing algorithm %s", svc->cfg.signing_alg);
        free(keys);
        return NULL;
    }
    snprintf(keys->alg_name, sizeof keys->alg_name, "%s", svc->cfg.signing_alg);
    pthread_rwlock_init(&keys->lock, NULL);
    pthread_mutex_init(&keys->reload_lock, NULL);
    pthread_mutex_init(&keys->stop_lock, NULL);
    pthread_cond_init(&keys->stop_signal, NULL);
    atomic_init(&keys->loaded_ms, 0);
    atomic_init(&keys->checked_ms, 0);

    if (signing_keys_create(svc, keys->family, time_now(), true, true, NULL, 0, err, err_size) != 0)
        goto fail;
    pthread_mutex_lock(&keys->reload_lock);
    atomic_store(&keys->checked_ms, time_monotonic_ms());
    int rc = signing_keys_reload(keys);
    pthread_mutex_unlock(&keys->reload_lock);
    if (rc != 0) {
        snprintf(err, err_size, "cannot load the signing keys");
        goto fail;
    }
    struct signing_key_ref ref;
    if (!signing_keys_acquire_signer(keys, &ref)) {
        snprintf(err, err_size,
                 "no usable %s signing key (is this the master key the keys were sealed "
                 "with?)",
                 keys->alg_name);
        goto fail;
    }
    signing_keys_release(&ref);
    if (pthread_create(&keys->refresher, NULL, signing_keys_refresher, keys) != 0) {
        snprintf(err, err_size, "cannot start the signing key refresher");
        goto fail;
    }
    keys->refreshing = true;
    return keys;
fail:
    signing_keys_close(keys);
    return NULL;
}

void signing_keys_close(struct signing_keys *keys)
{
    if (!keys)
        return;
    if (keys->refreshing) {
        pthread_mutex_lock(&keys->stop_lock);
        keys->stopping = true;
        pthread_cond_signal(&keys->stop_signal);
        pthread_mutex_unlock(&keys->stop_lock);
        pthread_join(keys->refresher, NULL);
    }
    signing_key_set_unref(keys->current);
    pthread_rwlock_destroy(&keys->lock);
    pthread_mutex_destroy(&keys->reload_lock);
    pthread_cond_destroy(&keys->stop_signal);
    pthread_mutex_destroy(&keys->stop_lock);
    free(keys);
}

int signing_keys_rotate_report(struct service *svc, char *kid_out, size_t kid_size,
                               int64_t *activates_at, char *err, size_t err_size)
{
    enum jws_alg family;
    if (!jws_alg_parse(svc->cfg.signing_alg, &family)) {
        snprintf(err, err_size, "unsupported signing algorithm %s", svc->cfg.signing_alg);
        return -1;
    }
    /* Round up to the next whole second so the key is published for at least the
     * full lead time before it signs. */
    int64_t at = time_now() + svc->cfg.key_publish_lead_seconds + 1;
    if (signing_keys_create(svc, family, at, false, false, kid_out, kid_size, err, err_size) != 0)
        return -1;
    if (activates_at)
        *activates_at = at;
    return 0;
}

int signing_keys_rotate(struct service *svc, char *err, size_t err_size)
{
    return signing_keys_rotate_report(svc, NULL, 0, NULL, err, err_size);
}

bool signing_keys_acquire_signer(struct signing_keys *keys, struct signing_key_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    if (!keys)
        return false;
    signing_keys_refresh(keys, SIGNING_KEYS_STALE_WAIT_MS); /* only if the refresher stalls */
    struct signing_key_set *set = signing_keys_current(keys);
    if (!set)
        return false;
    int64_t now = time_now();
    for (size_t i = 0; i < set->count; i++) {
        const struct signing_key_slot *s = &set->slots[i];
        if (s->family != keys->family || s->activates_at > now ||
            (s->retired_at && s->retired_at <= now) || (s->expires_at && s->expires_at <= now))
            continue;
        ref->set = set;
        ref->key = s->key;
        ref->header_b64 = s->header_b64;
        ref->header_b64_len = s->header_b64_len;
        ref->kid = s->kid;
        return true;
    }
    /* The active key could not be loaded (its envelope is sealed under a master key
     * this process has not loaded: rotate-master without a restart). Keep issuing with
     * a retired key for as long as every token it signs still expires before the key
     * leaves JWKS, and say what to do. */
    int64_t ttl = keys->svc->cfg.token_ttl_seconds;
    for (size_t i = 0; i < set->count; i++) {
        const struct signing_key_slot *s = &set->slots[i];
        if (s->family != keys->family || s->activates_at > now || !s->expires_at ||
            now + ttl > s->expires_at)
            continue;
        static _Atomic int64_t warned_at;
        if (now - atomic_exchange(&warned_at, now) >= 60)
            log_event(LOG_ERROR,
                      "the active signing key cannot be decrypted; signing with "
                      "retired key %s until it leaves JWKS — restart after "
                      "`tenantd keys rotate-master`",
                      s->kid);
        ref->set = set;
        ref->key = s->key;
        ref->header_b64 = s->header_b64;
        ref->header_b64_len = s->header_b64_len;
        ref->kid = s->kid;
        return true;
    }
    signing_key_set_unref(set);
    return false;
}

bool signing_keys_acquire_verifier(struct signing_keys *keys, const char *kid, const char *alg,
                                   struct signing_key_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    enum jws_alg want;
    if (!keys || !kid || !alg || !jws_alg_parse(alg, &want))
        return false;
    signing_keys_refresh(keys, SIGNING_KEYS_STALE_WAIT_MS); /* only if the refresher stalls */
    struct signing_key_set *set = signing_keys_current(keys);
    if (!set)
        return false;
    int64_t now = time_now();
    for (size_t i = 0; i < set->count; i++) {
        const struct signing_key_slot *s = &set->slots[i];
        if (strcmp(s->kid, kid) != 0 || s->family != want ||
            (s->expires_at && s->expires_at <= now))
            continue;
        ref->set = set;
        ref->key = s->key;
        ref->header_b64 = s->header_b64;
        ref->header_b64_len = s->header_b64_len;
        ref->kid = s->kid;
        return true;
    }
    signing_key_set_unref(set);
    return false;
}

void signing_keys_release(struct signing_key_ref *ref)
{
    if (!ref)
        return;
    signing_key_set_unref(ref->set);
    memset(ref, 0, sizeof *ref);
}

char *signing_keys_jwks(struct signing_keys *keys, size_t *len)
{
    *len = 0;
    if (!keys)
        return NULL;
    signing_keys_refresh(keys, SIGNING_KEYS_JWKS_FRESH_MS);
    struct signing_key_set *set = signing_keys_current(keys);
    json_t *list = json_array();
    int64_t now = time_now();
    for (size_t i = 0; set && list && i < set->count; i++) {
        const struct signing_key_slot *s = &set->slots[i];
        if (s->expires_at && s->expires_at <= now)
            continue;
        json_t *jwk = jws_key_public_jwk(s->key, s->header_name);
        if (jwk)
            json_array_append_new(list, jwk);
    }
    signing_key_set_unref(set);
    json_t *doc = list ? json_pack("{s:o}", "keys", list) : NULL;
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text)
        *len = strlen(text);
    return text;
}

const char *signing_keys_alg_name(const struct signing_keys *keys)
{
    return keys ? keys->alg_name : "ES256";
}
