// The tenantd CLI (SPEC §5): demo seeding (idempotent, working credentials), migrate,
// admin create, keys, and the exit-status contract: 0 on success, non-zero with one
// line on stderr otherwise — exactly 2 for a usage or configuration error and 1 for a
// failure to do the work. Exact statuses, so a crash (a sanitizer exits 86, and the
// harness's cli() throws on any sanitizer report or signal) can never pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli, call, sql, login } from './lib/harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const creds = (out) => ({
  id: out.match(/client_id\s+(tdc_\S+)/)?.[1],
  secret: out.match(/client_secret\s+(tdcs_\S+)/)?.[1],
});

async function token(id, secret) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json() };
}

test('demo seeds working logins and app credentials, and is idempotent', async () => {
  const first = cli(server, ['demo']);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /admin@demo\.local/);
  assert.match(first.stdout, /owner@demo\.local/);
  const a = creds(first.stdout);
  assert.ok(a.id && a.secret, first.stdout);
  const t = await token(a.id, a.secret);
  assert.equal(t.status, 200, JSON.stringify(t.body));

  const second = cli(server, ['demo']);
  assert.equal(second.status, 0, second.stderr);
  const b = creds(second.stdout);
  assert.equal(b.id, a.id, 'the same demo app');
  assert.notEqual(b.secret, a.secret, 'a fresh secret each run');
  // The CLI is another process: like another node, its change reaches the running
  // server's token cache within a second (SPEC §3.2). Then the new secret works and
  // the previous one is refused.
  let fresh;
  for (let i = 0; i < 30; i++) {
    fresh = await token(b.id, b.secret);
    if (fresh.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(fresh.status, 200);
  assert.equal((await token(a.id, a.secret)).status, 401);
  const apps = sql(server, "SELECT COUNT(*) AS n FROM apps WHERE name = 'Demo App'");
  assert.equal(Number(apps[0].n), 1);
  const tenants = sql(server, "SELECT COUNT(*) AS n FROM tenants WHERE name = 'Demo Tenant'");
  assert.equal(Number(tenants[0].n), 1);
  const owner = await login(server, 'owner@demo.local', 'demo-owner-password');
  const me = await call(server, 'GET', '/api/v1/me', { auth: owner });
  assert.equal(me.body.role, 'owner');
  assert.equal(me.body.tenant.status, 'active');
});

test('migrate, admin create and keys follow the exit-status contract', () => {
  const migrate = cli(server, ['migrate']);
  assert.equal(migrate.status, 0, migrate.stderr);
  assert.match(migrate.stdout, /schema is at version \d+/);

  const dup = cli(server, ['admin', 'create', '--email', 'admin@test.local', '--password-stdin'], 'another-password-1\n');
  assert.equal(dup.status, 1, dup.stderr);
  assert.equal(dup.stderr.trim().split('\n').length, 1);
  assert.match(dup.stderr, /already exists/);

  const weak = cli(server, ['admin', 'create', '--email', 'new@test.local', '--password-stdin'], 'short\n');
  assert.equal(weak.status, 2, weak.stderr);
  assert.equal(weak.stderr.trim().split('\n').length, 1);

  const badEmail = cli(server, ['admin', 'create', '--email', 'not-an-email', '--password-stdin'], 'long-enough-password\n');
  assert.equal(badEmail.status, 2, badEmail.stderr);

  const ok = cli(server, ['admin', 'create', '--email', 'Second@Test.local', '--password-stdin'], 'long-enough-password\n');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /second@test\.local/);

  const list = cli(server, ['keys', 'list']);
  assert.equal(list.status, 0, list.stderr);

  const unknown = cli(server, ['frobnicate']);
  assert.equal(unknown.status, 2, unknown.stderr);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);
});

test('invalid configuration is refused with one line on stderr', () => {
  for (const [name, value] of [['TENANTD_LISTEN', 'nonsense'], ['TENANTD_SIGNING_ALG', 'HS256'], ['TENANTD_ISSUER', 'ftp://x'], ['TENANTD_DATABASE', 'mysql://x'], ['TENANTD_SMTP_URL', 'http://mail']]) {
    const r = cli({ env: { ...server.env, [name]: value } }, ['migrate']);
    assert.equal(r.status, 2, `${name}=${value}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('a valid configuration whose database cannot be opened fails with status 1 and one line', () => {
  const r = cli({ env: { ...server.env, TENANTD_DATABASE: 'sqlite:/proc/tenantd/nowhere.db' } }, ['migrate']);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
