// Host API: tenants (SPEC §1 "Tenant", §4.2; docs/HOST_API.md). Listing with the status
// filter and pagination, host creation with an owner invitation, reads with tenant
// isolation (404 for other tenants), PATCH name/app_limit, idempotent activate/suspend
// with audit and the activation email, 403 for members on host actions, CSRF.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_EMAIL, call, login, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TENANT_KEYS = ['app_limit', 'created_at', 'id', 'name', 'status'];
const MISSING = '01890000-0000-7000-8000-000000000000';

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/problem\+json/);
  assert.equal(res.body.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

/** The tenant's audit events through the API, oldest first. The order comes from the
 * database (the harness's sql(): sqlite3 or psql): ids are UUIDv7 from one server
 * process, strictly increasing even within a millisecond (store/ids.c), so ORDER BY id
 * is insertion order on both backends. Outbox rows below are ordered the same way. */
async function auditOf(server, auth, tenantId) {
  const res = await call(server, 'GET', `/api/v1/tenants/${tenantId}/audit?limit=200`, { auth });
  assert.equal(res.status, 200, res.text);
  const order = sql(server, `SELECT id FROM audit_events WHERE tenant_id = '${tenantId}' ORDER BY id`).map((r) => r.id);
  assert.equal(order.length, res.body.items.length);
  return order.map((id) => res.body.items.find((e) => e.id === id));
}

async function listTenants(server, auth, query = '', limit = 200) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await call(server, 'GET', `/api/v1/tenants?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`, { auth });
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

describe('tenants', () => {
  let server;
  let admin;
  let A; // active tenant with an owner
  let B; // another active tenant

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    A = await seedTenant(server, admin);
    B = await seedTenant(server, admin, { region: A.regionCode });
  });
  after(async () => { await server?.stop(); });

  test('POST /tenants: 201 tenant in pending_activation with the default app_limit, audited', async () => {
    const res = await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: '  Initech  ' } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), TENANT_KEYS);
    assert.match(res.body.id, UUID);
    assert.equal(res.body.name, 'Initech');
    assert.equal(res.body.status, 'pending_activation');
    assert.equal(res.body.app_limit, 3);
    assert.match(res.body.created_at, RFC3339);
    const audit = await auditOf(server, admin, res.body.id);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'tenant.create');
    assert.deepEqual(audit[0].target, { type: 'tenant', id: res.body.id });
    assert.equal(audit[0].actor.email, ADMIN_EMAIL);
    assert.deepEqual(audit[0].detail, { name: 'Initech', app_limit: 3, owner_invited: false });
    const got = await call(server, 'GET', `/api/v1/tenants/${res.body.id}`, { auth: admin });
    assert.deepEqual(got.body, res.body);
  });

  test('POST /tenants with owner_email invites the owner: invitation + accept_url, usable once', async () => {
    const email = `${uniq('boss')}@Example.COM`;
    const res = await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: 'Hooli', owner_email: `  ${email} ` } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), [...TENANT_KEYS, 'accept_url', 'invitation'].sort());
    assert.equal(res.body.status, 'pending_activation');
    const inv = res.body.invitation;
    assert.deepEqual(Object.keys(inv).sort(), ['created_at', 'email', 'expires_at', 'id', 'role', 'status']);
    assert.equal(inv.email, email.toLowerCase());
    assert.equal(inv.role, 'owner');
    assert.equal(inv.status, 'pending');
    const ttl = Date.parse(inv.expires_at) - Date.parse(inv.created_at);
    assert.equal(ttl, 72 * 3600 * 1000);
    const m = res.body.accept_url.match(/^(http:\/\/[^/]+)\/#\/accept\?token=([A-Za-z0-9_-]+)$/);
    assert.ok(m, res.body.accept_url);
    assert.equal(m[1], server.url);
    const token = m[2];
    // the token is stored only as a hash, and the audit holds no token
    const rows = sql(server, `SELECT token_hash, status FROM invitations WHERE id = '${inv.id}'`);
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].token_hash, token);
    assert.match(rows[0].token_hash, /^[0-9a-f]{64}$/);
    const audit = await auditOf(server, admin, res.body.id);
    assert.deepEqual(audit.map((e) => e.action), ['tenant.create', 'invitation.create']);
    assert.equal(audit[0].detail.owner_invited, true);
    assert.ok(!JSON.stringify(audit).includes(token));
    // the invitation email is queued to the owner
    const mail = sql(server, `SELECT recipient FROM outbox WHERE recipient = '${email.toLowerCase()}'`);
    assert.equal(mail.length, 1);
    // the invitee accepts and becomes the owner of the new tenant
    const accepted = await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'boss-password-123', display_name: 'Boss' } });
    assert.equal(accepted.status, 201, accepted.text);
    assert.equal(accepted.body.role, 'owner');
    assert.equal(accepted.body.tenant.id, res.body.id);
    const again = await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'boss-password-123', display_name: 'Boss' } });
    assert.equal(again.status, 400, again.text);
    const boss = await login(server, email.toLowerCase(), 'boss-password-123');
    const own = await call(server, 'GET', `/api/v1/tenants/${res.body.id}`, { auth: boss });
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(Object.keys(own.body).sort(), TENANT_KEYS);
  });

  test('POST /tenants validation: name, owner_email, unknown fields, email_taken; nothing created', async () => {
    const before = (await listTenants(server, admin)).items.length;
    const post = (body, opts = {}) => call(server, 'POST', '/api/v1/tenants', { auth: admin, body, ...opts });
    assertProblem(await post({ name: '' }), 400, 'invalid_name', 'name');
    assertProblem(await post({ name: 'x'.repeat(101) }), 400, 'invalid_name', 'name');
    assertProblem(await post({}), 400, 'missing_field', 'name');
    assertProblem(await post({ name: 7 }), 400, 'invalid_type', 'name');
    assertProblem(await post({ name: 'Ok', owner_email: 'not-an-email' }), 400, 'invalid_email', 'owner_email');
    assertProblem(await post({ name: 'Ok', owner_email: 42 }), 400, 'invalid_type', 'owner_email');
    assertProblem(await post({ name: 'Ok', status: 'active' }), 400, 'unknown_field', 'status');
    assertProblem(await post({ name: 'Ok', app_limit: 10 }), 400, 'unknown_field', 'app_limit');
    assertProblem(await post('{'), 400, 'invalid_json');
    assertProblem(await post({ name: 'Ok', owner_email: ADMIN_EMAIL.toUpperCase() }), 409, 'email_taken', 'owner_email');
    assertProblem(await post({ name: 'Ok', owner_email: A.ownerEmail }), 409, 'email_taken', 'owner_email');
    assertProblem(await post({ name: 'Ok' }, { csrf: false }), 403, 'csrf_failed');
    assertProblem(await call(server, 'POST', '/api/v1/tenants', { auth: A.owner, body: { name: 'Mine' } }), 403, 'forbidden');
    assertProblem(await call(server, 'POST', '/api/v1/tenants', { body: { name: 'Anon' } }), 401, 'unauthenticated');
    assert.equal((await listTenants(server, admin)).items.length, before);
    // owner_email null is the same as absent
    const nul = await post({ name: 'Null owner', owner_email: null });
    assert.equal(nul.status, 201, nul.text);
    assert.equal(nul.body.invitation, undefined);
  });

  test('GET /tenants: host only, oldest first, ?status filter, pagination and its errors', async () => {
    assertProblem(await call(server, 'GET', '/api/v1/tenants', { auth: A.owner }), 403, 'forbidden');
    assertProblem(await call(server, 'GET', '/api/v1/tenants'), 401, 'unauthenticated');
    const all = await listTenants(server, admin);
    const ids = all.items.map((t) => t.id);
    assert.ok(ids.includes(A.tenantId) && ids.includes(B.tenantId));
    assert.deepEqual(ids, [...ids].sort(), 'ordered by id (creation order)');
    for (const t of all.items) assert.deepEqual(Object.keys(t).sort(), TENANT_KEYS);
    const paged = await listTenants(server, admin, '', 2);
    assert.deepEqual(paged.items.map((t) => t.id), ids);
    assert.equal(paged.pages, Math.ceil(ids.length / 2));
    const first = await call(server, 'GET', '/api/v1/tenants?limit=1', { auth: admin });
    assert.equal(first.body.next_cursor, ids[0]);
    const last = await call(server, 'GET', `/api/v1/tenants?cursor=${ids[ids.length - 1]}`, { auth: admin });
    assert.deepEqual(last.body, { items: [], next_cursor: null });
    for (const status of ['pending_activation', 'active', 'suspended']) {
      const only = await listTenants(server, admin, `&status=${status}`);
      assert.ok(only.items.every((t) => t.status === status), status);
      assert.equal(only.items.length, all.items.filter((t) => t.status === status).length, status);
    }
    const active = await listTenants(server, admin, '&status=active', 1);
    assert.ok(active.items.some((t) => t.id === A.tenantId));
    assertProblem(await call(server, 'GET', '/api/v1/tenants?status=deleted', { auth: admin }), 400, 'invalid_status', 'status');
    assertProblem(await call(server, 'GET', '/api/v1/tenants?status=', { auth: admin }), 400, 'invalid_status', 'status');
    for (const bad of ['0', '201', 'abc']) {
      assertProblem(await call(server, 'GET', `/api/v1/tenants?limit=${bad}`, { auth: admin }), 400, 'invalid_limit', 'limit');
    }
    assertProblem(await call(server, 'GET', '/api/v1/tenants?cursor=not-a-uuid', { auth: admin }), 400, 'invalid_cursor', 'cursor');
  });

  test('GET /tenants/{tid}: host any, a member only their own (404 otherwise)', async () => {
    const host = await call(server, 'GET', `/api/v1/tenants/${A.tenantId}`, { auth: admin });
    assert.equal(host.status, 200, host.text);
    assert.deepEqual(Object.keys(host.body).sort(), TENANT_KEYS);
    assert.equal(host.body.status, 'active');
    const own = await call(server, 'GET', `/api/v1/tenants/${A.tenantId}`, { auth: A.owner });
    assert.deepEqual(own.body, host.body);
    assertProblem(await call(server, 'GET', `/api/v1/tenants/${B.tenantId}`, { auth: A.owner }), 404, 'tenant_not_found');
    assertProblem(await call(server, 'GET', `/api/v1/tenants/${MISSING}`, { auth: A.owner }), 404, 'tenant_not_found');
    assertProblem(await call(server, 'GET', `/api/v1/tenants/${MISSING}`, { auth: admin }), 404, 'tenant_not_found');
    assertProblem(await call(server, 'GET', '/api/v1/tenants/not-a-uuid', { auth: admin }), 404, 'tenant_not_found');
    // the other tenant's 404 is indistinguishable from a missing one
    const other = await call(server, 'GET', `/api/v1/tenants/${B.tenantId}`, { auth: A.owner });
    const missing = await call(server, 'GET', `/api/v1/tenants/${MISSING}`, { auth: A.owner });
    assert.deepEqual(other.body, missing.body);
  });

  test('PATCH /tenants/{tid}: name and app_limit; bounds; members 403 (own) / 404 (other)', async () => {
    const t = (await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: 'Patchable' } })).body;
    const res = await call(server, 'PATCH', `/api/v1/tenants/${t.id}`, { auth: admin, body: { name: ' Patched ', app_limit: 25 } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { ...t, name: 'Patched', app_limit: 25 });
    assert.equal((await call(server, 'PATCH', `/api/v1/tenants/${t.id}`, { auth: admin, body: { app_limit: 0 } })).body.app_limit, 0);
    assert.equal((await call(server, 'PATCH', `/api/v1/tenants/${t.id}`, { auth: admin, body: { app_limit: 100000 } })).body.app_limit, 100000);
    const noop = await call(server, 'PATCH', `/api/v1/tenants/${t.id}`, { auth: admin, body: {} });
    assert.equal(noop.status, 200);
    assert.equal(noop.body.app_limit, 100000);
    const audit = await auditOf(server, admin, t.id);
    assert.deepEqual(audit.map((e) => [e.action, e.detail]), [
      ['tenant.create', { name: 'Patchable', app_limit: 3, owner_invited: false }],
      ['tenant.update', { name: 'Patched', app_limit: { from: 3, to: 25 } }],
      ['tenant.update', { app_limit: { from: 25, to: 0 } }],
      ['tenant.update', { app_limit: { from: 0, to: 100000 } }],
    ]);
    const p = (body, auth = admin, id = t.id, opts = {}) => call(server, 'PATCH', `/api/v1/tenants/${id}`, { auth, body, ...opts });
    assertProblem(await p({ app_limit: -1 }), 400, 'invalid_value', 'app_limit');
    assertProblem(await p({ app_limit: 100001 }), 400, 'invalid_value', 'app_limit');
    assertProblem(await p({ app_limit: '5' }), 400, 'invalid_type', 'app_limit');
    assertProblem(await p({ app_limit: 2.5 }), 400, 'invalid_type', 'app_limit');
    assertProblem(await p({ name: '' }), 400, 'invalid_name', 'name');
    assertProblem(await p({ status: 'active' }), 400, 'unknown_field', 'status');
    assertProblem(await p('nope'), 400, 'invalid_json');
    assertProblem(await p({ app_limit: 1 }, admin, MISSING), 404, 'tenant_not_found');
    assertProblem(await p({ app_limit: 1 }, admin, 'bad-id'), 404, 'tenant_not_found');
    assertProblem(await p({ app_limit: 1 }, admin, t.id, { csrf: false }), 403, 'csrf_failed');
    assertProblem(await p({ app_limit: 99 }, A.owner, A.tenantId), 403, 'forbidden');
    assertProblem(await p({ app_limit: 99 }, A.owner, B.tenantId), 404, 'tenant_not_found');
    assertProblem(await p({ app_limit: 99 }, A.owner, t.id), 404, 'tenant_not_found');
    const after = await call(server, 'GET', `/api/v1/tenants/${t.id}`, { auth: admin });
    assert.equal(after.body.app_limit, 100000);
    assert.equal(after.body.name, 'Patched');
    assert.equal((await call(server, 'GET', `/api/v1/tenants/${A.tenantId}`, { auth: admin })).body.app_limit, 3);
  });

  test('lowering app_limit below the app count keeps existing apps and refuses new ones', async () => {
    const L = await seedTenant(server, admin, { region: A.regionCode, appLimit: 5 });
    const create = (name) => call(server, 'POST', `/api/v1/tenants/${L.tenantId}/apps`, { auth: L.owner, body: { name, region_code: L.regionCode } });
    for (const n of ['one', 'two', 'three']) assert.equal((await create(n)).status, 201);
    const lowered = await call(server, 'PATCH', `/api/v1/tenants/${L.tenantId}`, { auth: admin, body: { app_limit: 1 } });
    assert.equal(lowered.status, 200, lowered.text);
    assert.equal(lowered.body.app_limit, 1);
    const apps = await call(server, 'GET', `/api/v1/tenants/${L.tenantId}/apps`, { auth: L.owner });
    assert.equal(apps.body.items.length, 3, 'existing apps stay');
    assertProblem(await create('four'), 409, 'app_limit_reached');
  });

  test('activate / suspend: idempotent 200, audited once per change, activation email, 403/404', async () => {
    const email = `${uniq('own')}@example.com`;
    const made = await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: 'Lifecycle', owner_email: email } });
    const token = made.body.accept_url.split('token=')[1];
    assert.equal((await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password: 'owner-password-123', display_name: 'Own' } })).status, 201);
    const owner = await login(server, email, 'owner-password-123');
    const id = made.body.id;
    const act = (verb, auth = admin, tid = id, opts = {}) => call(server, 'POST', `/api/v1/tenants/${tid}/${verb}`, { auth, ...opts });

    // a pending tenant's owner cannot activate it
    assertProblem(await act('activate', owner), 403, 'forbidden');
    const activated = await act('activate');
    assert.equal(activated.status, 200, activated.text);
    assert.deepEqual(activated.body, { id, name: 'Lifecycle', status: 'active', app_limit: 3, created_at: made.body.created_at });
    const twice = await act('activate', admin, id, { body: {} });
    assert.equal(twice.status, 200);
    assert.equal(twice.body.status, 'active');
    const mails = sql(server, `SELECT subject FROM outbox WHERE recipient = '${email}' ORDER BY id`);
    assert.deepEqual(mails.map((m) => m.subject).filter((s) => /active/.test(s)), ['Your organisation is active']);
    const suspended = await act('suspend');
    assert.equal(suspended.status, 200);
    assert.equal(suspended.body.status, 'suspended');
    assert.equal((await act('suspend')).body.status, 'suspended');
    assert.equal((await call(server, 'GET', `/api/v1/tenants/${id}`, { auth: owner })).body.status, 'suspended');
    assert.equal((await act('activate')).body.status, 'active');
    const audit = (await auditOf(server, admin, id)).filter((e) => e.target.type === 'tenant');
    assert.deepEqual(audit.map((e) => [e.action, e.detail]), [
      ['tenant.create', { name: 'Lifecycle', app_limit: 3, owner_invited: true }],
      ['tenant.activate', { from: 'pending_activation', to: 'active' }],
      ['tenant.suspend', { from: 'active', to: 'suspended' }],
      ['tenant.activate', { from: 'suspended', to: 'active' }],
    ]);

    assertProblem(await act('suspend', owner), 403, 'forbidden');
    assertProblem(await act('suspend', A.owner), 404, 'tenant_not_found');
    assertProblem(await act('activate', A.owner, B.tenantId), 404, 'tenant_not_found');
    assertProblem(await act('suspend', admin, MISSING), 404, 'tenant_not_found');
    assertProblem(await act('activate', admin, 'nope'), 404, 'tenant_not_found');
    assertProblem(await act('suspend', admin, id, { csrf: false }), 403, 'csrf_failed');
    assertProblem(await act('suspend', admin, id, { body: { reason: 'x' } }), 400, 'unknown_field', 'reason');
    assertProblem(await act('suspend', admin, id, { body: '[' }), 400, 'invalid_json');
    assertProblem(await call(server, 'POST', `/api/v1/tenants/${id}/suspend`), 401, 'unauthenticated');
    assert.equal((await call(server, 'GET', `/api/v1/tenants/${id}`, { auth: admin })).body.status, 'active');
  });
});
