// The storage test action waits on a tenant-chosen endpoint for up to ~30 s. It must
// not hold an HTTP worker while it waits: token issuance (and everything else) for
// every tenant keeps flowing, and at most 8 such tests run at once (then 429).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server, admin, world, app, blackhole, port;

before(async () => {
  // Accepts connections and never answers: each storage test hangs until its timeout.
  blackhole = net.createServer(() => {});
  await new Promise((r) => blackhole.listen(0, '127.0.0.1', r));
  port = blackhole.address().port;
  server = await startServer({ TENANTD_THREADS: '2' });
  admin = await loginAdmin(server);
  world = await seedTenant(server, admin);
  const created = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, {
    auth: world.owner,
    body: { name: uniq('slow'), region_code: world.regionCode, storage: { provider: 'minio', bucket: 'slow-bucket', endpoint: `http://127.0.0.1:${port}`, access_key_id: 'AKIAEXAMPLE', secret_access_key: 'secret-example-value-123' } },
  });
  assert.equal(created.status, 201, created.text);
  app = created.body;
});
after(async () => { await server?.stop(); blackhole?.close(); });

test('hanging storage tests do not delay token issuance; the ninth concurrent one gets 429', async () => {
  const path = `/api/v1/tenants/${world.tenantId}/apps/${app.app.id}/storage/test`;
  let settled = 0;
  const slow = Array.from({ length: 8 }, () => call(server, 'POST', path, { auth: world.owner }).then((r) => { settled++; return r; }));
  await new Promise((r) => setTimeout(r, 300)); // let all eight start and suspend
  // With only 2 HTTP workers, eight blocking handlers would stall every other request.
  const basic = Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64');
  for (let i = 0; i < 6; i++) {
    const t = await fetch(`${server.url}/connect/token`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    assert.equal(t.status, 200);
  }
  const health = await call(server, 'GET', '/healthz');
  assert.equal(health.status, 200);
  assert.equal(settled, 0, 'tokens were served while every storage test was still waiting');
  const ninth = await call(server, 'POST', path, { auth: world.owner });
  assert.equal(ninth.status, 429);
  assert.ok(Number(ninth.headers.get('retry-after')) > 0);
  const results = await Promise.all(slow);
  for (const r of results) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'unreachable');
    assert.equal(r.body.ok, false);
  }
  // Each finished test was audited exactly once.
  const audit = await call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit?limit=200`, { auth: world.owner });
  assert.equal(audit.body.items.filter((e) => e.action === 'app.storage.test').length, 8);
});
