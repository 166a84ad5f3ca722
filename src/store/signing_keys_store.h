/*
 * signing_keys_store.h — rows of the `signing_keys` table: the JWT signing keys
 * every node shares. Private keys are stored only as AEAD envelopes (the
 * oauth/signing_keys.c layer seals and opens them); this file moves rows.
 */
#ifndef TENANTD_STORE_SIGNING_KEYS_STORE_H
#define TENANTD_STORE_SIGNING_KEYS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* At most this many keys are loaded (the newest by activation); expired keys are
 * deleted, so a healthy table holds two or three. */
#define SIGNING_KEYS_LOAD_MAX 32

struct signing_key_row {
    char kid[64];
    char alg[16];          /* key family: ES256 | RS256 | Ed25519 */
    char *private_key_enc; /* AEAD envelope, malloc'd; NULL in a metadata-only listing */
    char *public_jwk;      /* JSON text, malloc'd; NULL in a metadata-only listing */
    int64_t created_at;
    int64_t activates_at;
    int64_t retired_at; /* 0 when NULL */
    int64_t expires_at; /* 0 when NULL */
};

/*
 * Lists up to SIGNING_KEYS_LOAD_MAX keys, newest activation first (ties: newest
 * created, then kid). with_secrets also reads private_key_enc and public_jwk.
 * Returns DB_DONE with *rows (malloc'd; free with store_signing_key_rows_free) and
 * *count, or the failure.
 */
enum db_status store_signing_keys_list(struct db_conn *c, bool with_secrets,
                                       struct signing_key_row **rows, size_t *count);
void store_signing_key_rows_free(struct signing_key_row *rows, size_t count);

/* Inserts a key (retired_at/expires_at 0 are stored as NULL). DB_DONE, DB_CONSTRAINT
 * or DB_ERROR. */
enum db_status store_signing_key_insert(struct db_conn *c, const struct signing_key_row *row);

/* Sets retired_at/expires_at on kid when it has none yet (idempotent: every node
 * computes the same values). Returns DB_DONE or DB_ERROR. */
enum db_status store_signing_key_retire(struct db_conn *c, const char *kid, int64_t retired_at,
                                        int64_t expires_at);

/* Retires every not-yet-retired key whose family is not alg (the configured
 * algorithm changed). Returns DB_DONE or DB_ERROR. */
enum db_status store_signing_keys_retire_other_algs(struct db_conn *c, const char *alg,
                                                    int64_t retired_at, int64_t expires_at);

/* Deletes keys whose expires_at is at or before now: nothing they signed is valid.
 * Returns DB_DONE or DB_ERROR. */
enum db_status store_signing_keys_delete_expired(struct db_conn *c, int64_t now);

#endif
