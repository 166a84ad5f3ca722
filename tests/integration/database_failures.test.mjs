// Database failures (SPEC §4.5; issue 9 item 3): every route answers a database that
// cannot take writes with 503 database_unavailable + Retry-After — never 500 — while
// reads and token issuance go on, and /readyz says "degraded" with the reason
// ("database not writable: ..."); /readyz?strict=1 answers 503 then. When the database
// recovers, so does everything else, without a restart.
//
// The failures are real, not simulated inside tenantd:
// - SQLite read-only: the database file and its WAL are made immutable (chattr +i;
//   root ignores file modes, not this) while the server runs: writes through its open
//   descriptors fail with EPERM (Linux >= 5.3 on ext4).
// - SQLite disk full: the database lives on a small tmpfs that a filler file fills up.
// - PostgreSQL read-only: the database is switched to default_transaction_read_only
//   and the server's connections are terminated (it reconnects into read-only
//   sessions, as after a failover to a standby).
// A test whose technique this machine does not allow (no chattr support, no mount
// permission) is skipped with the reason, visibly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, call, loginAdmin, seedTenant, uniq, BACKEND, sql } from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function assertUnavailable(r, what) {
  assert.equal(r.status, 503, `${what}: ${r.status} ${r.text}`);
  assert.equal(r.body?.code, 'database_unavailable', `${what}: ${r.text}`);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.ok(Number(r.headers.get('retry-after')) > 0, `${what}: Retry-After`);
}

/** Polls /readyz until its status is `want` (the write probe runs in the background). */
async function readyzUntil(server, want) {
  let last;
  for (let i = 0; i < 60; i++) {
    last = await call(server, 'GET', '/readyz');
    if (last.body?.status === want) return last;
    await sleep(250);
  }
  assert.fail(`/readyz never said ${want}: ${last?.status} ${last?.text}`);
}

/** A world with an app able to get tokens, an owner session and a host admin session. */
async function prepare(server) {
  const admin = await loginAdmin(server);
  const T = await seedTenant(server, admin, { appLimit: 100 });
  const made = await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('db'), region_code: T.regionCode } });
  assert.equal(made.status, 201, made.text);
  const basic = `Basic ${Buffer.from(`${made.body.client_id}:${made.body.client_secret}`).toString('base64')}`;
  const token = () => fetch(`${server.url}/connect/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  assert.equal((await token()).status, 200);
  return { admin, T, app: made.body.app, token };
}

/** While the database refuses writes: admin writes 503, reads and tokens fine, /readyz degraded. */
async function assertRefusesWritesOnly(server, { admin, T, app, token }) {
  const apps = `/api/v1/tenants/${T.tenantId}/apps`;
  assertUnavailable(await call(server, 'POST', apps, { auth: T.owner, body: { name: uniq('no'), region_code: T.regionCode } }), 'create an app');
  assertUnavailable(await call(server, 'PATCH', `${apps}/${app.id}`, { auth: T.owner, body: { name: uniq('renamed') } }), 'rename an app');
  assertUnavailable(await call(server, 'POST', `${apps}/${app.id}/disable`, { auth: T.owner }), 'disable an app');
  assertUnavailable(await call(server, 'PATCH', `/api/v1/tenants/${T.tenantId}`, { auth: admin, body: { app_limit: 7 } }), 'change a tenant');
  assertUnavailable(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: uniq('ro').toLowerCase(), name: 'No', active: true } }), 'create a region');
  assertUnavailable(await call(server, 'POST', '/api/v1/me/api-keys', { auth: admin, body: { name: 'k' } }), 'create an API key');
  assertUnavailable(await call(server, 'POST', '/api/v1/auth/signup', { body: { email: `${uniq('s')}@example.com`, password: 'signup-password-123', display_name: 'S', tenant_name: uniq('T') } }), 'sign up');
  // Reads and tokens do not need a write.
  const got = await call(server, 'GET', `${apps}/${app.id}`, { auth: T.owner });
  assert.equal(got.status, 200, got.text);
  assert.equal(got.body.enabled, true, 'the refused disable changed nothing');
  assert.equal((await call(server, 'GET', apps, { auth: T.owner })).status, 200);
  assert.equal((await token()).status, 200);
  const ready = await readyzUntil(server, 'degraded');
  assert.equal(ready.status, 200, 'the node still issues tokens');
  assert.ok(ready.body.reasons.some((r) => r.startsWith('database not writable')), ready.text);
  assert.equal(ready.body.token_path.issuing, true);
  const strict = await call(server, 'GET', '/readyz?strict=1');
  assert.equal(strict.status, 503);
  assert.equal(strict.body.status, 'degraded');
}

/** After recovery: /readyz ok again and writes succeed. */
async function assertRecovered(server, { T }) {
  const ready = await readyzUntil(server, 'ok');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body.reasons, []);
  assert.equal((await call(server, 'GET', '/readyz?strict=1')).status, 200);
  const made = await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('back'), region_code: T.regionCode } });
  assert.equal(made.status, 201, made.text);
}

const chattr = (flag, files) => spawnSync('chattr', [flag, ...files], { encoding: 'utf8' });

test('SQLite made read-only under a running server (chattr +i): writes 503 database_unavailable, /readyz degraded', async (t) => {
  if (BACKEND !== 'sqlite') return t.skip('SQLite only (the PostgreSQL variant is below)');
  const server = await startServer();
  const files = [];
  try {
    const world = await prepare(server);
    const db = server.env.TENANTD_DATABASE.slice('sqlite:'.length);
    files.push(...[db, `${db}-wal`].filter(existsSync));
    const made = chattr('+i', files);
    if (made.status !== 0) {
      files.length = 0;
      return t.skip(`chattr +i is not possible here (${made.stderr.trim()}): read-only test not run`);
    }
    await assertRefusesWritesOnly(server, world);
    assert.equal(chattr('-i', files).status, 0);
    files.length = 0;
    await assertRecovered(server, world);
  } finally {
    if (files.length) chattr('-i', files);
    await server.stop();
  }
});

test('SQLite on a full disk (tmpfs with size=): writes 503 database_unavailable, /readyz degraded, recovers when space returns', async (t) => {
  if (BACKEND !== 'sqlite') return t.skip('SQLite only (PostgreSQL: the read-only test below)');
  const mnt = mkdtempSync(path.join(tmpdir(), 'tenantd-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    rmSync(mnt, { recursive: true, force: true });
    return t.skip(`cannot mount a tmpfs here (${mounted.stderr.trim()}): disk-full test not run`);
  }
  let server;
  try {
    server = await startServer({ TENANTD_DATABASE: `sqlite:${mnt}/tenantd.db` });
    const world = await prepare(server);
    // Fill the file system: dd stops at ENOSPC.
    spawnSync('dd', ['if=/dev/zero', `of=${mnt}/filler`, 'bs=64k'], { encoding: 'utf8' });
    await assertRefusesWritesOnly(server, world);
    rmSync(`${mnt}/filler`);
    await assertRecovered(server, world);
  } finally {
    await server?.stop();
    spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  }
});

test('PostgreSQL switched to read-only sessions: writes 503 database_unavailable, /readyz degraded', async (t) => {
  if (BACKEND !== 'postgres') return t.skip('PostgreSQL only');
  const server = await startServer();
  const psql = (...commands) => {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', server.env.TENANTD_DATABASE];
    for (const c of commands) args.push('-c', c);
    const r = spawnSync('psql', args, { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  const readOnly = (on) => psql(
    'SET default_transaction_read_only = off',
    `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_read_only = ${on ? 'on' : 'off'}', current_database()); END $$`,
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  try {
    const world = await prepare(server);
    readOnly(true);
    await assertRefusesWritesOnly(server, world);
    readOnly(false);
    await assertRecovered(server, world);
  } finally {
    await server.stop();
  }
});
