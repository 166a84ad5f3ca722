// SPEC §3.7 grace rotation: POST …/apps/{aid}/secret without a body kills the old
// secret at once (the seed's rule); with {"previous_secret_expires_in": S} the old
// secret keeps working for S seconds next to the new one, on every endpoint that
// authenticates clients, with both client_secret_basic and client_secret_post;
// DELETE …/secret/previous ends it early; the expiry is enforced against the clock
// even while the app's cache entry is warm (no change is written when it passes).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('grace rotation of client secrets', () => {
  let server, admin, world;
  const appPath = (a, suffix = '') => `/api/v1/tenants/${world.tenantId}/apps/${a.id}${suffix}`;
  const must = async (p, status) => { const r = await p; assert.equal(r.status, status, r.text); return r.body; };

  // Both authentication methods, same answer expected.
  async function tokenBasic(app, secret) {
    const res = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.clientId, secret) },
      body: 'grant_type=client_credentials',
    });
    return { status: res.status, body: await res.json() };
  }
  async function tokenPost(app, secret) {
    const res = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: secret }),
    });
    return { status: res.status, body: await res.json() };
  }
  async function works(app, secret) {
    const b = await tokenBasic(app, secret);
    const p = await tokenPost(app, secret);
    assert.equal(b.status, p.status, 'basic and post agree');
    return b.status === 200;
  }
  async function newApp() {
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, {
      auth: world.owner, body: { name: uniq('app'), region_code: world.regionCode },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.app.previous_secret_expires_at, null);
    const app = { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
    assert.ok(await works(app, app.secret)); // warm the cache
    return app;
  }
  const rotate = (app, body) => must(call(server, 'POST', appPath(app, '/secret'), { auth: world.owner, body }), 200);
  const getApp = (app) => must(call(server, 'GET', appPath(app), { auth: world.owner }), 200);
  async function metric(name) {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 50 });
  });
  after(async () => { await server?.stop(); });

  it('no body (or {}, or null): the old secret dies at once, as before', async () => {
    for (const body of [undefined, {}, { previous_secret_expires_in: null }]) {
      const app = await newApp();
      const res = await rotate(app, body);
      assert.equal(res.previous_secret_expires_at, null);
      assert.deepEqual(Object.keys(res).sort(), ['client_id', 'client_secret', 'previous_secret_expires_at']);
      assert.equal(await works(app, app.secret), false);
      const old = await tokenBasic(app, app.secret);
      assert.equal(old.status, 401);
      assert.equal(old.body.error, 'invalid_client');
      assert.ok(await works(app, res.client_secret));
      assert.equal((await getApp(app)).previous_secret_expires_at, null);
    }
  });

  it('with previous_secret_expires_in both secrets work until then; the app shows the expiry', async () => {
    const app = await newApp();
    const before_ = Math.floor(Date.now() / 1000);
    const failuresBefore = await metric('tenantd_auth_failures_total');
    const previousBefore = await metric('tenantd_previous_secret_authentications_total');
    const res = await rotate(app, { previous_secret_expires_in: 3600 });
    const expires = Date.parse(res.previous_secret_expires_at) / 1000;
    assert.ok(expires >= before_ + 3600 && expires <= before_ + 3602, res.previous_secret_expires_at);
    assert.match(res.previous_secret_expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(await works(app, app.secret), 'previous secret, both methods');
    assert.ok(await works(app, res.client_secret), 'new secret, both methods');
    const shown = await getApp(app);
    assert.equal(shown.previous_secret_expires_at, res.previous_secret_expires_at);
    assert.equal(shown.secret_rotated_at >= shown.created_at, true);
    // Listed apps carry it too.
    const listed = (await must(call(server, 'GET', `/api/v1/tenants/${world.tenantId}/apps?limit=200`, { auth: world.owner }), 200)).items;
    assert.equal(listed.find((a) => a.id === app.id).previous_secret_expires_at, res.previous_secret_expires_at);
    // A wrong secret is still a wrong secret.
    assert.equal(await works(app, `${app.secret}x`), false);
    assert.equal(await metric('tenantd_auth_failures_total'), failuresBefore + 2);
    assert.equal(await metric('tenantd_previous_secret_authentications_total'), previousBefore + 2);
  });

  it('the previous secret authenticates introspection and revocation too (oauth4webapi)', async () => {
    const app = await newApp();
    const res = await rotate(app, { previous_secret_expires_in: 600 });
    const as = { issuer: server.url, token_endpoint: `${server.url}/connect/token`, introspection_endpoint: `${server.url}/connect/introspect`, revocation_endpoint: `${server.url}/connect/revoke` };
    const opts = { [oauth.allowInsecureRequests]: true };
    const fresh = { client_id: app.clientId };
    const tokenRes = await oauth.clientCredentialsGrantRequest(as, fresh, oauth.ClientSecretPost(res.client_secret), new URLSearchParams(), opts);
    const tok = await oauth.processClientCredentialsResponse(as, fresh, tokenRes);
    const introspected = await oauth.processIntrospectionResponse(as, fresh,
      await oauth.introspectionRequest(as, fresh, oauth.ClientSecretBasic(app.secret), tok.access_token, opts));
    assert.equal(introspected.active, true);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, fresh, oauth.ClientSecretBasic(app.secret), tok.access_token, opts));
    const again = await oauth.processIntrospectionResponse(as, fresh,
      await oauth.introspectionRequest(as, fresh, oauth.ClientSecretPost(res.client_secret), tok.access_token, opts));
    assert.equal(again.active, false);
  });

  it('DELETE …/secret/previous ends the grace period at once, idempotently, audited', async () => {
    const app = await newApp();
    const res = await rotate(app, { previous_secret_expires_in: 86400 });
    assert.ok(await works(app, app.secret));
    await must(call(server, 'DELETE', appPath(app, '/secret/previous'), { auth: world.owner }), 204);
    assert.equal(await works(app, app.secret), false, 'the very next request refuses the old secret');
    assert.ok(await works(app, res.client_secret));
    assert.equal((await getApp(app)).previous_secret_expires_at, null);
    await must(call(server, 'DELETE', appPath(app, '/secret/previous'), { auth: world.owner }), 204);
    const audit = await must(call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit?limit=200`, { auth: world.owner }), 200);
    const mine = audit.items.filter((e) => e.target?.id === app.id).reverse();
    assert.deepEqual(mine.map((e) => e.action), ['app.create', 'app.secret.regenerate', 'app.secret.previous.end']);
    const regen = mine[1].detail;
    assert.equal(regen.previous_secret_expires_at, res.previous_secret_expires_at);
    assert.equal(mine[2].detail.previous_secret_expires_at, res.previous_secret_expires_at);
    for (const s of [app.secret, res.client_secret]) assert.ok(!JSON.stringify(audit).includes(s));
  });

  it('at most one previous secret: rotating again drops the older one; a plain rotation drops it too', async () => {
    const app = await newApp();
    const first = await rotate(app, { previous_secret_expires_in: 3600 });
    const second = await rotate(app, { previous_secret_expires_in: 3600 });
    assert.equal(await works(app, app.secret), false, 'the secret two rotations ago is gone');
    assert.ok(await works(app, first.client_secret), 'the previous one works');
    assert.ok(await works(app, second.client_secret));
    const audit = await must(call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit?limit=200`, { auth: world.owner }), 200);
    const regens = audit.items.filter((e) => e.target?.id === app.id && e.action === 'app.secret.regenerate');
    assert.equal(regens[0].detail.replaced_previous_secret, true);
    assert.equal(regens[1].detail.replaced_previous_secret, false);
    const third = await rotate(app);
    assert.equal(await works(app, first.client_secret), false);
    assert.equal(await works(app, second.client_secret), false);
    assert.ok(await works(app, third.client_secret));
  });

  it('expiry is enforced by the clock while the cache entry is warm', async () => {
    const app = await newApp();
    const res = await rotate(app, { previous_secret_expires_in: 2 });
    assert.ok(await works(app, app.secret), 'still in its grace period');
    // Wait past the expiry (whole seconds: up to 2 s after the rotation's second).
    const until = Date.parse(res.previous_secret_expires_at);
    await sleep(Math.max(0, until - Date.now()) + 300);
    assert.equal(await works(app, app.secret), false, 'expired without any write');
    assert.ok(await works(app, res.client_secret));
    assert.equal((await getApp(app)).previous_secret_expires_at, null);
    // Ending an already-expired grace is a no-op.
    await must(call(server, 'DELETE', appPath(app, '/secret/previous'), { auth: world.owner }), 204);
  });

  it('validation: previous_secret_expires_in is an integer 1..86400; unknown fields refused', async () => {
    const app = await newApp();
    const bad = async (body, code, field = 'previous_secret_expires_in') => {
      const r = await call(server, 'POST', appPath(app, '/secret'), { auth: world.owner, body });
      assert.equal(r.status, 400, r.text);
      assert.match(r.headers.get('content-type'), /application\/problem\+json/);
      assert.equal(r.body.code, code, r.text);
      assert.equal(r.body.errors?.[0]?.field, field, r.text);
      return r.body;
    };
    assert.match((await bad({ previous_secret_expires_in: 0 }, 'invalid_value')).detail, /between 1 and 86400/);
    await bad({ previous_secret_expires_in: -5 }, 'invalid_value');
    await bad({ previous_secret_expires_in: 86401 }, 'invalid_value');
    await bad({ previous_secret_expires_in: '3600' }, 'invalid_type');
    await bad({ previous_secret_expires_in: 1.5 }, 'invalid_type');
    await bad({ previous_secret_expires_in: true }, 'invalid_type');
    await bad({ previous_secret_expires_at: 60 }, 'unknown_field', 'previous_secret_expires_at');
    const r = await call(server, 'POST', appPath(app, '/secret'), { auth: world.owner, body: '{"previous_secret_expires_in":' });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'invalid_json');
    // None of them rotated anything.
    assert.ok(await works(app, app.secret));
    assert.equal((await getApp(app)).previous_secret_expires_at, null);
    // The boundaries themselves are fine.
    const max = await rotate(app, { previous_secret_expires_in: 86400 });
    assert.notEqual(max.previous_secret_expires_at, null);
    const min = await rotate(app, { previous_secret_expires_in: 1 });
    assert.notEqual(min.previous_secret_expires_at, null);
  });

  it('another tenant gets 404; host admins may end a grace period', async () => {
    const app = await newApp();
    await rotate(app, { previous_secret_expires_in: 600 });
    const other = await seedTenant(server, admin);
    const r = await call(server, 'DELETE', appPath(app, '/secret/previous'), { auth: other.owner });
    assert.equal(r.status, 404, r.text);
    const h = await call(server, 'DELETE', appPath(app, '/secret/previous'), { auth: admin });
    assert.equal(h.status, 204, 'host admins act in any tenant');
    assert.equal(await works(app, app.secret), false);
  });
});
