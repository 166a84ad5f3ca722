// Security sweeps across the whole admin API (docs/SECURITY.md): every route at once,
// so a route added later without the shared checks fails here.
//   - tenant isolation: tenant B's owner naming tenant A's id gets 404
//     tenant_not_found on every /api/v1/tenants/{tid}/... route, and naming its own
//     tenant with A's sub-resource ids gets 404 <thing>_not_found;
//   - host-only routes answer 403 forbidden to a tenant owner;
//   - CSRF: every cookie-authenticated mutation without (or with a wrong)
//     X-CSRF-Token answers 403 csrf_failed, and nothing changed;
//   - response headers (nosniff, frame denial, CSP, no-store on API and token
//     answers) and the session cookie's flags, on http and on an https issuer (Secure,
//     HSTS);
//   - no secret, token or password used in the run reaches the server's stderr;
//   - regression: a storage region that cannot be a DNS label of the provider's default
//     endpoint is refused (400 invalid_region), found by tests/fuzz/fuzz_domain_rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, login, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server;
let admin;
let A;
let B;
let appA; // {app, client_id, client_secret}
let memberA; // {id, email, password}
let invitationA; // {id, token}
let workspaceA; // id
let apiKey; // a personal API key of A's owner
const passwords = [];

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function problem(r, status, code, label) {
  assert.equal(r.status, status, `${label}: ${r.text}`);
  assert.equal(r.body?.code, code, `${label}: ${r.text}`);
}

const FORM = 'application/x-www-form-urlencoded';

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin, { appLimit: 20 });
  B = await seedTenant(server, admin, { region: A.regionCode });
  passwords.push(A.ownerPassword, B.ownerPassword);
  appA = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/apps`, { auth: A.owner, body: { name: uniq('sec'), region_code: A.regionCode } }), 201);
  // a member of A (invited, accepted)
  const email = `${uniq('member')}@example.com`;
  const password = 'member-password-123';
  passwords.push(password);
  const inv = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/invitations`, { auth: A.owner, body: { email, role: 'viewer' } }), 201);
  const token = decodeURIComponent(inv.accept_url.match(/[?#&]token=([^&#]+)/)[1]);
  const accepted = must(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password, display_name: 'Member' } }), 201);
  memberA = { id: accepted.user.id, email, password };
  // a pending invitation of A
  const pending = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/invitations`, { auth: A.owner, body: { email: `${uniq('pending')}@example.com`, role: 'admin' } }), 201);
  invitationA = { id: pending.invitation.id, token: decodeURIComponent(pending.accept_url.match(/[?#&]token=([^&#]+)/)[1]) };
  // a workspace of A
  workspaceA = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/workspaces`, {
    auth: A.owner, body: { name: uniq('ws'), app_id: appA.app.id, client_id: appA.client_id, client_secret: appA.client_secret },
  }), 201).id;
  apiKey = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: A.owner, body: { name: 'sweep' } }), 201).key;
});

after(async () => {
  await server?.stop();
});

// Every /api/v1/tenants/{tid}/... route with sub-resource ids; bodies are valid so that
// only authorisation can stop them.
function tenantRoutes(tid, ids) {
  const t = `/api/v1/tenants/${tid}`;
  const app = `${t}/apps/${ids.app}`;
  return [
    { method: 'GET', path: t },
    { method: 'PATCH', path: t, body: { name: uniq('Renamed ') } },
    { method: 'POST', path: `${t}/activate` },
    { method: 'POST', path: `${t}/suspend` },
    { method: 'GET', path: `${t}/apps` },
    { method: 'POST', path: `${t}/apps`, body: { name: uniq('intruder'), region_code: A.regionCode } },
    { method: 'GET', path: app, sub: 'app_not_found' },
    { method: 'PATCH', path: app, body: { name: uniq('hijack') }, sub: 'app_not_found' },
    { method: 'POST', path: `${app}/disable`, sub: 'app_not_found' },
    { method: 'POST', path: `${app}/enable`, sub: 'app_not_found' },
    { method: 'POST', path: `${app}/secret`, sub: 'app_not_found' },
    { method: 'PUT', path: `${app}/plan`, body: { plan_code: 'nope' }, sub: 'app_not_found' },
    { method: 'DELETE', path: `${app}/plan`, sub: 'app_not_found' },
    { method: 'PUT', path: `${app}/storage`, body: { provider: 'aws_s3', bucket: 'evil-bucket', access_key_id: 'AKIDEVIL', secret_access_key: 'evil-secret-value-123' }, sub: 'app_not_found' },
    { method: 'DELETE', path: `${app}/storage`, sub: 'app_not_found' },
    { method: 'POST', path: `${app}/storage/test`, sub: 'app_not_found' },
    { method: 'DELETE', path: app, sub: 'app_not_found' },
    { method: 'GET', path: `${t}/audit` },
    { method: 'GET', path: `${t}/members` },
    { method: 'PATCH', path: `${t}/members/${ids.member}`, body: { role: 'owner' }, sub: 'member_not_found' },
    { method: 'DELETE', path: `${t}/members/${ids.member}`, sub: 'member_not_found' },
    { method: 'GET', path: `${t}/invitations` },
    { method: 'POST', path: `${t}/invitations`, body: { email: `${uniq('x')}@example.com`, role: 'owner' } },
    { method: 'DELETE', path: `${t}/invitations/${ids.invitation}`, sub: 'invitation_not_found' },
    { method: 'GET', path: `${t}/workspaces` },
    { method: 'POST', path: `${t}/workspaces`, body: { name: uniq('ws'), app_id: ids.app, client_id: appA.client_id, client_secret: appA.client_secret }, sub: 'app_not_found' },
    { method: 'DELETE', path: `${t}/workspaces/${ids.workspace}`, sub: 'workspace_not_found' },
    { method: 'POST', path: `${t}/workspaces/${ids.workspace}/token`, sub: 'workspace_not_found' },
    { method: 'POST', path: `${t}/workspaces/${ids.workspace}/introspect`, body: { token: 'x.y.z' }, sub: 'workspace_not_found' },
  ];
}

const idsOfA = () => ({ app: appA.app.id, member: memberA.id, invitation: invitationA.id, workspace: workspaceA });

async function snapshotA() {
  const auth = { apiKey };
  const get = async (p) => must(await call(server, 'GET', p, { auth }), 200);
  const t = `/api/v1/tenants/${A.tenantId}`;
  return {
    tenant: await get(t),
    apps: await get(`${t}/apps`),
    members: await get(`${t}/members`),
    invitations: await get(`${t}/invitations`),
    workspaces: await get(`${t}/workspaces`),
    audit: await get(`${t}/audit?limit=200`),
  };
}

test("tenant B's owner gets 404 tenant_not_found on every route of tenant A, and nothing changes", async () => {
  const before = await snapshotA();
  for (const r of tenantRoutes(A.tenantId, idsOfA())) {
    const res = await call(server, r.method, r.path, { auth: B.owner, body: r.body });
    problem(res, 404, 'tenant_not_found', `${r.method} ${r.path}`);
  }
  // the same with B's API key instead of a cookie
  const keyB = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: B.owner, body: { name: 'b' } }), 201).key;
  for (const r of tenantRoutes(A.tenantId, idsOfA())) {
    const res = await call(server, r.method, r.path, { auth: { apiKey: keyB }, body: r.body });
    problem(res, 404, 'tenant_not_found', `key ${r.method} ${r.path}`);
  }
  assert.deepEqual(await snapshotA(), before);
});

test("tenant B's owner naming its own tenant with A's sub-resource ids gets 404 <thing>_not_found", async () => {
  const before = await snapshotA();
  for (const r of tenantRoutes(B.tenantId, idsOfA()).filter((x) => x.sub)) {
    const res = await call(server, r.method, r.path, { auth: B.owner, body: r.body });
    problem(res, 404, r.sub, `${r.method} ${r.path}`);
  }
  assert.deepEqual(await snapshotA(), before);
  // and A's app still issues tokens with its secret
  const tok = await fetch(`${server.url}/connect/token`, {
    method: 'POST', headers: { 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appA.client_id, client_secret: appA.client_secret }),
  });
  assert.equal(tok.status, 200);
});

// Host-level routes, with bodies that would be valid for a host admin.
function hostRoutes() {
  return [
    { method: 'GET', path: '/api/v1/tenants' },
    { method: 'POST', path: '/api/v1/tenants', body: { name: uniq('T ') } },
    { method: 'PATCH', path: `/api/v1/tenants/${A.tenantId}`, body: { app_limit: 99 } },
    { method: 'POST', path: `/api/v1/tenants/${A.tenantId}/activate` },
    { method: 'POST', path: `/api/v1/tenants/${A.tenantId}/suspend` },
    { method: 'POST', path: '/api/v1/regions', body: { code: uniq('r').slice(0, 30), name: 'R', active: true } },
    { method: 'PATCH', path: `/api/v1/regions/${A.regionCode}`, body: { active: false } },
    { method: 'POST', path: `/api/v1/regions/${A.regionCode}/databases`, body: { db_code: uniq('db').slice(0, 60), active: true } },
    { method: 'GET', path: `/api/v1/regions/${A.regionCode}/databases` },
    { method: 'PATCH', path: `/api/v1/region-databases/${A.dbCode}`, body: { active: false } },
    { method: 'POST', path: '/api/v1/plans', body: { code: uniq('p').slice(0, 60), name: 'P', tier: 'paid', entitlements: {} } },
    { method: 'PATCH', path: '/api/v1/plans/whatever', body: { name: 'x' } },
    { method: 'POST', path: '/api/v1/platform-clients', body: { name: 'svc', scopes: ['platform:storage'] } },
    { method: 'GET', path: '/api/v1/platform-clients' },
    { method: 'GET', path: `/api/v1/platform-clients/${appA.app.id}` },
    { method: 'DELETE', path: `/api/v1/platform-clients/${appA.app.id}` },
    { method: 'POST', path: `/api/v1/platform-clients/${appA.app.id}/secret` },
  ];
}

test('host-only routes answer 403 forbidden to a tenant owner (cookie and API key) and change nothing', async () => {
  const before = await snapshotA();
  for (const r of hostRoutes()) {
    problem(await call(server, r.method, r.path, { auth: A.owner, body: r.body }), 403, 'forbidden', `${r.method} ${r.path}`);
    problem(await call(server, r.method, r.path, { auth: { apiKey }, body: r.body }), 403, 'forbidden', `key ${r.method} ${r.path}`);
  }
  assert.deepEqual(await snapshotA(), before);
  const regions = must(await call(server, 'GET', '/api/v1/regions', { auth: admin }), 200);
  assert.ok(regions.items.find((r) => r.code === A.regionCode).active, 'the region is still active');
});

test('every cookie-authenticated mutation needs the X-CSRF-Token header', async () => {
  const before = await snapshotA();
  const mutations = [
    ...tenantRoutes(A.tenantId, idsOfA()).filter((r) => r.method !== 'GET').map((r) => ({ ...r, auth: A.owner })),
    ...hostRoutes().filter((r) => r.method !== 'GET').map((r) => ({ ...r, auth: admin })),
    { method: 'POST', path: '/api/v1/me/api-keys', body: { name: 'csrf' }, auth: A.owner },
    { method: 'DELETE', path: `/api/v1/me/api-keys/${appA.app.id}`, auth: A.owner },
    { method: 'POST', path: '/api/v1/auth/logout', auth: A.owner },
  ];
  for (const r of mutations) {
    const label = `${r.method} ${r.path}`;
    problem(await call(server, r.method, r.path, { auth: r.auth, body: r.body, csrf: false }), 403, 'csrf_failed', `no header: ${label}`);
    const wrong = { cookie: r.auth.cookie, csrf: `${r.auth.csrf.slice(0, -1)}${r.auth.csrf.endsWith('A') ? 'B' : 'A'}` };
    problem(await call(server, r.method, r.path, { auth: wrong, body: r.body }), 403, 'csrf_failed', `wrong header: ${label}`);
    problem(await call(server, r.method, r.path, { auth: r.auth, body: r.body, headers: { 'x-csrf-token': '' }, csrf: false }), 403, 'csrf_failed', `empty header: ${label}`);
  }
  assert.deepEqual(await snapshotA(), before);
  // the sessions survived (logout without CSRF did nothing)
  must(await call(server, 'GET', '/api/v1/me', { auth: A.owner }), 200);
  must(await call(server, 'GET', '/api/v1/me', { auth: admin }), 200);
});

function assertHardened(res, label) {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', label);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', label);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', label);
  assert.match(res.headers.get('content-security-policy') || '', /frame-ancestors 'none'/, label);
}

test('response headers: nosniff, frame denial, CSP everywhere; no-store on API and token answers', async () => {
  const apiAnswers = [
    await call(server, 'GET', '/api/v1/me'),
    await call(server, 'GET', '/api/v1/me', { auth: A.owner }),
    await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}`, { auth: { apiKey } }),
    await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}/secret`, { auth: A.owner, csrf: false }),
  ];
  for (const res of apiAnswers) {
    assertHardened(res, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store', res.text);
    assert.match(res.headers.get('content-security-policy'), /^default-src 'none'/);
  }
  const token = await fetch(`${server.url}/connect/token`, {
    method: 'POST', headers: { 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appA.client_id, client_secret: appA.client_secret }),
  });
  assert.equal(token.status, 200);
  assertHardened(token, 'token');
  assert.equal(token.headers.get('cache-control'), 'no-store');
  assert.equal(token.headers.get('pragma'), 'no-cache');
  const denied = await fetch(`${server.url}/connect/token`, {
    method: 'POST', headers: { 'content-type': FORM },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appA.client_id, client_secret: 'wrong' }),
  });
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get('cache-control'), 'no-store');
  const shell = await fetch(`${server.url}/`);
  assertHardened(shell, 'dashboard');
  assert.match(shell.headers.get('content-security-policy'), /script-src 'self'/);
  assert.doesNotMatch(shell.headers.get('content-security-policy'), /unsafe-inline|unsafe-eval/);
  assert.equal(shell.headers.get('strict-transport-security'), null, 'no HSTS on an http issuer');
  assert.equal(shell.headers.get('access-control-allow-origin'), null);
});

test('session cookie: HttpOnly, SameSite=Strict, Path=/, 12 h; logout clears it', async () => {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: A.ownerEmail, password: A.ownerPassword }),
  });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie');
  assert.match(cookie, /^tenantd_session=[A-Za-z0-9_-]{43}; /);
  for (const flag of ['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=43200']) assert.ok(cookie.split('; ').includes(flag), `${flag} in ${cookie}`);
  assert.ok(!cookie.includes('Secure'), 'no Secure flag on an http issuer');
  const csrf = (await res.json()).csrf_token;
  const out = await call(server, 'POST', '/api/v1/auth/logout', { auth: { cookie: cookie.split(';')[0], csrf } });
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /^tenantd_session=; .*Max-Age=0/);
  problem(await call(server, 'GET', '/api/v1/me', { auth: { cookie: cookie.split(';')[0], csrf } }), 401, 'unauthenticated', 'after logout');
});

test('https issuer: the cookie is Secure and every answer carries HSTS', async () => {
  const tls = await startServer({ TENANTD_ISSUER: 'https://id.example.test' });
  try {
    const res = await fetch(`${tls.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@test.local', password: 'admin-password-123' }),
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('set-cookie').split('; ').includes('Secure'), res.headers.get('set-cookie'));
    assert.match(res.headers.get('strict-transport-security') || '', /max-age=\d+/);
    const health = await fetch(`${tls.url}/healthz`);
    assert.match(health.headers.get('strict-transport-security') || '', /max-age=\d+/);
  } finally {
    await tls.stop();
  }
});

test('regression (fuzz_domain_rules): a region that cannot name the default endpoint is invalid_region', async () => {
  const put = (body) => call(server, 'PUT', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}/storage`, { auth: A.owner, body });
  const base = { bucket: 'my-bucket', access_key_id: 'AKIAEXAMPLE', secret_access_key: 'not-a-real-secret-123' };
  for (const [provider, region] of [['aws_s3', 'eu-'], ['aws_s3', '-'], ['aws_s3', 'deu-can--'], ['backblaze_b2', '-us-west-004']]) {
    const res = await put({ ...base, provider, region });
    problem(res, 400, 'invalid_region', `${provider} ${region}`);
    assert.equal(res.body.errors?.[0]?.field, 'region', res.text);
  }
  const app = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}`, { auth: A.owner }), 200);
  assert.deepEqual(app.storage, { mode: 'managed' }, 'nothing was stored');
  // where the region is only a signing scope, it is accepted as before
  const ok = must(await put({ ...base, provider: 'minio', endpoint: 'https://minio.example.com', region: 'eu-' }), 200);
  assert.equal(ok.storage.region, 'eu-');
  assert.deepEqual(must(await call(server, 'DELETE', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}/storage`, { auth: A.owner }), 200).storage, { mode: 'managed' });
});

test('no secret, token or password of this run reached the server log', async () => {
  // one more of each kind, after everything above
  const fresh = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/apps/${appA.app.id}/secret`, { auth: A.owner }), 200);
  const secrets = [
    ...passwords,
    'admin-password-123',
    appA.client_secret,
    fresh.client_secret,
    apiKey,
    invitationA.token,
    A.owner.cookie.split('=')[1],
    A.owner.csrf,
    B.owner.cookie.split('=')[1],
    admin.cookie.split('=')[1],
    admin.csrf,
    'evil-secret-value-123',
    'not-a-real-secret-123',
  ];
  for (const s of secrets) {
    assert.ok(s && s.length >= 10, `a real secret: ${s}`);
    assert.ok(!server.stderr.includes(s), `stderr must not contain ${s.slice(0, 6)}…`);
  }
});

// JSON bodies must be sent as application/json: a cross-site form or text/plain POST
// (which browsers send without a CORS preflight) is refused before it is parsed, so
// no login CSRF and no cookie-authenticated JSON write from another origin.
test('JSON endpoints refuse non-JSON content types with 415', async () => {
  const s = await startServer();
  try {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ email: 'admin@test.local', password: 'admin-password-123' }) });
      assert.equal(r.status, 415, type);
      assert.equal((await r.json()).code, 'unsupported_media_type');
      assert.equal(r.headers.get('set-cookie'), null);
    }
    const ok = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ email: 'admin@test.local', password: 'admin-password-123' }) });
    assert.equal(ok.status, 200);
  } finally {
    await s.stop();
  }
});
