/*
 * keys.c — `tenantd keys rotate` (start a signing-key rotation) and
 * `tenantd keys list` (show the key set and each key's state).
 *
 * Rotation only inserts the new key (published at once, signing from
 * now + TENANTD_KEY_PUBLISH_LEAD_SECONDS, rounded up to the next second); running
 * servers notice it within a second and do the rest (see oauth/signing_keys.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "service.h"
#include "oauth/signing_keys.h"
#include "store/db.h"
#include "store/signing_keys_store.h"
#include "util/timeutil.h"

static int cli_keys_list(struct service *svc)
{
    struct db_conn *c = db_acquire(svc->db);
    struct signing_key_row *rows = NULL;
    size_t n = 0;
    enum db_status rc = store_signing_keys_list(c, false, &rows, &n);
    db_release(svc->db, c);
    if (rc != DB_DONE) {
        fprintf(stderr, "tenantd: cannot read the signing keys\n");
        return 1;
    }
    int64_t now = time_now();
    printf("%-44s %-8s %-10s %-21s %-21s\n", "KID", "ALG", "STATE", "ACTIVATES", "EXPIRES");
    for (size_t i = 0; i < n; i++) {
        const struct signing_key_row *r = &rows[i];
        /* Rows are newest activation first: a key with an activated newer key of
         * its family is retired even before a server has written retired_at. */
        bool superseded = false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].alg, r->alg) == 0 && rows[j].activates_at <= now)
                superseded = true;
        const char *state = r->activates_at > now                                   ? "pending"
                            : superseded || (r->retired_at && r->retired_at <= now) ? "retired"
                                                                                    : "active";
        char act[32], exp[32] = "-";
        time_format_rfc3339(r->activates_at, act);
        if (r->expires_at)
            time_format_rfc3339(r->expires_at, exp);
        printf("%-44s %-8s %-10s %-21s %-21s\n", r->kid, r->alg, state, act, exp);
    }
    store_signing_key_rows_free(rows, n);
    return 0;
}

int cli_keys(int argc, char **argv)
{
    if (argc != 1 || (strcmp(argv[0], "rotate") != 0 && strcmp(argv[0], "list") != 0)) {
        fprintf(stderr, "tenantd: usage: tenantd keys rotate | tenantd keys list\n");
        return 2;
    }
    struct config cfg;
    struct service svc;
    int rc = cli_open_service(&cfg, &svc);
    if (rc != 0)
        return rc;
    if (strcmp(argv[0], "list") == 0) {
        rc = cli_keys_list(&svc);
    } else {
        char kid[64], err[512];
        int64_t activates_at = 0;
        rc = signing_keys_rotate_report(&svc, kid, sizeof kid, &activates_at, err, sizeof err);
        if (rc != 0) {
            fprintf(stderr, "tenantd: keys rotate: %s\n", err);
            rc = 1;
        } else {
            char when[32];
            time_format_rfc3339(activates_at, when);
            printf("tenantd: new %s signing key %s published; it signs from %s\n", cfg.signing_alg,
                   kid, when);
        }
    }
    service_close(&svc);
    return rc;
}
