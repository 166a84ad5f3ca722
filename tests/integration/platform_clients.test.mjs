// Host API: platform clients (SPEC §4.2, §4.6; docs/HOST_API.md). The secret is shown
// once (create / regenerate), stored only as SHA-256, never audited; scopes are a set
// of known platform scopes; delete is soft; host only; pagination; CSRF.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { call, databaseBytes, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CLIENT_ID = /^tdp_[0-9A-Za-z]{22}$/;
const SECRET = /^tdps_[0-9A-Za-z]{49}$/;
const PUBLIC_KEYS = ['client_id', 'created_at', 'id', 'name', 'scopes', 'secret_rotated_at'];
const MISSING = '01890000-0000-7000-8000-000000000000';
const sha256 = (s) => createHash('sha256').update(s).digest('hex');

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/problem\+json/);
  assert.equal(res.body.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

// Rows behind the server's back come from the harness's sql() (sqlite3 or psql). Audit
// ids are UUIDv7 from one server process, strictly increasing (store/ids.c), so
// ORDER BY id is insertion order on both backends.

describe('platform clients', () => {
  let server;
  let admin;
  let T;

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin);
  });
  after(async () => { await server?.stop(); });

  const create = (body, auth = admin, opts = {}) => call(server, 'POST', '/api/v1/platform-clients', { auth, body, ...opts });

  test('POST creates a client: 201 with id, client_id, the secret (once), scopes; stored as a hash', async () => {
    const res = await create({ name: '  Storage gateway ', scopes: ['platform:storage'] });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), [...PUBLIC_KEYS, 'client_secret'].sort());
    assert.match(res.body.id, UUID);
    assert.equal(res.body.name, 'Storage gateway');
    assert.match(res.body.client_id, CLIENT_ID);
    assert.match(res.body.client_secret, SECRET);
    assert.deepEqual(res.body.scopes, ['platform:storage']);
    assert.match(res.body.created_at, RFC3339);
    assert.equal(res.body.secret_rotated_at, res.body.created_at);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const rows = sql(server, `SELECT secret_hash, scopes, deleted_at FROM platform_clients WHERE id = '${res.body.id}'`);
    assert.deepEqual(rows, [{ secret_hash: sha256(res.body.client_secret), scopes: 'platform:storage', deleted_at: null }]);
    const audit = sql(server, `SELECT action, detail FROM audit_events WHERE target_id = '${res.body.id}'`);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'platform_client.create');
    assert.deepEqual(JSON.parse(audit[0].detail), { name: 'Storage gateway', client_id: res.body.client_id, scopes: 'platform:storage' });
    // the secret appears nowhere in the database at rest (SQLite: the files, WAL
    // included; PostgreSQL: pg_dump, which shows TOAST-compressed values in the clear);
    // positive control: the same bytes hold its client_id and hash
    const stored = databaseBytes(server);
    assert.ok(stored.includes(Buffer.from(res.body.client_id)) && stored.includes(Buffer.from(sha256(res.body.client_secret))), 'the search sees the row');
    assert.ok(!stored.includes(Buffer.from(res.body.client_secret)));
    // two clients never share ids or secrets
    const other = await create({ name: 'Other', scopes: ['platform:storage'] });
    assert.notEqual(other.body.client_id, res.body.client_id);
    assert.notEqual(other.body.client_secret, res.body.client_secret);
  });

  test('GET one and GET list never show a secret', async () => {
    const made = (await create({ name: 'Readable', scopes: ['platform:storage'] })).body;
    const one = await call(server, 'GET', `/api/v1/platform-clients/${made.id}`, { auth: admin });
    assert.equal(one.status, 200, one.text);
    const { client_secret: secret, ...publicPart } = made;
    assert.deepEqual(one.body, publicPart);
    assert.ok(!one.text.includes(secret));
    const list = await call(server, 'GET', '/api/v1/platform-clients?limit=200', { auth: admin });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.find((c) => c.id === made.id), publicPart);
    assert.ok(list.body.items.every((c) => Object.keys(c).sort().join() === PUBLIC_KEYS.join()));
    assert.ok(!list.text.includes('tdps_'));
    assertProblem(await call(server, 'GET', `/api/v1/platform-clients/${MISSING}`, { auth: admin }), 404, 'platform_client_not_found');
    assertProblem(await call(server, 'GET', '/api/v1/platform-clients/not-an-id', { auth: admin }), 404, 'platform_client_not_found');
  });

  test('POST validates name and scopes (known platform scopes only), naming the field', async () => {
    const before = (await call(server, 'GET', '/api/v1/platform-clients?limit=200', { auth: admin })).body.items.length;
    assertProblem(await create({ name: '', scopes: ['platform:storage'] }), 400, 'invalid_name', 'name');
    assertProblem(await create({ name: 'n'.repeat(101), scopes: ['platform:storage'] }), 400, 'invalid_name', 'name');
    assertProblem(await create({ scopes: ['platform:storage'] }), 400, 'missing_field', 'name');
    assertProblem(await create({ name: 'x' }), 400, 'missing_field', 'scopes');
    assertProblem(await create({ name: 'x', scopes: null }), 400, 'invalid_type', 'scopes');
    assertProblem(await create({ name: 'x', scopes: 'platform:storage' }), 400, 'invalid_type', 'scopes');
    assertProblem(await create({ name: 'x', scopes: [] }), 400, 'invalid_value', 'scopes');
    assertProblem(await create({ name: 'x', scopes: Array(11).fill('platform:storage') }), 400, 'invalid_value', 'scopes');
    assertProblem(await create({ name: 'x', scopes: [7] }), 400, 'invalid_type', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: ['storage'] }), 400, 'invalid_scope', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: ['platform:Storage'] }), 400, 'invalid_scope', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: ['platform:'] }), 400, 'invalid_scope', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: [`platform:${'a'.repeat(33)}`] }), 400, 'invalid_scope', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: ['platform:storage', 'platform:billing'] }), 400, 'invalid_scope', 'scopes[1]');
    assertProblem(await create({ name: 'x', scopes: ['platform:storage', 'platform:storage'] }), 400, 'invalid_scope', 'scopes[1]');
    assertProblem(await create({ name: 'x', scopes: ['api'] }), 400, 'invalid_scope', 'scopes[0]');
    assertProblem(await create({ name: 'x', scopes: ['platform:storage'], client_id: 'tdp_mine' }), 400, 'unknown_field', 'client_id');
    assertProblem(await create('{"name":'), 400, 'invalid_json');
    const after = (await call(server, 'GET', '/api/v1/platform-clients?limit=200', { auth: admin })).body.items.length;
    assert.equal(after, before, 'bad input created nothing');
  });

  test('POST .../{id}/secret regenerates: new secret shown once, old hash replaced, audited', async () => {
    const made = (await create({ name: 'Rotating', scopes: ['platform:storage'] })).body;
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: admin });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['client_id', 'client_secret', 'id']);
    assert.equal(res.body.id, made.id);
    assert.equal(res.body.client_id, made.client_id);
    assert.match(res.body.client_secret, SECRET);
    assert.notEqual(res.body.client_secret, made.client_secret);
    const rows = sql(server, `SELECT secret_hash FROM platform_clients WHERE id = '${made.id}'`);
    assert.equal(rows[0].secret_hash, sha256(res.body.client_secret));
    const one = (await call(server, 'GET', `/api/v1/platform-clients/${made.id}`, { auth: admin })).body;
    assert.equal(one.created_at, made.created_at);
    assert.ok(one.secret_rotated_at > made.secret_rotated_at);
    assert.equal(one.client_secret, undefined);
    const audit = sql(server, `SELECT action, detail FROM audit_events WHERE target_id = '${made.id}' ORDER BY id`);
    assert.deepEqual(audit.map((a) => a.action), ['platform_client.create', 'platform_client.secret_regenerate']);
    assert.ok(!JSON.stringify(audit).includes('tdps_'));
    const withEmpty = await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: admin, body: {} });
    assert.equal(withEmpty.status, 200);
    assertProblem(await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: admin, body: { secret: 'mine' } }), 400, 'unknown_field', 'secret');
    assertProblem(await call(server, 'POST', `/api/v1/platform-clients/${MISSING}/secret`, { auth: admin }), 404, 'platform_client_not_found');
    assertProblem(await call(server, 'POST', '/api/v1/platform-clients/xyz/secret', { auth: admin }), 404, 'platform_client_not_found');
  });

  test('DELETE soft-deletes: 204, then 404 everywhere, gone from the list, row kept with deleted_at', async () => {
    const made = (await create({ name: 'Doomed', scopes: ['platform:storage'] })).body;
    const res = await call(server, 'DELETE', `/api/v1/platform-clients/${made.id}`, { auth: admin });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, '');
    assertProblem(await call(server, 'GET', `/api/v1/platform-clients/${made.id}`, { auth: admin }), 404, 'platform_client_not_found');
    assertProblem(await call(server, 'DELETE', `/api/v1/platform-clients/${made.id}`, { auth: admin }), 404, 'platform_client_not_found');
    assertProblem(await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: admin }), 404, 'platform_client_not_found');
    const list = await call(server, 'GET', '/api/v1/platform-clients?limit=200', { auth: admin });
    assert.ok(!list.body.items.some((c) => c.id === made.id));
    const rows = sql(server, `SELECT deleted_at FROM platform_clients WHERE id = '${made.id}'`);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].deleted_at > 0);
    const audit = sql(server, `SELECT action, detail FROM audit_events WHERE target_id = '${made.id}' ORDER BY id`);
    assert.deepEqual(audit.map((a) => [a.action, JSON.parse(a.detail)]).slice(1), [['platform_client.delete', { client_id: made.client_id }]]);
    assertProblem(await call(server, 'DELETE', `/api/v1/platform-clients/${MISSING}`, { auth: admin }), 404, 'platform_client_not_found');
    assertProblem(await call(server, 'DELETE', '/api/v1/platform-clients/nope', { auth: admin }), 404, 'platform_client_not_found');
  });

  test('tenant members get 403 on every route; CSRF guards cookie mutations; 401 without auth', async () => {
    const made = (await create({ name: 'Guarded', scopes: ['platform:storage'] })).body;
    const o = T.owner;
    assertProblem(await create({ name: 'M', scopes: ['platform:storage'] }, o), 403, 'forbidden');
    assertProblem(await call(server, 'GET', '/api/v1/platform-clients', { auth: o }), 403, 'forbidden');
    assertProblem(await call(server, 'GET', `/api/v1/platform-clients/${made.id}`, { auth: o }), 403, 'forbidden');
    assertProblem(await call(server, 'DELETE', `/api/v1/platform-clients/${made.id}`, { auth: o }), 403, 'forbidden');
    assertProblem(await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: o }), 403, 'forbidden');
    assertProblem(await create({ name: 'C', scopes: ['platform:storage'] }, admin, { csrf: false }), 403, 'csrf_failed');
    assertProblem(await call(server, 'DELETE', `/api/v1/platform-clients/${made.id}`, { auth: admin, csrf: false }), 403, 'csrf_failed');
    assertProblem(await call(server, 'POST', `/api/v1/platform-clients/${made.id}/secret`, { auth: admin, csrf: false }), 403, 'csrf_failed');
    assertProblem(await call(server, 'GET', '/api/v1/platform-clients'), 401, 'unauthenticated');
    // nothing changed
    const rows = sql(server, `SELECT secret_hash, deleted_at FROM platform_clients WHERE id = '${made.id}'`);
    assert.deepEqual(rows, [{ secret_hash: sha256(made.client_secret), deleted_at: null }]);
  });

  test('GET list paginates by id; limit and cursor are validated', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await create({ name: uniq('p'), scopes: ['platform:storage'] })).status, 201);
    const all = (await call(server, 'GET', '/api/v1/platform-clients?limit=200', { auth: admin })).body;
    assert.equal(all.next_cursor, null);
    const ids = all.items.map((c) => c.id);
    assert.deepEqual(ids, [...ids].sort());
    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const res = await call(server, 'GET', `/api/v1/platform-clients?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { auth: admin });
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((c) => c.id));
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    assert.deepEqual(seen, ids);
    assert.equal(pages, Math.ceil(ids.length / 2));
    for (const bad of ['0', '201', 'abc']) {
      assertProblem(await call(server, 'GET', `/api/v1/platform-clients?limit=${bad}`, { auth: admin }), 400, 'invalid_limit', 'limit');
    }
    assertProblem(await call(server, 'GET', '/api/v1/platform-clients?cursor=zzz', { auth: admin }), 400, 'invalid_cursor', 'cursor');
  });
});
