// Host API: plans (SPEC §1 "Plan", §4.2; docs/HOST_API.md). Shapes, the entitlements
// schema (unknown keys named with their dotted path), the forward-only status machine,
// host-only writes, tenant members seeing active plans only, pagination, CSRF, audit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const PLAN_KEYS = ['code', 'created_at', 'entitlements', 'name', 'status', 'tier', 'updated_at'];

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/problem\+json/);
  assert.equal(res.body.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

function hostAudit(server, targetId) {
  // Audit ids are UUIDv7 from one server process, strictly increasing (store/ids.c):
  // id order is insertion order on both backends.
  return sql(server, `SELECT action, detail FROM audit_events WHERE tenant_id IS NULL AND target_type = 'plan' AND target_id = '${targetId.replace(/'/g, "''")}' ORDER BY id`)
    .map((a) => [a.action, JSON.parse(a.detail)]);
}

async function listAll(server, auth, limit = 200) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await call(server, 'GET', `/api/v1/plans?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { auth });
    assert.equal(res.status, 200, res.text);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { items, pages };
}

const ENT = {
  maxApiRequestsPerMinute: 600,
  maxDocumentUnitsPerDocument: 50,
  maxDocumentUnitsPerHour: 1000,
  maxDocumentUnitsPerDay: 5000,
  maxDocumentUnitsPerWeek: 20000,
  maxDocumentUnitsPerMonth: 60000,
  maxUploadBytesPerDocument: 10485760,
  allowedFormats: ['pdf', 'image/png'],
  features: { advancedExtraction: true, ocr: false },
};

describe('plans', () => {
  let server;
  let admin;
  let T;
  const code = uniq('pro').toLowerCase();

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin);
  });
  after(async () => { await server?.stop(); });

  const post = (body, auth = admin, opts = {}) => call(server, 'POST', '/api/v1/plans', { auth, body, ...opts });
  const patch = (c, body, auth = admin, opts = {}) => call(server, 'PATCH', `/api/v1/plans/${c}`, { auth, body, ...opts });

  test('POST /plans: 201 with every field; status defaults to draft; entitlements kept as given', async () => {
    const res = await post({ code, name: '  Pro  ', tier: 'paid', entitlements: ENT });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), PLAN_KEYS);
    assert.equal(res.body.code, code);
    assert.equal(res.body.name, 'Pro');
    assert.equal(res.body.tier, 'paid');
    assert.equal(res.body.status, 'draft');
    assert.deepEqual(res.body.entitlements, ENT);
    assert.match(res.body.created_at, RFC3339);
    assert.equal(res.body.updated_at, res.body.created_at);
    assert.deepEqual(hostAudit(server, code), [['plan.create', { name: 'Pro', tier: 'paid', status: 'draft' }]]);

    const active = await post({ code: `${code}-free`, name: 'Free', tier: 'free', status: 'active', entitlements: {} });
    assert.equal(active.status, 201, active.text);
    assert.equal(active.body.status, 'active');
    assert.deepEqual(active.body.entitlements, {});
    const explicitDraft = await post({ code: `${code}-d`, name: 'D', tier: 'free', status: 'draft', entitlements: {} });
    assert.equal(explicitDraft.body.status, 'draft');
    const nullStatus = await post({ code: `${code}-n`, name: 'N', tier: 'free', status: null, entitlements: {} });
    assert.equal(nullStatus.status, 201, nullStatus.text);
    assert.equal(nullStatus.body.status, 'draft');
  });

  test('POST /plans validates code, name, tier, status and entitlements, naming the field', async () => {
    const c = uniq('v').toLowerCase();
    const base = { code: c, name: 'V', tier: 'free', entitlements: {} };
    assertProblem(await post({ ...base, code: 'Bad Code' }), 400, 'invalid_code', 'code');
    assertProblem(await post({ ...base, code: '-lead' }), 400, 'invalid_code', 'code');
    assertProblem(await post({ ...base, code: 'x' }), 400, 'invalid_code', 'code');
    assertProblem(await post({ ...base, code: 'p'.repeat(65) }), 400, 'invalid_code', 'code');
    assertProblem(await post({ ...base, name: '' }), 400, 'invalid_name', 'name');
    assertProblem(await post({ ...base, name: 'n'.repeat(101) }), 400, 'invalid_name', 'name');
    assertProblem(await post({ ...base, tier: 'gold' }), 400, 'invalid_tier', 'tier');
    assertProblem(await post({ ...base, tier: 'FREE' }), 400, 'invalid_tier', 'tier');
    assertProblem(await post({ ...base, tier: 1 }), 400, 'invalid_type', 'tier');
    assertProblem(await post({ ...base, status: 'published' }), 400, 'invalid_status', 'status');
    assertProblem(await post({ ...base, status: 'archived' }), 400, 'invalid_status', 'status');
    assertProblem(await post({ ...base, status: 'retired' }), 400, 'invalid_status', 'status');
    assertProblem(await post({ code: c, name: 'V', tier: 'free' }), 400, 'missing_field', 'entitlements');
    assertProblem(await post({ code: c, tier: 'free', entitlements: {} }), 400, 'missing_field', 'name');
    assertProblem(await post({ code: c, name: 'V', entitlements: {} }), 400, 'missing_field', 'tier');
    assertProblem(await post({ name: 'V', tier: 'free', entitlements: {} }), 400, 'missing_field', 'code');
    assertProblem(await post({ ...base, entitlements: [] }), 400, 'invalid_type', 'entitlements');
    assertProblem(await post({ ...base, entitlements: null }), 400, 'invalid_type', 'entitlements');
    assertProblem(await post({ ...base, entitlements: { maxApiRequestPerMinute: 5 } }), 400, 'unknown_field', 'entitlements.maxApiRequestPerMinute');
    assertProblem(await post({ ...base, entitlements: { plan: 'x' } }), 400, 'unknown_field', 'entitlements.plan');
    assertProblem(await post({ ...base, entitlements: { maxApiRequestsPerMinute: -1 } }), 400, 'invalid_value', 'entitlements.maxApiRequestsPerMinute');
    assertProblem(await post({ ...base, entitlements: { maxApiRequestsPerMinute: '60' } }), 400, 'invalid_value', 'entitlements.maxApiRequestsPerMinute');
    assertProblem(await post({ ...base, entitlements: { maxUploadBytesPerDocument: 1.5 } }), 400, 'invalid_value', 'entitlements.maxUploadBytesPerDocument');
    assertProblem(await post({ ...base, entitlements: { features: { fast: 'yes' } } }), 400, 'invalid_value', 'entitlements.features.fast');
    assertProblem(await post({ ...base, entitlements: { allowedFormats: ['pdf', 7] } }), 400, 'invalid_value', 'entitlements.allowedFormats[1]');
    assertProblem(await post({ ...base, entitlements: {}, price: 10 }), 400, 'unknown_field', 'price');
    assertProblem(await post('{"code":"x",'), 400, 'invalid_json');
    const all = await listAll(server, admin);
    assert.ok(!all.items.some((p) => p.code === c), 'bad input created nothing');
  });

  test('POST /plans with an existing code is 409 plan_exists', async () => {
    assertProblem(await post({ code, name: 'Other', tier: 'free', entitlements: {} }), 409, 'plan_exists', 'code');
    const all = await listAll(server, admin);
    assert.equal(all.items.find((p) => p.code === code).name, 'Pro');
  });

  test('tenant members: 403 on writes, and GET /plans lists active plans only', async () => {
    assertProblem(await post({ code: uniq('m').toLowerCase(), name: 'M', tier: 'free', entitlements: {} }, T.owner), 403, 'forbidden');
    assertProblem(await patch(code, { status: 'active' }, T.owner), 403, 'forbidden');
    assertProblem(await patch(code, 'garbage', T.owner), 403, 'forbidden');
    const host = await listAll(server, admin);
    assert.ok(host.items.some((p) => p.status === 'draft'));
    const member = await listAll(server, T.owner);
    assert.ok(member.items.length >= 1);
    assert.ok(member.items.every((p) => p.status === 'active'), JSON.stringify(member.items));
    assert.ok(member.items.some((p) => p.code === `${code}-free`));
    assert.ok(!member.items.some((p) => p.code === code));
    for (const p of member.items) assert.deepEqual(Object.keys(p).sort(), PLAN_KEYS);
    assertProblem(await call(server, 'GET', '/api/v1/plans'), 401, 'unauthenticated');
  });

  test('cookie mutations without X-CSRF-Token are 403 csrf_failed', async () => {
    assertProblem(await post({ code: uniq('c').toLowerCase(), name: 'C', tier: 'free', entitlements: {} }, admin, { csrf: false }), 403, 'csrf_failed');
    assertProblem(await patch(code, { name: 'Hacked' }, admin, { csrf: false }), 403, 'csrf_failed');
    const all = await listAll(server, admin);
    assert.equal(all.items.find((p) => p.code === code).name, 'Pro');
  });

  test('PATCH /plans/{code}: status moves forward only (skips allowed), backward or same is 400', async () => {
    const c = uniq('sm').toLowerCase();
    assert.equal((await post({ code: c, name: 'SM', tier: 'paid', entitlements: {} })).status, 201);
    const toActive = await patch(c, { status: 'active' });
    assert.equal(toActive.status, 200, toActive.text);
    assert.equal(toActive.body.status, 'active');
    assertProblem(await patch(c, { status: 'active' }), 400, 'invalid_status_transition', 'status');
    assertProblem(await patch(c, { status: 'draft' }), 400, 'invalid_status_transition', 'status');
    assertProblem(await patch(c, { status: 'paused' }), 400, 'invalid_status', 'status');
    assertProblem(await patch(c, { status: 3 }), 400, 'invalid_type', 'status');
    const toRetired = await patch(c, { status: 'retired' }); // skipping archived
    assert.equal(toRetired.status, 200, toRetired.text);
    assert.equal(toRetired.body.status, 'retired');
    assertProblem(await patch(c, { status: 'archived' }), 400, 'invalid_status_transition', 'status');
    assertProblem(await patch(c, { status: 'retired' }), 400, 'invalid_status_transition', 'status');
    // draft → archived directly, then archived → retired
    const d = uniq('sd').toLowerCase();
    assert.equal((await post({ code: d, name: 'SD', tier: 'free', entitlements: {} })).status, 201);
    assert.equal((await patch(d, { status: 'archived' })).body.status, 'archived');
    assertProblem(await patch(d, { status: 'active' }), 400, 'invalid_status_transition', 'status');
    assert.equal((await patch(d, { status: 'retired' })).body.status, 'retired');
    assert.deepEqual(hostAudit(server, c).slice(1), [
      ['plan.update', { status: { from: 'draft', to: 'active' } }],
      ['plan.update', { status: { from: 'active', to: 'retired' } }],
    ]);
    // a failed transition changes nothing else in the same body
    assertProblem(await patch(c, { name: 'Renamed', status: 'draft' }), 400, 'invalid_status_transition', 'status');
    const all = await listAll(server, admin);
    assert.equal(all.items.find((p) => p.code === c).name, 'SM');
  });

  test('PATCH /plans/{code}: name and entitlements (replaced whole), validation, 404', async () => {
    const c = uniq('ed').toLowerCase();
    const made = await post({ code: c, name: 'Edit', tier: 'paid', status: 'active', entitlements: { maxApiRequestsPerMinute: 10, features: { a: true } } });
    assert.equal(made.status, 201);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await patch(c, { name: 'Edited', entitlements: { maxDocumentUnitsPerDay: 7 } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), PLAN_KEYS);
    assert.equal(res.body.name, 'Edited');
    assert.deepEqual(res.body.entitlements, { maxDocumentUnitsPerDay: 7 });
    assert.equal(res.body.status, 'active');
    assert.equal(res.body.tier, 'paid');
    assert.equal(res.body.created_at, made.body.created_at);
    assert.ok(res.body.updated_at > made.body.updated_at);
    const noop = await patch(c, {});
    assert.equal(noop.status, 200);
    assert.deepEqual(noop.body, res.body);
    assert.deepEqual(hostAudit(server, c).slice(1), [['plan.update', { name: 'Edited', entitlements: true }]]);
    // the member's list sees the new entitlements (it is active)
    const member = await listAll(server, T.owner);
    assert.deepEqual(member.items.find((p) => p.code === c).entitlements, { maxDocumentUnitsPerDay: 7 });

    assertProblem(await patch(c, { entitlements: { maxDocumentUnitsPerDay: 7, bogus: 1 } }), 400, 'unknown_field', 'entitlements.bogus');
    assertProblem(await patch(c, { entitlements: { features: { 'bad key': true } } }), 400, 'invalid_value');
    assertProblem(await patch(c, { entitlements: 'none' }), 400, 'invalid_type', 'entitlements');
    assertProblem(await patch(c, { name: '  ' }), 400, 'invalid_name', 'name');
    assertProblem(await patch(c, { tier: 'free' }), 400, 'unknown_field', 'tier');
    assertProblem(await patch(c, { code: 'other' }), 400, 'unknown_field', 'code');
    assertProblem(await patch(c, '[]'), 400, 'invalid_json');
    assertProblem(await patch('no-such-plan', { name: 'x' }), 404, 'plan_not_found');
    assertProblem(await patch('Not A Code', { name: 'x' }), 404, 'plan_not_found');
    const after = await listAll(server, admin);
    assert.deepEqual(after.items.find((p) => p.code === c), res.body, 'failed patches changed nothing');
  });

  test('GET /plans paginates by code; limit and cursor are validated', async () => {
    const prefix = uniq('pg').toLowerCase();
    for (const s of ['b', 'a', 'c']) assert.equal((await post({ code: `${prefix}-${s}`, name: s, tier: 'free', entitlements: {} })).status, 201);
    const all = await listAll(server, admin);
    const codes = all.items.map((p) => p.code);
    assert.deepEqual(codes, [...codes].sort());
    assert.equal(all.pages, 1);
    const paged = await listAll(server, admin, 2);
    assert.deepEqual(paged.items.map((p) => p.code), codes);
    assert.equal(paged.pages, Math.ceil(codes.length / 2));
    const first = await call(server, 'GET', '/api/v1/plans?limit=1', { auth: admin });
    assert.equal(first.body.items.length, 1);
    assert.equal(first.body.next_cursor, codes[0]);
    const end = await call(server, 'GET', `/api/v1/plans?cursor=${codes[codes.length - 1]}`, { auth: admin });
    assert.deepEqual(end.body, { items: [], next_cursor: null });
    for (const bad of ['0', '201', 'abc']) {
      assertProblem(await call(server, 'GET', `/api/v1/plans?limit=${bad}`, { auth: admin }), 400, 'invalid_limit', 'limit');
    }
    assertProblem(await call(server, 'GET', '/api/v1/plans?cursor=Bad%20Cursor', { auth: admin }), 400, 'invalid_cursor', 'cursor');
  });
});
