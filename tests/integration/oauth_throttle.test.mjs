// SPEC §3.6: failed client authentications are throttled per (client_id, address):
// after 20 failures in a minute the 21st attempt — even with the right secret —
// gets 429 with Retry-After, while other client_ids from the same address are not
// affected (the test can only use 127.0.0.1, so "elsewhere" is shown with a second
// client_id: the key is the pair, never the client alone).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(server, clientId, secret, path = '/connect/token') {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    body: path === '/connect/token' ? 'grant_type=client_credentials' : 'token=x',
  });
  return { status: res.status, headers: res.headers, body: await res.json().catch(() => null) };
}

describe('client authentication throttling', () => {
  let server, admin, world;
  async function newApp() {
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: admin, body: { name: uniq('app'), region_code: world.regionCode } });
    assert.equal(r.status, 201, r.text);
    return { clientId: r.body.client_id, secret: r.body.client_secret };
  }
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 10 });
  });
  after(async () => { await server?.stop(); });

  it('20 failures are answered 401, the 21st attempt 429 with Retry-After — even with the right secret', async () => {
    const a = await newApp();
    const b = await newApp();
    for (let i = 0; i < 20; i++) {
      const r = await token(server, a.clientId, `tdcs_wrong${i}`);
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await token(server, a.clientId, 'tdcs_wrong');
    assert.equal(blocked.status, 429);
    assert.equal(blocked.body.error, 'too_many_requests');
    assert.equal(blocked.headers.get('cache-control'), 'no-store');
    const retry = Number(blocked.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    const right = await token(server, a.clientId, a.secret);
    assert.equal(right.status, 429, 'the correct secret from the throttled address is refused too');
    // the introspection endpoint shares the same counter
    assert.equal((await token(server, a.clientId, a.secret, '/connect/introspect')).status, 429);
    // another client from the same address is unaffected
    assert.equal((await token(server, b.clientId, b.secret)).status, 200);
    // the metric counted the failures
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const m = metrics.match(/^tenantd_auth_failures_total\s+(\d+)/m);
    assert.ok(m && Number(m[1]) >= 20, 'auth failures are counted');
  });

  it('unknown client_ids are throttled the same way (no existence oracle)', async () => {
    const id = 'tdc_3333333333333333333333';
    for (let i = 0; i < 20; i++) assert.equal((await token(server, id, 'tdcs_x')).status, 401);
    assert.equal((await token(server, id, 'tdcs_x')).status, 429);
  });
});
