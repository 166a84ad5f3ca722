/*
 * crypto/master_key.c — loading, creating and holding the master keyring
 * (see master_key.h). Owns the key files' format and permission rules and
 * the memory the key bytes live in.
 */
#include "crypto/master_key.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/hash.h"
#include "crypto/keyring_internal.h"
#include "crypto/random.h"

#define MASTER_KEY_FILE_NAME "master.key"
#define MASTER_KEY_OLD_SUFFIX ".old"
#define MASTER_KEY_ID_LABEL "tenantd-master-key-id"
/* A key file is 64 hex chars plus a little whitespace; anything much larger
 * is not a key file. */
#define MASTER_KEY_FILE_MAX 256
#define MASTER_PATH_MAX 4096

struct master_key_entry {
    char id[MASTER_KEY_ID_LEN + 1];
    unsigned char key[MASTER_KEY_LEN];
};

struct master_keyring {
    struct master_key_entry *entries; /* entries[0] is current; own mapping */
    size_t count;
    size_t map_size;
};

/* Formats a one-line reason into err (truncation is acceptable: it is a
 * message, and err stays NUL-terminated). */
static void master_set_err(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void master_set_err(char *err, size_t err_size, const char *fmt, ...)
{
    if (err == NULL || err_size == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    if (n < 0)
        err[0] = '\0';
}

static void master_key_compute_id(const unsigned char key[MASTER_KEY_LEN],
                                  char id[MASTER_KEY_ID_LEN + 1])
{
    unsigned char buf[sizeof MASTER_KEY_ID_LABEL - 1 + MASTER_KEY_LEN];
    unsigned char digest[CRYPTO_SHA256_LEN];

    memcpy(buf, MASTER_KEY_ID_LABEL, sizeof MASTER_KEY_ID_LABEL - 1);
    memcpy(buf + sizeof MASTER_KEY_ID_LABEL - 1, key, MASTER_KEY_LEN);
    crypto_sha256(buf, sizeof buf, digest);
    crypto_wipe(buf, sizeof buf);
    crypto_hex_encode(digest, MASTER_KEY_ID_LEN / 2, id);
}

/* Allocates an empty keyring whose entries live in their own page-aligned
 * anonymous mapping: excluded from core dumps and, when the memlock limit
 * allows, from swap. */
static struct master_keyring *master_keyring_new(void)
{
    struct master_keyring *kr = calloc(1, sizeof *kr);
    if (kr == NULL)
        return NULL;
    long page = sysconf(_SC_PAGESIZE);
    size_t page_size = page > 0 ? (size_t)page : 4096;
    size_t need = MASTER_KEYRING_MAX * sizeof(struct master_key_entry);
    kr->map_size = (need + page_size - 1) / page_size * page_size;
    void *map =
        mmap(NULL, kr->map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        free(kr);
        return NULL;
    }
#ifdef MADV_DONTDUMP
    (void)madvise(map, kr->map_size, MADV_DONTDUMP); /* best effort */
#endif
    (void)mlock(map, kr->map_size); /* best effort: RLIMIT_MEMLOCK may forbid */
    kr->entries = map;
    return kr;
}

void master_keyring_free(struct master_keyring *kr)
{
    if (kr == NULL)
        return;
    if (kr->entries != NULL) {
        crypto_wipe(kr->entries, kr->map_size);
        (void)munlock(kr->entries, kr->map_size);
        munmap(kr->entries, kr->map_size);
    }
    free(kr);
}

static bool master_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Reads and validates one key file into key. Returns 0, -1 with err set, or
 * -2 (err set) when the file does not exist. */
static int master_key_read_file(const char *path, unsigned char key[MASTER_KEY_LEN], char *err,
                                size_t err_size)
{
    char buf[MASTER_KEY_FILE_MAX + 1];
    size_t len = 0;
    struct stat st;
    int rc = -1;

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        master_set_err(err, err_size, "cannot open master key file %s: %s", path, strerror(e));
        return e == ENOENT ? -2 : -1;
    }
    if (fstat(fd, &st) != 0) {
        master_set_err(err, err_size, "cannot stat master key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        master_set_err(err, err_size, "master key file %s is not a regular file", path);
        goto out;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        master_set_err(err, err_size,
                       "master key file %s is accessible by group or others (mode %04o); "
                       "run: chmod 600 %s",
                       path, (unsigned)(st.st_mode & 07777), path);
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            master_set_err(err, err_size, "cannot read master key file %s: %s", path,
                           strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof buf)
            break;
    }
    size_t hex_len = 0;
    while (hex_len < len && hex_len <= MASTER_KEY_LEN * 2 && master_is_hex(buf[hex_len]))
        hex_len++;
    size_t rest = hex_len;
    while (rest < len &&
           (buf[rest] == '\n' || buf[rest] == '\r' || buf[rest] == ' ' || buf[rest] == '\t'))
        rest++;
    if (hex_len != MASTER_KEY_LEN * 2 || rest != len ||
        !crypto_hex_decode(buf, hex_len, key, MASTER_KEY_LEN)) {
        master_set_err(err, err_size, "master key file %s is malformed: expected %d hex characters",
                       path, MASTER_KEY_LEN * 2);
        goto out;
    }
    rc = 0;
out:
    crypto_wipe(buf, sizeof buf);
    close(fd);
    return rc;
}

/* Adds key to the keyring unless a key with the same id is already there. */
static int master_keyring_add(struct master_keyring *kr, const unsigned char key[MASTER_KEY_LEN],
                              const char *path, char *err, size_t err_size)
{
    char id[MASTER_KEY_ID_LEN + 1];
    master_key_compute_id(key, id);
    for (size_t i = 0; i < kr->count; i++)
        if (strcmp(kr->entries[i].id, id) == 0)
            return 0; /* e.g. an old copy of the current key */
    if (kr->count == MASTER_KEYRING_MAX) {
        master_set_err(err, err_size, "too many master key files (at most %d) next to %s",
                       MASTER_KEYRING_MAX, path);
        return -1;
    }
    memcpy(kr->entries[kr->count].id, id, sizeof id);
    memcpy(kr->entries[kr->count].key, key, MASTER_KEY_LEN);
    kr->count++;
    return 0;
}

/* Writes the directory part of path ("." for a bare name) into dir. */
static int master_dirname(const char *path, char *dir, size_t dir_size)
{
    const char *slash = strrchr(path, '/');
    int n;
    if (slash == NULL)
        n = snprintf(dir, dir_size, ".");
    else if (slash == path)
        n = snprintf(dir, dir_size, "/");
    else
        n = snprintf(dir, dir_size, "%.*s", (int)(slash - path), path);
    return n < 0 || (size_t)n >= dir_size ? -1 : 0;
}

static int master_cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Loads "<path>.old*" files (in name order) into kr. */
static int master_keyring_load_old(struct master_keyring *kr, const char *path, char *err,
                                   size_t err_size)
{
    char dir[MASTER_PATH_MAX];
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    char prefix[MASTER_PATH_MAX];
    char **names = NULL;
    size_t n_names = 0, cap = 0;
    unsigned char key[MASTER_KEY_LEN];
    int rc = -1;

    int m = snprintf(prefix, sizeof prefix, "%s%s", base, MASTER_KEY_OLD_SUFFIX);
    if (master_dirname(path, dir, sizeof dir) != 0 || m < 0 || (size_t)m >= sizeof prefix) {
        master_set_err(err, err_size, "master key path too long");
        return -1;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        master_set_err(err, err_size, "cannot list directory %s: %s", dir, strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, (size_t)m) != 0)
            continue;
        if (n_names == cap) {
            size_t new_cap = cap == 0 ? 8 : cap * 2;
            char **grown = realloc(names, new_cap * sizeof *grown);
            if (grown == NULL)
                goto oom;
            names = grown;
            cap = new_cap;
        }
        names[n_names] = strdup(de->d_name);
        if (names[n_names] == NULL)
            goto oom;
        n_names++;
    }
    if (n_names > 0)
        qsort(names, n_names, sizeof *names, master_cmp_names);
    for (size_t i = 0; i < n_names; i++) {
        char old_path[MASTER_PATH_MAX];
        int k = snprintf(old_path, sizeof old_path, "%s/%s", dir, names[i]);
        if (k < 0 || (size_t)k >= sizeof old_path) {
            master_set_err(err, err_size, "master key path too long");
            goto out;
        }
        if (master_key_read_file(old_path, key, err, err_size) != 0)
            goto out;
        if (master_keyring_add(kr, key, path, err, err_size) != 0)
            goto out;
    }
    rc = 0;
    goto out;
oom:
    master_set_err(err, err_size, "out of memory listing %s", dir);
out:
    crypto_wipe(key, sizeof key);
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* mkdir -p of path's parent directory; components created get mode 0700. */
static int master_make_parent_dirs(const char *path, char *err, size_t err_size)
{
    char buf[MASTER_PATH_MAX];
    int n = snprintf(buf, sizeof buf, "%s", path);
    if (n < 0 || (size_t)n >= sizeof buf) {
        master_set_err(err, err_size, "master key path too long");
        return -1;
    }
    char *last = strrchr(buf, '/');
    if (last == NULL || last == buf)
        return 0; /* relative file in the working directory, or under / */
    *last = '\0';
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
                master_set_err(err, err_size, "cannot create directory %s: %s", buf,
                               strerror(errno));
                return -1;
            }
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    return 0;
}

static int master_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync the directory holding path so a new link survives a crash. */
static void master_sync_parent(const char *path)
{
    char dir[MASTER_PATH_MAX];
    if (master_dirname(path, dir, sizeof dir) != 0)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* master_key_write_new, also telling whether it failed only because the
 * path already exists. */
static int master_key_create(const char *path, bool *exists, char *err, size_t err_size)
{
    unsigned char key[MASTER_KEY_LEN];
    char text[MASTER_KEY_LEN * 2 + 2];
    char tmp[MASTER_PATH_MAX];
    int rc = -1;
    int fd = -1;
    bool have_tmp = false;

    if (path == NULL || path[0] == '\0') {
        master_set_err(err, err_size, "empty master key path");
        return -1;
    }
    int n = snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        master_set_err(err, err_size, "master key path too long");
        return -1;
    }
    if (crypto_random_bytes(key, sizeof key) != 0) {
        master_set_err(err, err_size, "random number generator failed");
        return -1;
    }
    crypto_hex_encode(key, sizeof key, text);
    text[MASTER_KEY_LEN * 2] = '\n';
    text[MASTER_KEY_LEN * 2 + 1] = '\0';

    /* mkostemp opens with O_CREAT|O_EXCL and mode 0600; fchmod pins 0600
     * whatever the umask. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        master_set_err(err, err_size, "cannot create master key file next to %s: %s", path,
                       strerror(errno));
        goto out;
    }
    have_tmp = true;
    if (fchmod(fd, 0600) != 0 || master_write_all(fd, text, MASTER_KEY_LEN * 2 + 1) != 0 ||
        fsync(fd) != 0) {
        master_set_err(err, err_size, "cannot write master key file %s: %s", tmp, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    /* link() fails with EEXIST instead of replacing: the file appears
     * complete or not at all, and an existing key is never overwritten. */
    if (link(tmp, path) != 0) {
        int e = errno;
        if (e == EEXIST) {
            master_set_err(err, err_size, "master key file %s already exists", path);
            *exists = true;
            goto out;
        }
        if (e != EPERM && e != ENOTSUP && e != EOPNOTSUPP && e != ENOSYS) {
            master_set_err(err, err_size, "cannot create master key file %s: %s", path,
                           strerror(e));
            goto out;
        }
        /* Filesystem without hard links: create the file itself exclusively. */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
            e = errno;
            master_set_err(err, err_size, "cannot create master key file %s: %s", path,
                           strerror(e));
            *exists = e == EEXIST;
            goto out;
        }
        if (fchmod(fd, 0600) != 0 || master_write_all(fd, text, MASTER_KEY_LEN * 2 + 1) != 0 ||
            fsync(fd) != 0) {
            master_set_err(err, err_size, "cannot write master key file %s: %s", path,
                           strerror(errno));
            (void)unlink(path);
            goto out;
        }
    }
    master_sync_parent(path);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (have_tmp)
        (void)unlink(tmp);
    crypto_wipe(key, sizeof key);
    crypto_wipe(text, sizeof text);
    return rc;
}

int master_key_write_new(const char *path, char *err, size_t err_size)
{
    bool exists = false;
    return master_key_create(path, &exists, err, err_size);
}

int master_key_path(const char *key_file, const char *data_dir, char *out, size_t out_size,
                    char *err, size_t err_size)
{
    int n;
    if (key_file != NULL && key_file[0] != '\0')
        n = snprintf(out, out_size, "%s", key_file);
    else if (data_dir != NULL && data_dir[0] != '\0')
        n = snprintf(out, out_size, "%s/%s", data_dir, MASTER_KEY_FILE_NAME);
    else {
        master_set_err(err, err_size, "no data directory and TENANTD_MASTER_KEY_FILE not set");
        return -1;
    }
    if (n < 0 || (size_t)n >= out_size) {
        master_set_err(err, err_size, "master key path too long");
        return -1;
    }
    return 0;
}

struct master_keyring *master_keyring_load(const char *key_file, const char *data_dir,
                                           bool create_if_missing, char *err, size_t err_size)
{
    char path[MASTER_PATH_MAX];
    unsigned char key[MASTER_KEY_LEN];

    if (err != NULL && err_size > 0)
        err[0] = '\0';
    if (master_key_path(key_file, data_dir, path, sizeof path, err, err_size) != 0)
        return NULL;

    int rc = master_key_read_file(path, key, err, err_size);
    if (rc == -2 && create_if_missing) {
        if (master_make_parent_dirs(path, err, err_size) != 0)
            return NULL;
        bool exists = false;
        if (master_key_create(path, &exists, err, err_size) != 0 && !exists)
            return NULL; /* exists: another process created it first; load that */
        rc = master_key_read_file(path, key, err, err_size);
    }
    if (rc != 0) {
        crypto_wipe(key, sizeof key);
        return NULL;
    }

    struct master_keyring *kr = master_keyring_new();
    if (kr == NULL) {
        crypto_wipe(key, sizeof key);
        master_set_err(err, err_size, "out of memory");
        return NULL;
    }
    rc = master_keyring_add(kr, key, path, err, err_size);
    crypto_wipe(key, sizeof key);
    if (rc != 0 || master_keyring_load_old(kr, path, err, err_size) != 0) {
        master_keyring_free(kr);
        return NULL;
    }
    if (err != NULL && err_size > 0)
        err[0] = '\0';
    return kr;
}

const char *master_keyring_current_id(const struct master_keyring *kr)
{
    return kr->entries[0].id;
}

size_t master_keyring_count(const struct master_keyring *kr)
{
    return kr->count;
}

bool master_keyring_has_id(const struct master_keyring *kr, const char *id)
{
    return id != NULL && strlen(id) == MASTER_KEY_ID_LEN && master_keyring_find_key(kr, id) != NULL;
}

const unsigned char *master_keyring_current_key(const struct master_keyring *kr)
{
    return kr->entries[0].key;
}

const unsigned char *master_keyring_find_key(const struct master_keyring *kr, const char *id)
{
    for (size_t i = 0; i < kr->count; i++)
        if (memcmp(kr->entries[i].id, id, MASTER_KEY_ID_LEN) == 0)
            return kr->entries[i].key;
    return NULL;
}
