// SPEC §3.6: failed client authentications are throttled per (client_id, address):
// after 20 failures in a minute further *failing* attempts get 429 with
// Retry-After, while other client_ids from the same address are not affected (the
// test can only use 127.0.0.1, so "elsewhere" is shown with a second client_id: the
// key is the pair, never the client alone). The secret is verified first: a request
// presenting the correct secret is never refused by the throttle (issue 9 item 6:
// one replica still sending an old secret must not lock out its correctly
// configured siblings behind the same address).
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

  it('20 failures are answered 401, the 21st failure 429 with Retry-After; the correct secret still gets a token', async () => {
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
    // The correct secret from the throttled address is served, on every endpoint...
    const right = await token(server, a.clientId, a.secret);
    assert.equal(right.status, 200, 'the correct secret is never refused by the throttle');
    assert.equal(typeof right.body.access_token, 'string');
    assert.equal((await token(server, a.clientId, a.secret, '/connect/introspect')).status, 200);
    const viaPost = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${a.clientId}&client_secret=${a.secret}`,
    });
    assert.equal(viaPost.status, 200, 'client_secret_post too');
    // ... without resetting the counter: wrong secrets stay throttled, on every endpoint.
    const still = await token(server, a.clientId, 'tdcs_wrong_again');
    assert.equal(still.status, 429);
    assert.ok(Number(still.headers.get('retry-after')) >= 1);
    assert.equal((await token(server, a.clientId, 'tdcs_wrong', '/connect/introspect')).status, 429);
    assert.equal((await token(server, a.clientId, 'tdcs_wrong', '/connect/revoke')).status, 429);
    // A replica with the old secret and one with the new, interleaved: every right one succeeds.
    for (let i = 0; i < 10; i++) {
      assert.equal((await token(server, a.clientId, `tdcs_old${i}`)).status, 429);
      assert.equal((await token(server, a.clientId, a.secret)).status, 200, `correct secret, round ${i}`);
    }
    // another client from the same address is unaffected
    assert.equal((await token(server, b.clientId, 'tdcs_wrong')).status, 401);
    assert.equal((await token(server, b.clientId, b.secret)).status, 200);
    // the metric counted the failures (throttled ones included)
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const m = metrics.match(/^tenantd_auth_failures_total\s+(\d+)/m);
    assert.ok(m && Number(m[1]) >= 35, `auth failures are counted: ${m?.[1]}`);
  });

  it('the introspection and revocation endpoints share the counter with the token endpoint', async () => {
    const c = await newApp();
    for (let i = 0; i < 10; i++) assert.equal((await token(server, c.clientId, 'tdcs_x', '/connect/introspect')).status, 401);
    for (let i = 0; i < 10; i++) assert.equal((await token(server, c.clientId, 'tdcs_x', '/connect/revoke')).status, 401);
    assert.equal((await token(server, c.clientId, 'tdcs_x')).status, 429);
    assert.equal((await token(server, c.clientId, c.secret, '/connect/revoke')).status, 200);
  });

  it('unknown client_ids are throttled the same way (no existence oracle)', async () => {
    const id = 'tdc_3333333333333333333333';
    for (let i = 0; i < 20; i++) assert.equal((await token(server, id, 'tdcs_x')).status, 401);
    const unknown = await token(server, id, 'tdcs_x');
    assert.equal(unknown.status, 429);
    // same answer as for a known client with a wrong secret
    const known = await newApp();
    for (let i = 0; i < 20; i++) assert.equal((await token(server, known.clientId, 'tdcs_x')).status, 401);
    const wrong = await token(server, known.clientId, 'tdcs_x');
    assert.equal(wrong.status, 429);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.headers.get('www-authenticate'), unknown.headers.get('www-authenticate'));
  });
});
