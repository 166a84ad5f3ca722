/*
 * rotate_master.c — `tenantd keys rotate-master`: re-encrypt every secret at rest
 * under a new master key.
 *
 * Crash safety comes from the order of steps; at every point each envelope in the
 * database is readable with the key files on disk:
 *   1. hard-link the current key file to "<key>.old-<unix time>" (the old key stays
 *      loadable: the keyring reads "<key>.old*" for decryption);
 *   2. write a new key to "<key>.next" and rename() it over "<key>" (atomic);
 *   3. in ONE database transaction, open every envelope not sealed by the new key
 *      (using whichever key sealed it) and seal it again under the new key.
 * An interrupted run is finished by running the command again. Running servers
 * keep their old keyring in memory: restart them afterwards (they then load both
 * the new key and the old one). Delete "<key>.old-*" only when no backup you may
 * restore still needs it.
 */
#include <errno.h>
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

static int rotate_fsync_dir(const char *path)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Steps 1 and 2: keep the old key, install a new one. */
static int rotate_install_new_key(const char *key_path, char *err, size_t err_size)
{
    char old_path[1100], next_path[1100];
    snprintf(old_path, sizeof old_path, "%s.old-%lld", key_path, (long long)time_now());
    snprintf(next_path, sizeof next_path, "%s.next", key_path);
    if (link(key_path, old_path) != 0) {
        snprintf(err, err_size, "cannot keep the old key as %.300s: %s", old_path, strerror(errno));
        return -1;
    }
    unlink(next_path); /* a leftover from an interrupted run never sealed anything */
    if (master_key_write_new(next_path, err, err_size) != 0)
        return -1;
    if (rename(next_path, key_path) != 0) {
        snprintf(err, err_size, "cannot install the new key: %s", strerror(errno));
        return -1;
    }
    rotate_fsync_dir(key_path);
    return 0;
}

/* Step 3 for one column. Returns the number re-sealed, or -1. */
static long rotate_column(struct db_conn *c, const struct master_keyring *kr,
                          const struct secret_column *col, char *err, size_t err_size)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT %s, %s FROM %s WHERE %s IS NOT NULL", col->id_column,
             col->secret_column, col->table, col->secret_column);
    struct db_stmt *s = db_prepare(c, sql);
    if (!s) {
        snprintf(err, err_size, "cannot read %s", col->table);
        return -1;
    }
    char update_sql[512];
    snprintf(update_sql, sizeof update_sql, "UPDATE %s SET %s = $1 WHERE %s = $2", col->table,
             col->secret_column, col->id_column);
    const char *current = master_keyring_current_id(kr);
    long count = 0;
    int rc;
    /* Collect first: SQLite allows updating while a SELECT is open on the same
     * connection, but the result would depend on the backend. */
    struct pending {
        char *id, *envelope;
    } *rows = NULL;
    size_t n = 0, cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        char kid[MASTER_KEY_ID_LEN + 1];
        const char *envelope = db_column_text(s, 1);
        if (aead_envelope_key_id(envelope, kid) && strcmp(kid, current) == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct pending *grown = realloc(rows, cap * sizeof *rows);
            if (!grown)
                break;
            rows = grown;
        }
        rows[n].id = strdup(db_column_text(s, 0));
        rows[n].envelope = strdup(envelope);
        n++;
    }
    db_finalize(s);
    if (rc != DB_DONE)
        count = -1;
    for (size_t i = 0; i < n && count >= 0; i++) {
        char aad[256];
        snprintf(aad, sizeof aad, "%s%s", col->aad_prefix, rows[i].id);
        size_t len = 0;
        unsigned char *plain = aead_open(kr, rows[i].envelope, aad, &len);
        if (!plain) {
            snprintf(err, err_size, "%s %s: cannot decrypt with any known master key",
                     col->table, rows[i].id);
            count = -1;
            break;
        }
        char *sealed = aead_seal(kr, plain, len, aad);
        aead_free_plaintext(plain, len);
        const char *params[] = {sealed, rows[i].id};
        if (!sealed || db_run(c, update_sql, 2, params) != DB_DONE) {
            snprintf(err, err_size, "cannot update %s %s", col->table, rows[i].id);
            count = -1;
        } else {
            count++;
        }
        free(sealed);
    }
    if (count < 0 && err[0] == 0)
        snprintf(err, err_size, "cannot read %s", col->table);
    for (size_t i = 0; i < n; i++) {
        free(rows[i].id);
        free(rows[i].envelope);
    }
    free(rows);
    return count;
}

int cli_rotate_master(void)
{
    struct config cfg;
    struct service svc;
    char err[512] = "";
    if (config_load(&cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    /* Open once to be sure the database and the current key are healthy. */
    if (service_open(&svc, &cfg, false, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    service_close(&svc);
    char key_path[1024];
    const char *override = getenv("TENANTD_MASTER_KEY_FILE");
    if (override && *override)
        snprintf(key_path, sizeof key_path, "%s", override);
    else
        snprintf(key_path, sizeof key_path, "%s/master.key", cfg.data_dir);
    if (rotate_install_new_key(key_path, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    if (service_open(&svc, &cfg, false, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    struct db_conn *c = db_acquire(svc.db);
    long total = 0;
    int rc = db_begin_write(c) == DB_OK ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < secret_columns_count; i++) {
        long n = rotate_column(c, svc.keyring, &secret_columns[i], err, sizeof err);
        if (n < 0)
            rc = -1;
        else
            total += n;
    }
    if (rc == 0 && db_commit(c) != DB_OK) {
        snprintf(err, sizeof err, "cannot commit the re-encryption");
        rc = -1;
    }
    if (rc != 0)
        db_rollback(c);
    db_release(svc.db, c);
    char current[MASTER_KEY_ID_LEN + 1];
    snprintf(current, sizeof current, "%s", master_keyring_current_id(svc.keyring));
    service_close(&svc);
    if (rc != 0) {
        fprintf(stderr, "tenantd: %s (nothing was changed in the database; run again)\n", err);
        return 1;
    }
    printf("tenantd: master key rotated to %s; %ld secret(s) re-encrypted.\n"
           "tenantd: restart running servers; keep %s.old-* until no backup needs it.\n",
           current, total, key_path);
    return 0;
}
