// The client's real address behind a load balancer (SPEC §3.6, issue 10 item 3):
// TENANTD_TRUSTED_PROXIES names the peers whose Forwarded / X-Forwarded-For is
// believed (rightmost untrusted hop); from any other peer those headers are ignored.
// The address feeds the failed-authentication throttle and the audit log. Also: an
// IPv6 listen address ([::1]:PORT) and a bad proxy list refused at start.
// The parsing rules themselves are unit-tested (tests/unit/test_http_client_address.c)
// and fuzzed (tests/fuzz/fuzz_client_address.c).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, cli, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

async function token(server, app, secret, headers = {}) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret }),
  });
  return res.status;
}

async function newApp(server, world) {
  const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('px'), region_code: world.regionCode } });
  assert.equal(r.status, 201, r.text);
  return { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
}

describe('behind a trusted proxy (127.0.0.1 trusted)', () => {
  let server, admin, world;
  before(async () => {
    server = await startServer({ TENANTD_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' });
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 10 });
  });
  after(async () => { await server?.stop(); });

  it('the throttle counts per forwarded client, not per proxy', async () => {
    const app = await newApp(server, world);
    const first = { 'x-forwarded-for': '203.0.113.10, 10.0.0.3' };
    for (let i = 0; i < 20; i++) assert.equal(await token(server, app, 'wrong', first), 401);
    assert.equal(await token(server, app, 'wrong', first), 429, 'the 21st failure from 203.0.113.10');
    // another client behind the same proxy is not affected
    assert.equal(await token(server, app, 'wrong', { 'x-forwarded-for': '203.0.113.11' }), 401);
    assert.equal(await token(server, app, 'wrong', { forwarded: 'for="[2001:db8::7]:4711";proto=https' }), 401);
    // Forwarded is preferred over X-Forwarded-For
    assert.equal(await token(server, app, 'wrong', { forwarded: 'for=203.0.113.10', 'x-forwarded-for': '203.0.113.12' }), 429);
    // the correct secret is never refused (issue 9 item 6)
    assert.equal(await token(server, app, app.secret, first), 200);
  });

  it('the audit log records the forwarded client', async () => {
    const app = await newApp(server, world);
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${app.id}/disable`, { auth: world.owner, headers: { 'x-forwarded-for': '198.51.100.77' } });
    assert.equal(r.status, 200, r.text);
    const audit = await call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit?limit=200`, { auth: world.owner });
    assert.equal(audit.status, 200);
    const ev = audit.body.items.find((e) => e.action === 'app.disable' && e.target?.id === app.id);
    assert.ok(ev, JSON.stringify(audit.body.items.slice(0, 3)));
    assert.equal(ev.remote_addr, '198.51.100.77');
  });
});

describe('from a peer that is not a trusted proxy', () => {
  let server, admin, world;
  before(async () => {
    server = await startServer({ TENANTD_TRUSTED_PROXIES: '10.0.0.0/8' });
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 10 });
  });
  after(async () => { await server?.stop(); });

  it('forwarding headers are ignored: a caller cannot dodge the throttle by inventing addresses', async () => {
    const app = await newApp(server, world);
    for (let i = 0; i < 20; i++) assert.equal(await token(server, app, 'wrong', { 'x-forwarded-for': `203.0.113.${i}` }), 401);
    assert.equal(await token(server, app, 'wrong', { 'x-forwarded-for': '203.0.113.99', forwarded: 'for=203.0.113.98' }), 429);
  });
});

describe('configuration and IPv6', () => {
  it('a malformed TENANTD_TRUSTED_PROXIES is refused at start with a clear message', async () => {
    const server = await startServer();
    try {
      for (const bad of ['10.0.0.1/8', 'proxy.example', '10.0.0.0/40']) {
        const r = cli({ env: { ...server.env, TENANTD_TRUSTED_PROXIES: bad } }, ['migrate']);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /TENANTD_TRUSTED_PROXIES/);
      }
    } finally {
      await server.stop();
    }
  });

  it('listens on an IPv6 address ([::1]:PORT), with a bracketed default issuer', async () => {
    const server = await startServer({ TENANTD_LISTEN: '[::1]:0', TENANTD_ISSUER: '' });
    try {
      assert.match(server.url, /^http:\/\/\[::1\]:\d+$/);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      const meta = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
      assert.equal(meta.issuer, server.url);
      const admin = await loginAdmin(server);
      const world = await seedTenant(server, admin);
      const app = await newApp(server, world);
      assert.equal(await token(server, app, app.secret), 200);
    } finally {
      await server.stop();
    }
  });
});
