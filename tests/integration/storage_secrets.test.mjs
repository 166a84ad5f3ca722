// Storage secrets stay secret (SPEC §1 "Storage configuration", docs/STORAGE.md
// "Secrets"): a tenant's secret access key, and the platform's managed-storage secret
// from the environment, never appear in any API answer (app create/get/list/patch,
// storage PUT/DELETE, test action, presign, audit, metrics, validation errors), in the
// server's stdout or stderr, or in plaintext in the database at rest — SQLite: the
// database file and its -wal/-shm/-journal, byte for byte; PostgreSQL: a plain pg_dump
// of the database (TOAST may compress a long value inside the raw heap files, where a
// byte search would miss it; the dump prints every stored value in the clear, so it
// is the faithful "is it stored in plaintext" view — see databaseBytes() in the
// harness). Reads show secret_access_key_last4. The sealed column holds an
// AEAD envelope bound to its row: copied onto another app's row it does not open.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { call, databaseBytes, loginAdmin, seedTenant, sql as dbSql, startServer, uniq } from './lib/harness.mjs';
import { startS3 } from './lib/s3.mjs';

// Distinctive secrets (valid storage secrets: printable ASCII, no spaces).
const SECRETS = {
  created: 'CreatedSecret+Kq7/Zp3xWv9Lm2Tn8Rb5Yc1Hd6Jf4Gs0',
  replaced: 'ReplacedSecret/Qw2Er4Ty6Ui8Op0As1Df3Gh5Jk7Lz9',
  rejected: 'RejectedSecret=Mn3Bv5Cx7Zl9Kj1Hg2Fd4Sa6Po8Iu0',
  managed: 'ManagedPlatformSecret-Xy8Wv6Ut4Sr2Qp0On9Ml7Kj5',
};
const KEY_IDS = { tenant: 'AKIDSECRETSTENANT1', managed: 'AKIDSECRETSPLATFORM' };

let s3, server, admin, T;
const responses = []; // every API answer's text, searched at the end

function must(r, want) {
  responses.push(r.text);
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

const containsAnySecret = (text) => Object.values(SECRETS).filter((s) => text.includes(s));

const sql = (query, opts) => dbSql(server, query, opts);

before(async () => {
  s3 = await startS3({ buckets: ['secret-bucket', 'platform-bucket'], keys: { [KEY_IDS.tenant]: SECRETS.created, [KEY_IDS.managed]: SECRETS.managed } });
  server = await startServer({
    TENANTD_MANAGED_STORAGE_ENDPOINT: s3.endpoint,
    TENANTD_MANAGED_STORAGE_BUCKET: 'platform-bucket',
    TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID: KEY_IDS.managed,
    TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY: SECRETS.managed,
  });
  admin = await loginAdmin(server);
  T = await seedTenant(server, admin, { appLimit: 10 });
});

after(async () => {
  await server?.stop();
  await s3?.stop();
});

test('the storage secret never appears in an answer, the logs or the database files; last4 is shown', async () => {
  const apps = `/api/v1/tenants/${T.tenantId}/apps`;
  const storage = { provider: 'minio', endpoint: s3.endpoint, bucket: 'secret-bucket', access_key_id: KEY_IDS.tenant, secret_access_key: SECRETS.created };
  const created = must(await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('secretive'), region_code: T.regionCode, storage } }), 201);
  const aid = created.app.id;
  assert.deepEqual(created.app.storage, { mode: 'custom', provider: 'minio', bucket: 'secret-bucket', endpoint: s3.endpoint, region: 'us-east-1', access_key_id: KEY_IDS.tenant, secret_access_key_last4: SECRETS.created.slice(-4) });
  const managedApp = must(await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('managed'), region_code: T.regionCode } }), 201).app;

  // Every read and write that shows the app.
  const got = must(await call(server, 'GET', `${apps}/${aid}`, { auth: T.owner }), 200);
  assert.equal(got.storage.secret_access_key_last4, SECRETS.created.slice(-4));
  must(await call(server, 'GET', apps, { auth: T.owner }), 200);
  must(await call(server, 'GET', `${apps}/${aid}`, { auth: admin }), 200);
  must(await call(server, 'PATCH', `${apps}/${aid}`, { auth: T.owner, body: { name: uniq('renamed') } }), 200);
  must(await call(server, 'POST', `${apps}/${aid}/disable`, { auth: T.owner }), 200);
  must(await call(server, 'POST', `${apps}/${aid}/enable`, { auth: T.owner }), 200);

  // Use the secret: the test action signs with it (and with the managed one).
  assert.equal(must(await call(server, 'POST', `${apps}/${aid}/storage/test`, { auth: T.owner }), 200).status, 'ok');
  assert.equal(must(await call(server, 'POST', `${apps}/${managedApp.id}/storage/test`, { auth: T.owner }), 200).status, 'ok');
  // ... and a failing run, whose detail quotes the store's answer.
  must(await call(server, 'PUT', `${apps}/${aid}/storage`, { auth: T.owner, body: { ...storage, bucket: 'no-such-bucket' } }), 200);
  assert.equal(must(await call(server, 'POST', `${apps}/${aid}/storage/test`, { auth: T.owner }), 200).status, 'bucket_not_found');
  must(await call(server, 'PUT', `${apps}/${aid}/storage`, { auth: T.owner, body: storage }), 200);

  // Presigning signs with it too.
  const pc = must(await call(server, 'POST', '/api/v1/platform-clients', { auth: admin, body: { name: uniq('pc'), scopes: ['platform:storage'] } }), 201);
  const tok = await fetch(`${server.url}/connect/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${pc.client_id}:${pc.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  const token = (await tok.json()).access_token;
  for (const target of [aid, managedApp.id]) {
    const res = await fetch(`${server.url}/internal/v1/apps/${target}/storage/presign`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ method: 'PUT', key: 'k.txt', expires_in: 60 }) });
    const text = await res.text();
    responses.push(text);
    assert.equal(res.status, 200, text);
  }

  // Rejected writes do not echo the secret either.
  for (const bad of [{ ...storage, secret_access_key: SECRETS.rejected, bucket: 'BAD_BUCKET' }, { ...storage, secret_access_key: `${SECRETS.rejected} with spaces` }, { ...storage, secret_access_key: SECRETS.rejected, surprise: 1 }]) {
    const r = await call(server, 'PUT', `${apps}/${aid}/storage`, { auth: T.owner, body: bad });
    responses.push(r.text);
    assert.equal(r.status, 400, r.text);
  }
  const badCreate = await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('bad'), region_code: T.regionCode, storage: { ...storage, secret_access_key: SECRETS.rejected, provider: 'nope' } } });
  responses.push(badCreate.text);
  assert.equal(badCreate.status, 400);

  // Replace the secret, then remove the configuration.
  const replaced = must(await call(server, 'PUT', `${apps}/${aid}/storage`, { auth: T.owner, body: { ...storage, secret_access_key: SECRETS.replaced } }), 200);
  assert.equal(replaced.storage.secret_access_key_last4, SECRETS.replaced.slice(-4));
  must(await call(server, 'DELETE', `${apps}/${aid}/storage`, { auth: T.owner }), 200);
  must(await call(server, 'PUT', `${apps}/${aid}/storage`, { auth: T.owner, body: { ...storage, secret_access_key: SECRETS.replaced } }), 200);

  // The audit trail (tenant and host view) and the metrics.
  const audit = must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: T.owner }), 200);
  assert.ok(audit.items.some((e) => e.action === 'app.storage.update'));
  assert.ok(audit.items.some((e) => e.action === 'app.storage.test'));
  must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: admin }), 200);
  const metrics = await fetch(`${server.url}/metrics`);
  responses.push(await metrics.text());

  for (const text of responses) assert.deepEqual(containsAnySecret(text), [], `an answer carries a secret: ${text.slice(0, 300)}`);
  assert.ok(responses.length > 25);

  // The logs, from the first byte of each stream (the harness keeps both).
  assert.match(server.stdout, /listening on/);
  assert.deepEqual(containsAnySecret(server.stdout), [], 'stdout');
  assert.deepEqual(containsAnySecret(server.stderr), [], 'stderr');

  // The database at rest (the server is still running: on SQLite the WAL is live).
  const bytes = databaseBytes(server);
  const where = bytes.sources.join(', ');
  if (server.backend === 'sqlite') {
    const base = server.env.TENANTD_DATABASE.slice('sqlite:'.length);
    assert.ok(bytes.sources.includes(`${base}-wal`), 'WAL mode: the -wal file exists while the server runs');
  }
  // Positive control: the (public) access key id is found by the same search.
  assert.ok(bytes.includes(Buffer.from(KEY_IDS.tenant)), `the search sees plaintext columns (${where})`);
  for (const [name, secret] of Object.entries(SECRETS)) {
    assert.ok(!bytes.includes(Buffer.from(secret)), `${name} secret in ${where}`);
    assert.ok(!bytes.includes(Buffer.from(secret.slice(4, 24))), `part of the ${name} secret in ${where}`);
  }
  // Nothing else in the data directory holds it either (master.key, ...).
  for (const name of readdirSync(server.env.TENANTD_DATA_DIR)) {
    const file = readFileSync(`${server.env.TENANTD_DATA_DIR}/${name}`);
    assert.deepEqual(Object.values(SECRETS).filter((s) => file.includes(Buffer.from(s))), [], name);
  }

  // What the column holds: a v1 envelope, and the last four characters in the clear.
  const [row] = sql(`SELECT secret_access_key_enc AS enc, secret_access_key_last4 AS last4 FROM app_storage WHERE app_id = '${aid}'`);
  assert.match(row.enc, /^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]+$/);
  assert.equal(row.last4, SECRETS.replaced.slice(-4));
});

test('an envelope copied onto another app\'s row does not open (bound to its app id): 500 storage_secret_unreadable', async () => {
  const apps = `/api/v1/tenants/${T.tenantId}/apps`;
  const storage = (secret) => ({ provider: 'minio', endpoint: s3.endpoint, bucket: 'secret-bucket', access_key_id: KEY_IDS.tenant, secret_access_key: secret });
  const victim = must(await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('victim'), region_code: T.regionCode, storage: storage(SECRETS.created) } }), 201).app;
  const thief = must(await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('thief'), region_code: T.regionCode, storage: storage('placeholder-secret-value-000') } }), 201).app;
  assert.equal(must(await call(server, 'POST', `${apps}/${victim.id}/storage/test`, { auth: T.owner }), 200).status, 'ok');
  sql(`UPDATE app_storage SET secret_access_key_enc = (SELECT secret_access_key_enc FROM app_storage WHERE app_id = '${victim.id}') WHERE app_id = '${thief.id}'`, { write: true });
  const from = s3.log.length;
  const r = await call(server, 'POST', `${apps}/${thief.id}/storage/test`, { auth: T.owner });
  assert.equal(r.status, 500, r.text);
  assert.equal(r.body.code, 'storage_secret_unreadable');
  assert.equal(s3.log.length, from, 'nothing was signed');
  assert.deepEqual(containsAnySecret(r.text), []);
  // the victim still works; the server says what failed without the secret
  assert.equal(must(await call(server, 'POST', `${apps}/${victim.id}/storage/test`, { auth: T.owner }), 200).status, 'ok');
  assert.match(server.stderr, new RegExp(`storage secret of app ${thief.id} cannot be decrypted`));
  assert.deepEqual(containsAnySecret(server.stderr), []);
});
