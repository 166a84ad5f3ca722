// Apps API (SPEC §1 App, §2 validation, §4.3, §4.4): creation and its representation,
// every error code of create/patch/actions/plans/delete, the §2 rules through the API,
// region immutability, pagination, region-database stamping, the plan rules and the
// audit trail. Isolation and concurrency have their own files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server;
let admin;
let T; // main tenant (app_limit 50)

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const CLIENT_ID = /^tdc_[0-9A-Za-z]{22}$/;
const CLIENT_SECRET = /^tdcs_[0-9A-Za-z]{49}$/;
const APP_KEYS = [
  'id', 'tenant_id', 'name', 'client_id', 'license_region_code', 'db_code', 'enabled', 'plan_code',
  'redirect_uris', 'post_logout_redirect_uris', 'allowed_domains', 'storage', 'created_at',
  'updated_at', 'secret_rotated_at', 'previous_secret_expires_at', 'token_endpoint_auth_method',
  'jwks', 'dpop_bound_access_tokens',
].sort();

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function problem(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.body?.code, code, r.text);
  assert.match(r.headers.get('content-type') || '', /application\/problem\+json/);
  if (field !== undefined) assert.equal(r.body.errors?.[0]?.field, field, r.text);
  return r.body;
}

const appsPath = (tid) => `/api/v1/tenants/${tid}/apps`;
const create = (auth, tid, body) => call(server, 'POST', appsPath(tid), { auth, body });
const getApp = (auth, tid, aid) => call(server, 'GET', `${appsPath(tid)}/${aid}`, { auth });
async function listAll(auth, tid) {
  const items = [];
  let cursor = null;
  do {
    const q = cursor ? `?limit=200&cursor=${cursor}` : '?limit=200';
    const page = must(await call(server, 'GET', appsPath(tid) + q, { auth }), 200);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}
async function createOk(auth, tid, body) {
  return must(await create(auth, tid, { region_code: T.regionCode, ...body }), 201);
}

async function hostPlan(tier, status) {
  const code = uniq(`p${tier}`).toLowerCase();
  const initial = status === 'draft' ? 'draft' : 'active';
  must(await call(server, 'POST', '/api/v1/plans', {
    auth: admin, body: { code, name: `Plan ${code}`, tier, status: initial, entitlements: {} },
  }), 201);
  const steps = { archived: ['archived'], retired: ['archived', 'retired'] }[status] || [];
  for (const s of steps) must(await call(server, 'PATCH', `/api/v1/plans/${code}`, { auth: admin, body: { status: s } }), 200);
  return code;
}

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  T = await seedTenant(server, admin, { appLimit: 50 });
});

after(async () => {
  await server?.stop();
});

test('create answers 201 with the app, the client id and the only copy of the secret', async () => {
  const res = await create(T.owner, T.tenantId, { name: '  Billing API  ', region_code: T.regionCode });
  const body = must(res, 201);
  assert.deepEqual(Object.keys(body).sort(), ['app', 'client_id', 'client_secret']);
  assert.match(body.client_id, CLIENT_ID);
  assert.match(body.client_secret, CLIENT_SECRET);
  const app = body.app;
  assert.deepEqual(Object.keys(app).sort(), APP_KEYS);
  assert.match(app.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(app.tenant_id, T.tenantId);
  assert.equal(app.name, 'Billing API'); // trimmed
  assert.equal(app.client_id, body.client_id);
  assert.equal(app.license_region_code, T.regionCode);
  assert.equal(app.db_code, T.dbCode);
  assert.equal(app.enabled, true);
  assert.equal(app.plan_code, null);
  assert.deepEqual(app.redirect_uris, []);
  assert.deepEqual(app.post_logout_redirect_uris, []);
  assert.deepEqual(app.allowed_domains, []);
  assert.deepEqual(app.storage, { mode: 'managed' });
  assert.match(app.created_at, RFC3339);
  assert.equal(app.updated_at, app.created_at);
  assert.equal(app.secret_rotated_at, app.created_at);
  assert.ok(!('client_secret' in app) && !('secret_hash' in app));

  // The secret is never shown again: not by GET, list, PATCH or an action.
  const secret = body.client_secret;
  const got = await getApp(T.owner, T.tenantId, app.id);
  assert.deepEqual(must(got, 200), app);
  assert.ok(!got.text.includes(secret));
  const list = await call(server, 'GET', appsPath(T.tenantId), { auth: T.owner });
  assert.ok(must(list, 200).items.some((a) => a.id === app.id));
  assert.ok(!list.text.includes(secret) && !list.text.includes('secret_hash') && !/"client_secret"\s*:/.test(list.text));
  const patched = await call(server, 'PATCH', `${appsPath(T.tenantId)}/${app.id}`, { auth: T.owner, body: { name: 'Billing API v2' } });
  assert.equal(must(patched, 200).name, 'Billing API v2');
  assert.ok(!patched.text.includes(secret) && !/"client_secret"\s*:/.test(patched.text));
  const disabled = await call(server, 'POST', `${appsPath(T.tenantId)}/${app.id}/disable`, { auth: T.owner });
  assert.ok(!disabled.text.includes(secret) && !/"client_secret"\s*:/.test(disabled.text));
});

test('create validates its body and changes nothing on bad input', async () => {
  const before = (await listAll(T.owner, T.tenantId)).length;
  const r = T.regionCode;
  problem(await call(server, 'POST', appsPath(T.tenantId), { auth: T.owner, body: '{"name":' }), 400, 'invalid_json');
  problem(await call(server, 'POST', appsPath(T.tenantId), { auth: T.owner, body: '[1]' }), 400, 'invalid_json');
  problem(await create(T.owner, T.tenantId, { region_code: r }), 400, 'missing_field', 'name');
  problem(await create(T.owner, T.tenantId, { name: 'x' }), 400, 'missing_field', 'region_code');
  problem(await create(T.owner, T.tenantId, { name: 42, region_code: r }), 400, 'invalid_type', 'name');
  problem(await create(T.owner, T.tenantId, { name: '   ', region_code: r }), 400, 'invalid_name', 'name');
  problem(await create(T.owner, T.tenantId, { name: 'a'.repeat(101), region_code: r }), 400, 'invalid_name', 'name');
  problem(await create(T.owner, T.tenantId, { name: 'bad\u0007bell', region_code: r }), 400, 'invalid_name', 'name');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: r, colour: 'red' }), 400, 'unknown_field', 'colour');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: r, enabled: false }), 400, 'unknown_field', 'enabled');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: r, redirect_uris: 'https://a.example.com/cb' }), 400, 'invalid_type', 'redirect_uris');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: r, allowed_domains: ['a.example.com', 7] }), 400, 'invalid_type', 'allowed_domains[1]');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: 'no-such-region' }), 400, 'region_not_found', 'region_code');
  problem(await create(T.owner, T.tenantId, { name: 'x', region_code: 'NOT A CODE' }), 400, 'region_not_found', 'region_code');
  // 100 characters (multi-byte) is fine; the 101st is not.
  const hundred = 'é'.repeat(100);
  const ok = await createOk(T.owner, T.tenantId, { name: hundred });
  assert.equal(ok.app.name, hundred);
  assert.equal((await listAll(T.owner, T.tenantId)).length, before + 1);
});

test('region checks: unknown, inactive, no active database', async () => {
  const inactive = uniq('ri').toLowerCase();
  must(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: inactive, name: 'Inactive', active: false } }), 201);
  must(await call(server, 'POST', `/api/v1/regions/${inactive}/databases`, { auth: admin, body: { db_code: `${inactive}-db1`, active: true } }), 201);
  problem(await create(T.owner, T.tenantId, { name: uniq('app'), region_code: inactive }), 400, 'region_inactive', 'region_code');

  const empty = uniq('re').toLowerCase();
  must(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: empty, name: 'No databases', active: true } }), 201);
  problem(await create(T.owner, T.tenantId, { name: uniq('app'), region_code: empty }), 409, 'region_no_active_database');
  must(await call(server, 'POST', `/api/v1/regions/${empty}/databases`, { auth: admin, body: { db_code: `${empty}-db1`, active: false } }), 201);
  problem(await create(T.owner, T.tenantId, { name: uniq('app'), region_code: empty }), 409, 'region_no_active_database');
  must(await call(server, 'PATCH', `/api/v1/region-databases/${empty}-db1`, { auth: admin, body: { active: true } }), 200);
  const made = await createOk(T.owner, T.tenantId, { name: uniq('app'), region_code: empty });
  assert.equal(made.app.db_code, `${empty}-db1`);
});

test('allowed domains follow SPEC §2 through the API', async () => {
  const mk = (allowed_domains) => create(T.owner, T.tenantId, { name: uniq('dom'), region_code: T.regionCode, allowed_domains });
  let body = must(await mk(['https://App.Example.com/', 'http://localhost:3000/', '  10.0.0.1:8443  ']), 201);
  assert.deepEqual(body.app.allowed_domains, ['app.example.com', 'localhost:3000', '10.0.0.1:8443']);
  body = must(await mk(['HTTPS://api.example.org///']), 201);
  assert.deepEqual(body.app.allowed_domains, ['api.example.org']);
  body = must(await mk([]), 201);
  assert.deepEqual(body.app.allowed_domains, []);

  let p = problem(await mk(['*.example.com']), 400, 'wildcard_domain', 'allowed_domains[0]');
  assert.match(p.detail, /\*\.example\.com/);
  problem(await mk(['ok.example.com', 'localhost:70000']), 400, 'invalid_port', 'allowed_domains[1]');
  problem(await mk(['example.com:0']), 400, 'invalid_port', 'allowed_domains[0]');
  problem(await mk(['example.com:']), 400, 'invalid_port', 'allowed_domains[0]');
  problem(await mk(['example.com:+80']), 400, 'invalid_port', 'allowed_domains[0]');
  problem(await mk(['a.example.com', 'b.example.com', 'c.example.com', 'd.example.com']), 400, 'too_many_domains', 'allowed_domains[3]');
  problem(await mk(['a.example.com', 'https://A.EXAMPLE.com/']), 400, 'duplicate_domain', 'allowed_domains[1]');
  problem(await mk(['example.com/path']), 400, 'invalid_domain', 'allowed_domains[0]');
  problem(await mk(['example.com?q=1']), 400, 'invalid_domain', 'allowed_domains[0]');
  problem(await mk(['user@example.com']), 400, 'invalid_domain', 'allowed_domains[0]');
  problem(await mk(['exa mple.com']), 400, 'invalid_domain', 'allowed_domains[0]');
  problem(await mk(['nodot']), 400, 'invalid_domain', 'allowed_domains[0]');
  problem(await mk(['-bad.example.com']), 400, 'invalid_domain', 'allowed_domains[0]');
});

test('redirect and post-logout URIs follow SPEC §2 through the API', async () => {
  const mk = (extra) => create(T.owner, T.tenantId, { name: uniq('uri'), region_code: T.regionCode, ...extra });
  const good = ['https://app.example.com/callback', 'http://localhost:8080/cb', 'com.example.app:/cb'];
  const body = must(await mk({ redirect_uris: good, post_logout_redirect_uris: ['https://app.example.com/bye'] }), 201);
  assert.deepEqual(body.app.redirect_uris, good);
  assert.deepEqual(body.app.post_logout_redirect_uris, ['https://app.example.com/bye']);

  let p = problem(await mk({ redirect_uris: ['https://ok.example.com/cb', 'https://a.example.com/cb#frag'] }), 400, 'invalid_uri', 'redirect_uris[1]');
  assert.match(p.detail, /https:\/\/a\.example\.com\/cb#frag/, 'detail names the offending value');
  p = problem(await mk({ redirect_uris: ['myapp:/cb'] }), 400, 'invalid_uri', 'redirect_uris[0]');
  assert.match(p.detail, /myapp:\/cb/);
  problem(await mk({ redirect_uris: ['/relative/cb'] }), 400, 'invalid_uri', 'redirect_uris[0]');
  problem(await mk({ redirect_uris: ['javascript:alert(1)'] }), 400, 'invalid_uri', 'redirect_uris[0]');
  problem(await mk({ redirect_uris: [`https://a.example.com/${'x'.repeat(2049)}`] }), 400, 'invalid_uri', 'redirect_uris[0]');
  problem(await mk({ redirect_uris: ['https://a.example.com/cb', 'https://a.example.com/cb'] }), 400, 'invalid_uri', 'redirect_uris[1]');
  const eleven = Array.from({ length: 11 }, (_, i) => `https://app.example.com/cb${i}`);
  problem(await mk({ redirect_uris: eleven }), 400, 'invalid_uri', 'redirect_uris[10]');
  must(await mk({ redirect_uris: eleven.slice(0, 10) }), 201);
  p = problem(await mk({ post_logout_redirect_uris: ['https://a.example.com/x#y'] }), 400, 'invalid_uri', 'post_logout_redirect_uris[0]');
  assert.match(p.detail, /a\.example\.com\/x#y/);
});

test('app names are unique per tenant, case-insensitively; deleting frees the name', async () => {
  const name = uniq('Orders');
  const first = await createOk(T.owner, T.tenantId, { name });
  problem(await create(T.owner, T.tenantId, { name: `  ${name.toUpperCase()} `, region_code: T.regionCode }), 409, 'duplicate_app_name', 'name');
  // Another tenant may use the same name.
  const other = await seedTenant(server, admin, { region: T.regionCode });
  must(await create(other.owner, other.tenantId, { name, region_code: T.regionCode }), 201);
  must(await call(server, 'DELETE', `${appsPath(T.tenantId)}/${first.app.id}`, { auth: T.owner }), 204);
  const again = await createOk(T.owner, T.tenantId, { name: name.toLowerCase() });
  assert.equal(again.app.name, name.toLowerCase());
});

test('app_limit: the tenant holds at most app_limit apps; a delete frees a slot', async () => {
  const L = await seedTenant(server, admin, { region: T.regionCode, appLimit: 2 });
  const a = must(await create(L.owner, L.tenantId, { name: 'one', region_code: L.regionCode }), 201);
  must(await create(L.owner, L.tenantId, { name: 'two', region_code: L.regionCode }), 201);
  const p = problem(await create(L.owner, L.tenantId, { name: 'three', region_code: L.regionCode }), 409, 'app_limit_reached');
  assert.match(p.detail, /2/);
  must(await call(server, 'DELETE', `${appsPath(L.tenantId)}/${a.app.id}`, { auth: L.owner }), 204);
  must(await create(L.owner, L.tenantId, { name: 'three', region_code: L.regionCode }), 201);
  problem(await create(L.owner, L.tenantId, { name: 'four', region_code: L.regionCode }), 409, 'app_limit_reached');
  // The host raises the limit; then it fits.
  must(await call(server, 'PATCH', `/api/v1/tenants/${L.tenantId}`, { auth: admin, body: { app_limit: 3 } }), 200);
  must(await create(L.owner, L.tenantId, { name: 'four', region_code: L.regionCode }), 201);
  assert.equal((await listAll(L.owner, L.tenantId)).length, 3);
});

test('PATCH updates name, URIs and domains; region is immutable; bad input changes nothing', async () => {
  const made = await createOk(T.owner, T.tenantId, { name: uniq('patch'), allowed_domains: ['one.example.com'] });
  const url = `${appsPath(T.tenantId)}/${made.app.id}`;
  const patch = (body, auth = T.owner) => call(server, 'PATCH', url, { auth, body });

  let app = must(await patch({ allowed_domains: ['https://Two.Example.com/', 'localhost:5173'], redirect_uris: ['https://two.example.com/cb'] }), 200);
  assert.deepEqual(app.allowed_domains, ['two.example.com', 'localhost:5173']);
  assert.deepEqual(app.redirect_uris, ['https://two.example.com/cb']);
  assert.equal(app.name, made.app.name, 'fields not sent are kept');
  assert.equal(app.license_region_code, made.app.license_region_code);
  assert.equal(app.client_id, made.app.client_id);
  assert.ok(app.updated_at >= made.app.updated_at);

  const snapshot = must(await getApp(T.owner, T.tenantId, made.app.id), 200);
  problem(await patch({ region_code: 'elsewhere' }), 400, 'region_immutable', 'region_code');
  problem(await patch({ region_code: T.regionCode }), 400, 'region_immutable', 'region_code');
  problem(await patch({ license_region_code: 'elsewhere' }), 400, 'region_immutable', 'license_region_code');
  problem(await patch({ db_code: 'x-db9' }), 400, 'region_immutable', 'db_code');
  problem(await patch({ name: 'fine', client_id: 'tdc_x' }), 400, 'unknown_field', 'client_id');
  problem(await patch({ enabled: false }), 400, 'unknown_field', 'enabled');
  problem(await patch({ name: '' }), 400, 'invalid_name', 'name');
  problem(await patch({ name: null }), 400, 'invalid_type', 'name');
  problem(await patch({ name: 'ok name', allowed_domains: ['*.example.com'] }), 400, 'wildcard_domain', 'allowed_domains[0]');
  problem(await patch({ post_logout_redirect_uris: ['nodots:/x'] }), 400, 'invalid_uri', 'post_logout_redirect_uris[0]');
  problem(await call(server, 'PATCH', url, { auth: T.owner, body: 'nope' }), 400, 'invalid_json');
  assert.deepEqual(must(await getApp(T.owner, T.tenantId, made.app.id), 200), snapshot, 'rejected PATCHes change nothing');

  const other = await createOk(T.owner, T.tenantId, { name: uniq('taken') });
  problem(await patch({ name: other.app.name.toUpperCase() }), 409, 'duplicate_app_name', 'name');
  app = must(await patch({ name: made.app.name.toUpperCase() }), 200); // own name, other case
  assert.equal(app.name, made.app.name.toUpperCase());
  app = must(await patch({ allowed_domains: [], redirect_uris: [] }), 200);
  assert.deepEqual(app.allowed_domains, []);
  assert.deepEqual(app.redirect_uris, []);
  assert.deepEqual(must(await patch({}), 200), app, 'an empty PATCH is a no-op');
});

test('enable / disable / secret regeneration', async () => {
  const made = await createOk(T.owner, T.tenantId, { name: uniq('toggle') });
  const url = `${appsPath(T.tenantId)}/${made.app.id}`;
  let app = must(await call(server, 'POST', `${url}/disable`, { auth: T.owner }), 200);
  assert.equal(app.enabled, false);
  app = must(await call(server, 'POST', `${url}/disable`, { auth: T.owner }), 200);
  assert.equal(app.enabled, false, 'disable is idempotent');
  assert.equal(must(await getApp(T.owner, T.tenantId, made.app.id), 200).enabled, false);
  app = must(await call(server, 'POST', `${url}/enable`, { auth: T.owner, body: {} }), 200);
  assert.equal(app.enabled, true);
  problem(await call(server, 'POST', `${url}/enable`, { auth: T.owner, body: { enabled: true } }), 400, 'unknown_field', 'enabled');

  const res = await call(server, 'POST', `${url}/secret`, { auth: T.owner });
  const rotated = must(res, 200);
  assert.deepEqual(Object.keys(rotated).sort(), ['client_id', 'client_secret', 'previous_secret_expires_at']);
  assert.equal(rotated.client_id, made.client_id);
  assert.match(rotated.client_secret, CLIENT_SECRET);
  assert.notEqual(rotated.client_secret, made.client_secret);
  const after = await getApp(T.owner, T.tenantId, made.app.id);
  assert.ok(must(after, 200).secret_rotated_at >= made.app.secret_rotated_at);
  assert.ok(!after.text.includes(rotated.client_secret));
  assert.equal(after.body.client_id, made.client_id, 'the client id survives a rotation');
});

test('list is paginated by creation order with limit and cursor', async () => {
  const P = await seedTenant(server, admin, { region: T.regionCode, appLimit: 10 });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(must(await create(P.owner, P.tenantId, { name: `page-${i}`, region_code: P.regionCode }), 201).app.id);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const q = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
    const page = must(await call(server, 'GET', appsPath(P.tenantId) + q, { auth: P.owner }), 200);
    assert.deepEqual(Object.keys(page).sort(), ['items', 'next_cursor']);
    assert.ok(page.items.length <= 2);
    for (const a of page.items) assert.deepEqual(Object.keys(a).sort(), APP_KEYS);
    seen.push(...page.items.map((a) => a.id));
    cursor = page.next_cursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen, ids);
  const all = must(await call(server, 'GET', appsPath(P.tenantId), { auth: P.owner }), 200);
  assert.equal(all.items.length, 5);
  assert.equal(all.next_cursor, null);
  problem(await call(server, 'GET', `${appsPath(P.tenantId)}?limit=0`, { auth: P.owner }), 400, 'invalid_limit');
  problem(await call(server, 'GET', `${appsPath(P.tenantId)}?limit=201`, { auth: P.owner }), 400, 'invalid_limit');
  problem(await call(server, 'GET', `${appsPath(P.tenantId)}?cursor=not-a-cursor`, { auth: P.owner }), 400, 'invalid_cursor');
  // Deleted apps leave the list.
  must(await call(server, 'DELETE', `${appsPath(P.tenantId)}/${ids[2]}`, { auth: P.owner }), 204);
  assert.deepEqual((await listAll(P.owner, P.tenantId)).map((a) => a.id), [ids[0], ids[1], ids[3], ids[4]]);
});

test('db stamping: the least-loaded active database of the region, ties to the lowest db_code', async () => {
  const region = uniq('st').toLowerCase();
  must(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: region, name: 'Sharded', active: true } }), 201);
  // "-a0" would win every tie but is inactive; "-b" and "-c" are the active ones.
  for (const [suffix, active] of [['c', true], ['a0', false], ['b', true]]) {
    must(await call(server, 'POST', `/api/v1/regions/${region}/databases`, { auth: admin, body: { db_code: `${region}-${suffix}`, active } }), 201);
  }
  const S = await seedTenant(server, admin, { region: T.regionCode, appLimit: 10 });
  const mk = async (name) => must(await create(S.owner, S.tenantId, { name, region_code: region }), 201).app;
  const stamped = [];
  for (let i = 0; i < 4; i++) stamped.push(await mk(`shard-${i}`));
  assert.deepEqual(stamped.map((a) => a.db_code), [`${region}-b`, `${region}-c`, `${region}-b`, `${region}-c`]);
  // Free a slot on -c: it is now the least loaded.
  must(await call(server, 'DELETE', `${appsPath(S.tenantId)}/${stamped[1].id}`, { auth: S.owner }), 204);
  assert.equal((await mk('shard-4')).db_code, `${region}-c`);
  // Deactivate -b: everything goes to -c; the inactive -a0 is never picked.
  must(await call(server, 'PATCH', `/api/v1/region-databases/${region}-b`, { auth: admin, body: { active: false } }), 200);
  assert.equal((await mk('shard-5')).db_code, `${region}-c`);
  assert.equal((await mk('shard-6')).db_code, `${region}-c`);
  must(await call(server, 'PATCH', `/api/v1/region-databases/${region}-c`, { auth: admin, body: { active: false } }), 200);
  problem(await create(S.owner, S.tenantId, { name: 'shard-7', region_code: region }), 409, 'region_no_active_database');
  // Existing apps keep their stamp.
  assert.equal(must(await getApp(S.owner, S.tenantId, stamped[0].id), 200).db_code, `${region}-b`);
});

test('plans: free self-service, one free app per tenant, paid by host only, only active plans', async () => {
  const P = await seedTenant(server, admin, { region: T.regionCode, appLimit: 5 });
  const free = await hostPlan('free', 'active');
  const free2 = await hostPlan('free', 'active');
  const paid = await hostPlan('paid', 'active');
  const draft = await hostPlan('free', 'draft');
  const archived = await hostPlan('free', 'archived');
  const retired = await hostPlan('paid', 'retired');
  const a1 = must(await create(P.owner, P.tenantId, { name: 'plan-1', region_code: P.regionCode }), 201).app;
  const a2 = must(await create(P.owner, P.tenantId, { name: 'plan-2', region_code: P.regionCode }), 201).app;
  const planUrl = (a) => `${appsPath(P.tenantId)}/${a.id}/plan`;
  const put = (a, plan_code, auth = P.owner) => call(server, 'PUT', planUrl(a), { auth, body: { plan_code } });

  let app = must(await put(a1, free), 200);
  assert.equal(app.plan_code, free);
  assert.equal(must(await getApp(P.owner, P.tenantId, a1.id), 200).plan_code, free);
  assert.equal(must(await put(a1, free), 200).plan_code, free, 're-assigning the same app is fine');
  assert.equal(must(await put(a1, free2), 200).plan_code, free2, 'switching free plans on the same app is fine');
  problem(await put(a2, free), 409, 'free_plan_limit', 'plan_code');
  problem(await put(a2, free2), 409, 'free_plan_limit', 'plan_code');
  problem(await put(a2, free, admin), 409, 'free_plan_limit', 'plan_code');

  problem(await put(a2, paid), 403, 'plan_requires_host', 'plan_code');
  assert.equal(must(await getApp(P.owner, P.tenantId, a2.id), 200).plan_code, null);
  assert.equal(must(await put(a2, paid, admin), 200).plan_code, paid);

  for (const code of [draft, archived, retired]) {
    problem(await put(a2, code), 400, 'plan_not_assignable', 'plan_code');
    problem(await put(a2, code, admin), 400, 'plan_not_assignable', 'plan_code');
  }
  assert.equal(must(await getApp(P.owner, P.tenantId, a2.id), 200).plan_code, paid);
  problem(await put(a2, 'no-such-plan'), 404, 'plan_not_found', 'plan_code');
  problem(await put(a2, 'NOT VALID!'), 404, 'plan_not_found', 'plan_code');
  problem(await call(server, 'PUT', planUrl(a2), { auth: P.owner, body: {} }), 400, 'missing_field', 'plan_code');
  problem(await call(server, 'PUT', planUrl(a2), { auth: P.owner, body: { plan_code: free, tier: 'free' } }), 400, 'unknown_field', 'tier');

  // Unassign frees the free slot for the other app.
  app = must(await call(server, 'DELETE', planUrl(a1), { auth: P.owner }), 200);
  assert.equal(app.plan_code, null);
  assert.equal(must(await call(server, 'DELETE', planUrl(a1), { auth: P.owner }), 200).plan_code, null, 'idempotent');
  const a3 = must(await create(P.owner, P.tenantId, { name: 'plan-3', region_code: P.regionCode }), 201).app;
  assert.equal(must(await put(a3, free), 200).plan_code, free);
  // Deleting the app on the free plan frees the slot too.
  must(await call(server, 'DELETE', `${appsPath(P.tenantId)}/${a3.id}`, { auth: P.owner }), 204);
  assert.equal(must(await put(a1, free), 200).plan_code, free);
  // A member may drop a paid plan (it only removes entitlements).
  assert.equal(must(await call(server, 'DELETE', planUrl(a2), { auth: P.owner }), 200).plan_code, null);
  // Another tenant's free app does not count.
  const Q = await seedTenant(server, admin, { region: T.regionCode });
  const q1 = must(await create(Q.owner, Q.tenantId, { name: 'q', region_code: Q.regionCode }), 201).app;
  assert.equal(must(await call(server, 'PUT', `${appsPath(Q.tenantId)}/${q1.id}/plan`, { auth: Q.owner, body: { plan_code: free } }), 200).plan_code, free);
});

test('delete is soft: 204, then 404 everywhere, and the slot and name are free', async () => {
  const made = await createOk(T.owner, T.tenantId, { name: uniq('gone') });
  const url = `${appsPath(T.tenantId)}/${made.app.id}`;
  const res = await call(server, 'DELETE', url, { auth: T.owner });
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  problem(await getApp(T.owner, T.tenantId, made.app.id), 404, 'app_not_found');
  problem(await call(server, 'DELETE', url, { auth: T.owner }), 404, 'app_not_found');
  problem(await call(server, 'PATCH', url, { auth: T.owner, body: { name: 'x' } }), 404, 'app_not_found');
  problem(await call(server, 'POST', `${url}/secret`, { auth: T.owner }), 404, 'app_not_found');
  problem(await call(server, 'POST', `${url}/enable`, { auth: T.owner }), 404, 'app_not_found');
  assert.ok(!(await listAll(T.owner, T.tenantId)).some((a) => a.id === made.app.id));
});

test('unknown or malformed app ids are 404 app_not_found', async () => {
  const base = appsPath(T.tenantId);
  for (const aid of ['00000000-0000-7000-8000-000000000000', 'not-a-uuid', 'DROP%20TABLE']) {
    problem(await call(server, 'GET', `${base}/${aid}`, { auth: T.owner }), 404, 'app_not_found');
    problem(await call(server, 'PATCH', `${base}/${aid}`, { auth: T.owner, body: { name: 'x' } }), 404, 'app_not_found');
    problem(await call(server, 'DELETE', `${base}/${aid}`, { auth: T.owner }), 404, 'app_not_found');
    problem(await call(server, 'PUT', `${base}/${aid}/plan`, { auth: T.owner, body: { plan_code: 'x1' } }), 404, 'app_not_found');
  }
  problem(await call(server, 'GET', `/api/v1/tenants/00000000-0000-7000-8000-000000000000/apps`, { auth: T.owner }), 404, 'tenant_not_found');
});

test('authentication: no credentials 401, CSRF on cookie mutations, API keys work, host admins act in any tenant', async () => {
  assert.equal((await call(server, 'GET', appsPath(T.tenantId))).status, 401);
  assert.equal((await create(null, T.tenantId, { name: 'x', region_code: T.regionCode })).status, 401);
  const before = (await listAll(T.owner, T.tenantId)).length;
  problem(await call(server, 'POST', appsPath(T.tenantId), { auth: T.owner, csrf: false, body: { name: uniq('csrf'), region_code: T.regionCode } }), 403, 'csrf_failed');
  const made = await createOk(T.owner, T.tenantId, { name: uniq('csrf-target') });
  const url = `${appsPath(T.tenantId)}/${made.app.id}`;
  problem(await call(server, 'PATCH', url, { auth: T.owner, csrf: false, body: { name: 'x' } }), 403, 'csrf_failed');
  problem(await call(server, 'POST', `${url}/secret`, { auth: T.owner, csrf: false }), 403, 'csrf_failed');
  problem(await call(server, 'DELETE', url, { auth: T.owner, csrf: false }), 403, 'csrf_failed');
  assert.equal((await listAll(T.owner, T.tenantId)).length, before + 1);

  const key = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: T.owner, body: { name: 'ci' } }), 201).key;
  const viaKey = { apiKey: key };
  const byKey = must(await create(viaKey, T.tenantId, { name: uniq('bykey'), region_code: T.regionCode }), 201);
  assert.equal(must(await getApp(viaKey, T.tenantId, byKey.app.id), 200).id, byKey.app.id);

  const byHost = must(await create(admin, T.tenantId, { name: uniq('byhost'), region_code: T.regionCode }), 201);
  assert.equal(byHost.app.tenant_id, T.tenantId);
  assert.equal(must(await call(server, 'PATCH', `${appsPath(T.tenantId)}/${byHost.app.id}`, { auth: admin, body: { name: uniq('host-renamed') } }), 200).tenant_id, T.tenantId);
  assert.ok((await listAll(admin, T.tenantId)).some((a) => a.id === byHost.app.id));
});

test('every change is audited with target app, and no audit event carries a secret', async () => {
  const A = await seedTenant(server, admin, { region: T.regionCode });
  const free = await hostPlan('free', 'active');
  const made = must(await create(A.owner, A.tenantId, { name: 'audited', region_code: A.regionCode }), 201);
  const url = `${appsPath(A.tenantId)}/${made.app.id}`;
  const storageSecret = `AuditStorageSecret${uniq('s')}`;
  must(await call(server, 'PATCH', url, { auth: A.owner, body: { name: 'audited-2' } }), 200);
  must(await call(server, 'POST', `${url}/disable`, { auth: A.owner }), 200);
  must(await call(server, 'POST', `${url}/enable`, { auth: A.owner }), 200);
  const rotated = must(await call(server, 'POST', `${url}/secret`, { auth: A.owner }), 200);
  must(await call(server, 'PUT', `${url}/plan`, { auth: A.owner, body: { plan_code: free } }), 200);
  must(await call(server, 'DELETE', `${url}/plan`, { auth: A.owner }), 200);
  must(await call(server, 'PUT', `${url}/storage`, { auth: A.owner, body: { provider: 'aws_s3', bucket: 'audit-bucket', access_key_id: 'AKIAAUDIT', secret_access_key: storageSecret } }), 200);
  must(await call(server, 'DELETE', `${url}/storage`, { auth: A.owner }), 200);
  must(await call(server, 'DELETE', url, { auth: A.owner }), 204);

  const res = await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/audit?limit=200`, { auth: A.owner });
  const events = must(res, 200).items;
  const actions = events.filter((e) => e.target?.id === made.app.id).map((e) => e.action).reverse();
  assert.deepEqual(actions, [
    'app.create', 'app.update', 'app.disable', 'app.enable', 'app.secret.regenerate',
    'app.plan.assign', 'app.plan.unassign', 'app.storage.update', 'app.storage.delete', 'app.delete',
  ]);
  for (const e of events.filter((x) => x.target?.id === made.app.id)) {
    assert.equal(e.target.type, 'app');
    assert.equal(e.actor.email, A.ownerEmail);
  }
  for (const secret of [made.client_secret, rotated.client_secret, storageSecret]) {
    assert.ok(!res.text.includes(secret), 'audit never holds a secret');
  }
});

test('app changes reach the token endpoint on the very next request', async () => {
  const free = await hostPlan('free', 'active');
  const made = await createOk(T.owner, T.tenantId, { name: uniq('tok'), allowed_domains: ['a.example.com'] });
  const url = `${appsPath(T.tenantId)}/${made.app.id}`;
  const token = async (secret) => {
    const res = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: made.client_id, client_secret: secret }),
    });
    const body = await res.json();
    const claims = body.access_token ? JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()) : null;
    return { status: res.status, body, claims };
  };
  let t = await token(made.client_secret); // also primes the app cache
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.equal(t.claims.appId, made.app.id);
  assert.equal(t.claims.dbCode, made.app.db_code);
  assert.equal(t.claims.allowed_domain_1, 'a.example.com');
  assert.ok(!('entitlements' in t.claims));

  must(await call(server, 'PATCH', url, { auth: T.owner, body: { allowed_domains: ['https://B.example.com/', 'c.example.com'] } }), 200);
  t = await token(made.client_secret);
  assert.equal(t.claims.allowed_domain_1, 'b.example.com');
  assert.equal(t.claims.allowed_domain_2, 'c.example.com');

  must(await call(server, 'PUT', `${url}/plan`, { auth: T.owner, body: { plan_code: free } }), 200);
  assert.equal((await token(made.client_secret)).claims.entitlements?.plan, free);
  must(await call(server, 'DELETE', `${url}/plan`, { auth: T.owner }), 200);
  assert.ok(!('entitlements' in (await token(made.client_secret)).claims));

  const rotated = must(await call(server, 'POST', `${url}/secret`, { auth: T.owner }), 200);
  t = await token(made.client_secret);
  assert.equal(t.status, 401, 'the old secret stops working at once');
  assert.equal(t.body.error, 'invalid_client');
  assert.equal((await token(rotated.client_secret)).status, 200);

  must(await call(server, 'POST', `${url}/disable`, { auth: T.owner }), 200);
  t = await token(rotated.client_secret);
  assert.equal(t.status, 400);
  assert.equal(t.body.error, 'unauthorized_client');
  must(await call(server, 'POST', `${url}/enable`, { auth: T.owner }), 200);
  assert.equal((await token(rotated.client_secret)).status, 200);

  must(await call(server, 'DELETE', url, { auth: T.owner }), 204);
  t = await token(rotated.client_secret);
  assert.equal(t.status, 401);
  assert.equal(t.body.error, 'invalid_client');
});
