/*
 * admin.c — `tenantd admin create --email E --password-stdin [--display-name N]`:
 * creates a host admin. The password is read from the first line of stdin so it
 * never appears in the process list or shell history.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "crypto/hash.h"
#include "crypto/password.h"
#include "domain/names.h"
#include "service.h"
#include "store/ids.h"
#include "store/users.h"
#include "util/timeutil.h"

int cli_admin(int argc, char **argv)
{
    const char *email_arg = NULL, *display = NULL;
    int password_stdin = 0;
    if (argc < 1 || strcmp(argv[0], "create") != 0) {
        fprintf(stderr, "tenantd: usage: tenantd admin create --email E --password-stdin\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--email") == 0 && i + 1 < argc)
            email_arg = argv[++i];
        else if (strcmp(argv[i], "--display-name") == 0 && i + 1 < argc)
            display = argv[++i];
        else if (strcmp(argv[i], "--password-stdin") == 0)
            password_stdin = 1;
        else {
            fprintf(stderr, "tenantd: admin create: unexpected argument \"%.64s\"\n", argv[i]);
            return 2;
        }
    }
    if (!email_arg || !password_stdin) {
        fprintf(stderr, "tenantd: admin create needs --email and --password-stdin\n");
        return 2;
    }
    struct user_row u;
    memset(&u, 0, sizeof u);
    if (!email_normalize(email_arg, u.email, sizeof u.email)) {
        fprintf(stderr, "tenantd: \"%.64s\" is not a valid email address\n", email_arg);
        return 2;
    }
    char password[PASSWORD_MAX_LEN + 4];
    if (!fgets(password, sizeof password, stdin)) {
        fprintf(stderr, "tenantd: no password on stdin\n");
        return 2;
    }
    password[strcspn(password, "\r\n")] = 0;
    const char *reason = NULL;
    if (!password_is_acceptable(password, &reason)) {
        crypto_wipe(password, sizeof password);
        fprintf(stderr, "tenantd: password rejected: %s\n", reason);
        return 2;
    }
    const char *why = NULL;
    if (!name_normalize(display ? display : u.email, NAME_MAX_CHARS, u.display_name,
                        sizeof u.display_name, &why)) {
        crypto_wipe(password, sizeof password);
        fprintf(stderr, "tenantd: display name rejected: %s\n", why);
        return 2;
    }
    int hashed = password_hash(password, u.password_hash, sizeof u.password_hash);
    crypto_wipe(password, sizeof password);
    if (hashed != 0 || store_new_id(u.id) != 0) {
        fprintf(stderr, "tenantd: cannot hash the password\n");
        return 1;
    }
    u.is_host_admin = true;
    u.created_at = time_now();

    struct config cfg;
    struct service svc;
    int status = cli_open_service(&cfg, &svc);
    if (status != 0)
        return status;
    struct db_conn *c = db_acquire(svc.db);
    int rc = store_user_insert(c, &u);
    db_release(svc.db, c);
    service_close(&svc);
    if (rc == DB_CONSTRAINT) {
        fprintf(stderr, "tenantd: a user with email %s already exists\n", u.email);
        return 1;
    }
    if (rc != DB_DONE) {
        fprintf(stderr, "tenantd: cannot create the user (database error)\n");
        return 1;
    }
    printf("tenantd: host admin %s created (id %s)\n", u.email, u.id);
    return 0;
}
