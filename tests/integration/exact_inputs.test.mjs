// Exact inputs (issue 9, items 4 and 5).
//
// SPEC §3.6: client credentials are compared byte for byte — a client_id or secret
// holding NUL or another control character is refused, whichever way it arrives:
// raw inside the base64 of client_secret_basic, percent-encoded inside it (RFC 6749
// §2.3.1), or percent-encoded in a client_secret_post body; on all three OAuth
// endpoints. Before, base64("ID:SECRET\0anything") got a token (libmicrohttpd's
// decoder handed back a C string cut at the NUL).
//
// SPEC §4 / docs/SECURITY.md "Repeated fields": a header that carries meaning, the
// session cookie or any query parameter given twice is refused with 400 at the HTTP
// edge (problem+json `duplicate_header` / `duplicate_cookie` / `duplicate_parameter`
// naming the field; OAuth endpoints answer RFC 6749 `invalid_request`) instead of
// one layer silently reading the first copy. fetch() folds repeated headers into
// one, so these requests are written on a raw socket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const FORM = 'application/x-www-form-urlencoded';
const b64 = (s) => Buffer.from(s, 'latin1').toString('base64');
const basicRaw = (userPass) => `Basic ${b64(userPass)}`;
const ENDPOINTS = [
  ['/connect/token', 'grant_type=client_credentials'],
  ['/connect/introspect', 'token=x'],
  ['/connect/revoke', 'token=x'],
];

async function post(server, path, { body, headers = {} }) {
  const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: res.status, headers: res.headers, body: json, text };
}

/**
 * One HTTP/1.1 request written byte for byte (headers: array of [name, value], so a
 * name may repeat). Returns {status, headers (lower-case names → last value), body,
 * json}. The connection is closed after the answer.
 */
function rawRequest(server, method, path, headers = [], body = '') {
  const { hostname, port } = new URL(server.url);
  const payload = Buffer.from(body);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${hostname}:${port}`, 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (!headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n)) && (payload.length || method === 'POST')) {
    lines.push(`Content-Length: ${payload.length}`);
  }
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return rawBytes(server, Buffer.concat([head, payload]));
}

/**
 * Writes bytes to a fresh connection and parses the one answer (see rawRequest).
 * The request says Connection: close, so the server closes once it has answered. The
 * socket is not half-closed before that: a client that shuts its sending side down
 * before the answer of an admin mutation (run on a write worker) is taken for gone
 * (docs/ARCHITECTURE.md "Threads").
 */
function rawBytes(server, bytes) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const chunks = [];
    const sock = net.connect(Number(port), hostname, () => sock.write(bytes));
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
      const out = { status: Number(statusLine.split(' ')[1]), headers: {}, body: text.slice(split + 4) };
      for (const l of headerLines) {
        const i = l.indexOf(':');
        out.headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      // Chunked bodies are small here: take the JSON between the size lines.
      const m = out.body.match(/\{[\s\S]*\}/);
      try { out.json = m ? JSON.parse(m[0]) : null; } catch { out.json = null; }
      resolve(out);
    });
  });
}

describe('client credentials are compared exactly (SPEC §3.6)', () => {
  let server, admin, world, app;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin);
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: admin, body: { name: uniq('app'), region_code: world.regionCode } });
    assert.equal(r.status, 201, r.text);
    app = { clientId: r.body.client_id, secret: r.body.client_secret };
  });
  after(async () => { await server?.stop(); });

  it('the exact credentials work with both methods on all three endpoints (control)', async () => {
    for (const [path, body] of ENDPOINTS) {
      const viaBasic = await post(server, path, { body, headers: { authorization: basicRaw(`${app.clientId}:${app.secret}`) } });
      assert.equal(viaBasic.status, 200, `${path} basic: ${viaBasic.text}`);
      const viaPost = await post(server, path, { body: `${body}&client_id=${app.clientId}&client_secret=${app.secret}` });
      assert.equal(viaPost.status, 200, `${path} post: ${viaPost.text}`);
    }
  });

  it('Basic: a NUL (or other control character) after the secret inside the base64 is refused, not cut off', async () => {
    const tails = ['\0anything', '\0', '\x01', '\n', '\x7f', '\tx'];
    for (const [path, body] of ENDPOINTS) {
      for (const tail of tails) {
        const r = await post(server, path, { body, headers: { authorization: basicRaw(`${app.clientId}:${app.secret}${tail}`) } });
        assert.equal(r.status, 401, `${path} ${JSON.stringify(tail)}: ${r.text}`);
        assert.equal(r.body.error, 'invalid_client');
        assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
      }
      // ... and inside the client_id
      const r = await post(server, path, { body, headers: { authorization: basicRaw(`${app.clientId}\0x:${app.secret}`) } });
      assert.equal(r.status, 401, `${path} NUL in the id: ${r.text}`);
    }
    assert.equal((await post(server, '/connect/token', { body: 'grant_type=client_credentials', headers: { authorization: basicRaw(`${app.clientId}:${app.secret}\0anything`) } })).body.access_token, undefined);
  });

  it('Basic: percent-encoded control characters (RFC 6749 §2.3.1) are refused', async () => {
    for (const [path, body] of ENDPOINTS) {
      for (const tail of ['%00', '%00anything', '%01', '%0A', '%7F', '%1f']) {
        const r = await post(server, path, { body, headers: { authorization: basicRaw(`${app.clientId}:${app.secret}${tail}`) } });
        assert.equal(r.status, 401, `${path} ${tail}: ${r.text}`);
        assert.equal(r.body.error, 'invalid_client');
      }
      const id = await post(server, path, { body, headers: { authorization: basicRaw(`${app.clientId}%01:${app.secret}`) } });
      assert.equal(id.status, 401, id.text);
    }
    // A percent-encoded ordinary character is still decoded (the control case above is not a blanket refusal of '%').
    const enc = app.secret.replace('_', '%5F');
    assert.notEqual(enc, app.secret);
    const ok = await post(server, '/connect/token', { body: 'grant_type=client_credentials', headers: { authorization: basicRaw(`${app.clientId}:${enc}`) } });
    assert.equal(ok.status, 200, ok.text);
  });

  it('Basic: malformed base64 is refused rather than decoded leniently', async () => {
    const good = b64(`${app.clientId}:${app.secret}`);
    for (const token of [good.replace(/=+$/, ''), `${good}=`, `${good.slice(0, 8)} ${good.slice(8)}`, `${good}%`, good.replace(/[A-Za-z]/, '*')]) {
      if (token === good) continue;
      const r = await post(server, '/connect/token', { body: 'grant_type=client_credentials', headers: { authorization: `Basic ${token}` } });
      assert.equal(r.status, 401, `${token}: ${r.text}`);
    }
    // no colon at all
    const r = await post(server, '/connect/token', { body: 'grant_type=client_credentials', headers: { authorization: basicRaw(app.clientId) } });
    assert.equal(r.status, 401, r.text);
  });

  it('client_secret_post: %00 makes the body malformed (400); other control characters in the id or secret are refused (401)', async () => {
    for (const [path, body] of ENDPOINTS) {
      const nul = await post(server, path, { body: `${body}&client_id=${app.clientId}&client_secret=${app.secret}%00anything` });
      assert.equal(nul.status, 400, `${path}: ${nul.text}`);
      assert.equal(nul.body.error, 'invalid_request');
      for (const tail of ['%01', '%0A', '%0D', '%09', '%7F', '%1B']) {
        const secret = await post(server, path, { body: `${body}&client_id=${app.clientId}&client_secret=${app.secret}${tail}` });
        assert.equal(secret.status, 401, `${path} ${tail}: ${secret.text}`);
        assert.equal(secret.body.error, 'invalid_client');
        const id = await post(server, path, { body: `${body}&client_id=${app.clientId}${tail}&client_secret=${app.secret}` });
        assert.equal(id.status, 401, `${path} id ${tail}: ${id.text}`);
      }
    }
  });
});

describe('repeated fields are refused at the HTTP edge', () => {
  let server, admin, world, app, apiKey;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin);
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: admin, body: { name: uniq('app'), region_code: world.regionCode } });
    assert.equal(r.status, 201, r.text);
    app = { clientId: r.body.client_id, secret: r.body.client_secret };
    const k = await call(server, 'POST', '/api/v1/me/api-keys', { auth: admin, body: { name: uniq('key') } });
    assert.equal(k.status, 201, k.text);
    apiKey = k.body.key;
  });
  after(async () => { await server?.stop(); });

  const problem = (r, code, field) => {
    assert.equal(r.status, 400, JSON.stringify(r));
    assert.match(r.headers['content-type'], /^application\/problem\+json/);
    assert.equal(r.json.code, code, JSON.stringify(r.json));
    if (field !== undefined) assert.deepEqual(r.json.errors?.map((e) => [e.field, e.code]), [[field, code]]);
  };

  it('control: one of each is served', async () => {
    const r = await rawRequest(server, 'GET', '/api/v1/regions?limit=1', [['Authorization', `Bearer ${apiKey}`]]);
    assert.equal(r.status, 200, r.body);
    const t = await rawRequest(server, 'POST', '/connect/token', [['Content-Type', FORM], ['Authorization', basicRaw(`${app.clientId}:${app.secret}`)]], 'grant_type=client_credentials');
    assert.equal(t.status, 200, t.body);
  });

  it('two Authorization headers: 400 duplicate_header, whichever comes first', async () => {
    const good = `Bearer ${apiKey}`;
    for (const pair of [[good, 'Bearer tdk_wrong'], ['Bearer tdk_wrong', good], [good, good]]) {
      const r = await rawRequest(server, 'GET', '/api/v1/regions', pair.map((v) => ['Authorization', v]));
      problem(r, 'duplicate_header', 'Authorization');
    }
    // names are case-insensitive
    problem(await rawRequest(server, 'GET', '/api/v1/regions', [['Authorization', good], ['authorization', good]]), 'duplicate_header', 'Authorization');
  });

  it('on the OAuth endpoints a repeated field is RFC 6749 invalid_request, and no token is issued', async () => {
    const auth = basicRaw(`${app.clientId}:${app.secret}`);
    for (const [path, body] of ENDPOINTS) {
      const r = await rawRequest(server, 'POST', path, [['Content-Type', FORM], ['Authorization', auth], ['Authorization', basicRaw('other:x')]], body);
      assert.equal(r.status, 400, r.body);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.json.error, 'invalid_request');
      assert.match(r.json.error_description, /Authorization/);
      assert.equal(r.headers['cache-control'], 'no-store');
      const ct = await rawRequest(server, 'POST', path, [['Content-Type', FORM], ['Content-Type', 'application/json'], ['Authorization', auth]], body);
      assert.equal(ct.status, 400, ct.body);
      assert.equal(ct.json.error, 'invalid_request');
      assert.match(ct.json.error_description, /Content-Type/);
      const q = await rawRequest(server, 'POST', `${path}?a=1&a=2`, [['Content-Type', FORM], ['Authorization', auth]], body);
      assert.equal(q.status, 400, q.body);
      assert.equal(q.json.error, 'invalid_request');
    }
  });

  it('other single-valued headers: Content-Type, Cookie, X-CSRF-Token, Host', async () => {
    const json = JSON.stringify({ name: uniq('key') });
    problem(await rawRequest(server, 'POST', '/api/v1/me/api-keys', [['Authorization', `Bearer ${apiKey}`], ['Content-Type', 'application/json'], ['Content-Type', 'text/plain']], json), 'duplicate_header', 'Content-Type');
    problem(await rawRequest(server, 'GET', '/api/v1/me', [['Cookie', admin.cookie], ['Cookie', 'other=1']]), 'duplicate_header', 'Cookie');
    problem(await rawRequest(server, 'POST', '/api/v1/me/api-keys', [['Cookie', admin.cookie], ['X-CSRF-Token', admin.csrf], ['X-CSRF-Token', admin.csrf], ['Content-Type', 'application/json']], json), 'duplicate_header', 'X-CSRF-Token');
    const { hostname, port } = new URL(server.url);
    problem(await rawRequest(server, 'GET', '/healthz', [['Host', `${hostname}:${port}`]]), 'duplicate_header', 'Host');
    // A single Cookie header with unrelated cookies, and lists that may repeat, are fine.
    const me = await rawRequest(server, 'GET', '/api/v1/me', [['Cookie', `a=1; ${admin.cookie}; b=2`], ['Accept', 'application/json'], ['Accept', 'text/plain'], ['X-Forwarded-For', '10.0.0.1'], ['X-Forwarded-For', '10.0.0.2']]);
    assert.equal(me.status, 200, me.body);
  });

  it('body framing: two Content-Length or Transfer-Encoding headers are refused (no smuggling room)', async () => {
    const login = (headers, body) => rawRequest(server, 'POST', '/api/v1/auth/login', [['Content-Type', 'application/json'], ...headers], body);
    const body = JSON.stringify({ email: 'a@b.c', password: 'x' });
    problem(await login([['Content-Length', String(body.length)], ['Content-Length', String(body.length)]], body), 'duplicate_header', 'Content-Length');
    problem(await login([['Content-Length', '2'], ['Content-Length', String(body.length)]], body), 'duplicate_header', 'Content-Length');
    const chunked = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    problem(await login([['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'chunked']], chunked), 'duplicate_header', 'Transfer-Encoding');
    // one of each is fine (the login itself fails: the account does not exist)
    assert.equal((await login([['Transfer-Encoding', 'chunked']], chunked)).status, 401);
  });

  it('the session cookie given twice in one Cookie header: 400 duplicate_cookie', async () => {
    const [name] = admin.cookie.split('=');
    problem(await rawRequest(server, 'GET', '/api/v1/me', [['Cookie', `${admin.cookie}; ${name}=forged`]]), 'duplicate_cookie', name);
    problem(await rawRequest(server, 'GET', '/api/v1/me', [['Cookie', `${name}=forged; ${admin.cookie}`]]), 'duplicate_cookie', name);
    // other cookie names may repeat (they mean nothing to the server)
    const ok = await rawRequest(server, 'GET', '/api/v1/me', [['Cookie', `x=1; x=2; ${admin.cookie}`]]);
    assert.equal(ok.status, 200, ok.body);
  });

  it('a repeated query parameter: 400 duplicate_parameter on every route', async () => {
    const auth = [['Authorization', `Bearer ${apiKey}`]];
    problem(await rawRequest(server, 'GET', '/api/v1/regions?limit=1&limit=2', auth), 'duplicate_parameter', 'limit');
    problem(await rawRequest(server, 'GET', '/api/v1/regions?limit=1&limit=1', auth), 'duplicate_parameter', 'limit');
    problem(await rawRequest(server, 'GET', `/api/v1/tenants/${world.tenantId}/apps?cursor=a&limit=5&cursor=b`, auth), 'duplicate_parameter', 'cursor');
    problem(await rawRequest(server, 'GET', '/api/v1/tenants?status=active&status', auth), 'duplicate_parameter', 'status');
    // percent-decoded names are compared: l%69mit is limit
    problem(await rawRequest(server, 'GET', '/api/v1/regions?limit=1&l%69mit=2', auth), 'duplicate_parameter', 'limit');
    // routes that read no query at all, and unknown paths, refuse too
    problem(await rawRequest(server, 'GET', '/healthz?x=1&x=2'), 'duplicate_parameter', 'x');
    problem(await rawRequest(server, 'GET', '/readyz?strict=1&strict=0'), 'duplicate_parameter', 'strict');
    problem(await rawRequest(server, 'GET', '/.well-known/jwks.json?a&a'), 'duplicate_parameter', 'a');
    problem(await rawRequest(server, 'GET', '/?a=1&a=2'), 'duplicate_parameter', 'a');
    problem(await rawRequest(server, 'GET', '/no/such/path?a=1&a=2'), 'duplicate_parameter', 'a');
    // the offending name is echoed only as printable ASCII (JSON-escaped)
    const odd = await rawRequest(server, 'GET', '/healthz?%0A%22%01x%C3%A9=1&%0A%22%01x%C3%A9=2');
    problem(odd, 'duplicate_parameter', '?"?x??');
    // distinct parameters are fine
    const ok = await rawRequest(server, 'GET', '/api/v1/regions?limit=1&cursor=', auth);
    assert.notEqual(ok.status, 400, ok.body);
  });

  it(`more than 32 query parameters: 400 too_many_parameters`, async () => {
    const q = (n) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    assert.equal((await rawRequest(server, 'GET', `/healthz?${q(32)}`)).status, 200);
    problem(await rawRequest(server, 'GET', `/healthz?${q(33)}`), 'too_many_parameters');
    problem(await rawRequest(server, 'GET', `/healthz?${q(200)}`), 'too_many_parameters');
  });

  it('the refusal happens before the body is read, and the server keeps serving', async () => {
    const big = 'x'.repeat(60000);
    const r = await rawRequest(server, 'POST', '/api/v1/me/api-keys', [['Authorization', `Bearer ${apiKey}`], ['Authorization', `Bearer ${apiKey}`], ['Content-Type', 'application/json']], big);
    problem(r, 'duplicate_header', 'Authorization');
    const h = await rawRequest(server, 'GET', '/healthz');
    assert.equal(h.status, 200);
  });
});
