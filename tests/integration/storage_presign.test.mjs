// Presigned URLs for platform services, POST /internal/v1/apps/{aid}/storage/presign
// (SPEC §4.6, docs/STORAGE.md "Threat model"), end to end: a host-level platform client
// with scope platform:storage gets a token from /connect/token, asks for URLs, and
// plain fetch() uses them against s3rver behind a proxy that verifies every SigV4
// signature with the AWS SDK's signer (lib/s3.mjs).
//   - PUT then GET round trip the same bytes, for custom storage (the tenant's bucket
//     and keys) and managed storage (the platform bucket, under apps/<app_id>/);
//   - a URL grants one method on one key until it expires: tampering with the method,
//     key, lifetime or another app's prefix fails the signature; an expired URL is
//     refused by the store;
//   - body validation (key, method, expires_in, unknown fields) and its error codes;
//   - who may call: 401 without/with a bad/revoked/orphaned token, 403 for tenant app
//     tokens (and for a platform token granted no scope), 404 unknown/deleted apps,
//     503 for managed apps when managed storage is not configured.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';
import { startS3 } from './lib/s3.mjs';

const TENANT_KEY = { id: 'AKIDTENANTPRESIGN1', secret: 'tenant-presign-secret-0123456789abcdefXYZ' };
const PLATFORM_KEY = { id: 'AKIDPLATFORMPRESIGN', secret: 'platform-presign-secret-9876543210zyxw' };
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const MISSING = '01890000-0000-7000-8000-000000000000';

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function problem(r, status, code, field, label = '') {
  assert.equal(r.status, status, `${label} ${r.text}`);
  assert.equal(r.body?.code, code, `${label} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /application\/problem\+json/);
  if (field !== undefined) assert.equal(r.body.errors?.[0]?.field, field, `${label} ${r.text}`);
  return r.body;
}

const basic = (id, secret) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** POST /connect/token (client_secret_basic); returns {status, body}. */
async function tokenFor(server, clientId, clientSecret, scope) {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (scope !== undefined) form.set('scope', scope);
  const res = await fetch(`${server.url}/connect/token`, { method: 'POST', headers: { authorization: basic(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  return { status: res.status, body: await res.json() };
}

async function newPlatformClient(server, admin) {
  return must(await call(server, 'POST', '/api/v1/platform-clients', { auth: admin, body: { name: uniq('storage-gateway'), scopes: ['platform:storage'] } }), 201);
}

/** The presign endpoint with a raw Authorization header value (or none). */
async function presignRaw(server, aid, body, authorization) {
  const headers = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const res = await fetch(`${server.url}/internal/v1/apps/${aid}/storage/presign`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: res.status, headers: res.headers, body: json, text };
}

function s3Error(text) {
  return /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
}

let s3;
before(async () => {
  s3 = await startS3({
    buckets: ['tenant-bucket', 'platform-bucket'],
    keys: { [TENANT_KEY.id]: TENANT_KEY.secret, [PLATFORM_KEY.id]: PLATFORM_KEY.secret },
  });
});
after(async () => { await s3?.stop(); });

describe('presign with managed storage configured', () => {
  let server, admin, T, B, pc, token, customApp, managedApp, otherManagedApp;
  const presign = (aid, body, tok = token) => presignRaw(server, aid, body, `Bearer ${tok}`);
  const url = async (aid, method, key, expires_in = 300) => must(await presign(aid, { method, key, expires_in }), 200);

  before(async () => {
    server = await startServer({
      TENANTD_MANAGED_STORAGE_ENDPOINT: s3.endpoint,
      TENANTD_MANAGED_STORAGE_BUCKET: 'platform-bucket',
      TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID: PLATFORM_KEY.id,
      TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY: PLATFORM_KEY.secret,
    });
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin, { appLimit: 20 });
    B = await seedTenant(server, admin, { region: T.regionCode, appLimit: 5 });
    const mk = async (t, storage) => must(await call(server, 'POST', `/api/v1/tenants/${t.tenantId}/apps`, { auth: t.owner, body: { name: uniq('app'), region_code: t.regionCode, ...(storage ? { storage } : {}) } }), 201);
    customApp = await mk(T, { provider: 'minio', endpoint: s3.endpoint, bucket: 'tenant-bucket', access_key_id: TENANT_KEY.id, secret_access_key: TENANT_KEY.secret });
    managedApp = await mk(T);
    otherManagedApp = await mk(B);
    pc = await newPlatformClient(server, admin);
    const t = await tokenFor(server, pc.client_id, pc.client_secret);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.scope, 'platform:storage', 'a platform client without a scope parameter gets all it holds');
    token = t.body.access_token;
  });
  after(async () => { await server?.stop(); });

  test('custom storage: presigned PUT then GET round-trip the bytes through the signature-verifying store', async () => {
    const key = `docs/${uniq('report')}.pdf`;
    const raw = await presign(customApp.app.id, { method: 'PUT', key, expires_in: 600 });
    assert.equal(raw.status, 200, raw.text);
    assert.equal(raw.headers.get('cache-control'), 'no-store', 'a URL is a bearer capability: never cached');
    const put = raw.body;
    assert.deepEqual(Object.keys(put).sort(), ['expires_at', 'url']);
    const u = new URL(put.url);
    assert.equal(u.origin, s3.endpoint);
    assert.equal(u.pathname, `/tenant-bucket/${key}`);
    assert.equal(u.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
    assert.match(u.searchParams.get('X-Amz-Credential'), new RegExp(`^${TENANT_KEY.id}/\\d{8}/us-east-1/s3/aws4_request$`));
    assert.equal(u.searchParams.get('X-Amz-Expires'), '600');
    assert.equal(u.searchParams.get('X-Amz-SignedHeaders'), 'host');
    assert.match(u.searchParams.get('X-Amz-Signature'), /^[0-9a-f]{64}$/);
    assert.ok(!put.url.includes(TENANT_KEY.secret));
    // expires_at = X-Amz-Date + X-Amz-Expires, RFC 3339
    assert.match(put.expires_at, RFC3339);
    const d = u.searchParams.get('X-Amz-Date');
    const signedAt = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +d.slice(9, 11), +d.slice(11, 13), +d.slice(13, 15));
    assert.equal(Date.parse(put.expires_at), signedAt + 600 * 1000);
    assert.ok(Math.abs(signedAt - Date.now()) < 5000);

    const bytes = Buffer.from(`%PDF-1.7 ${uniq('payload')} \u00e9\u0000\u00ff`, 'latin1');
    const from = s3.log.length;
    const stored = await fetch(put.url, { method: 'PUT', body: bytes });
    assert.equal(stored.status, 200, await stored.text());
    const get = await url(customApp.app.id, 'GET', key);
    const got = await fetch(get.url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    assert.deepEqual(s3.log.slice(from).map((e) => [e.method, e.kind, e.outcome]), [['PUT', 'presigned', 'verified'], ['GET', 'presigned', 'verified']]);
    // it is in the tenant's bucket, not the platform's
    assert.deepEqual(await s3.getDirect('tenant-bucket', key), bytes);
    assert.equal(await s3.getDirect('platform-bucket', key), null);
  });

  // s3rver stores each key segment as a file name, so long keys are built from
  // segments well under NAME_MAX (255 bytes).
  const longKey = (bytes, unit = 'x') => {
    const seg = unit.repeat(Math.floor(99 / Buffer.byteLength(unit)));
    let key = '';
    while (Buffer.byteLength(key) + Buffer.byteLength(seg) + 1 < bytes) key += `${seg}/`;
    while (Buffer.byteLength(key) < bytes) key += unit;
    assert.equal(Buffer.byteLength(key), bytes);
    return key;
  };

  test('keys with UTF-8, spaces and reserved characters are signed exactly as S3 expects', async () => {
    for (const key of ['na\u00efve \u00fc/\u65e5\u672c\u8a9e file.txt', "a+b=c&d?e#f%g;h:i@j,k$l!m'n(o)p*q~r", 'folder/', longKey(1024), longKey(1024, '\u00e9'), '.hidden/..dots/...']) {
      const put = await url(customApp.app.id, 'PUT', key);
      const body = Buffer.from(`content of ${key.slice(0, 40)}`);
      const res = await fetch(put.url, { method: 'PUT', body });
      assert.equal(res.status, 200, `${key.slice(0, 40)}: ${await res.text()}`);
      const got = await fetch((await url(customApp.app.id, 'GET', key)).url);
      assert.equal(got.status, 200, key.slice(0, 40));
      assert.deepEqual(Buffer.from(await got.arrayBuffer()), body);
      assert.deepEqual(await s3.getDirect('tenant-bucket', key), body, `stored under exactly ${key.slice(0, 40)}`);
    }
  });

  test('managed storage: the object lands under apps/<app_id>/ in the platform bucket, signed with the platform keys', async () => {
    const key = `uploads/${uniq('scan')}.png`;
    const put = await url(managedApp.app.id, 'PUT', key);
    const u = new URL(put.url);
    assert.equal(u.pathname, `/platform-bucket/apps/${managedApp.app.id}/${key}`);
    assert.match(u.searchParams.get('X-Amz-Credential'), new RegExp(`^${PLATFORM_KEY.id}/`));
    assert.ok(!put.url.includes(PLATFORM_KEY.secret));
    const bytes = Buffer.from(uniq('managed bytes '));
    assert.equal((await fetch(put.url, { method: 'PUT', body: bytes })).status, 200);
    const got = await fetch((await url(managedApp.app.id, 'GET', key)).url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    const listed = await s3.list('platform-bucket', `apps/${managedApp.app.id}/`);
    assert.deepEqual(listed, [{ key: `apps/${managedApp.app.id}/${key}`, size: bytes.length }]);
    assert.equal(await s3.getDirect('platform-bucket', key), null, 'nothing at the bare key');
    // a platform client may presign for an app of any tenant
    const other = await url(otherManagedApp.app.id, 'PUT', key);
    assert.equal(new URL(other.url).pathname, `/platform-bucket/apps/${otherManagedApp.app.id}/${key}`);
  });

  test('managed key length: 1024 bytes including the apps/<app_id>/ prefix', async () => {
    const room = 1024 - `apps/${managedApp.app.id}/`.length;
    const fits = await url(managedApp.app.id, 'PUT', longKey(room, 'k'));
    assert.equal((await fetch(fits.url, { method: 'PUT', body: 'x' })).status, 200);
    problem(await presign(managedApp.app.id, { method: 'PUT', key: longKey(room + 1, 'k'), expires_in: 60 }), 400, 'invalid_key', 'key');
    // the same key fits a custom bucket, where there is no prefix
    must(await presign(customApp.app.id, { method: 'PUT', key: longKey(room + 1, 'k'), expires_in: 60 }), 200);
  });

  test('a URL grants one method on one key of one app: any change breaks the signature', async () => {
    const key = `${uniq('locked')}.txt`;
    const put = await url(managedApp.app.id, 'PUT', key);
    assert.equal((await fetch(put.url, { method: 'PUT', body: 'original' })).status, 200);
    const get = (await url(managedApp.app.id, 'GET', key)).url;
    const attempts = [
      ['GET URL used to PUT', get, 'PUT'],
      ['PUT URL used to GET', put.url, 'GET'],
      ['PUT URL used to DELETE', put.url, 'DELETE'],
      ['another key', get.replace(`/${key}?`, `/other-${key}?`), 'GET'],
      ['another app\'s prefix', get.replace(managedApp.app.id, otherManagedApp.app.id), 'GET'],
      ['a dot segment', get.replace(`/apps/${managedApp.app.id}/`, `/apps/${managedApp.app.id}/%2E%2E/${otherManagedApp.app.id}/`), 'GET'],
      ['a longer lifetime', get.replace('X-Amz-Expires=300', 'X-Amz-Expires=3600'), 'GET'],
      ['an extra signed parameter', `${get}&X-Amz-Security-Token=abc`, 'GET'],
      ['another bucket', get.replace('/platform-bucket/', '/tenant-bucket/'), 'GET'],
    ];
    for (const [label, u, method] of attempts) {
      const res = await fetch(u, { method, body: method === 'PUT' ? 'overwritten' : undefined });
      assert.equal(res.status, 403, label);
      assert.equal(s3Error(await res.text()), 'SignatureDoesNotMatch', label);
    }
    assert.deepEqual(await s3.getDirect('platform-bucket', `apps/${managedApp.app.id}/${key}`), Buffer.from('original'));
  });

  test('an expired URL is refused by the store', async () => {
    const key = `${uniq('short')}.txt`;
    assert.equal((await fetch((await url(managedApp.app.id, 'PUT', key)).url, { method: 'PUT', body: 'x' })).status, 200);
    const short = await url(managedApp.app.id, 'GET', key, 1);
    assert.equal(new URL(short.url).searchParams.get('X-Amz-Expires'), '1');
    await new Promise((r) => setTimeout(r, 2100));
    const res = await fetch(short.url);
    assert.equal(res.status, 403);
    const text = await res.text();
    assert.equal(s3Error(text), 'AccessDenied');
    assert.match(text, /Request has expired/);
  });

  test('key validation: 400 invalid_key naming the field, nothing signed', async () => {
    const bad = ['', '/abs', 'a/../b', './x', 'a/./b', '..', 'a//b', 'x'.repeat(1025), '\u00e9'.repeat(512) + 'a', 'a\u0001b', 'tab\there', 'new\nline', 'del\u007f', 'c1\u0085x', 'c1\u009fx'];
    for (const key of bad) {
      const res = await presign(customApp.app.id, { method: 'GET', key, expires_in: 60 });
      problem(res, 400, 'invalid_key', 'key', JSON.stringify(key.slice(0, 20)));
    }
    // what JSON cannot carry into a key: a lone surrogate and NUL are refused by the parser
    problem(await presignRaw(server, customApp.app.id, '{"method":"GET","key":"\\ud800","expires_in":60}', `Bearer ${token}`), 400, 'invalid_json');
    problem(await presignRaw(server, customApp.app.id, '{"method":"GET","key":"a\\u0000b","expires_in":60}', `Bearer ${token}`), 400, 'invalid_json');
    // raw invalid UTF-8 bytes in the body
    const raw = Buffer.concat([Buffer.from('{"method":"GET","key":"a'), Buffer.from([0xc3, 0x28]), Buffer.from('","expires_in":60}')]);
    const res = await fetch(`${server.url}/internal/v1/apps/${customApp.app.id}/storage/presign`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: raw });
    assert.equal(res.status, 400);
    assert.equal((await res.json()).code, 'invalid_json');
    problem(await presign(customApp.app.id, { method: 'GET', key: 7, expires_in: 60 }), 400, 'invalid_type', 'key');
    problem(await presign(customApp.app.id, { method: 'GET', key: null, expires_in: 60 }), 400, 'invalid_type', 'key');
    problem(await presign(customApp.app.id, { method: 'GET', expires_in: 60 }), 400, 'missing_field', 'key');
  });

  test('method, expires_in and unknown fields are validated and named', async () => {
    const aid = customApp.app.id;
    const ok = { method: 'GET', key: 'k.txt', expires_in: 60 };
    problem(await presign(aid, { ...ok, method: 'DELETE' }), 400, 'invalid_method', 'method');
    problem(await presign(aid, { ...ok, method: 'get' }), 400, 'invalid_method', 'method');
    problem(await presign(aid, { ...ok, method: 'HEAD' }), 400, 'invalid_method', 'method');
    problem(await presign(aid, { ...ok, method: 1 }), 400, 'invalid_type', 'method');
    problem(await presign(aid, { key: 'k', expires_in: 60 }), 400, 'missing_field', 'method');
    for (const e of [0, -1, 604801, 1e12]) problem(await presign(aid, { ...ok, expires_in: e }), 400, 'invalid_expires_in', 'expires_in', String(e));
    for (const e of ['10', 1.5, null, true, [10]]) problem(await presign(aid, { ...ok, expires_in: e }), 400, 'invalid_type', 'expires_in', JSON.stringify(e));
    problem(await presign(aid, { method: 'GET', key: 'k' }), 400, 'missing_field', 'expires_in');
    const max = must(await presign(aid, { ...ok, expires_in: 604800 }), 200);
    assert.equal(new URL(max.url).searchParams.get('X-Amz-Expires'), '604800');
    assert.ok(Math.abs(Date.parse(max.expires_at) - (Date.now() + 604800 * 1000)) < 5000);
    problem(await presign(aid, { ...ok, content_type: 'image/png' }), 400, 'unknown_field', 'content_type');
    problem(await presign(aid, '{"method":"GET",'), 400, 'invalid_json');
    problem(await presign(aid, '[]'), 400, 'invalid_json');
    problem(await presign(aid, ''), 400, 'invalid_json');
  });

  test('401 without a valid, live token — before the body is even read', async () => {
    const aid = customApp.app.id;
    const ok = { method: 'GET', key: 'k.txt', expires_in: 60 };
    const unauthorized = (r, label) => {
      problem(r, 401, 'invalid_token', undefined, label);
      assert.match(r.headers.get('www-authenticate') || '', /^Bearer realm="tenantd", error="invalid_token"$/, label);
    };
    unauthorized(await presignRaw(server, aid, ok), 'no header');
    unauthorized(await presignRaw(server, aid, 'not json', undefined), 'no header, bad body');
    unauthorized(await presignRaw(server, aid, ok, 'Bearer'), 'empty bearer');
    unauthorized(await presignRaw(server, aid, ok, 'Bearer '), 'empty bearer with space');
    unauthorized(await presignRaw(server, aid, ok, 'Bearer garbage'), 'garbage');
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${token}x`), 'tampered signature');
    unauthorized(await presignRaw(server, aid, ok, basic(pc.client_id, pc.client_secret)), 'client credentials are not a token');
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${'a'.repeat(17 * 1024)}`), 'oversized');
    // Beyond the 32 KiB header budget the HTTP layer refuses before any handler runs.
    assert.equal((await presignRaw(server, aid, ok, `Bearer ${'a'.repeat(50 * 1024)}`)).status, 431);
    const [h, p] = token.split('.');
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${h}.${p}.`), 'signature stripped');
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${p}.`), 'alg none');

    // a revoked token
    const fresh = (await tokenFor(server, pc.client_id, pc.client_secret)).body.access_token;
    must(await presignRaw(server, aid, ok, `Bearer ${fresh}`), 200);
    const rev = await fetch(`${server.url}/connect/revoke`, { method: 'POST', headers: { authorization: basic(pc.client_id, pc.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: fresh }) });
    assert.equal(rev.status, 200);
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${fresh}`), 'revoked');
    must(await presignRaw(server, aid, ok, `Bearer ${token}`), 200); // only that token

    // a token of a platform client deleted since
    const doomed = await newPlatformClient(server, admin);
    const orphan = (await tokenFor(server, doomed.client_id, doomed.client_secret)).body.access_token;
    must(await presignRaw(server, aid, ok, `Bearer ${orphan}`), 200);
    must(await call(server, 'DELETE', `/api/v1/platform-clients/${doomed.id}`, { auth: admin }), 204);
    unauthorized(await presignRaw(server, aid, ok, `Bearer ${orphan}`), 'deleted platform client');
  });

  test('403 insufficient_scope for tenant app tokens; apps cannot even ask for platform:storage', async () => {
    const aid = customApp.app.id;
    const ok = { method: 'GET', key: 'k.txt', expires_in: 60 };
    const appToken = await tokenFor(server, customApp.client_id, customApp.client_secret);
    assert.equal(appToken.status, 200, JSON.stringify(appToken.body));
    for (const target of [aid, managedApp.app.id, otherManagedApp.app.id]) {
      const r = await presignRaw(server, target, ok, `Bearer ${appToken.body.access_token}`);
      problem(r, 403, 'insufficient_scope', undefined, `app token on ${target}`);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="tenantd", error="insufficient_scope", scope="platform:storage"');
    }
    const asked = await tokenFor(server, customApp.client_id, customApp.client_secret, 'platform:storage');
    assert.equal(asked.status, 400);
    assert.equal(asked.body.error, 'invalid_scope');
    // Today platform:storage is the only platform scope, so every platform client holds
    // it; a platform client asking for a scope it does not hold gets no token at all.
    const other = await tokenFor(server, pc.client_id, pc.client_secret, 'platform:other');
    assert.equal(other.status, 400);
    assert.equal(other.body.error, 'invalid_scope');
    const api = await tokenFor(server, pc.client_id, pc.client_secret, 'api');
    assert.equal(api.status, 400);
    assert.equal(api.body.error, 'invalid_scope');
    // A scope parameter of only spaces grants a platform client no scope at all today
    // (src/oauth/scope.c; RFC 6749 would call it malformed). Such a token is a platform
    // token without platform:storage, and presigning refuses it.
    const none = await tokenFor(server, pc.client_id, pc.client_secret, ' ');
    if (none.status === 200) {
      assert.equal(none.body.scope, undefined);
      const claims = JSON.parse(Buffer.from(none.body.access_token.split('.')[1], 'base64url'));
      assert.equal(claims.scope, undefined);
      problem(await presignRaw(server, aid, ok, `Bearer ${none.body.access_token}`), 403, 'insufficient_scope');
    } else {
      assert.equal(none.status, 400);
      assert.equal(none.body.error, 'invalid_scope');
    }
  });

  test('404 app_not_found for unknown, malformed and deleted apps', async () => {
    const ok = { method: 'GET', key: 'k.txt', expires_in: 60 };
    problem(await presign(MISSING, ok), 404, 'app_not_found');
    problem(await presign('not-a-uuid', ok), 404, 'app_not_found');
    const doomed = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('doomed'), region_code: T.regionCode, storage: { provider: 'minio', endpoint: s3.endpoint, bucket: 'tenant-bucket', access_key_id: TENANT_KEY.id, secret_access_key: TENANT_KEY.secret } } }), 201);
    must(await presign(doomed.app.id, ok), 200);
    must(await call(server, 'DELETE', `/api/v1/tenants/${T.tenantId}/apps/${doomed.app.id}`, { auth: T.owner }), 204);
    problem(await presign(doomed.app.id, ok), 404, 'app_not_found');
    // a bad body is reported before the app is looked up (the caller is trusted)
    problem(await presign(MISSING, { ...ok, method: 'DELETE' }), 400, 'invalid_method', 'method');
  });

  test('switching an app between custom and managed storage moves where its URLs point', async () => {
    const app = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('switch'), region_code: T.regionCode } }), 201).app;
    assert.equal(new URL((await url(app.id, 'GET', 'a.txt')).url).pathname, `/platform-bucket/apps/${app.id}/a.txt`);
    must(await call(server, 'PUT', `/api/v1/tenants/${T.tenantId}/apps/${app.id}/storage`, { auth: T.owner, body: { provider: 'minio', endpoint: s3.endpoint, bucket: 'tenant-bucket', access_key_id: TENANT_KEY.id, secret_access_key: TENANT_KEY.secret } }), 200);
    assert.equal(new URL((await url(app.id, 'GET', 'a.txt')).url).pathname, '/tenant-bucket/a.txt');
    must(await call(server, 'DELETE', `/api/v1/tenants/${T.tenantId}/apps/${app.id}/storage`, { auth: T.owner }), 200);
    assert.equal(new URL((await url(app.id, 'GET', 'a.txt')).url).pathname, `/platform-bucket/apps/${app.id}/a.txt`);
  });

  test('neither storage secret reaches the server log', async () => {
    assert.ok(!server.stderr.includes(TENANT_KEY.secret));
    assert.ok(!server.stderr.includes(PLATFORM_KEY.secret));
  });
});

describe('presign without managed storage configured', () => {
  let server, admin, T, token;
  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin);
    const pc = await newPlatformClient(server, admin);
    token = (await tokenFor(server, pc.client_id, pc.client_secret, 'platform:storage')).body.access_token;
  });
  after(async () => { await server?.stop(); });

  test('a managed app answers 503 managed_storage_unconfigured; a custom app still works', async () => {
    const managed = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('m'), region_code: T.regionCode } }), 201).app;
    problem(await presignRaw(server, managed.id, { method: 'PUT', key: 'a.txt', expires_in: 60 }, `Bearer ${token}`), 503, 'managed_storage_unconfigured');
    const custom = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('c'), region_code: T.regionCode, storage: { provider: 'minio', endpoint: s3.endpoint, bucket: 'tenant-bucket', access_key_id: TENANT_KEY.id, secret_access_key: TENANT_KEY.secret } } }), 201).app;
    const put = must(await presignRaw(server, custom.id, { method: 'PUT', key: 'c.txt', expires_in: 60 }, `Bearer ${token}`), 200);
    assert.equal((await fetch(put.url, { method: 'PUT', body: 'c' })).status, 200);
  });
});
