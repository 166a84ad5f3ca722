// SPEC §3.2: a change to any fact behind issuance takes effect for the very next
// token request on the node that made it (the app cache is invalidated before the
// admin API answers). Each case changes one fact through the admin API and
// immediately asks for a token — no sleeping.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

async function token(server, app, secret = app.secret) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.clientId, secret) },
    body: 'grant_type=client_credentials',
  });
  const body = await res.json();
  return { status: res.status, body, claims: res.status === 200 ? claims(body.access_token) : null };
}

describe('admin changes reach the very next token request', () => {
  let server, admin, world;
  const appPath = (a, suffix = '') => `/api/v1/tenants/${world.tenantId}/apps/${a.id}${suffix}`;
  const must = async (p, status) => { const r = await p; assert.equal(r.status, status, r.text); return r.body; };

  async function newApp(body = {}) {
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, {
      auth: world.owner, body: { name: uniq('app'), region_code: world.regionCode, ...body },
    });
    assert.equal(r.status, 201, r.text);
    const app = { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
    assert.equal((await token(server, app)).status, 200); // warm the cache
    return app;
  }
  async function newPlan(entitlements, status = 'active', tier = 'paid') {
    const code = uniq('plan').toLowerCase();
    await must(call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code, name: code, tier, status, entitlements } }), 201);
    return code;
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 50 });
  });
  after(async () => { await server?.stop(); });

  it('disable / enable', async () => {
    const app = await newApp();
    await must(call(server, 'POST', appPath(app, '/disable'), { auth: world.owner }), 200);
    const off = await token(server, app);
    assert.equal(off.status, 400);
    assert.deepEqual(off.body, { error: 'unauthorized_client', error_description: 'app is disabled' });
    await must(call(server, 'POST', appPath(app, '/enable'), { auth: world.owner }), 200);
    assert.equal((await token(server, app)).status, 200);
  });

  it('regenerate secret: the old one fails at once, the new one works', async () => {
    const app = await newApp();
    const regen = await must(call(server, 'POST', appPath(app, '/secret'), { auth: world.owner }), 200);
    const old = await token(server, app);
    assert.equal(old.status, 401);
    assert.equal(old.body.error, 'invalid_client');
    assert.equal((await token(server, app, regen.client_secret)).status, 200);
  });

  it('delete app -> 401 invalid_client, same as an unknown client', async () => {
    const app = await newApp();
    await must(call(server, 'DELETE', appPath(app), { auth: world.owner }), 204);
    const gone = await token(server, app);
    assert.equal(gone.status, 401);
    const unknown = await token(server, { clientId: 'tdc_2222222222222222222222', secret: app.secret });
    assert.deepEqual(gone.body, unknown.body);
  });

  it('plan assign / unassign -> entitlements claim appears / disappears', async () => {
    const code = await newPlan({ maxApiRequestsPerMinute: 600, allowedFormats: ['pdf', 'docx'], features: { advancedExtraction: true } });
    const app = await newApp();
    assert.equal((await token(server, app)).claims.entitlements, undefined);
    await must(call(server, 'PUT', appPath(app, '/plan'), { auth: admin, body: { plan_code: code } }), 200);
    assert.deepEqual((await token(server, app)).claims.entitlements, {
      maxApiRequestsPerMinute: 600, allowedFormats: ['pdf', 'docx'], features: { advancedExtraction: true }, plan: code,
    });
    await must(call(server, 'DELETE', appPath(app, '/plan'), { auth: admin }), 200);
    assert.equal((await token(server, app)).claims.entitlements, undefined);
  });

  it('plan entitlements change, archive (still issued) and retire (blocked)', async () => {
    const code = await newPlan({ maxApiRequestsPerMinute: 10 });
    const app = await newApp();
    await must(call(server, 'PUT', appPath(app, '/plan'), { auth: admin, body: { plan_code: code } }), 200);
    assert.equal((await token(server, app)).claims.entitlements.maxApiRequestsPerMinute, 10);
    await must(call(server, 'PATCH', `/api/v1/plans/${code}`, { auth: admin, body: { entitlements: { maxApiRequestsPerMinute: 20, maxUploadBytesPerDocument: 1048576 } } }), 200);
    assert.deepEqual((await token(server, app)).claims.entitlements, { maxApiRequestsPerMinute: 20, maxUploadBytesPerDocument: 1048576, plan: code });
    await must(call(server, 'PATCH', `/api/v1/plans/${code}`, { auth: admin, body: { status: 'archived' } }), 200);
    assert.equal((await token(server, app)).status, 200);
    await must(call(server, 'PATCH', `/api/v1/plans/${code}`, { auth: admin, body: { status: 'retired' } }), 200);
    const blocked = await token(server, app);
    assert.equal(blocked.status, 400);
    assert.deepEqual(blocked.body, { error: 'unauthorized_client', error_description: 'assigned plan is retired' });
  });

  it('tenant suspend / activate', async () => {
    const w = await seedTenant(server, admin);
    const r = await call(server, 'POST', `/api/v1/tenants/${w.tenantId}/apps`, { auth: w.owner, body: { name: 'svc', region_code: w.regionCode } });
    assert.equal(r.status, 201, r.text);
    const app = { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
    assert.equal((await token(server, app)).status, 200);
    await must(call(server, 'POST', `/api/v1/tenants/${w.tenantId}/suspend`, { auth: admin }), 200);
    const off = await token(server, app);
    assert.equal(off.status, 400);
    assert.deepEqual(off.body, { error: 'unauthorized_client', error_description: 'tenant is not active' });
    await must(call(server, 'POST', `/api/v1/tenants/${w.tenantId}/activate`, { auth: admin }), 200);
    assert.equal((await token(server, app)).status, 200);
  });

  it('allowed_domains change -> allowed_domain_N claims follow, in stored order', async () => {
    const app = await newApp({ allowed_domains: ['one.example.com'] });
    assert.equal((await token(server, app)).claims.allowed_domain_1, 'one.example.com');
    await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { allowed_domains: ['https://Three.example.com/', 'localhost:8443', 'two.example.com'] } }), 200);
    const c = (await token(server, app)).claims;
    assert.equal(c.allowed_domain_1, 'three.example.com');
    assert.equal(c.allowed_domain_2, 'localhost:8443');
    assert.equal(c.allowed_domain_3, 'two.example.com');
    await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { allowed_domains: [] } }), 200);
    const none = (await token(server, app)).claims;
    for (const k of ['allowed_domain_1', 'allowed_domain_2', 'allowed_domain_3']) assert.equal(none[k], undefined);
  });

  it('a change made behind the server (another process) is seen within a second', async () => {
    // The CLI-side path: the cache entry expires after 1 s, so even a change that
    // never called the invalidation (e.g. from another node) is picked up.
    const app = await newApp();
    // Written with the sqlite3 CLI or psql (harness sql()), on whichever backend runs.
    sql(server, `UPDATE apps SET enabled = 0 WHERE id = '${app.id}'`, { write: true });
    await new Promise((res) => setTimeout(res, 1100));
    const off = await token(server, app);
    assert.equal(off.status, 400);
    assert.equal(off.body.error_description, 'app is disabled');
  });
});
