// Master-key rotation, `tenantd keys rotate-master` (docs/STORAGE.md "Rotating the
// master key"; src/cli/rotate_master.c). Every secret at rest — storage secret keys,
// signing private keys, Demo UI workspace secrets — is an AEAD envelope
// "v1.<master key id>.<...>". The test reads the envelopes behind the server's back
// (the harness's sql(): sqlite3 CLI or psql, so it runs on both backends) and compares
// key ids only (it computes nothing):
//   - a rotation keeps the old key as master.key.old-*, installs a new 0600 key and
//     re-seals every envelope under it in one transaction; after a restart storage
//     tests, token issuance and tokens issued before the rotation all still work, and
//     the old key files can then be deleted;
//   - crash safety: with a new key installed but nothing re-sealed (steps 1-2 done by
//     hand), the server still opens every envelope through the .old key and seals new
//     ones under the new key; running the command again completes the move;
//   - a database holding an envelope no key file can open is refused before any key
//     file is touched.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { call, cli, loginAdmin, schemaColumns, seedTenant, sql as dbSql, startServer, uniq } from './lib/harness.mjs';
import { startS3 } from './lib/s3.mjs';

const STORAGE_KEY = { id: 'AKIDMASTERKEYTEST1', secret: 'master-key-test-storage-secret-0123456789' };
const ENVELOPE = /^v1\.([0-9a-f]{16})\.[A-Za-z0-9_-]+$/;
// Every column holding an envelope, as registered in src/store/secrets_at_rest.c.
const SEALED = [
  { table: 'app_storage', id: 'app_id', column: 'secret_access_key_enc' },
  { table: 'signing_keys', id: 'kid', column: 'private_key_enc' },
  { table: 'workspaces', id: 'id', column: 'client_secret_enc' },
];

let s3, server, admin, T, app, workspaceApp, oldToken;

const dataDir = () => server.env.TENANTD_DATA_DIR;
const keyFile = () => `${dataDir()}/master.key`;
const oldKeyFiles = () => readdirSync(dataDir()).filter((n) => n.startsWith('master.key.old')).sort();
const sanitizerReport = /ERROR: (Address|Leak)Sanitizer|runtime error:/;

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

const sql = (query, opts) => dbSql(server, query, opts);

/** Every envelope in the database, in a stable order: [{where: 'table/id', envelope, kid}]. */
function envelopes() {
  const all = [];
  for (const s of SEALED) {
    // ORDER BY: PostgreSQL returns updated rows in a new heap order otherwise.
    for (const row of sql(`SELECT ${s.id} AS id, ${s.column} AS envelope FROM ${s.table} ORDER BY ${s.id}`)) {
      const m = ENVELOPE.exec(row.envelope);
      assert.ok(m, `${s.table}/${row.id} holds an envelope: ${row.envelope.slice(0, 30)}`);
      all.push({ where: `${s.table}/${row.id}`, envelope: row.envelope, kid: m[1] });
    }
  }
  return all;
}

const kidsOf = (list) => [...new Set(list.map((e) => e.kid))];

/** Stops the server (the harness checks its exit status and output). */
const stopServer = () => server.halt();

/** Starts `tenantd serve` again on the same data dir and database. */
async function restartServer() {
  await server.resume();
  admin = await loginAdmin(server);
}

function rotateMaster() {
  const r = cli(server, ['keys', 'rotate-master']);
  assert.doesNotMatch(r.stderr, sanitizerReport, r.stderr);
  return r;
}

async function token(client) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

async function introspect(tok) {
  const res = await fetch(`${server.url}/connect/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: tok, client_id: app.client_id, client_secret: app.client_secret }),
  });
  assert.equal(res.status, 200);
  return res.json();
}

/** Everything that needs the secrets at rest still works. */
async function assertAllWorks(label) {
  const test = await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps/${app.app.id}/storage/test`, { auth: T.owner });
  assert.equal(test.status, 200, `${label}: ${test.text}`);
  assert.equal(test.body.status, 'ok', `${label}: ${test.body.detail}`);
  const fresh = await token(app);
  assert.equal((await introspect(fresh)).active, true, `${label}: new token`);
  assert.equal((await introspect(oldToken)).active, true, `${label}: token from before`);
  const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
  await jwtVerify(oldToken, jwks);
  await jwtVerify(fresh, jwks);
  const ws = must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/workspaces`, { auth: T.owner }), 200).items[0];
  const wsToken = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/workspaces/${ws.id}/token`, { auth: T.owner }), 200);
  assert.equal(wsToken.ok, true, `${label}: workspace secret opens: ${JSON.stringify(wsToken)}`);
}

before(async () => {
  s3 = await startS3({ buckets: ['rotation-bucket'], keys: { [STORAGE_KEY.id]: STORAGE_KEY.secret } });
  // A fixed issuer: by default it names the listening port, which changes on restart.
  server = await startServer({ TENANTD_ISSUER: 'http://tenantd.test' });
  admin = await loginAdmin(server);
  T = await seedTenant(server, admin, { appLimit: 10 });
  const storage = { provider: 'minio', endpoint: s3.endpoint, bucket: 'rotation-bucket', access_key_id: STORAGE_KEY.id, secret_access_key: STORAGE_KEY.secret };
  app = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('rot'), region_code: T.regionCode, storage } }), 201);
  workspaceApp = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('ws'), region_code: T.regionCode } }), 201);
  must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/workspaces`, { auth: T.owner, body: { name: 'demo', app_id: workspaceApp.app.id, client_id: workspaceApp.client_id, client_secret: workspaceApp.client_secret } }), 201);
  oldToken = await token(app);
});

after(async () => {
  await server?.stop();
  await s3?.stop();
});

test('the registry covers every sealed column of the schema', () => {
  const columns = schemaColumns(server);
  assert.ok(columns.some((c) => c.table === 'apps' && c.column === 'client_id'), 'the schema listing sees the tables');
  const sealed = columns.filter((c) => /_enc$/.test(c.column)).map((c) => `${c.table}.${c.column}`);
  assert.deepEqual(sealed.sort(), SEALED.map((s) => `${s.table}.${s.column}`).sort());
});

test('rotate-master re-seals every envelope under a new key; everything works after a restart', async () => {
  const before = envelopes();
  const tables = new Set(before.map((e) => e.where.split('/')[0]));
  assert.deepEqual([...tables].sort(), ['app_storage', 'signing_keys', 'workspaces'], 'one envelope of each kind at least');
  assert.equal(kidsOf(before).length, 1, 'all sealed by the first key');
  const oldKid = before[0].kid;
  const oldKeyText = readFileSync(keyFile(), 'utf8');
  assert.deepEqual(oldKeyFiles(), []);

  await stopServer();
  const r = rotateMaster();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`master key rotated to [0-9a-f]{16}; ${before.length} secret\\(s\\) re-encrypted\\.`));

  // the old key is kept (a hard link to the same file), the new one is private
  const olds = oldKeyFiles();
  assert.equal(olds.length, 1);
  assert.match(olds[0], /^master\.key\.old-\d+(-\d+)?$/);
  assert.equal(readFileSync(`${dataDir()}/${olds[0]}`, 'utf8'), oldKeyText);
  const newKeyText = readFileSync(keyFile(), 'utf8');
  assert.match(newKeyText, /^[0-9a-f]{64}\n$/);
  assert.notEqual(newKeyText, oldKeyText);
  assert.equal(statSync(keyFile()).mode & 0o777, 0o600);
  assert.equal(statSync(`${dataDir()}/${olds[0]}`).mode & 0o777, 0o600);
  assert.ok(!existsSync(`${keyFile()}.next`));

  const after = envelopes();
  assert.deepEqual(after.map((e) => e.where), before.map((e) => e.where), 'same rows');
  const newKids = kidsOf(after);
  assert.equal(newKids.length, 1, 'every envelope carries one key id');
  assert.notEqual(newKids[0], oldKid);
  assert.match(r.stdout, new RegExp(`rotated to ${newKids[0]};`));
  for (let i = 0; i < after.length; i++) assert.notEqual(after[i].envelope, before[i].envelope, after[i].where);

  // running it again is a fresh rotation (even within the same second)
  const again = rotateMaster();
  assert.equal(again.status, 0, again.stderr);
  assert.equal(oldKeyFiles().length, 2);
  const third = kidsOf(envelopes());
  assert.equal(third.length, 1);
  assert.ok(third[0] !== newKids[0] && third[0] !== oldKid);

  await restartServer();
  await assertAllWorks('after rotation');

  // Once rotated, the old keys are not needed any more.
  await stopServer();
  for (const name of oldKeyFiles()) unlinkSync(`${dataDir()}/${name}`);
  await restartServer();
  await assertAllWorks('without the old key files');
});

test('crash safety: new key installed, nothing re-sealed — the server still works; running again completes', async () => {
  const before = envelopes();
  assert.equal(kidsOf(before).length, 1);
  const oldKid = before[0].kid;

  // Steps 1 and 2 of rotate-master by hand, then "crash".
  await stopServer();
  linkSync(keyFile(), `${keyFile()}.old-1`);
  writeFileSync(`${keyFile()}.next`, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  renameSync(`${keyFile()}.next`, keyFile());

  await restartServer();
  await assertAllWorks('after an interrupted rotation');
  assert.deepEqual(kidsOf(envelopes()), [oldKid], 'nothing was re-sealed by reading');

  // New secrets are sealed under the new key: the database now mixes both.
  const put = await call(server, 'PUT', `/api/v1/tenants/${T.tenantId}/apps/${workspaceApp.app.id}/storage`, { auth: T.owner, body: { provider: 'minio', endpoint: s3.endpoint, bucket: 'rotation-bucket', access_key_id: STORAGE_KEY.id, secret_access_key: STORAGE_KEY.secret } });
  assert.equal(put.status, 200, put.text);
  const mixed = kidsOf(envelopes());
  assert.equal(mixed.length, 2, 'old and new key ids side by side');

  await stopServer();
  const r = rotateMaster();
  assert.equal(r.status, 0, r.stderr);
  const done = envelopes();
  const finalKids = kidsOf(done);
  assert.equal(finalKids.length, 1);
  assert.ok(!mixed.includes(finalKids[0]), 'moved off both earlier keys');
  assert.match(r.stdout, new RegExp(`${done.length} secret\\(s\\) re-encrypted`));

  await restartServer();
  await assertAllWorks('after completing the rotation');
  const test2 = await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps/${workspaceApp.app.id}/storage/test`, { auth: T.owner });
  assert.equal(test2.body?.status, 'ok', test2.text);
});

test('an envelope no key can open stops the rotation before any key file changes', async () => {
  await stopServer();
  const [victim] = sql(`SELECT app_id, secret_access_key_enc AS enc FROM app_storage WHERE app_id = '${app.app.id}'`);
  const foreign = `v1.0123456789abcdef.${Buffer.alloc(40, 7).toString('base64url')}`;
  sql(`UPDATE app_storage SET secret_access_key_enc = '${foreign}' WHERE app_id = '${app.app.id}'`, { write: true });
  const keyBefore = readFileSync(keyFile(), 'utf8');
  const oldBefore = oldKeyFiles();
  const envBefore = envelopes();

  const r = rotateMaster();
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`app_storage ${app.app.id}: cannot decrypt with any known master key`));
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  assert.equal(readFileSync(keyFile(), 'utf8'), keyBefore, 'the current key is untouched');
  assert.deepEqual(oldKeyFiles(), oldBefore, 'no key file was added');
  assert.deepEqual(envelopes(), envBefore, 'nothing re-sealed');

  // restore the row: the rotation now succeeds
  sql(`UPDATE app_storage SET secret_access_key_enc = '${victim.enc}' WHERE app_id = '${app.app.id}'`, { write: true });
  const ok = rotateMaster();
  assert.equal(ok.status, 0, ok.stderr);
  await restartServer();
  await assertAllWorks('after the refused and the successful rotation');
});
