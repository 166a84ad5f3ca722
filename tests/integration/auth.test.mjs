// Sign-in side of the admin API: login / logout / me, self sign-up, personal API
// keys, CSRF, and the login and sign-up throttles (SPEC §4.1, docs/AUTH.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, call, login, loginAdmin, startServer, uniq,
} from './lib/harness.mjs';

const PASSWORD = 'correct-horse-battery';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

async function signup(server, overrides = {}) {
  const body = {
    email: `${uniq('user')}@example.com`, password: PASSWORD, display_name: 'Someone',
    tenant_name: uniq('Tenant '), ...overrides,
  };
  const res = await call(server, 'POST', '/api/v1/auth/signup', { body });
  return { res, body };
}

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type'), /application\/problem\+json/);
  assert.equal(res.body.code, code, res.text);
  assert.equal(res.body.status, status);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

/** POSTs body as JSON to path from a chosen loopback source address (127.0.0.x). */
function postFrom(server, localAddress, path, body) {
  const url = new URL(server.url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path, method: 'POST', localAddress,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        const parsed = text ? JSON.parse(text) : null;
        // Same shape as call(): {status, headers (with get()), body, text}.
        const headers = { ...res.headers, get: (name) => res.headers[name.toLowerCase()] ?? null };
        resolve({ status: res.statusCode, headers, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** POST /api/v1/auth/login from a chosen loopback source address (127.0.0.x). */
const loginFrom = (server, localAddress, email, password) =>
  postFrom(server, localAddress, '/api/v1/auth/login', { email, password });

async function auditActions(server, auth, tenantId) {
  const res = await call(server, 'GET', `/api/v1/tenants/${tenantId}/audit?limit=200`, { auth });
  assert.equal(res.status, 200, res.text);
  return res.body.items;
}

describe('sessions, sign-up and API keys', () => {
  let server;
  let admin;
  let owner; // {email, tenantId, session}

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    const { res, body } = await signup(server, { display_name: 'Olivia Owner' });
    assert.equal(res.status, 201, res.text);
    owner = { email: body.email, tenantId: res.body.tenant.id, session: await login(server, body.email, PASSWORD) };
  });
  after(async () => { await server?.stop(); });

  test('login answers {user, csrf_token} and a HttpOnly SameSite=Strict cookie (no Secure on http)', async () => {
    const res = await call(server, 'POST', '/api/v1/auth/login', {
      body: { email: `  ${ADMIN_EMAIL.toUpperCase()} `, password: ADMIN_PASSWORD },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['csrf_token', 'user']);
    assert.match(res.body.csrf_token, TOKEN);
    const u = res.body.user;
    assert.deepEqual(Object.keys(u).sort(), ['created_at', 'display_name', 'email', 'id']);
    assert.equal(u.email, ADMIN_EMAIL);
    assert.match(u.id, UUID);
    assert.match(u.created_at, RFC3339);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const cookie = res.headers.get('set-cookie');
    const [pair, ...attrs] = cookie.split(';').map((s) => s.trim());
    const [name, value] = pair.split('=');
    assert.equal(name, 'tenantd_session');
    assert.match(value, TOKEN);
    assert.notEqual(value, res.body.csrf_token);
    assert.ok(attrs.includes('HttpOnly'), cookie);
    assert.ok(attrs.includes('SameSite=Strict'), cookie);
    assert.ok(attrs.includes('Path=/'), cookie);
    assert.ok(attrs.includes('Max-Age=43200'), cookie);
    assert.ok(!attrs.some((a) => /^secure$/i.test(a)), `no Secure over http: ${cookie}`);
  });

  test('each login is a new session with its own CSRF token', async () => {
    const a = await loginAdmin(server);
    const b = await loginAdmin(server);
    assert.notEqual(a.cookie, b.cookie);
    assert.notEqual(a.csrf, b.csrf);
    // b's CSRF token does not work with a's cookie
    const crossed = await call(server, 'POST', '/api/v1/me/api-keys', { auth: { cookie: a.cookie, csrf: b.csrf }, body: { name: 'x' } });
    assertProblem(crossed, 403, 'csrf_failed');
  });

  test('wrong password, unknown email and malformed email all answer the same 401', async () => {
    const wrong = await call(server, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: 'not-the-password' } });
    const unknown = await call(server, 'POST', '/api/v1/auth/login', { body: { email: `${uniq('ghost')}@example.com`, password: PASSWORD } });
    const malformed = await call(server, 'POST', '/api/v1/auth/login', { body: { email: 'not an email', password: PASSWORD } });
    for (const r of [wrong, unknown, malformed]) {
      assertProblem(r, 401, 'invalid_credentials');
      assert.equal(r.headers.get('set-cookie'), null);
    }
    assert.deepEqual(wrong.body, unknown.body);
    assert.deepEqual(wrong.body, malformed.body);
  });

  test('an unknown email costs a password verification like a wrong password', async () => {
    const time = async (email) => {
      const t0 = performance.now();
      const r = await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: 'timing-password-1' } });
      assert.equal(r.status, 401);
      return performance.now() - t0;
    };
    const median = (xs) => xs.sort((x, y) => x - y)[1];
    const known = [], unknown = [];
    for (let i = 0; i < 3; i++) {
      known.push(await time(owner.email));
      unknown.push(await time(`${uniq('nobody')}@example.com`));
    }
    // Argon2id takes tens of ms; answering without it would take ~1 ms.
    assert.ok(median(unknown) > 0.4 * median(known), `unknown ${unknown} vs known ${known}`);
  });

  test('login validates its body', async () => {
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: owner.email } }), 400, 'missing_field', 'password');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { password: PASSWORD } }), 400, 'missing_field', 'email');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: 12 } }), 400, 'invalid_type', 'password');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: PASSWORD, remember: true } }), 400, 'unknown_field', 'remember');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: '{"email":' }), 400, 'invalid_json');
  });

  test('GET /me: host admin has no tenant; an owner sees tenant and role', async () => {
    const me = await call(server, 'GET', '/api/v1/me', { auth: admin });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.role, 'host_admin');
    assert.equal(me.body.tenant, null);
    assert.equal(me.body.user.email, ADMIN_EMAIL);

    const mine = await call(server, 'GET', '/api/v1/me', { auth: owner.session });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.role, 'owner');
    assert.equal(mine.body.user.email, owner.email);
    assert.equal(mine.body.user.display_name, 'Olivia Owner');
    assert.deepEqual(Object.keys(mine.body.tenant).sort(), ['app_limit', 'created_at', 'id', 'name', 'status']);
    assert.equal(mine.body.tenant.id, owner.tenantId);
    assert.equal(mine.body.tenant.status, 'pending_activation');

    assertProblem(await call(server, 'GET', '/api/v1/me'), 401, 'unauthenticated');
    assertProblem(await call(server, 'GET', '/api/v1/me', { headers: { cookie: 'tenantd_session=forged' } }), 401, 'unauthenticated');
  });

  test('logout needs the CSRF header, then ends the session and clears the cookie', async () => {
    const s = await login(server, owner.email, PASSWORD);
    assertProblem(await call(server, 'POST', '/api/v1/auth/logout', { auth: s, csrf: false }), 403, 'csrf_failed');
    assertProblem(await call(server, 'POST', '/api/v1/auth/logout', { auth: { ...s, csrf: 'x'.repeat(43) } }), 403, 'csrf_failed');
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: s })).status, 200, 'nothing changed');

    const out = await call(server, 'POST', '/api/v1/auth/logout', { auth: s });
    assert.equal(out.status, 204, out.text);
    const cleared = out.headers.get('set-cookie');
    assert.match(cleared, /^tenantd_session=;/);
    assert.match(cleared, /Max-Age=0/);
    assert.match(cleared, /HttpOnly/);
    assertProblem(await call(server, 'GET', '/api/v1/me', { auth: s }), 401, 'unauthenticated');
    assertProblem(await call(server, 'POST', '/api/v1/auth/logout', { auth: s }), 401, 'unauthenticated');
    assertProblem(await call(server, 'POST', '/api/v1/auth/logout'), 401, 'unauthenticated');
    // other sessions of the same user live on
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: owner.session })).status, 200);
  });

  test('sign-up creates a pending tenant with its owner and queues a welcome email', async () => {
    const email = `${uniq('New.User')}@Example.COM`;
    const { res } = await signup(server, { email: ` ${email} `, display_name: '  Nina  ', tenant_name: '  Nina Corp  ' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['role', 'tenant', 'user']);
    assert.equal(res.body.role, 'owner');
    assert.equal(res.body.user.email, email.toLowerCase());
    assert.equal(res.body.user.display_name, 'Nina');
    assert.match(res.body.user.id, UUID);
    const t = res.body.tenant;
    assert.deepEqual(Object.keys(t).sort(), ['app_limit', 'created_at', 'id', 'name', 'status']);
    assert.equal(t.name, 'Nina Corp');
    assert.equal(t.status, 'pending_activation');
    assert.equal(t.app_limit, 3);
    assert.match(t.created_at, RFC3339);
    assert.ok(server.stderr.includes(`email queued to ${email.toLowerCase()}: Welcome to tenantd`), server.stderr);
    assert.ok(!server.stderr.includes(PASSWORD));

    const s = await login(server, email, PASSWORD);
    const me = await call(server, 'GET', '/api/v1/me', { auth: s });
    assert.equal(me.body.tenant.id, t.id);
    assert.equal(me.body.role, 'owner');

    const events = await auditActions(server, s, t.id);
    const signupEvent = events.find((e) => e.action === 'tenant.signup');
    assert.ok(signupEvent, JSON.stringify(events));
    assert.equal(signupEvent.actor.email, email.toLowerCase());
    assert.equal(signupEvent.target.id, t.id);
    assert.ok(events.some((e) => e.action === 'user.login'));
    assert.ok(!JSON.stringify(events).includes(PASSWORD));
  });

  test('sign-up: 409 email_taken, case-insensitively, and the first account is untouched', async () => {
    const { res } = await signup(server, { email: owner.email.toUpperCase(), password: 'another-password-9' });
    assertProblem(res, 409, 'email_taken', 'email');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: owner.email, password: 'another-password-9' } }), 401, 'invalid_credentials');
    assertProblem((await signup(server, { email: ADMIN_EMAIL })).res, 409, 'email_taken', 'email');
  });

  test('sign-up validates every field and bad input creates nothing', async () => {
    const email = `${uniq('valid')}@example.com`;
    const cases = [
      [{ email: 'nope' }, 'invalid_email', 'email'],
      [{ email: 'a@b' }, 'invalid_email', 'email'],
      [{ email, password: 'short' }, 'password_too_weak', 'password'],
      [{ email, password: 'x'.repeat(257) }, 'password_too_weak', 'password'],
      [{ email, display_name: '   ' }, 'invalid_name', 'display_name'],
      [{ email, display_name: 'a'.repeat(101) }, 'invalid_name', 'display_name'],
      [{ email, tenant_name: '' }, 'invalid_name', 'tenant_name'],
      [{ email, tenant_name: 'bad\u0007name' }, 'invalid_name', 'tenant_name'],
      [{ email, tenant_name: 'x'.repeat(101) }, 'invalid_name', 'tenant_name'],
      [{ email, tenant_name: 5 }, 'invalid_type', 'tenant_name'],
      [{ email, extra: 1 }, 'unknown_field', 'extra'],
    ];
    for (const [overrides, code, field] of cases) {
      const { res } = await signup(server, overrides);
      assertProblem(res, 400, code, field);
    }
    const missing = await call(server, 'POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, display_name: 'x' } });
    assertProblem(missing, 400, 'missing_field', 'tenant_name');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } }), 401, 'invalid_credentials');
    // names of exactly 100 characters (multi-byte too) are fine
    const { res } = await signup(server, { email, display_name: 'é'.repeat(100), tenant_name: `  ${'🙂'.repeat(100)}  ` });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.tenant.name, '🙂'.repeat(100));
    assert.equal(res.body.user.display_name, 'é'.repeat(100));
  });

  test('personal API keys: the key is shown once, the list never contains it', async () => {
    const made = await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, body: { name: '  ci deploy  ' } });
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(Object.keys(made.body).sort(), ['created_at', 'id', 'key', 'name']);
    assert.equal(made.body.name, 'ci deploy');
    assert.match(made.body.id, UUID);
    assert.match(made.body.created_at, RFC3339);
    assert.match(made.body.key, /^tdk_[A-Za-z0-9_-]{40,}$/);

    const list = await call(server, 'GET', '/api/v1/me/api-keys', { auth: owner.session });
    assert.equal(list.status, 200, list.text);
    assert.ok(!list.text.includes(made.body.key), 'list must not contain the key');
    const item = list.body.items.find((k) => k.id === made.body.id);
    assert.deepEqual(item, { id: made.body.id, name: 'ci deploy', created_at: made.body.created_at, last_used_at: null });
    assert.equal(list.body.next_cursor, null);

    const events = await auditActions(server, owner.session, owner.tenantId);
    const ev = events.find((e) => e.action === 'api_key.create' && e.target.id === made.body.id);
    assert.ok(ev);
    assert.ok(!JSON.stringify(events).includes(made.body.key), 'the key never reaches the audit trail');
    assert.ok(!server.stderr.includes(made.body.key), 'the key never reaches the log');
  });

  test('a Bearer API key acts as its user and needs no CSRF token; a deleted key is refused', async () => {
    const made = await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, body: { name: 'bearer' } });
    const key = { apiKey: made.body.key };
    const me = await call(server, 'GET', '/api/v1/me', { auth: key });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.user.email, owner.email);
    assert.equal(me.body.role, 'owner');
    assert.equal(me.body.tenant.id, owner.tenantId);
    // a mutation with the key, no X-CSRF-Token header at all
    const second = await call(server, 'POST', '/api/v1/me/api-keys', { auth: key, body: { name: 'made by key' } });
    assert.equal(second.status, 201, second.text);
    // tenant scoping still applies to a key
    const hostOnly = await call(server, 'GET', `/api/v1/tenants/${crypto.randomUUID()}/audit`, { auth: key });
    assertProblem(hostOnly, 404, 'tenant_not_found');

    const del = await call(server, 'DELETE', `/api/v1/me/api-keys/${made.body.id}`, { auth: key });
    assert.equal(del.status, 204, del.text);
    const refused = await call(server, 'GET', '/api/v1/me', { auth: key });
    assertProblem(refused, 401, 'unauthenticated');
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer');
    assertProblem(await call(server, 'GET', '/api/v1/me', { auth: { apiKey: 'tdk_notakey' } }), 401, 'unauthenticated');
    assertProblem(await call(server, 'DELETE', `/api/v1/me/api-keys/${made.body.id}`, { auth: owner.session }), 404, 'api_key_not_found');
    const events = await auditActions(server, owner.session, owner.tenantId);
    assert.ok(events.some((e) => e.action === 'api_key.delete' && e.target.id === made.body.id));
    await call(server, 'DELETE', `/api/v1/me/api-keys/${second.body.id}`, { auth: owner.session });
  });

  test('API keys: CSRF on cookie mutations, validation, and other users\' keys are 404', async () => {
    const before = (await call(server, 'GET', '/api/v1/me/api-keys', { auth: owner.session })).body.items.length;
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, csrf: false, body: { name: 'sneaky' } }), 403, 'csrf_failed');
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: { ...owner.session, csrf: 'wrong' }, body: { name: 'sneaky' } }), 403, 'csrf_failed');
    assert.equal((await call(server, 'GET', '/api/v1/me/api-keys', { auth: owner.session })).body.items.length, before, 'nothing created');

    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, body: {} }), 400, 'missing_field', 'name');
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, body: { name: ' ' } }), 400, 'invalid_name', 'name');
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: owner.session, body: { name: 'k', scope: 'all' } }), 400, 'unknown_field', 'scope');
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { body: { name: 'anon' } }), 401, 'unauthenticated');

    const adminKey = await call(server, 'POST', '/api/v1/me/api-keys', { auth: admin, body: { name: 'admin key' } });
    assert.equal(adminKey.status, 201, adminKey.text);
    const ownerList = await call(server, 'GET', '/api/v1/me/api-keys', { auth: owner.session });
    assert.ok(!ownerList.body.items.some((k) => k.id === adminKey.body.id), 'lists only the caller\'s keys');
    const cookieDelete = await call(server, 'DELETE', `/api/v1/me/api-keys/${adminKey.body.id}`, { auth: admin, csrf: false });
    assertProblem(cookieDelete, 403, 'csrf_failed');
    assertProblem(await call(server, 'DELETE', `/api/v1/me/api-keys/${adminKey.body.id}`, { auth: owner.session }), 404, 'api_key_not_found');
    assertProblem(await call(server, 'DELETE', '/api/v1/me/api-keys/not-a-uuid', { auth: owner.session }), 404, 'api_key_not_found');
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: { apiKey: adminKey.body.key } })).body.role, 'host_admin');
  });

  test('API keys: pagination and the per-user limit', async () => {
    const s = await login(server, (await signup(server)).body.email, PASSWORD);
    const ids = [];
    for (let i = 0; i < 50; i++) {
      const r = await call(server, 'POST', '/api/v1/me/api-keys', { auth: s, body: { name: `k${i}` } });
      assert.equal(r.status, 201, r.text);
      ids.push(r.body.id);
    }
    assertProblem(await call(server, 'POST', '/api/v1/me/api-keys', { auth: s, body: { name: 'one too many' } }), 409, 'api_key_limit_reached');
    const seen = [];
    let cursor = null;
    do {
      const r = await call(server, 'GET', `/api/v1/me/api-keys?limit=20${cursor ? `&cursor=${cursor}` : ''}`, { auth: s });
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.items.length <= 20);
      seen.push(...r.body.items.map((k) => k.id));
      cursor = r.body.next_cursor;
    } while (cursor);
    // every key exactly once, in id order (UUIDv7: creation order to the millisecond)
    assert.deepEqual(seen, [...ids].sort());
    assertProblem(await call(server, 'GET', '/api/v1/me/api-keys?limit=0', { auth: s }), 400, 'invalid_limit');
    assertProblem(await call(server, 'GET', '/api/v1/me/api-keys?cursor=zzz', { auth: s }), 400, 'invalid_cursor');
    assert.equal((await call(server, 'DELETE', `/api/v1/me/api-keys/${ids[0]}`, { auth: s })).status, 204);
    assert.equal((await call(server, 'POST', '/api/v1/me/api-keys', { auth: s, body: { name: 'fits again' } })).status, 201);
  });
});

describe('throttling (own server: it poisons 127.0.0.1)', () => {
  let server;
  before(async () => { server = await startServer(); });
  after(async () => { await server?.stop(); });

  test('a successful login resets the per-email counter', async () => {
    const { body } = await signup(server);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 9; i++) {
        assert.equal((await call(server, 'POST', '/api/v1/auth/login', { body: { email: body.email, password: 'wrong-password' } })).status, 401);
      }
      await login(server, body.email, PASSWORD);
    }
  });

  test('10 failures for one email from one address → 429 with Retry-After; other emails and addresses unaffected', async () => {
    const victim = (await signup(server)).body.email;
    const bystander = (await signup(server)).body.email;
    for (let i = 0; i < 10; i++) {
      assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: victim, password: 'guess-guess-1' } }), 401, 'invalid_credentials');
    }
    const blocked = await call(server, 'POST', '/api/v1/auth/login', { body: { email: victim.toUpperCase(), password: PASSWORD } });
    assertProblem(blocked, 429, 'too_many_attempts');
    const retry = Number(blocked.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry > 0 && retry <= 900, `Retry-After ${retry}`);
    assert.equal(blocked.headers.get('set-cookie'), null);

    await login(server, bystander, PASSWORD); // same address, other email
    const elsewhere = await loginFrom(server, '127.0.0.2', victim, PASSWORD); // same email, other address
    assert.equal(elsewhere.status, 200, JSON.stringify(elsewhere.body));
    assert.match(elsewhere.headers['set-cookie'][0], /^tenantd_session=/);
  });

  // Each test below counts from its own source address, so none depends on the
  // failures or sign-ups the others (or an earlier run order) left behind.
  test('100 failures from one address block every login from it (password spraying), not from others', async () => {
    const { body } = await signup(server);
    const SPRAYER = '127.0.0.4';
    // malformed emails skip Argon2 but count for the address
    for (let i = 0; i < 100; i++) {
      assertProblem(await loginFrom(server, SPRAYER, `spray-${i}`, 'x'), 401, 'invalid_credentials');
    }
    const blocked = await loginFrom(server, SPRAYER, body.email, PASSWORD);
    assertProblem(blocked, 429, 'too_many_attempts');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    const other = await loginFrom(server, '127.0.0.5', body.email, PASSWORD);
    assert.equal(other.status, 200, other.text);
  });

  test('sign-ups: 30 attempts per address per hour, valid or not, then 429', async () => {
    const SIGNER = '127.0.0.6';
    const form = (overrides = {}) => ({ email: `${uniq('user')}@example.com`, password: PASSWORD, display_name: 'Someone', tenant_name: uniq('Tenant '), ...overrides });
    assert.equal((await postFrom(server, SIGNER, '/api/v1/auth/signup', form())).status, 201);
    for (let i = 0; i < 29; i++) {
      assertProblem(await postFrom(server, SIGNER, '/api/v1/auth/signup', form({ email: 'invalid' })), 400, 'invalid_email');
    }
    const res = await postFrom(server, SIGNER, '/api/v1/auth/signup', form());
    assertProblem(res, 429, 'too_many_attempts');
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.equal((await postFrom(server, '127.0.0.7', '/api/v1/auth/signup', form())).status, 201, 'other addresses may still sign up');
  });
});

describe('https issuer', () => {
  let server;
  before(async () => { server = await startServer({ TENANTD_ISSUER: 'https://id.example.test' }); });
  after(async () => { await server?.stop(); });

  test('the session cookie is Secure when the issuer is https, also when cleared', async () => {
    const res = await call(server, 'POST', '/api/v1/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    assert.equal(res.status, 200, res.text);
    const cookie = res.headers.get('set-cookie');
    assert.match(cookie, /; Secure(;|$)/, cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const session = { cookie: cookie.split(';')[0], csrf: res.body.csrf_token };
    const out = await call(server, 'POST', '/api/v1/auth/logout', { auth: session });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /Max-Age=0.*; Secure/);
  });
});
