// Logs and request ids (issue 10 item 2; src/util/log.c): every response carries
// X-Request-Id (a caller's well-formed one is kept, otherwise one is made); stderr
// is JSON lines by default when it is not a terminal (TENANTD_LOG_FORMAT=text for
// text), each with time, level and message; one access-log line per request with
// method, route, status, duration, client address, request id, the W3C trace id
// from traceparent and the tenant/app/client ids when known; TENANTD_LOG_LEVEL
// filters; and no secret handled by the server ever appears in its log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call, cli, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => {
    try { return JSON.parse(l); } catch { assert.fail(`not a JSON log line: ${l}`); }
  });
}

async function accessFor(server, requestId) {
  for (let i = 0; i < 40; i++) {
    const hit = jsonLines(server.stderr).find((l) => l.msg === 'access' && l.request_id === requestId);
    if (hit) return hit;
    await sleep(50); // the access log is written by a background thread
  }
  assert.fail(`no access line for ${requestId}`);
}

describe('JSON logs, request ids and the access log', () => {
  let server, admin, world;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 5 });
  });
  after(async () => { await server?.stop(); });

  it('X-Request-Id: made for every response, a well-formed one kept, a malformed one replaced', async () => {
    const made = await fetch(`${server.url}/healthz`);
    assert.match(made.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
    const other = await fetch(`${server.url}/healthz`);
    assert.notEqual(other.headers.get('x-request-id'), made.headers.get('x-request-id'));
    const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a.2:x_y' } });
    assert.equal(kept.headers.get('x-request-id'), 'lb-7f3a.2:x_y');
    for (const bad of ['has space', 'x'.repeat(65), 'a"b', 'é']) {
      const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': encodeURIComponent(bad) === bad ? bad : bad.replace(/[^\x20-\x7e]/g, '?') } });
      assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/, bad);
    }
    const missing = await fetch(`${server.url}/api/v1/nothing-here`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('x-request-id'), /^[0-9a-f]{32}$/, 'errors carry one too');
  });

  it('one access line per request, with route, status, duration, client, trace and ids', async () => {
    const created = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('log'), region_code: world.regionCode } });
    assert.equal(created.status, 201);
    const app = created.body.app;
    const res = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', traceparent: TRACEPARENT, 'x-request-id': 'req-token-1' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.body.client_id, client_secret: created.body.client_secret }),
    });
    assert.equal(res.status, 200);
    const token = await accessFor(server, 'req-token-1');
    assert.equal(token.level, 'info');
    assert.equal(token.method, 'POST');
    assert.equal(token.route, '/connect/token');
    assert.equal(token.status, 200);
    assert.equal(typeof token.duration_ms, 'number');
    assert.equal(token.client, '127.0.0.1');
    assert.equal(token.trace_id, TRACE);
    assert.equal(token.client_id, created.body.client_id);
    assert.match(token.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const get = await call(server, 'GET', `/api/v1/tenants/${world.tenantId}/apps/${app.id}`, { auth: world.owner, headers: { 'x-request-id': 'req-get-1' } });
    assert.equal(get.status, 200);
    const line = await accessFor(server, 'req-get-1');
    assert.equal(line.route, '/api/v1/tenants/{}/apps/{}');
    assert.equal(line.tenant_id, world.tenantId);
    assert.equal(line.app_id, app.id);
    // a write runs on a write worker: still one line, same fields
    const patch = await call(server, 'PATCH', `/api/v1/tenants/${world.tenantId}/apps/${app.id}`, { auth: world.owner, body: { name: uniq('log2') }, headers: { 'x-request-id': 'req-patch-1' } });
    assert.equal(patch.status, 200, patch.text);
    const written = await accessFor(server, 'req-patch-1');
    assert.equal(written.method, 'PATCH');
    assert.equal(written.status, 200);
    await sleep(200);
    assert.equal(jsonLines(server.stderr).filter((l) => l.request_id === 'req-patch-1' && l.msg === 'access').length, 1);
    // every line of the log is JSON with time, level and msg
    for (const l of jsonLines(server.stderr)) {
      assert.ok(l.time && l.level && typeof l.msg === 'string', JSON.stringify(l));
    }
  });

  it('no secret the server handled appears in its log', async () => {
    const password = 'a-secret-password-123';
    const email = `${uniq('sec')}@example.com`;
    const signup = await call(server, 'POST', '/api/v1/auth/signup', { body: { email, password, display_name: 'S', tenant_name: uniq('T') } });
    assert.equal(signup.status, 201, signup.text);
    await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: 'wrong-password-xyz' } });
    const created = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('sec'), region_code: world.regionCode } });
    const secrets = [password, 'wrong-password-xyz', created.body.client_secret];
    const regen = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${created.body.app.id}/secret`, { auth: world.owner });
    secrets.push(regen.body.client_secret);
    const key = await call(server, 'POST', '/api/v1/me/api-keys', { auth: admin, body: { name: 'log test' } });
    assert.equal(key.status, 201, key.text);
    secrets.push(key.body.key);
    for (const secret of [regen.body.client_secret, 'tdcs_wrong_guess_0000']) {
      const res = await fetch(`${server.url}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${created.body.client_id}:${secret}`).toString('base64') },
        body: 'grant_type=client_credentials',
      });
      const body = await res.json();
      if (body.access_token) secrets.push(body.access_token, body.access_token.split('.')[2]);
    }
    secrets.push('tdcs_wrong_guess_0000');
    await sleep(300);
    for (const s of secrets) assert.ok(!server.stderr.includes(s), `a secret reached the log: ${s.slice(0, 12)}…`);
  });
});

describe('log settings', () => {
  it('text format, level filtering, and refused values', async () => {
    const server = await startServer({ TENANTD_LOG_FORMAT: 'text', TENANTD_LOG_LEVEL: 'info' });
    try {
      await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'text-1' } });
      await sleep(300);
      const line = server.stderr.split('\n').find((l) => l.includes('request_id=text-1'));
      assert.ok(line, server.stderr);
      assert.match(line, /info tenantd: access method=GET route=\/healthz status=200 duration_ms=[0-9.]+ client=127\.0\.0\.1 request_id=text-1/);
    } finally {
      await server.stop();
    }
    const quiet = await startServer({ TENANTD_LOG_LEVEL: 'warn' });
    try {
      await fetch(`${quiet.url}/healthz`);
      await sleep(300);
      assert.ok(!/"msg":"access"/.test(quiet.stderr), 'no access lines below warn');
      for (const [name, value] of [['TENANTD_LOG_FORMAT', 'xml'], ['TENANTD_LOG_LEVEL', 'loud']]) {
        const r = cli({ env: { ...quiet.env, [name]: value } }, ['migrate']);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, new RegExp(name));
      }
    } finally {
      await quiet.stop();
    }
  });
});
