/*
 * migrations.c — the schema, as an append-only list of portable SQL scripts.
 *
 * Rules for new migrations: never edit a released one; append. Use only SQL both
 * SQLite and PostgreSQL accept (BIGINT unix seconds, INTEGER booleans, TEXT JSON).
 * Ids are UUIDv7 text, so ORDER BY id is creation order (keyset pagination).
 */
#include "store/migrations.h"

#include <stdio.h>
#include <string.h>

#include "store/change_log.h"
#include "util/timeutil.h"
#include "store/rows.h"

/* One schema step: portable SQL, then the backend-specific part (triggers and
 * functions differ between SQLite and PostgreSQL), each optional. */
struct migration {
    const char *sql;
    const char *sqlite;
    const char *postgres;
};

static const struct migration migration_scripts[] = {
    /* 1: control plane */
    {.sql = "CREATE TABLE tenants ("
            "  id TEXT PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  status TEXT NOT NULL CHECK (status IN ('pending_activation','active','suspended')),"
            "  app_limit INTEGER NOT NULL CHECK (app_limit >= 0),"
            "  created_at BIGINT NOT NULL,"
            "  updated_at BIGINT NOT NULL);"
            "CREATE TABLE users ("
            "  id TEXT PRIMARY KEY,"
            "  email TEXT NOT NULL UNIQUE," /* stored normalised (lowercase) */
            "  display_name TEXT NOT NULL,"
            "  password_hash TEXT,"
            "  is_host_admin INTEGER NOT NULL DEFAULT 0,"
            "  tenant_id TEXT REFERENCES tenants(id),"
            "  role TEXT CHECK (role IN ('owner','admin','viewer')),"
            "  created_at BIGINT NOT NULL);"
            "CREATE INDEX users_tenant ON users (tenant_id, id);"
            "CREATE TABLE sessions ("
            "  token_hash TEXT PRIMARY KEY,"
            "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
            "  csrf_token TEXT NOT NULL,"
            "  created_at BIGINT NOT NULL,"
            "  expires_at BIGINT NOT NULL);"
            "CREATE TABLE api_keys ("
            "  id TEXT PRIMARY KEY,"
            "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
            "  name TEXT NOT NULL,"
            "  key_hash TEXT NOT NULL UNIQUE,"
            "  created_at BIGINT NOT NULL,"
            "  last_used_at BIGINT);"
            "CREATE TABLE regions ("
            "  code TEXT PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  active INTEGER NOT NULL,"
            "  created_at BIGINT NOT NULL,"
            "  updated_at BIGINT NOT NULL);"
            "CREATE TABLE region_databases ("
            "  db_code TEXT PRIMARY KEY,"
            "  region_code TEXT NOT NULL REFERENCES regions(code),"
            "  active INTEGER NOT NULL,"
            "  dsn TEXT,"
            "  created_at BIGINT NOT NULL,"
            "  updated_at BIGINT NOT NULL);"
            "CREATE TABLE plans ("
            "  code TEXT PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  tier TEXT NOT NULL CHECK (tier IN ('free','paid')),"
            "  status TEXT NOT NULL CHECK (status IN ('draft','active','archived','retired')),"
            "  entitlements TEXT NOT NULL,"
            "  created_at BIGINT NOT NULL,"
            "  updated_at BIGINT NOT NULL);"
            "CREATE TABLE apps ("
            "  id TEXT PRIMARY KEY,"
            "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
            "  name TEXT NOT NULL,"
            "  name_folded TEXT NOT NULL,"
            "  client_id TEXT NOT NULL UNIQUE,"
            "  secret_hash TEXT NOT NULL,"
            "  license_region_code TEXT NOT NULL REFERENCES regions(code),"
            "  db_code TEXT NOT NULL REFERENCES region_databases(db_code),"
            "  enabled INTEGER NOT NULL DEFAULT 1,"
            "  plan_code TEXT REFERENCES plans(code),"
            "  redirect_uris TEXT NOT NULL DEFAULT '[]',"
            "  post_logout_redirect_uris TEXT NOT NULL DEFAULT '[]',"
            "  allowed_domains TEXT NOT NULL DEFAULT '[]',"
            "  created_at BIGINT NOT NULL,"
            "  updated_at BIGINT NOT NULL,"
            "  secret_rotated_at BIGINT NOT NULL,"
            "  deleted_at BIGINT);"
            "CREATE UNIQUE INDEX apps_tenant_name ON apps (tenant_id, name_folded) WHERE "
            "deleted_at IS "
            "NULL;"
            "CREATE INDEX apps_tenant ON apps (tenant_id, id);"
            "CREATE INDEX apps_db_code ON apps (db_code) WHERE deleted_at IS NULL;"
            "CREATE TABLE app_storage ("
            "  app_id TEXT PRIMARY KEY REFERENCES apps(id),"
            "  provider TEXT NOT NULL,"
            "  bucket TEXT NOT NULL,"
            "  endpoint TEXT,"
            "  region TEXT,"
            "  access_key_id TEXT NOT NULL,"
            "  secret_access_key_enc TEXT NOT NULL,"
            "  secret_access_key_last4 TEXT NOT NULL,"
            "  updated_at BIGINT NOT NULL);"
            "CREATE TABLE audit_events ("
            "  id TEXT PRIMARY KEY,"
            "  tenant_id TEXT,"
            "  actor_user_id TEXT,"
            "  actor_email TEXT,"
            "  action TEXT NOT NULL,"
            "  target_type TEXT,"
            "  target_id TEXT,"
            "  detail TEXT,"
            "  remote_addr TEXT,"
            "  created_at BIGINT NOT NULL);"
            "CREATE INDEX audit_tenant ON audit_events (tenant_id, id);"
            "CREATE TABLE platform_clients ("
            "  id TEXT PRIMARY KEY,"
            "  name TEXT NOT NULL,"
            "  client_id TEXT NOT NULL UNIQUE,"
            "  secret_hash TEXT NOT NULL,"
            "  scopes TEXT NOT NULL,"
            "  created_at BIGINT NOT NULL,"
            "  secret_rotated_at BIGINT NOT NULL,"
            "  deleted_at BIGINT);"
            "CREATE TABLE signing_keys ("
            "  kid TEXT PRIMARY KEY,"
            "  alg TEXT NOT NULL,"
            "  private_key_enc TEXT NOT NULL,"
            "  public_jwk TEXT NOT NULL,"
            "  created_at BIGINT NOT NULL,"
            "  activates_at BIGINT NOT NULL,"
            "  retired_at BIGINT,"
            "  expires_at BIGINT);"
            "CREATE TABLE revoked_tokens ("
            "  jti TEXT PRIMARY KEY,"
            "  client_id TEXT NOT NULL,"
            "  expires_at BIGINT NOT NULL);"
            "CREATE TABLE change_log ("
            "  id TEXT PRIMARY KEY,"
            "  kind TEXT NOT NULL,"
            "  subject TEXT NOT NULL,"
            "  created_at BIGINT NOT NULL);"
            "CREATE TABLE invitations ("
            "  id TEXT PRIMARY KEY,"
            "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
            "  email TEXT NOT NULL,"
            "  role TEXT NOT NULL CHECK (role IN ('owner','admin','viewer')),"
            "  token_hash TEXT NOT NULL UNIQUE,"
            "  status TEXT NOT NULL CHECK (status IN ('pending','accepted','expired','cancelled')),"
            "  invited_by TEXT REFERENCES users(id),"
            "  created_at BIGINT NOT NULL,"
            "  expires_at BIGINT NOT NULL,"
            "  accepted_at BIGINT);"
            "CREATE INDEX invitations_tenant ON invitations (tenant_id, id);"
            "CREATE TABLE outbox ("
            "  id TEXT PRIMARY KEY,"
            "  recipient TEXT NOT NULL,"
            "  subject TEXT NOT NULL,"
            "  body TEXT NOT NULL,"
            "  status TEXT NOT NULL CHECK (status IN ('queued','sent','failed')),"
            "  attempts INTEGER NOT NULL DEFAULT 0,"
            "  last_error TEXT,"
            "  created_at BIGINT NOT NULL,"
            "  sent_at BIGINT);"
            "CREATE TABLE workspaces ("
            "  id TEXT PRIMARY KEY,"
            "  tenant_id TEXT NOT NULL REFERENCES tenants(id),"
            "  app_id TEXT NOT NULL REFERENCES apps(id),"
            "  name TEXT NOT NULL,"
            "  client_id TEXT NOT NULL,"
            "  client_secret_enc TEXT NOT NULL,"
            "  created_by TEXT REFERENCES users(id),"
            "  created_at BIGINT NOT NULL);"
            "CREATE INDEX workspaces_tenant ON workspaces (tenant_id, id);"},
    /* 2: expired-session cleanup at login must not scan the table */
    {.sql = "CREATE INDEX sessions_expires ON sessions (expires_at);"},
    /* 3: outbox claims, so senders on several nodes never send one message twice
     * (store_outbox_claim_next); NULL = not claimed */
    {.sql = "ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;"},
    /* 4: the change feed (store/change_log.h) */
    {.sql = change_log_schema_sql,
     .sqlite = change_log_schema_sqlite,
     .postgres = change_log_schema_postgres},
    /* 5: constant-cost app creation (issue 9 item 2). Creating an app counted the
     * tenant's live apps (app_limit) and every live app of the region's databases (the
     * least-loaded pick): work that grew with the table. Both counts now live in two
     * small tables of their own, kept by store/apps.c in the transaction that inserts
     * or soft-deletes the app (apps never move between tenants or databases) and
     * backfilled here. Their own tables, not columns of tenants / region_databases:
     * the change feed logs every write to tenants, and a create is not a tenant
     * change. The free-plan rule (one free-plan app per tenant) probes
     * (tenant_id, plan_code) instead of walking the tenant's apps. */
    {.sql =
         "CREATE TABLE tenant_app_counts ("
         "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id),"
         "  live_apps INTEGER NOT NULL CHECK (live_apps >= 0));"
         "CREATE TABLE database_app_counts ("
         "  db_code TEXT PRIMARY KEY REFERENCES region_databases(db_code),"
         "  live_apps INTEGER NOT NULL CHECK (live_apps >= 0));"
         "INSERT INTO tenant_app_counts (tenant_id, live_apps)"
         "  SELECT tenant_id, COUNT(*) FROM apps WHERE deleted_at IS NULL GROUP BY tenant_id;"
         "INSERT INTO database_app_counts (db_code, live_apps)"
         "  SELECT db_code, COUNT(*) FROM apps WHERE deleted_at IS NULL GROUP BY db_code;"
         "CREATE INDEX region_databases_region ON region_databases (region_code, db_code);"
         "CREATE INDEX apps_tenant_plan ON apps (tenant_id, plan_code) WHERE deleted_at IS NULL;"},
    /* 6: grace rotation (SPEC §3.7): the secret a regeneration replaced may keep
     * working until previous_secret_expires_at (both NULL when none) */
    {.sql = "ALTER TABLE apps ADD COLUMN previous_secret_hash TEXT;"
            "ALTER TABLE apps ADD COLUMN previous_secret_expires_at BIGINT;"},
    /* 7: private_key_jwt (SPEC §3.7): how the app authenticates at the token endpoint
     * ('client_secret' or 'private_key_jwt') and its public JWK set (normalised
     * JSON text, NULL when none) */
    {.sql = "ALTER TABLE apps ADD COLUMN token_endpoint_auth_method TEXT NOT NULL "
            "DEFAULT 'client_secret';"
            "ALTER TABLE apps ADD COLUMN jwks TEXT;"},
    /* 8: DPoP (SPEC §3.7): the app's tokens must be DPoP-bound (a proof is mandatory) */
    {.sql = "ALTER TABLE apps ADD COLUMN dpop_bound_access_tokens INTEGER NOT NULL DEFAULT 0;"},
};

#define MIGRATION_COUNT (int)(sizeof migration_scripts / sizeof migration_scripts[0])

enum db_status store_schema_version(struct db_conn *c, int64_t *version)
{
    return store_rows_get_int(c, "SELECT MAX(version) FROM schema_migrations", NULL, 0, version);
}

enum db_status store_schema_write_probe(struct db_conn *c)
{
    return store_rows_change(c,
                             "UPDATE schema_migrations SET version = version "
                             "WHERE version = (SELECT MAX(version) FROM schema_migrations)",
                             NULL, 0, NULL);
}

int migrations_latest(void)
{
    return MIGRATION_COUNT;
}

static int migrations_current(struct db_conn *c)
{
    struct db_stmt *s = db_prepare(c, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!s)
        return -1;
    int v = db_step(s) == DB_ROW ? (int)db_column_int(s, 0) : -1;
    db_finalize(s);
    return v;
}

int migrations_apply(struct db *db, char *err, size_t err_size)
{
    struct db_conn *c = db_acquire(db);
    int rc = -1;
    for (;;) {
        if (db_begin_write(c) != DB_OK) {
            snprintf(err, err_size, "cannot begin migration: %s", db_error_message(c));
            goto out;
        }
        /* Inside the write transaction: nodes starting together on an empty
         * PostgreSQL database would otherwise race on CREATE TABLE IF NOT EXISTS
         * (which is not atomic there) and one would fail to start. */
        if (db_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)") != DB_OK) {
            snprintf(err, err_size, "cannot create schema_migrations: %s", db_error_message(c));
            db_rollback(c);
            goto out;
        }
        int current = migrations_current(c);
        if (current < 0 || current > MIGRATION_COUNT) {
            db_rollback(c);
            snprintf(err, err_size,
                     current < 0 ? "cannot read schema version"
                                 : "database schema is newer than this binary");
            goto out;
        }
        if (current == MIGRATION_COUNT) {
            db_rollback(c);
            break;
        }
        const struct migration *m = &migration_scripts[current];
        const char *specific =
            strcmp(db_conn_backend(c), "postgres") == 0 ? m->postgres : m->sqlite;
        if ((m->sql && db_exec(c, m->sql) != DB_OK) ||
            (specific && db_exec(c, specific) != DB_OK)) {
            snprintf(err, err_size, "migration %d failed: %s", current + 1, db_error_message(c));
            db_rollback(c);
            goto out;
        }
        struct db_stmt *s =
            db_prepare(c, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)");
        db_bind_int(s, 1, current + 1);
        db_bind_int(s, 2, time_now());
        int step = db_step(s);
        db_finalize(s);
        if (step != DB_DONE || db_commit(c) != DB_OK) {
            snprintf(err, err_size, "cannot record migration %d", current + 1);
            db_rollback(c);
            goto out;
        }
    }
    rc = 0;
out:
    db_release(db, c);
    return rc;
}
