// Audit logs (issue 10 item 5): GET /api/v1/audit for host admins (platform-level
// events by default, one tenant's with ?tenant_id=, everything with ?scope=all) and the
// filters it shares with GET /api/v1/tenants/{tid}/audit: action (exact or "prefix*"),
// actor, target_type, target_id, since/until; cursor pagination; access control.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, loginAdmin, seedTenant, uniq, ADMIN_EMAIL, sql } from './lib/harness.mjs';

let server, admin, A, B;

const must = (r, want) => {
  assert.equal(r.status, want, `${r.status} ${r.text}`);
  return r.body;
};
const fieldOf = (problem) => problem.errors?.[0]?.field;
const audit = (query, auth = admin) => call(server, 'GET', `/api/v1/audit${query}`, { auth });

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin);
  B = await seedTenant(server, admin, { region: A.regionCode });
  // Platform-level events: plans and a platform client.
  for (let i = 0; i < 3; i++) {
    must(await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code: uniq('plan').toLowerCase(), name: `Plan ${i}`, tier: 'free', entitlements: {} } }), 201);
  }
  must(await call(server, 'POST', '/api/v1/platform-clients', { auth: admin, body: { name: 'svc', scopes: ['platform:storage'] } }), 201);
});
after(async () => { await server?.stop(); });

test('host admins read platform-level events: no tenant events unless asked', async () => {
  const page = must(await audit(''), 200);
  assert.ok(Array.isArray(page.items) && 'next_cursor' in page);
  const actions = page.items.map((e) => e.action);
  for (const want of ['region.create', 'region_database.create', 'plan.create', 'platform_client.create', 'user.login']) {
    assert.ok(actions.includes(want), `${want} in ${actions}`);
  }
  assert.ok(page.items.every((e) => e.tenant_id === null), 'platform-level only');
  assert.ok(!actions.includes('tenant.activate'));
  const e = page.items.find((x) => x.action === 'plan.create');
  assert.equal(e.actor.email, ADMIN_EMAIL);
  assert.equal(e.target.type, 'plan');
  assert.match(e.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(e.remote_addr);
  // Newest first.
  const ids = page.items.map((x) => x.id);
  assert.deepEqual(ids, [...ids].sort().reverse());
});

test('?tenant_id= shows one tenant\'s events, ?scope=all every event', async () => {
  const one = must(await audit(`?tenant_id=${A.tenantId}`), 200);
  assert.ok(one.items.length > 0);
  assert.ok(one.items.every((e) => e.tenant_id === A.tenantId));
  assert.ok(one.items.some((e) => e.action === 'tenant.activate'));
  // The same events the tenant's own log shows.
  const own = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit`, { auth: A.owner }), 200);
  assert.deepEqual(own.items.map((e) => e.id), one.items.map((e) => e.id));
  const all = must(await audit('?scope=all&limit=200'), 200);
  const tenants = new Set(all.items.map((e) => e.tenant_id));
  assert.ok(tenants.has(null) && tenants.has(A.tenantId) && tenants.has(B.tenantId));
  must(await audit('?scope=platform'), 200);
  assert.equal(fieldOf(must(await audit('?scope=tenant'), 400)), 'scope');
  assert.equal(must(await audit(`?scope=all&tenant_id=${A.tenantId}`), 400).code, 'invalid_filter');
  assert.equal(fieldOf(must(await audit('?tenant_id=not-a-uuid'), 400)), 'tenant_id');
});

test('access: 401 without a session, 403 forbidden for every tenant role (API key too)', async () => {
  assert.equal(must(await audit('', null), 401).code, 'unauthenticated');
  assert.equal(must(await audit('', A.owner), 403).code, 'forbidden');
  const key = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: A.owner, body: { name: 'k' } }), 201);
  assert.equal(must(await audit(`?tenant_id=${A.tenantId}`, { apiKey: key.key }), 403).code, 'forbidden');
  // A tenant member naming another tenant's log still gets 404 (ids are not probeable).
  assert.equal(must(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}/audit`, { auth: A.owner }), 404).code, 'tenant_not_found');
  // Nothing about the host log leaks to a tenant's own log.
  const own = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit?limit=200`, { auth: A.owner }), 200);
  assert.ok(own.items.every((e) => e.tenant_id === A.tenantId));
  assert.ok(!own.items.some((e) => e.action.startsWith('plan.')));
});

test('pagination: limit and cursor walk every platform event exactly once', async () => {
  const everything = must(await audit('?limit=200'), 200).items.map((e) => e.id);
  const seen = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const page = must(await audit(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`), 200);
    assert.ok(page.items.length <= 2);
    seen.push(...page.items.map((e) => e.id));
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  assert.deepEqual(seen, everything);
  assert.equal(must(await audit('?limit=0'), 400).code, 'invalid_limit');
  assert.equal(must(await audit('?limit=201'), 400).code, 'invalid_limit');
  assert.equal(must(await audit('?cursor=zzz'), 400).code, 'invalid_cursor');
});

test('filters: action (exact and prefix*), actor, target_type, target_id, since/until', async () => {
  const plans = must(await audit('?action=plan.create'), 200).items;
  assert.equal(plans.length, 3);
  assert.ok(plans.every((e) => e.action === 'plan.create'));
  // "region*" matches region.create and region_database.create, "region.*" only the first.
  const regionAll = must(await audit('?action=region*'), 200).items.map((e) => e.action);
  assert.ok(regionAll.includes('region.create') && regionAll.includes('region_database.create'));
  const regionDot = must(await audit('?action=region.*'), 200).items.map((e) => e.action);
  assert.ok(regionDot.length > 0 && regionDot.every((a) => a.startsWith('region.')));
  // "_" is a literal, not a SQL wildcard.
  assert.equal(must(await audit('?action=plan_create'), 200).items.length, 0);

  const mine = must(await audit(`?actor=${encodeURIComponent(ADMIN_EMAIL.toUpperCase())}&limit=200`), 200).items;
  assert.ok(mine.length > 0 && mine.every((e) => e.actor.email === ADMIN_EMAIL));
  assert.equal(must(await audit('?actor=nobody@example.com'), 200).items.length, 0);

  const clients = must(await audit('?target_type=platform_client'), 200).items;
  assert.equal(clients.length, 1);
  const byId = must(await audit(`?target_id=${clients[0].target.id}`), 200).items;
  assert.deepEqual(byId.map((e) => e.id), [clients[0].id]);

  // Time window: move one plan event into the past behind the server's back.
  const old = plans.at(-1);
  sql(server, `UPDATE audit_events SET created_at = 1000000000 WHERE id = '${old.id}'`, { write: true });
  const before2002 = must(await audit('?until=2002-01-01T00:00:00Z'), 200).items;
  assert.deepEqual(before2002.map((e) => e.id), [old.id]);
  assert.equal(before2002[0].created_at, '2001-09-09T01:46:40Z');
  const since = must(await audit('?since=2001-09-09T01:46:40Z&until=2001-09-09T01:46:41Z'), 200).items;
  assert.deepEqual(since.map((e) => e.id), [old.id], 'since inclusive, until exclusive');
  const recent = must(await audit('?action=plan.create&since=2002-01-01T00:00:00Z'), 200).items;
  assert.equal(recent.length, 2);

  // Combined with the tenant log: the same filters.
  const acts = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit?action=tenant.*`, { auth: A.owner }), 200).items;
  assert.ok(acts.length > 0 && acts.every((e) => e.action.startsWith('tenant.')));

  for (const [q, field] of [['action=APP', 'action'], ['action=*', 'action'], ['action=a%25', 'action'],
    ['actor=not-an-email', 'actor'], ['target_type=a%20b', 'target_type'], ['since=yesterday', 'since'],
    ['until=2026-02-30T00:00:00Z', 'until'], ['since=2026-01-01T00:00:00%2B01:00', 'since'],
    [`target_id=${'x'.repeat(129)}`, 'target_id']]) {
    const r = must(await audit(`?${q}`), 400);
    assert.equal(r.code, 'invalid_filter', q);
    assert.equal(fieldOf(r), field, q);
    const t = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit?${q}`, { auth: A.owner }), 400);
    assert.equal(fieldOf(t), field, `tenant log: ${q}`);
  }
});
