/*
 * tests/unit/test_crypto_aead.c — the master keyring (src/crypto/master_key.c)
 * and AES-256-GCM envelopes (src/crypto/aead.c): key file creation (mode
 * 0600, parent 0700, never overwritten), refusal of group/world-accessible
 * and malformed key files, a key file outside the data directory
 * (TENANTD_MASTER_KEY_FILE), key ids, rotation with master.key.old*, and
 * envelope round trip / tamper / wrong aad / wrong key / unknown key id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/master_key.h"

#define ERR_SIZE 512

/* Per-test scratch directory under /tmp, removed afterwards. */
struct fixture {
    char root[64];
};

static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                    continue;
                char child[512];
                int n = snprintf(child, sizeof child, "%s/%s", path, de->d_name);
                if (n > 0 && (size_t)n < sizeof child)
                    rm_rf(child);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->root, sizeof f->root, "/tmp/tenantd-aead-XXXXXX");
    if (mkdtemp(f->root) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rm_rf(f->root);
    free(f);
    return 0;
}

static void path_in(const struct fixture *f, const char *rel, char *out, size_t out_size)
{
    int n = snprintf(out, out_size, "%s/%s", f->root, rel);
    assert_true(n > 0 && (size_t)n < out_size);
}

static void write_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static size_t read_file(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, size - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    close(fd);
    return (size_t)n;
}

static struct master_keyring *load_file_ok(const char *key_file, const char *dir, bool create)
{
    char err[ERR_SIZE];
    struct master_keyring *kr = master_keyring_load(key_file, dir, create, err, sizeof err);
    if (kr == NULL)
        fail_msg("master_keyring_load(%s, %s): %s", key_file ? key_file : "NULL",
                 dir ? dir : "NULL", err);
    assert_string_equal(err, "");
    return kr;
}

static struct master_keyring *load_ok(const char *dir, bool create)
{
    return load_file_ok(NULL, dir, create);
}

/* Expected id of a hex key file content: SHA-256("tenantd-master-key-id" || key)[0..8) in hex. */
static void expected_id(const char *hex64, char out[17])
{
    unsigned char buf[21 + 32];
    unsigned char digest[32];
    memcpy(buf, "tenantd-master-key-id", 21);
    assert_true(crypto_hex_decode(hex64, 64, buf + 21, 32));
    crypto_sha256(buf, sizeof buf, digest);
    crypto_hex_encode(digest, 8, out);
}

static void test_create_key_file(void **state)
{
    struct fixture *f = *state;
    char data_dir[256], key_path[300], content[200], id[17];
    struct stat st;

    /* Two missing directory levels, and a permissive umask that must not
     * loosen the key file or its directory. */
    path_in(f, "a/data", data_dir, sizeof data_dir);
    snprintf(key_path, sizeof key_path, "%s/master.key", data_dir);
    mode_t old_umask = umask(0);
    struct master_keyring *kr = load_ok(data_dir, true);
    umask(old_umask);

    assert_int_equal(stat(key_path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(stat(data_dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);

    assert_int_equal(read_file(key_path, content, sizeof content), 65);
    assert_int_equal(content[64], '\n');
    unsigned char key[32];
    assert_true(crypto_hex_decode(content, 64, key, sizeof key));

    expected_id(content, id);
    assert_string_equal(master_keyring_current_id(kr), id);
    assert_int_equal(master_keyring_count(kr), 1);
    assert_true(master_keyring_has_id(kr, id));
    assert_false(master_keyring_has_id(kr, "0000000000000000"));

    /* Loading again (without create) finds the same key; no temp files left. */
    struct master_keyring *again = load_ok(data_dir, false);
    assert_string_equal(master_keyring_current_id(again), id);
    DIR *d = opendir(data_dir);
    assert_non_null(d);
    struct dirent *de;
    int entries = 0;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            entries++;
    closedir(d);
    assert_int_equal(entries, 1);

    master_keyring_free(again);
    master_keyring_free(kr);
}

static void test_missing_without_create(void **state)
{
    struct fixture *f = *state;
    char err[ERR_SIZE];
    assert_null(master_keyring_load(NULL, f->root, false, err, sizeof err));
    assert_non_null(strstr(err, "master.key"));
    assert_null(master_keyring_load(NULL, NULL, true, err, sizeof err));
    assert_true(strlen(err) > 0);
}

static void test_refuses_loose_permissions(void **state)
{
    struct fixture *f = *state;
    char key_path[300], err[ERR_SIZE];
    path_in(f, "master.key", key_path, sizeof key_path);
    struct master_keyring *kr = load_ok(f->root, true);
    master_keyring_free(kr);

    static const mode_t bad_modes[] = {0644, 0640, 0604, 0620, 0602, 0660, 0610};
    for (size_t i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
        assert_int_equal(chmod(key_path, bad_modes[i]), 0);
        err[0] = '\0';
        assert_null(master_keyring_load(NULL, f->root, true, err, sizeof err));
        assert_non_null(strstr(err, "group or others"));
        assert_non_null(strstr(err, key_path));
    }
    /* 0400 (read-only owner) is fine. */
    assert_int_equal(chmod(key_path, 0400), 0);
    kr = load_ok(f->root, false);
    master_keyring_free(kr);
    assert_int_equal(chmod(key_path, 0600), 0);

    /* An old key with loose permissions fails the whole load. */
    char old_path[320];
    path_in(f, "master.key.old1", old_path, sizeof old_path);
    write_file(old_path, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
               0644);
    assert_null(master_keyring_load(NULL, f->root, false, err, sizeof err));
    assert_non_null(strstr(err, "master.key.old1"));
}

static void test_refuses_malformed_and_non_regular(void **state)
{
    struct fixture *f = *state;
    char key_path[300], err[ERR_SIZE];
    path_in(f, "master.key", key_path, sizeof key_path);

    static const char *const bad[] = {
        "",
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",     /* 62 */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n", /* 66 */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeegg\n",   /* non-hex */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\nxx", /* trailing */
        " 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",    /* leading */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unlink(key_path);
        write_file(key_path, bad[i], 0600);
        err[0] = '\0';
        assert_null(master_keyring_load(NULL, f->root, true, err, sizeof err));
        assert_non_null(strstr(err, "malformed"));
        /* The message never echoes file content. */
        assert_null(strstr(err, "0011223344"));
    }
    /* Uppercase hex with CRLF is accepted. */
    unlink(key_path);
    write_file(key_path, "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\r\n",
               0600);
    struct master_keyring *kr = load_ok(f->root, false);
    char id[17];
    expected_id("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", id);
    assert_string_equal(master_keyring_current_id(kr), id);
    master_keyring_free(kr);

    /* A directory where the key file should be. */
    unlink(key_path);
    assert_int_equal(mkdir(key_path, 0700), 0);
    assert_null(master_keyring_load(NULL, f->root, true, err, sizeof err));
    assert_non_null(strstr(err, "regular file"));
    rmdir(key_path);
}

static void test_write_new_never_overwrites(void **state)
{
    struct fixture *f = *state;
    char key_path[300], before[200], after[200], err[ERR_SIZE];
    struct stat st;
    path_in(f, "explicit.key", key_path, sizeof key_path);

    assert_int_equal(master_key_write_new(key_path, err, sizeof err), 0);
    assert_int_equal(stat(key_path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    read_file(key_path, before, sizeof before);
    assert_int_equal(master_key_write_new(key_path, err, sizeof err), -1);
    assert_non_null(strstr(err, "already exists"));
    read_file(key_path, after, sizeof after);
    assert_string_equal(before, after);

    char missing_dir[300];
    path_in(f, "nope/x.key", missing_dir, sizeof missing_dir);
    assert_int_equal(master_key_write_new(missing_dir, err, sizeof err), -1);
}

static void test_key_file_override(void **state)
{
    struct fixture *f = *state;
    char key_file[300], data_dir[300], unused_key[320], content[200], id[17];
    struct stat st;
    path_in(f, "secrets/k1", key_file, sizeof key_file);
    path_in(f, "data", data_dir, sizeof data_dir);
    snprintf(unused_key, sizeof unused_key, "%s/master.key", data_dir);

    struct master_keyring *kr = load_file_ok(key_file, data_dir, true);
    assert_int_equal(stat(key_file, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_not_equal(stat(unused_key, &st), 0);
    read_file(key_file, content, sizeof content);
    expected_id(content, id);
    assert_string_equal(master_keyring_current_id(kr), id);
    master_keyring_free(kr);

    /* With a key file, no data dir is needed. */
    kr = load_file_ok(key_file, NULL, false);
    assert_string_equal(master_keyring_current_id(kr), id);
    master_keyring_free(kr);
}

static void test_seal_open_round_trip(void **state)
{
    struct fixture *f = *state;
    struct master_keyring *kr = load_ok(f->root, true);
    const char *secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    size_t len = 0;

    char *env = aead_seal(kr, secret, strlen(secret), "storage:app-1");
    assert_non_null(env);
    /* "v1." + id + "." + base64url(12 + 40 + 16 bytes) */
    char prefix[24];
    snprintf(prefix, sizeof prefix, "v1.%s.", master_keyring_current_id(kr));
    assert_int_equal(strncmp(env, prefix, strlen(prefix)), 0);
    assert_int_equal(strlen(env), strlen(prefix) + 91);
    assert_null(strstr(env, "wJalr"));
    char id[17];
    assert_true(aead_envelope_key_id(env, id));
    assert_string_equal(id, master_keyring_current_id(kr));

    unsigned char *plain = aead_open(kr, env, "storage:app-1", &len);
    assert_non_null(plain);
    assert_int_equal(len, strlen(secret));
    assert_memory_equal(plain, secret, len);
    assert_int_equal(plain[len], '\0');
    aead_free_plaintext(plain, len);

    /* Same plaintext twice: different nonces, different envelopes. */
    char *env2 = aead_seal(kr, secret, strlen(secret), "storage:app-1");
    assert_non_null(env2);
    assert_string_not_equal(env, env2);
    free(env2);

    /* Binary plaintext with NULs, and the empty plaintext. */
    const unsigned char bin[] = {0, 1, 2, 0, 255, 0};
    env2 = aead_seal(kr, bin, sizeof bin, NULL);
    assert_non_null(env2);
    plain = aead_open(kr, env2, "", &len); /* NULL aad == "" */
    assert_non_null(plain);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(plain, bin, sizeof bin);
    aead_free_plaintext(plain, len);
    free(env2);

    env2 = aead_seal(kr, NULL, 0, "x");
    assert_non_null(env2);
    plain = aead_open(kr, env2, "x", &len);
    assert_non_null(plain);
    assert_int_equal(len, 0);
    assert_int_equal(plain[0], '\0');
    aead_free_plaintext(plain, len);
    free(env2);

    free(env);
    master_keyring_free(kr);
}

static void test_open_rejects_tampering(void **state)
{
    struct fixture *f = *state;
    struct master_keyring *kr = load_ok(f->root, true);
    const char *secret = "super secret value";
    size_t len = 99;
    char *env = aead_seal(kr, secret, strlen(secret), "storage:app-1");
    assert_non_null(env);
    size_t env_len = strlen(env);
    size_t body = 3 + 16 + 1;

    /* Wrong aad: another row, another purpose, empty. */
    assert_null(aead_open(kr, env, "storage:app-2", &len));
    assert_int_equal(len, 0);
    assert_null(aead_open(kr, env, "workspace:app-1", &len));
    assert_null(aead_open(kr, env, NULL, &len));

    /* Flip a bit in every character of the body (nonce, ciphertext, tag);
     * either it stops being canonical base64url or the tag fails. */
    char *copy = strdup(env);
    assert_non_null(copy);
    for (size_t i = body; i < env_len; i++) {
        char saved = copy[i];
        copy[i] = saved == 'A' ? 'B' : 'A';
        assert_null(aead_open(kr, copy, "storage:app-1", &len));
        copy[i] = saved;
    }
    /* Untouched copy still opens. */
    unsigned char *plain = aead_open(kr, copy, "storage:app-1", &len);
    assert_non_null(plain);
    aead_free_plaintext(plain, len);

    /* Truncations and extensions. */
    for (size_t cut = 0; cut < env_len; cut += 7) {
        copy[cut] = '\0';
        assert_null(aead_open(kr, copy, "storage:app-1", &len));
        memcpy(copy, env, env_len + 1);
    }
    char longer[512];
    snprintf(longer, sizeof longer, "%sAAAA", env);
    assert_null(aead_open(kr, longer, "storage:app-1", &len));

    /* Header damage: version, separator, id case. */
    copy[1] = '2';
    assert_null(aead_open(kr, copy, "storage:app-1", &len));
    memcpy(copy, env, env_len + 1);
    copy[3 + 16] = '-';
    assert_null(aead_open(kr, copy, "storage:app-1", &len));
    memcpy(copy, env, env_len + 1);
    for (size_t i = 3; i < 3 + 16; i++)
        if (copy[i] >= 'a' && copy[i] <= 'f')
            copy[i] = (char)(copy[i] - 'a' + 'A');
    if (strcmp(copy, env) != 0)
        assert_null(aead_open(kr, copy, "storage:app-1", &len));

    /* Junk. */
    assert_null(aead_open(kr, "", "a", &len));
    assert_null(aead_open(kr, "v1.", "a", &len));
    assert_null(aead_open(kr, NULL, "a", &len));
    char id[17];
    assert_false(aead_envelope_key_id("v1.0123", id));
    assert_string_equal(id, "");
    assert_false(aead_envelope_key_id("v1.0123456789abcdeX.AAAA", id));

    free(copy);
    free(env);
    master_keyring_free(kr);
}

static void test_wrong_key_and_unknown_id(void **state)
{
    struct fixture *f = *state;
    char dir_a[300], dir_b[300];
    path_in(f, "a", dir_a, sizeof dir_a);
    path_in(f, "b", dir_b, sizeof dir_b);
    struct master_keyring *ka = load_ok(dir_a, true);
    struct master_keyring *kb = load_ok(dir_b, true);
    assert_string_not_equal(master_keyring_current_id(ka), master_keyring_current_id(kb));
    size_t len = 0;

    char *env = aead_seal(ka, "x", 1, "aad");
    assert_non_null(env);
    /* Unknown key id in keyring b. */
    assert_null(aead_open(kb, env, "aad", &len));

    /* Keyring b's id on keyring a's ciphertext: right id, wrong key. */
    char *forged = strdup(env);
    assert_non_null(forged);
    memcpy(forged + 3, master_keyring_current_id(kb), 16);
    assert_null(aead_open(kb, forged, "aad", &len));

    free(forged);
    free(env);
    master_keyring_free(ka);
    master_keyring_free(kb);
}

static void test_rotation_with_old_keys(void **state)
{
    struct fixture *f = *state;
    char key_path[300], old_path[320], err[ERR_SIZE];
    path_in(f, "master.key", key_path, sizeof key_path);
    path_in(f, "master.key.old-2024", old_path, sizeof old_path);

    struct master_keyring *k1 = load_ok(f->root, true);
    char id1[17];
    snprintf(id1, sizeof id1, "%s", master_keyring_current_id(k1));
    char *env1 = aead_seal(k1, "first", 5, "row:1");
    assert_non_null(env1);
    master_keyring_free(k1);

    /* Rotate: keep the old key as master.key.old-2024, make a new current. */
    assert_int_equal(rename(key_path, old_path), 0);
    assert_int_equal(master_key_write_new(key_path, err, sizeof err), 0);
    struct master_keyring *k2 = load_ok(f->root, false);
    assert_int_equal(master_keyring_count(k2), 2);
    assert_string_not_equal(master_keyring_current_id(k2), id1);
    assert_true(master_keyring_has_id(k2, id1));

    size_t len = 0;
    unsigned char *plain = aead_open(k2, env1, "row:1", &len);
    assert_non_null(plain);
    assert_memory_equal(plain, "first", 5);
    aead_free_plaintext(plain, len);

    char *env2 = aead_seal(k2, "second", 6, "row:1");
    assert_non_null(env2);
    char id[17];
    assert_true(aead_envelope_key_id(env2, id));
    assert_string_equal(id, master_keyring_current_id(k2));
    free(env2);

    /* A duplicate of the current key among the old files is ignored. */
    char dup_path[320], content[200];
    path_in(f, "master.key.old-dup", dup_path, sizeof dup_path);
    read_file(key_path, content, sizeof content);
    write_file(dup_path, content, 0600);
    struct master_keyring *k3 = load_ok(f->root, false);
    assert_int_equal(master_keyring_count(k3), 2);
    master_keyring_free(k3);

    /* Without the old file, the old envelope no longer opens. */
    assert_int_equal(unlink(old_path), 0);
    struct master_keyring *k4 = load_ok(f->root, false);
    assert_null(aead_open(k4, env1, "row:1", &len));
    master_keyring_free(k4);

    free(env1);
    master_keyring_free(k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_loose_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refuses_malformed_and_non_regular, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_new_never_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seal_open_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_rejects_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_and_unknown_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_with_old_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
