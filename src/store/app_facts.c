/*
 * app_facts.c — the single query behind an app cache miss (see app_facts.h).
 *
 * Tenant apps and platform clients live in different tables but share the
 * token endpoint, so one UNION ALL answers "who is this client_id?" in one round
 * trip. Both client_id columns are UNIQUE (indexed); deleted rows never match.
 */
#include "store/app_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char app_facts_sql[] =
    "SELECT 0, a.id, a.tenant_id, a.secret_hash, a.license_region_code, a.db_code, a.enabled,"
    "       t.status, a.plan_code, p.code, p.status, p.entitlements, a.allowed_domains,"
    "       CAST(NULL AS TEXT), a.previous_secret_hash, a.previous_secret_expires_at,"
    "       a.token_endpoint_auth_method, a.jwks, a.dpop_bound_access_tokens"
    "  FROM apps a"
    "  JOIN tenants t ON t.id = a.tenant_id"
    "  LEFT JOIN plans p ON p.code = a.plan_code"
    " WHERE a.client_id = $1 AND a.deleted_at IS NULL "
    "UNION ALL "
    "SELECT 1, pc.id, CAST(NULL AS TEXT), pc.secret_hash, CAST(NULL AS TEXT),"
    "       CAST(NULL AS TEXT), 1, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),"
    "       CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), pc.scopes,"
    "       CAST(NULL AS TEXT), CAST(NULL AS BIGINT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), 0"
    "  FROM platform_clients pc"
    " WHERE pc.client_id = $1 AND pc.deleted_at IS NULL";

/* Copies a column into a fixed buffer; NULL becomes "". False when it does not fit. */
static bool app_facts_copy(char *dst, size_t size, const char *value)
{
    int n = snprintf(dst, size, "%s", value ? value : "");
    return n >= 0 && (size_t)n < size;
}

/* malloc'd copy of a column (NULL stays NULL). *ok turns false on allocation failure. */
static char *app_facts_dup(const char *value, bool *ok)
{
    if (!value)
        return NULL;
    char *copy = strdup(value);
    if (!copy)
        *ok = false;
    return copy;
}

void app_facts_row_free(struct app_facts_row *row)
{
    if (!row)
        return;
    free(row->allowed_domains);
    free(row->entitlements);
    free(row->scopes);
    free(row->jwks);
    memset(row, 0, sizeof *row);
}

enum db_status store_app_facts_load(struct db_conn *c, const char *client_id,
                                    struct app_facts_row *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *s = db_prepare(c, app_facts_sql);
    if (!s)
        return DB_ERROR;
    db_bind_text(s, 1, client_id);
    int step = db_step(s);
    if (step != DB_ROW) {
        db_finalize(s);
        return step == DB_DONE ? DB_NOT_FOUND : step == DB_OK ? DB_ERROR : (enum db_status)step;
    }
    bool ok = true;
    out->platform = db_column_int(s, 0) != 0;
    ok = ok && app_facts_copy(out->id, sizeof out->id, db_column_text(s, 1));
    ok = ok && app_facts_copy(out->tenant_id, sizeof out->tenant_id, db_column_text(s, 2));
    ok = ok && app_facts_copy(out->secret_hash, sizeof out->secret_hash, db_column_text(s, 3));
    ok = ok && app_facts_copy(out->license_region_code, sizeof out->license_region_code,
                              db_column_text(s, 4));
    ok = ok && app_facts_copy(out->db_code, sizeof out->db_code, db_column_text(s, 5));
    out->enabled = db_column_int(s, 6) != 0;
    ok = ok && app_facts_copy(out->tenant_status, sizeof out->tenant_status, db_column_text(s, 7));
    ok = ok && app_facts_copy(out->plan_code, sizeof out->plan_code, db_column_text(s, 8));
    out->plan_found = !db_column_is_null(s, 9);
    ok = ok && app_facts_copy(out->plan_status, sizeof out->plan_status, db_column_text(s, 10));
    if (out->plan_found)
        out->entitlements = app_facts_dup(db_column_text(s, 11), &ok);
    if (!out->platform)
        out->allowed_domains = app_facts_dup(db_column_text(s, 12), &ok);
    else
        out->scopes = app_facts_dup(db_column_text(s, 13), &ok);
    if (!db_column_is_null(s, 14) && !db_column_is_null(s, 15)) {
        ok = ok && app_facts_copy(out->previous_secret_hash, sizeof out->previous_secret_hash,
                                  db_column_text(s, 14));
        out->previous_secret_expires_at = db_column_int(s, 15);
    }
    out->private_key_jwt = !out->platform && db_column_text(s, 16) &&
                           strcmp(db_column_text(s, 16), "private_key_jwt") == 0;
    if (!out->platform)
        out->jwks = app_facts_dup(db_column_text(s, 17), &ok);
    out->dpop_required = db_column_int(s, 18) != 0;
    /* A second row would mean the same client_id in both tables: refuse it. */
    if (ok && db_step(s) != DB_DONE)
        ok = false;
    db_finalize(s);
    if (!ok) {
        app_facts_row_free(out);
        return DB_UNREADABLE;
    }
    return DB_DONE;
}
