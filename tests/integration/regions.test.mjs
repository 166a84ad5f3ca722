// Host API: license regions and region databases (SPEC §1, §4.2; docs/HOST_API.md).
// Shapes, every error code, host-only writes (403 for tenant members), tenant members
// seeing active regions only, code-keyed pagination, DSN redaction, CSRF and audit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') || '', /application\/problem\+json/);
  assert.equal(res.body.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

/** Host-level audit rows (tenant_id NULL) straight from the server's database, oldest
 * first (audit ids are UUIDv7 from one server process, strictly increasing — store/ids.c
 * — so id order is insertion order on both backends). */
function hostAudit(server, targetId) {
  return sql(server, `SELECT action, target_type, target_id, detail, actor_email FROM audit_events WHERE tenant_id IS NULL AND target_id = '${targetId.replace(/'/g, "''")}' ORDER BY id`);
}

/** Walks a list endpoint with ?limit=n and returns every item and the pages seen. */
async function walk(server, auth, path, limit) {
  const items = [];
  let cursor = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await call(server, 'GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { auth });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['items', 'next_cursor']);
    assert.ok(res.body.items.length <= limit);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    pages++;
    assert.ok(pages < 100, 'pagination does not end');
  } while (cursor !== null);
  return { items, pages };
}

describe('regions and region databases', () => {
  let server;
  let admin;
  let T; // a tenant with an owner session
  const regionCode = uniq('reg').slice(0, 30);

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin);
  });
  after(async () => { await server?.stop(); });

  test('POST /regions creates a region: 201 {code,name,active,created_at,updated_at}, name trimmed', async () => {
    const res = await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: regionCode, name: '  Europe West  ', active: true } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['active', 'code', 'created_at', 'name', 'updated_at']);
    assert.equal(res.body.code, regionCode);
    assert.equal(res.body.name, 'Europe West');
    assert.equal(res.body.active, true);
    assert.match(res.body.created_at, RFC3339);
    assert.equal(res.body.updated_at, res.body.created_at);
    const audit = hostAudit(server, regionCode);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'region.create');
    assert.equal(audit[0].actor_email, 'admin@test.local');
    assert.deepEqual(JSON.parse(audit[0].detail), { name: 'Europe West', active: true });
  });

  test('POST /regions validates every field and changes nothing on bad input', async () => {
    const post = (body) => call(server, 'POST', '/api/v1/regions', { auth: admin, body });
    const code = uniq('v').slice(0, 30);
    assertProblem(await post({ code: 'EU-WEST', name: 'x', active: true }), 400, 'invalid_code', 'code');
    assertProblem(await post({ code: 'e', name: 'x', active: true }), 400, 'invalid_code', 'code');
    assertProblem(await post({ code: 'a'.repeat(33), name: 'x', active: true }), 400, 'invalid_code', 'code');
    assertProblem(await post({ code: 'eu_west', name: 'x', active: true }), 400, 'invalid_code', 'code');
    assertProblem(await post({ code, name: '   ', active: true }), 400, 'invalid_name', 'name');
    assertProblem(await post({ code, name: 'n'.repeat(101), active: true }), 400, 'invalid_name', 'name');
    assertProblem(await post({ code, name: 'bad\u0007name', active: true }), 400, 'invalid_name', 'name');
    assertProblem(await post({ code, name: 'x' }), 400, 'missing_field', 'active');
    assertProblem(await post({ name: 'x', active: true }), 400, 'missing_field', 'code');
    assertProblem(await post({ code, active: true }), 400, 'missing_field', 'name');
    assertProblem(await post({ code, name: 'x', active: 'yes' }), 400, 'invalid_type', 'active');
    assertProblem(await post({ code: 12, name: 'x', active: true }), 400, 'invalid_type', 'code');
    assertProblem(await post({ code, name: 'x', active: true, region: 'eu' }), 400, 'unknown_field', 'region');
    assertProblem(await post('{"code":'), 400, 'invalid_json');
    assertProblem(await post('[1]'), 400, 'invalid_json');
    // none of these created anything
    const list = await call(server, 'GET', '/api/v1/regions?limit=200', { auth: admin });
    assert.ok(!list.body.items.some((r) => r.code === code));
    // 100 characters (multi-byte) is fine
    const ok = await post({ code, name: 'é'.repeat(100), active: false });
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.name, 'é'.repeat(100));
  });

  test('POST /regions with an existing code is 409 region_exists', async () => {
    const res = await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: regionCode, name: 'Again', active: false } });
    assertProblem(res, 409, 'region_exists', 'code');
    const list = await call(server, 'GET', '/api/v1/regions?limit=200', { auth: admin });
    assert.equal(list.body.items.find((r) => r.code === regionCode).name, 'Europe West');
  });

  test('tenant members get 403 forbidden on every host write; unauthenticated calls 401', async () => {
    const o = T.owner;
    assertProblem(await call(server, 'POST', '/api/v1/regions', { auth: o, body: { code: uniq('m').slice(0, 30), name: 'x', active: true } }), 403, 'forbidden');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${regionCode}`, { auth: o, body: { active: false } }), 403, 'forbidden');
    assertProblem(await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: o, body: { db_code: uniq('d').slice(0, 30), active: true } }), 403, 'forbidden');
    assertProblem(await call(server, 'GET', `/api/v1/regions/${regionCode}/databases`, { auth: o }), 403, 'forbidden');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${T.dbCode}`, { auth: o, body: { active: false } }), 403, 'forbidden');
    // even a malformed body gets 403 first: members learn nothing about validation
    assertProblem(await call(server, 'POST', '/api/v1/regions', { auth: o, body: '{' }), 403, 'forbidden');
    assertProblem(await call(server, 'GET', '/api/v1/regions'), 401, 'unauthenticated');
    assertProblem(await call(server, 'POST', '/api/v1/regions', { body: { code: 'zz', name: 'x', active: true } }), 401, 'unauthenticated');
    // and the region is unchanged
    const list = await call(server, 'GET', '/api/v1/regions?limit=200', { auth: admin });
    assert.equal(list.body.items.find((r) => r.code === regionCode).active, true);
  });

  test('cookie mutations without X-CSRF-Token are 403 csrf_failed', async () => {
    const code = uniq('c').slice(0, 30);
    assertProblem(await call(server, 'POST', '/api/v1/regions', { auth: admin, csrf: false, body: { code, name: 'x', active: true } }), 403, 'csrf_failed');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${regionCode}`, { auth: admin, csrf: false, body: { active: false } }), 403, 'csrf_failed');
    assertProblem(await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, csrf: false, body: { db_code: `${code}-db`, active: true } }), 403, 'csrf_failed');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${T.dbCode}`, { auth: admin, csrf: false, body: { active: false } }), 403, 'csrf_failed');
    const list = await call(server, 'GET', '/api/v1/regions?limit=200', { auth: admin });
    assert.ok(!list.body.items.some((r) => r.code === code));
  });

  test('GET /regions: host sees inactive regions, tenant members only active ones', async () => {
    const inactive = uniq('ina').slice(0, 30);
    assert.equal((await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: inactive, name: 'Dormant', active: false } })).status, 201);
    const host = await walk(server, admin, '/api/v1/regions', 200);
    assert.ok(host.items.some((r) => r.code === inactive && r.active === false));
    assert.ok(host.items.some((r) => r.code === regionCode));
    const member = await walk(server, T.owner, '/api/v1/regions', 200);
    assert.ok(member.items.length > 0);
    assert.ok(member.items.every((r) => r.active === true), JSON.stringify(member.items));
    assert.ok(!member.items.some((r) => r.code === inactive));
    assert.ok(member.items.some((r) => r.code === regionCode));
    for (const r of member.items) assert.deepEqual(Object.keys(r).sort(), ['active', 'code', 'created_at', 'name', 'updated_at']);
  });

  test('GET /regions paginates by code: limit, cursor, next_cursor null at the end', async () => {
    const prefix = uniq('pg').slice(0, 20);
    for (const s of ['c', 'a', 'e', 'b', 'd']) {
      assert.equal((await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: `${prefix}-${s}`, name: s, active: true } })).status, 201);
    }
    const all = await walk(server, admin, '/api/v1/regions', 200);
    assert.equal(all.pages, 1);
    const codes = all.items.map((r) => r.code);
    assert.deepEqual(codes, [...codes].sort(), 'ordered by code');
    assert.equal(new Set(codes).size, codes.length);
    const paged = await walk(server, admin, '/api/v1/regions', 2);
    assert.deepEqual(paged.items.map((r) => r.code), codes);
    assert.equal(paged.pages, Math.ceil(codes.length / 2), 'a full last page already ends with null');
    // first page of 2 hands out the second code as cursor
    const first = await call(server, 'GET', '/api/v1/regions?limit=2', { auth: admin });
    assert.equal(first.body.next_cursor, codes[1]);
    // an exact final page ends with null
    const last = await call(server, 'GET', `/api/v1/regions?limit=1&cursor=${codes[codes.length - 2]}`, { auth: admin });
    assert.deepEqual(last.body.items.map((r) => r.code), [codes[codes.length - 1]]);
    assert.equal(last.body.next_cursor, null);
    // a cursor after everything is an empty page
    const beyond = await call(server, 'GET', '/api/v1/regions?cursor=zzzz', { auth: admin });
    assert.deepEqual(beyond.body, { items: [], next_cursor: null });
    // default limit is 50
    const def = await call(server, 'GET', '/api/v1/regions', { auth: admin });
    assert.equal(def.body.items.length, Math.min(50, codes.length));
    for (const bad of ['0', '201', 'abc', '', '-1', '1.5', '10x']) {
      assertProblem(await call(server, 'GET', `/api/v1/regions?limit=${bad}`, { auth: admin }), 400, 'invalid_limit', 'limit');
    }
    for (const bad of ['UPPER', 'a', 'x'.repeat(33), 'has space', '01234567-89ab-7def-8123-456789abcdef0']) {
      assertProblem(await call(server, 'GET', `/api/v1/regions?cursor=${encodeURIComponent(bad)}`, { auth: admin }), 400, 'invalid_cursor', 'cursor');
    }
    assertProblem(await call(server, 'GET', '/api/v1/regions?limit=0', { auth: T.owner }), 400, 'invalid_limit', 'limit');
  });

  test('PATCH /regions/{code} changes name and active; 404 region_not_found; validation', async () => {
    const code = uniq('pt').slice(0, 30);
    const made = await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code, name: 'Before', active: true } });
    assert.equal(made.status, 201);
    await new Promise((r) => setTimeout(r, 1100)); // updated_at has 1 s resolution
    const res = await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { name: ' After ', active: false } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.name, 'After');
    assert.equal(res.body.active, false);
    assert.equal(res.body.created_at, made.body.created_at);
    assert.ok(res.body.updated_at > made.body.updated_at);
    // partial update keeps the rest
    const only = await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { active: true } });
    assert.equal(only.status, 200);
    assert.equal(only.body.name, 'After');
    assert.equal(only.body.active, true);
    // an empty object is a no-op
    const noop = await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: {} });
    assert.equal(noop.status, 200);
    assert.deepEqual(noop.body, only.body);
    const audit = hostAudit(server, code).map((a) => [a.action, JSON.parse(a.detail)]);
    assert.deepEqual(audit, [
      ['region.create', { name: 'Before', active: true }],
      ['region.update', { name: 'After', active: false }],
      ['region.update', { active: true }],
    ]);
    assertProblem(await call(server, 'PATCH', '/api/v1/regions/no-such-region', { auth: admin, body: { active: true } }), 404, 'region_not_found');
    assertProblem(await call(server, 'PATCH', '/api/v1/regions/NOT_A_CODE', { auth: admin, body: { active: true } }), 404, 'region_not_found');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { name: '' } }), 400, 'invalid_name', 'name');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { active: 1 } }), 400, 'invalid_type', 'active');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { name: null } }), 400, 'invalid_type', 'name');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: { code: 'other' } }), 400, 'unknown_field', 'code');
    assertProblem(await call(server, 'PATCH', `/api/v1/regions/${code}`, { auth: admin, body: 'nope' }), 400, 'invalid_json');
    const after = await call(server, 'GET', '/api/v1/regions?limit=200', { auth: admin });
    assert.deepEqual(after.body.items.find((r) => r.code === code), only.body);
  });

  test('POST /regions/{code}/databases: 201 shape, dsn optional and redacted, audit without the dsn', async () => {
    const db1 = `${regionCode}-db1`;
    const res = await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, body: { db_code: db1, active: true } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['active', 'created_at', 'db_code', 'dsn', 'region_code', 'updated_at']);
    assert.equal(res.body.db_code, db1);
    assert.equal(res.body.region_code, regionCode);
    assert.equal(res.body.active, true);
    assert.equal(res.body.dsn, null);
    assert.match(res.body.created_at, RFC3339);

    const db2 = `${regionCode}-db2`;
    const dsn = 'postgres://lic:Sup3r-Secret@db.example:5432/licenses?sslmode=require&password=AlsoSecret';
    const withDsn = await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, body: { db_code: db2, active: false, dsn } });
    assert.equal(withDsn.status, 201, withDsn.text);
    assert.equal(withDsn.body.dsn, 'postgres://lic:***@db.example:5432/licenses?sslmode=require&password=***');
    assert.ok(!withDsn.text.includes('Secret'));
    assert.equal(withDsn.body.active, false);
    const audit = hostAudit(server, db2);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].action, 'region_database.create');
    assert.deepEqual(JSON.parse(audit[0].detail), { region_code: regionCode, active: false, dsn_set: true });
    assert.ok(!JSON.stringify(audit).includes('Secret'));

    const kv = await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, body: { db_code: `${regionCode}-db3`, active: false, dsn: "host=h user=u password='p w' dbname=d" } });
    assert.equal(kv.status, 201, kv.text);
    assert.equal(kv.body.dsn, 'host=h user=u password=*** dbname=d');
    const nul = await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, body: { db_code: `${regionCode}-db4`, active: true, dsn: null } });
    assert.equal(nul.status, 201);
    assert.equal(nul.body.dsn, null);
  });

  test('POST /regions/{code}/databases errors: invalid_db_code, database_exists (global), region_not_found, dsn checks', async () => {
    const post = (region, body) => call(server, 'POST', `/api/v1/regions/${region}/databases`, { auth: admin, body });
    const fresh = uniq('fd').slice(0, 30);
    assertProblem(await post(regionCode, { db_code: 'Bad_Code', active: true }), 400, 'invalid_db_code', 'db_code');
    assertProblem(await post(regionCode, { db_code: 'x', active: true }), 400, 'invalid_db_code', 'db_code');
    assertProblem(await post(regionCode, { db_code: 'd'.repeat(65), active: true }), 400, 'invalid_db_code', 'db_code');
    assertProblem(await post(regionCode, { db_code: fresh }), 400, 'missing_field', 'active');
    assertProblem(await post(regionCode, { active: true }), 400, 'missing_field', 'db_code');
    assertProblem(await post(regionCode, { db_code: fresh, active: true, dsn: 5 }), 400, 'invalid_type', 'dsn');
    assertProblem(await post(regionCode, { db_code: fresh, active: true, dsn: '' }), 400, 'invalid_value', 'dsn');
    assertProblem(await post(regionCode, { db_code: fresh, active: true, dsn: 'x'.repeat(1025) }), 400, 'invalid_value', 'dsn');
    const ctl = await post(regionCode, { db_code: fresh, active: true, dsn: 'host=h\npassword=leaky' });
    assertProblem(ctl, 400, 'invalid_value', 'dsn');
    assert.ok(!ctl.text.includes('leaky'), 'the rejected dsn is not echoed');
    assertProblem(await post(regionCode, { db_code: fresh, active: true, region_code: 'x' }), 400, 'unknown_field', 'region_code');
    // db_code is globally unique: the same code under another region is taken too
    assertProblem(await post(regionCode, { db_code: `${regionCode}-db1`, active: true }), 409, 'database_exists', 'db_code');
    assertProblem(await post(T.regionCode, { db_code: `${regionCode}-db1`, active: true }), 409, 'database_exists', 'db_code');
    assertProblem(await post('no-such-region', { db_code: fresh, active: true }), 404, 'region_not_found');
    assertProblem(await post('NOT_VALID', { db_code: fresh, active: true }), 404, 'region_not_found');
    // a 1024-byte dsn is accepted
    const max = await post(regionCode, { db_code: fresh, active: false, dsn: `h${'x'.repeat(1023)}` });
    assert.equal(max.status, 201, max.text);
    assert.equal(max.body.dsn.length, 1024);
  });

  test('GET /regions/{code}/databases lists the region\'s databases by db_code, paginated', async () => {
    const all = await walk(server, admin, `/api/v1/regions/${regionCode}/databases`, 200);
    const codes = all.items.map((d) => d.db_code);
    assert.ok(codes.length >= 5, codes.join());
    assert.deepEqual(codes, [...codes].sort());
    assert.ok(all.items.every((d) => d.region_code === regionCode));
    assert.ok(!codes.includes(T.dbCode), 'other regions\' databases are not listed');
    assert.ok(all.items.every((d) => d.dsn === null || !d.dsn.includes('Secret')));
    const paged = await walk(server, admin, `/api/v1/regions/${regionCode}/databases`, 2);
    assert.deepEqual(paged.items.map((d) => d.db_code), codes);
    assert.ok(paged.pages >= 3);
    assertProblem(await call(server, 'GET', '/api/v1/regions/no-such-region/databases', { auth: admin }), 404, 'region_not_found');
    assertProblem(await call(server, 'GET', `/api/v1/regions/${regionCode}/databases?limit=201`, { auth: admin }), 400, 'invalid_limit', 'limit');
    assertProblem(await call(server, 'GET', `/api/v1/regions/${regionCode}/databases?cursor=NOPE`, { auth: admin }), 400, 'invalid_cursor', 'cursor');
    const empty = uniq('em').slice(0, 30);
    await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: empty, name: 'Empty', active: true } });
    assert.deepEqual((await call(server, 'GET', `/api/v1/regions/${empty}/databases`, { auth: admin })).body, { items: [], next_cursor: null });
  });

  test('PATCH /region-databases/{db_code}: active and dsn (replace, clear), 404 database_not_found', async () => {
    const db = `${regionCode}-db2`;
    const res = await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { active: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.active, true);
    assert.equal(res.body.region_code, regionCode);
    assert.match(res.body.dsn, /^postgres:\/\/lic:\*\*\*@/, 'dsn kept');
    const replaced = await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { dsn: 'postgres://other:Pw9@db2.example/lic' } });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.dsn, 'postgres://other:***@db2.example/lic');
    assert.equal(replaced.body.active, true);
    const cleared = await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { dsn: null, active: false } });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.dsn, null);
    assert.equal(cleared.body.active, false);
    const listed = (await walk(server, admin, `/api/v1/regions/${regionCode}/databases`, 200)).items.find((d) => d.db_code === db);
    assert.deepEqual(listed, cleared.body);
    const actions = hostAudit(server, db).map((a) => [a.action, JSON.parse(a.detail)]);
    assert.deepEqual(actions.slice(1), [
      ['region_database.update', { active: true }],
      ['region_database.update', { dsn_set: true }],
      ['region_database.update', { active: false, dsn_set: false }],
    ]);
    assert.ok(!JSON.stringify(actions).includes('Pw9'));
    assertProblem(await call(server, 'PATCH', '/api/v1/region-databases/no-such-db', { auth: admin, body: { active: true } }), 404, 'database_not_found');
    assertProblem(await call(server, 'PATCH', '/api/v1/region-databases/BAD_CODE', { auth: admin, body: { active: true } }), 404, 'database_not_found');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { active: 'no' } }), 400, 'invalid_type', 'active');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { dsn: '' } }), 400, 'invalid_value', 'dsn');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: { region_code: T.regionCode } }), 400, 'unknown_field', 'region_code');
    assertProblem(await call(server, 'PATCH', `/api/v1/region-databases/${db}`, { auth: admin, body: '' }), 400, 'invalid_json');
  });
});
