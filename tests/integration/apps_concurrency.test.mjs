// Concurrency (SPEC §1 Tenant app_limit): the limit, name uniqueness and the
// one-free-app rule hold when requests race, because each create/assign runs its
// checks and its write in one serialised write transaction.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server;
let admin;

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function tally(results) {
  const out = {};
  for (const r of results) {
    const key = r.status === 201 || r.status === 200 ? String(r.status) : `${r.status} ${r.body?.code}`;
    out[key] = (out[key] || 0) + 1;
  }
  return out;
}

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
});

after(async () => {
  await server?.stop();
});

test('12 parallel creates against app_limit 3 leave exactly 3 apps', async () => {
  const T = await seedTenant(server, admin, { appLimit: 3 });
  const path = `/api/v1/tenants/${T.tenantId}/apps`;
  const results = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    call(server, 'POST', path, { auth: T.owner, body: { name: `racer-${i}`, region_code: T.regionCode } })));
  assert.deepEqual(tally(results), { 201: 3, '409 app_limit_reached': 9 });
  const list = must(await call(server, 'GET', path, { auth: T.owner }), 200);
  assert.equal(list.items.length, 3);
  const created = results.filter((r) => r.status === 201).map((r) => r.body.app.id).sort();
  assert.deepEqual(list.items.map((a) => a.id).sort(), created);
  // Client ids are distinct.
  assert.equal(new Set(results.filter((r) => r.status === 201).map((r) => r.body.client_id)).size, 3);
});

test('8 parallel creates with the same name (any case) leave exactly one app', async () => {
  const T = await seedTenant(server, admin, { region: uniq('rc'), appLimit: 20 });
  const path = `/api/v1/tenants/${T.tenantId}/apps`;
  const variants = ['Shared', 'shared', 'SHARED', ' Shared ', 'sHaReD', 'Shared', 'shared ', 'SHARED'];
  const results = await Promise.all(variants.map((name) =>
    call(server, 'POST', path, { auth: T.owner, body: { name, region_code: T.regionCode } })));
  assert.deepEqual(tally(results), { 201: 1, '409 duplicate_app_name': 7 });
  const list = must(await call(server, 'GET', path, { auth: T.owner }), 200);
  assert.equal(list.items.length, 1);
});

test('parallel free-plan assignments to different apps: exactly one wins', async () => {
  const T = await seedTenant(server, admin, { appLimit: 6 });
  const code = uniq('free').toLowerCase();
  must(await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code, name: 'Free', tier: 'free', status: 'active', entitlements: {} } }), 201);
  const path = `/api/v1/tenants/${T.tenantId}/apps`;
  const apps = [];
  for (let i = 0; i < 6; i++) apps.push(must(await call(server, 'POST', path, { auth: T.owner, body: { name: `free-${i}`, region_code: T.regionCode } }), 201).app);
  const results = await Promise.all(apps.map((a) =>
    call(server, 'PUT', `${path}/${a.id}/plan`, { auth: T.owner, body: { plan_code: code } })));
  assert.deepEqual(tally(results), { 200: 1, '409 free_plan_limit': 5 });
  const list = must(await call(server, 'GET', path, { auth: T.owner }), 200);
  assert.equal(list.items.filter((a) => a.plan_code === code).length, 1);
});

test('parallel deletes and creates never exceed the limit', async () => {
  const T = await seedTenant(server, admin, { appLimit: 2 });
  const path = `/api/v1/tenants/${T.tenantId}/apps`;
  const first = must(await call(server, 'POST', path, { auth: T.owner, body: { name: 'keep', region_code: T.regionCode } }), 201).app;
  const second = must(await call(server, 'POST', path, { auth: T.owner, body: { name: 'drop', region_code: T.regionCode } }), 201).app;
  const results = await Promise.all([
    call(server, 'DELETE', `${path}/${second.id}`, { auth: T.owner }),
    ...Array.from({ length: 6 }, (_, i) => call(server, 'POST', path, { auth: T.owner, body: { name: `late-${i}`, region_code: T.regionCode } })),
  ]);
  assert.equal(results[0].status, 204);
  const creates = tally(results.slice(1));
  assert.ok((creates['201'] || 0) <= 1, JSON.stringify(creates));
  assert.equal((creates['201'] || 0) + (creates['409 app_limit_reached'] || 0), 6, JSON.stringify(creates));
  const list = must(await call(server, 'GET', path, { auth: T.owner }), 200);
  assert.ok(list.items.length <= 2);
  assert.ok(list.items.some((a) => a.id === first.id));
});
