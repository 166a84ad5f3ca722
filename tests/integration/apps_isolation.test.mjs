// Tenant isolation and roles on every apps route (SPEC §4: another tenant's resource
// answers 404, never 403; a weak role on the own tenant answers 403 forbidden).
//   - tenant B's owner naming tenant A's id: 404 tenant_not_found on every route;
//   - tenant B's owner naming its own tenant with A's app id: 404 app_not_found;
//   - tenant A's viewer: reads work, every mutation 403 forbidden;
// and after all of it tenant A's app, list and audit trail are exactly as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, login, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server;
let admin;
let A;
let B;
let viewerA;
let appA; // {app, client_id, client_secret}
let freePlan;

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function problem(r, status, code, label) {
  assert.equal(r.status, status, `${label}: ${r.text}`);
  assert.equal(r.body?.code, code, `${label}: ${r.text}`);
}

async function addMember(tenant, role) {
  const email = `${uniq(role)}@example.com`;
  const password = `${role}-password-123`;
  const inv = must(await call(server, 'POST', `/api/v1/tenants/${tenant.tenantId}/invitations`, { auth: tenant.owner, body: { email, role } }), 201);
  const m = inv.accept_url.match(/[?#&]token=([^&#]+)/);
  assert.ok(m, `accept_url carries a token: ${inv.accept_url}`);
  must(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token: decodeURIComponent(m[1]), password, display_name: `A ${role}` } }), 201);
  return login(server, email, password);
}

// Every apps route, with a body that would be valid, so only authorisation can stop it.
function routes(tid, aid) {
  const apps = `/api/v1/tenants/${tid}/apps`;
  const one = `${apps}/${aid}`;
  return [
    { method: 'GET', path: apps, read: true },
    { method: 'GET', path: one, read: true },
    { method: 'GET', path: `/api/v1/tenants/${tid}/audit`, read: true, tenantOnly: true },
    { method: 'POST', path: apps, body: { name: uniq('intruder'), region_code: A.regionCode }, tenantOnly: true },
    { method: 'PATCH', path: one, body: { name: uniq('hijacked'), allowed_domains: ['evil.example.com'] } },
    { method: 'POST', path: `${one}/disable` },
    { method: 'POST', path: `${one}/enable` },
    { method: 'POST', path: `${one}/secret` },
    { method: 'PUT', path: `${one}/plan`, body: { plan_code: freePlan } },
    { method: 'DELETE', path: `${one}/plan` },
    { method: 'PUT', path: `${one}/storage`, body: { provider: 'aws_s3', bucket: 'evil-bucket', access_key_id: 'AKIDEVIL', secret_access_key: 'evil-secret-value-123' } },
    { method: 'DELETE', path: `${one}/storage` },
    { method: 'DELETE', path: one },
  ];
}

async function snapshot() {
  const app = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}`, { auth: A.owner }), 200);
  const list = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps`, { auth: A.owner }), 200);
  const audit = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit?limit=200`, { auth: A.owner }), 200);
  return { app, list, audit: audit.items.map((e) => e.id) };
}

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin, { appLimit: 10 });
  B = await seedTenant(server, admin, { region: A.regionCode, appLimit: 10 });
  const code = uniq('free').toLowerCase();
  must(await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code, name: 'Free', tier: 'free', status: 'active', entitlements: {} } }), 201);
  freePlan = code;
  appA = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/apps`, {
    auth: A.owner,
    body: { name: 'tenant-a-app', region_code: A.regionCode, allowed_domains: ['a.example.com'], storage: { provider: 'tigris', bucket: 'a-bucket', access_key_id: 'AKIDA', secret_access_key: 'tenant-a-storage-secret' } },
  }), 201);
  must(await call(server, 'POST', `/api/v1/tenants/${B.tenantId}/apps`, { auth: B.owner, body: { name: 'tenant-b-app', region_code: B.regionCode } }), 201);
  viewerA = await addMember(A, 'viewer');
});

after(async () => {
  await server?.stop();
});

test("tenant B's owner gets 404 tenant_not_found on every apps route of tenant A, and nothing changes", async () => {
  const before = await snapshot();
  for (const r of routes(A.tenantId, appA.app.id)) {
    const res = await call(server, r.method, r.path, { auth: B.owner, body: r.body });
    problem(res, 404, 'tenant_not_found', `${r.method} ${r.path}`);
    assert.ok(!res.text.includes(appA.app.id) && !res.text.includes('tenant-a-app'), 'nothing about A leaks');
  }
  // The same through B's API key.
  const key = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: B.owner, body: { name: 'probe' } }), 201).key;
  for (const r of routes(A.tenantId, appA.app.id)) {
    problem(await call(server, r.method, r.path, { auth: { apiKey: key }, body: r.body }), 404, 'tenant_not_found', `key ${r.method} ${r.path}`);
  }
  assert.deepEqual(await snapshot(), before);
});

test("tenant B's owner naming its own tenant with A's app id gets 404 app_not_found everywhere", async () => {
  const before = await snapshot();
  for (const r of routes(B.tenantId, appA.app.id).filter((x) => !x.tenantOnly && x.path.includes(appA.app.id))) {
    problem(await call(server, r.method, r.path, { auth: B.owner, body: r.body }), 404, 'app_not_found', `${r.method} ${r.path}`);
  }
  const bList = must(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}/apps`, { auth: B.owner }), 200);
  assert.deepEqual(bList.items.map((a) => a.name), ['tenant-b-app']);
  assert.deepEqual(await snapshot(), before);
});

test("tenant A's viewer reads but every mutation is 403 forbidden", async () => {
  const before = await snapshot();
  for (const r of routes(A.tenantId, appA.app.id)) {
    const res = await call(server, r.method, r.path, { auth: viewerA, body: r.body });
    if (r.read) {
      assert.equal(res.status, 200, `${r.method} ${r.path}: ${res.text}`);
      assert.ok(!res.text.includes(appA.client_secret) && !res.text.includes('tenant-a-storage-secret'));
    } else {
      problem(res, 403, 'forbidden', `viewer ${r.method} ${r.path}`);
    }
  }
  // The viewer's reads show the same representation the owner sees.
  const viewed = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}`, { auth: viewerA }), 200);
  assert.deepEqual(viewed, before.app);
  // And the viewer cannot reach tenant B either.
  problem(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}/apps`, { auth: viewerA }), 404, 'tenant_not_found', 'viewer -> B');
  assert.deepEqual(await snapshot(), before);
});

test("an admin member of A manages A's apps; a host admin may act in any tenant", async () => {
  const adminA = await addMember(A, 'admin');
  const url = `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}`;
  assert.equal(must(await call(server, 'POST', `${url}/disable`, { auth: adminA }), 200).enabled, false);
  assert.equal(must(await call(server, 'POST', `${url}/enable`, { auth: admin }), 200).enabled, true);
  const hostView = must(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}/apps`, { auth: admin }), 200);
  assert.deepEqual(hostView.items.map((a) => a.name), ['tenant-b-app']);
  problem(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}/apps/${appA.app.id}`, { auth: admin }), 404, 'app_not_found', 'host: A app under B');
});
