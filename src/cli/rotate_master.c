/*
 * rotate_master.c — `tenantd keys rotate-master`: re-encrypt every secret at rest
 * under a new master key (docs/STORAGE.md "Rotating the master key").
 *
 * Crash safety comes from the order of steps; at every point each envelope in the
 * database is readable with the key files on disk:
 *   0. check that every envelope of every registered column (store/secrets_at_rest.h)
 *      opens with the keys on disk; if one does not, stop before touching any file
 *      (a rotation could not finish, and every retry would add a key);
 *   1. hard-link the current key file to "<key>.old-<unix time>" (or
 *      "<key>.old-<unix time>-<n>" when that name is taken, e.g. two rotations in one
 *      second); the keyring reads "<key>.old*" for decryption, so the old key stays
 *      loadable; the directory is synced before the next step;
 *   2. write a new key to "<key>.next" (0600, synced) and rename() it over "<key>"
 *      (atomic), then sync the directory;
 *   3. in ONE database transaction, open every envelope not sealed by the new key
 *      (using whichever key sealed it) and seal it again under the new key.
 * An interrupted run (after 1 or 2) is finished by running the command again, which
 * rotates once more and moves everything to the newest key. Running servers keep
 * their old keyring in memory: they cannot open envelopes sealed under the new key
 * and keep sealing under the old one until restarted. Delete "<key>.old-*" only when
 * no backup you may restore still needs it.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "crypto/aead.h"
#include "crypto/master_key.h"
#include "service.h"
#include "store/db.h"
#include "store/secrets_at_rest.h"
#include "util/timeutil.h"

#define ROTATE_PATH_MAX 1024
/* Distinct "<key>.old-<time>-<n>" names tried before giving up. */
#define ROTATE_OLD_NAME_TRIES 100

/* fsync the directory holding path, so links and renames in it survive a crash. */
static int rotate_fsync_dir(const char *path)
{
    char dir[ROTATE_PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s", path);
    if (n < 0 || (size_t)n >= sizeof dir)
        return -1;
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        dir[1] = 0;
    else if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Step 1: hard-link key_path to a new "<key_path>.old-<now>[-<n>]" name. */
static int rotate_keep_old_key(const char *key_path, char *err, size_t err_size)
{
    char old_path[ROTATE_PATH_MAX + 64];
    long long now = (long long)time_now();
    for (int attempt = 0; attempt < ROTATE_OLD_NAME_TRIES; attempt++) {
        int n = attempt == 0
                    ? snprintf(old_path, sizeof old_path, "%s.old-%lld", key_path, now)
                    : snprintf(old_path, sizeof old_path, "%s.old-%lld-%d", key_path, now, attempt);
        if (n < 0 || (size_t)n >= sizeof old_path) {
            snprintf(err, err_size, "master key path too long");
            return -1;
        }
        if (link(key_path, old_path) == 0) {
            if (rotate_fsync_dir(key_path) != 0) {
                snprintf(err, err_size, "cannot sync the directory of %.300s: %s", key_path,
                         strerror(errno));
                return -1;
            }
            return 0;
        }
        if (errno != EEXIST) {
            snprintf(err, err_size, "cannot keep the old key as %.300s: %s", old_path,
                     strerror(errno));
            return -1;
        }
    }
    snprintf(err, err_size, "cannot keep the old key: too many %.300s.old-%lld-* files", key_path,
             now);
    return -1;
}

/* Steps 1 and 2: keep the old key, install a new one. */
static int rotate_install_new_key(const char *key_path, char *err, size_t err_size)
{
    char next_path[ROTATE_PATH_MAX + 8];
    int n = snprintf(next_path, sizeof next_path, "%s.next", key_path);
    if (n < 0 || (size_t)n >= sizeof next_path) {
        snprintf(err, err_size, "master key path too long");
        return -1;
    }
    if (rotate_keep_old_key(key_path, err, err_size) != 0)
        return -1;
    unlink(next_path); /* a leftover from an interrupted run never sealed anything */
    if (master_key_write_new(next_path, err, err_size) != 0)
        return -1;
    if (rename(next_path, key_path) != 0) {
        snprintf(err, err_size, "cannot install the new key: %s", strerror(errno));
        unlink(next_path);
        return -1;
    }
    if (rotate_fsync_dir(key_path) != 0) {
        snprintf(err, err_size, "cannot sync the directory of %.300s: %s", key_path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* One row of a sealed column, copied out of the result set. */
struct rotate_row {
    char *id;
    char *envelope;
};

static void rotate_rows_free(struct rotate_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].id);
        free(rows[i].envelope);
    }
    free(rows);
}

struct rotate_collector {
    const char *skip_key_id;
    struct rotate_row *rows;
    size_t n, cap;
    bool oom;
};

/* store_secret_each_fn: keeps a copy of (id, envelope) unless it is sealed by
 * skip_key_id. */
static int rotate_collect_one(const char *id, const char *envelope, void *ctx)
{
    struct rotate_collector *r = ctx;
    char kid[MASTER_KEY_ID_LEN + 1];
    if (r->skip_key_id && aead_envelope_key_id(envelope, kid) && strcmp(kid, r->skip_key_id) == 0)
        return 0;
    if (r->n == r->cap) {
        size_t new_cap = r->cap ? r->cap * 2 : 16;
        struct rotate_row *grown = realloc(r->rows, new_cap * sizeof *r->rows);
        if (!grown) {
            r->oom = true;
            return -1;
        }
        r->rows = grown;
        r->cap = new_cap;
    }
    struct rotate_row *row = &r->rows[r->n++];
    row->id = strdup(id);
    row->envelope = strdup(envelope);
    if (!row->id || !row->envelope) {
        r->oom = true;
        return -1;
    }
    return 0;
}

/*
 * Reads (id, envelope) of every row of col whose envelope is not sealed by
 * skip_key_id (NULL: every row) into a malloc'd array (free with rotate_rows_free).
 * Rows are collected before anything is written: updating while a SELECT is open
 * on the same connection works on SQLite, but the result would depend on the
 * backend. Returns 0, or -1 with a reason in err.
 */
static int rotate_collect(struct db_conn *c, const struct secret_column *col,
                          const char *skip_key_id, struct rotate_row **rows_out, size_t *n_out,
                          char *err, size_t err_size)
{
    *rows_out = NULL;
    *n_out = 0;
    struct rotate_collector r = {.skip_key_id = skip_key_id};
    enum db_status rc = store_secret_column_each(c, col, rotate_collect_one, &r);
    if (r.oom || rc != DB_DONE) {
        snprintf(err, err_size, r.oom ? "out of memory reading %s" : "cannot read %s", col->table);
        rotate_rows_free(r.rows, r.n);
        return -1;
    }
    *rows_out = r.rows;
    *n_out = r.n;
    return 0;
}

/* The associated data binding an envelope of col to row id. */
static int rotate_aad(const struct secret_column *col, const char *id, char *aad, size_t size)
{
    int n = snprintf(aad, size, "%s%s", col->aad_prefix, id);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Opens every envelope of col with kr — step 0 (check: reseal false, every row) and
 * step 3 (reseal true, inside the caller's transaction: the rows not yet sealed by
 * kr's current key are sealed with it and written back) walk a column alike.
 * Returns the number of rows opened, or -1 with err set.
 */
static long rotate_walk_column(struct db_conn *c, const struct master_keyring *kr,
                               const struct secret_column *col, bool reseal, char *err,
                               size_t err_size)
{
    struct rotate_row *rows;
    size_t n;
    const char *skip_key_id = reseal ? master_keyring_current_id(kr) : NULL;
    if (rotate_collect(c, col, skip_key_id, &rows, &n, err, err_size) != 0)
        return -1;
    long count = 0;
    for (size_t i = 0; i < n; i++) {
        char aad[256];
        size_t len = 0;
        unsigned char *plain = rotate_aad(col, rows[i].id, aad, sizeof aad) == 0
                                   ? aead_open(kr, rows[i].envelope, aad, &len)
                                   : NULL;
        if (!plain) {
            snprintf(err, err_size, "%s %.100s: cannot decrypt with any known master key%s",
                     col->table, rows[i].id,
                     reseal ? ""
                            : " (is a master.key.old-* file missing?); no key file was changed");
            count = -1;
            break;
        }
        enum db_status rc = DB_DONE;
        if (reseal) {
            char *sealed = aead_seal(kr, plain, len, aad);
            rc = sealed ? store_secret_column_set(c, col, rows[i].id, sealed) : DB_ERROR;
            free(sealed);
        }
        aead_free_plaintext(plain, len);
        if (rc != DB_DONE) {
            snprintf(err, err_size, "cannot update %s %.100s", col->table, rows[i].id);
            count = -1;
            break;
        }
        count++;
    }
    rotate_rows_free(rows, n);
    return count;
}

/* Step 0: every envelope in the database opens with the keys on disk. */
static int rotate_preflight(const struct config *cfg, char *err, size_t err_size)
{
    struct service svc;
    if (service_open(&svc, cfg, false, err, err_size) != 0)
        return -1;
    struct db_conn *c = db_acquire(svc.db);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < secret_columns_count; i++)
        if (rotate_walk_column(c, svc.keyring, &secret_columns[i], false, err, err_size) < 0)
            rc = -1;
    db_release(svc.db, c);
    service_close(&svc);
    return rc;
}

/* Step 3 with a keyring freshly loaded from disk (the new key and the old ones).
 * Writes the new key id into current. Returns the number re-sealed, or -1. */
static long rotate_reseal_all(const struct config *cfg, char current[MASTER_KEY_ID_LEN + 1],
                              char *err, size_t err_size)
{
    struct service svc;
    if (service_open(&svc, cfg, false, err, err_size) != 0)
        return -1;
    snprintf(current, MASTER_KEY_ID_LEN + 1, "%s", master_keyring_current_id(svc.keyring));
    struct db_conn *c = db_acquire(svc.db);
    long total = 0;
    if (db_begin_write(c) != DB_OK) {
        snprintf(err, err_size, "cannot start a write transaction (database busy?)");
        total = -1;
    }
    for (size_t i = 0; total >= 0 && i < secret_columns_count; i++) {
        long n = rotate_walk_column(c, svc.keyring, &secret_columns[i], true, err, err_size);
        total = n < 0 ? -1 : total + n;
    }
    if (total >= 0 && db_commit(c) != DB_OK) {
        snprintf(err, err_size, "cannot commit the re-encryption");
        total = -1;
    }
    if (total < 0)
        db_rollback(c);
    db_release(svc.db, c);
    service_close(&svc);
    return total;
}

int cli_rotate_master(void)
{
    struct config cfg;
    char err[512] = "";
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    char key_path[ROTATE_PATH_MAX];
    if (master_key_path(cfg.master_key_file, cfg.data_dir, key_path, sizeof key_path, err,
                        sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    /* Opening the service also proves the database and the current key are healthy
     * (and creates the key on a fresh data directory). */
    if (rotate_preflight(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    if (rotate_install_new_key(key_path, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s (the database was not changed)\n", err);
        return 1;
    }
    char current[MASTER_KEY_ID_LEN + 1] = "";
    long total = rotate_reseal_all(&cfg, current, err, sizeof err);
    if (total < 0) {
        fprintf(stderr,
                "tenantd: %s (the new key is installed but nothing was re-encrypted; every "
                "secret is still readable; run the command again)\n",
                err);
        return 1;
    }
    printf("tenantd: master key rotated to %s; %ld secret(s) re-encrypted.\n"
           "tenantd: restart running servers; keep %s.old-* until no backup needs it.\n",
           current, total, key_path);
    return 0;
}
