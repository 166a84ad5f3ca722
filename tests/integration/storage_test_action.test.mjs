// The storage test action, POST /api/v1/tenants/{tid}/apps/{aid}/storage/test (SPEC §4.3,
// docs/STORAGE.md "Test action outcomes"), end to end against s3rver behind a proxy
// that verifies every SigV4 signature with the AWS SDK's signer (lib/s3.mjs):
//   - custom storage: ok (three verified requests, no probe left behind), wrong secret
//     and unknown access key -> auth_failed, missing bucket -> bucket_not_found, wrong
//     region -> unexpected, a non-S3 endpoint -> unexpected, a closed port ->
//     unreachable, https to a plain-HTTP port -> tls_error;
//   - every run is audited as app.storage.test with its status, never with the secret;
//   - authorisation: viewer 403, another tenant 404, CSRF, unknown/deleted app 404;
//   - managed storage: 503 managed_storage_unconfigured without TENANTD_MANAGED_STORAGE_*,
//     ok against the platform bucket with it.
// That redirects are never followed and access_denied (s3rver has no policies) are
// covered by the in-process fake S3 of tests/unit/test_s3_bucket_test.c.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { call, login, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';
import { closedPort, startS3 } from './lib/s3.mjs';

const TENANT_KEY = { id: 'AKIDTENANTSTORAGE1', secret: 'tenant-storage-secret-0123456789abcdefXYZ' };
const PLATFORM_KEY = { id: 'AKIDPLATFORMSTORE1', secret: 'platform-storage-secret-9876543210zyxw' };
const TEST_KEYS = ['ok', 'status', 'detail', 'mode'];

function must(r, want) {
  assert.equal(r.status, want, `expected ${want}, got ${r.status}: ${r.text}`);
  return r.body;
}

function problem(r, status, code, label = '') {
  assert.equal(r.status, status, `${label} ${r.text}`);
  assert.equal(r.body?.code, code, `${label} ${r.text}`);
  assert.match(r.headers.get('content-type') || '', /application\/problem\+json/);
}

async function addMember(server, tenant, role) {
  const email = `${uniq(role)}@example.com`;
  const password = `${role}-password-123`;
  const inv = must(await call(server, 'POST', `/api/v1/tenants/${tenant.tenantId}/invitations`, { auth: tenant.owner, body: { email, role } }), 201);
  const m = inv.accept_url.match(/[?#&]token=([^&#]+)/);
  must(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token: decodeURIComponent(m[1]), password, display_name: `A ${role}` } }), 201);
  return login(server, email, password);
}

let s3;
before(async () => {
  s3 = await startS3({
    buckets: ['tenant-bucket', 'platform-bucket'],
    keys: { [TENANT_KEY.id]: TENANT_KEY.secret, [PLATFORM_KEY.id]: PLATFORM_KEY.secret },
  });
});
after(async () => { await s3?.stop(); });

describe('storage test action: custom storage, audit, authorisation, managed unconfigured', () => {
  let server, admin, T, B, viewer;
  const appsPath = (t = T) => `/api/v1/tenants/${t.tenantId}/apps`;
  const newApp = async (t = T, extra = {}) => must(await call(server, 'POST', appsPath(t), { auth: t.owner, body: { name: uniq('st'), region_code: t.regionCode, ...extra } }), 201).app;
  const putStorage = async (aid, storage) => must(await call(server, 'PUT', `${appsPath()}/${aid}/storage`, { auth: T.owner, body: storage }), 200);
  const runTest = (aid, auth = T.owner, t = T, opts = {}) => call(server, 'POST', `${appsPath(t)}/${aid}/storage/test`, { auth, ...opts });
  const custom = (extra = {}) => ({ provider: 'minio', endpoint: s3.endpoint, bucket: 'tenant-bucket', access_key_id: TENANT_KEY.id, secret_access_key: TENANT_KEY.secret, ...extra });
  /** The app's app.storage.test events, newest first. */
  const auditOf = async (aid) => must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: T.owner }), 200)
    .items.filter((e) => e.action === 'app.storage.test' && e.target.id === aid);

  /** Runs the test action, checks the answer's shape, returns the body. */
  async function expectOutcome(aid, status, detailPattern) {
    const body = must(await runTest(aid), 200);
    assert.deepEqual(Object.keys(body).sort(), [...TEST_KEYS].sort());
    assert.equal(body.status, status, body.detail);
    assert.equal(body.ok, status === 'ok');
    assert.equal(typeof body.detail, 'string');
    assert.match(body.detail, detailPattern);
    assert.ok(!body.detail.includes(TENANT_KEY.secret), 'the detail never carries the secret');
    return body;
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin, { appLimit: 20 });
    B = await seedTenant(server, admin, { region: T.regionCode, appLimit: 5 });
    viewer = await addMember(server, T, 'viewer');
  });
  after(async () => { await server?.stop(); });

  test('a working bucket: ok, three verified signed requests (list, put probe, delete probe), nothing left behind', async () => {
    const app = await newApp();
    await putStorage(app.id, custom());
    const from = s3.log.length;
    const body = await expectOutcome(app.id, 'ok', /^Listed the bucket, wrote and deleted a probe object\.$/);
    assert.equal(body.mode, 'custom');
    const seen = s3.log.slice(from);
    assert.equal(seen.length, 3, JSON.stringify(seen));
    assert.ok(seen.every((e) => e.outcome === 'verified' && e.kind === 'header'), JSON.stringify(seen));
    assert.deepEqual(seen.map((e) => e.method), ['GET', 'PUT', 'DELETE']);
    assert.equal(seen[0].path, '/tenant-bucket'); // path-style ListObjectsV2 at the bucket
    assert.match(seen[1].path, /^\/tenant-bucket\/\.tenantd-probe\/[0-9a-f]{32}$/);
    assert.equal(seen[2].path, seen[1].path);
    assert.deepEqual(seen.map((e) => e.status), [200, 200, 204]);
    assert.deepEqual(await s3.list('tenant-bucket', '.tenantd-probe/'), [], 'the probe object was deleted');

    const audit = await auditOf(app.id);
    assert.equal(audit.length, 1);
    assert.deepEqual(audit[0].detail, { mode: 'custom', status: 'ok', http_status: 204 });
    assert.equal(audit[0].actor.email, T.ownerEmail);
    assert.equal(audit[0].target.type, 'app');
  });

  test('a wrong secret is refused by the signature check: auth_failed (403 SignatureDoesNotMatch)', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ secret_access_key: 'not-the-right-secret-0123456789' }));
    const from = s3.log.length;
    await expectOutcome(app.id, 'auth_failed', /^Listing the bucket failed: HTTP 403 SignatureDoesNotMatch\. /);
    assert.deepEqual(s3.log.slice(from).map((e) => e.outcome), ['SignatureDoesNotMatch'], 'stops at the first failure');
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail), [{ mode: 'custom', status: 'auth_failed', http_status: 403 }]);
  });

  test('an unknown access key id: auth_failed (403 InvalidAccessKeyId)', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ access_key_id: 'AKIDNOBODYKNOWS' }));
    await expectOutcome(app.id, 'auth_failed', /HTTP 403 InvalidAccessKeyId\. The access key id or secret access key was rejected\.$/);
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail.status), ['auth_failed']);
  });

  test('a bucket that does not exist: bucket_not_found (404 NoSuchBucket)', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ bucket: 'no-such-bucket-here' }));
    const from = s3.log.length;
    await expectOutcome(app.id, 'bucket_not_found', /HTTP 404 NoSuchBucket\. The bucket does not exist at this endpoint\.$/);
    assert.equal(s3.log[from].outcome, 'verified', 'the request was correctly signed; the store said 404');
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail), [{ mode: 'custom', status: 'bucket_not_found', http_status: 404 }]);
  });

  test('a region the bucket is not in: unexpected (400 AuthorizationHeaderMalformed)', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ region: 'eu-west-1' }));
    await expectOutcome(app.id, 'unexpected', /HTTP 400 AuthorizationHeaderMalformed\. Check the region and endpoint/);
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail.http_status), [400]);
  });

  test('an endpoint that is not S3 (200 with a web page): unexpected; a 500: unexpected', async () => {
    let answer = { status: 200, body: '<html>hello</html>' };
    const fake = http.createServer((req, res) => { res.writeHead(answer.status, { 'content-type': 'text/html' }); res.end(answer.body); });
    await new Promise((r) => fake.listen(0, '127.0.0.1', r));
    try {
      const app = await newApp();
      await putStorage(app.id, custom({ endpoint: `http://127.0.0.1:${fake.address().port}` }));
      await expectOutcome(app.id, 'unexpected', /^Listing the bucket failed/);
      answer = { status: 500, body: '<Error><Code>InternalError</Code></Error>' };
      await expectOutcome(app.id, 'unexpected', /HTTP 500 InternalError/);
      assert.deepEqual((await auditOf(app.id)).map((e) => e.detail.http_status), [500, 200], 'newest first');
    } finally {
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
  });

  test('a closed port: unreachable', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ endpoint: `http://127.0.0.1:${await closedPort()}` }));
    await expectOutcome(app.id, 'unreachable', /^Listing the bucket failed: .*Check the endpoint\.$/);
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail), [{ mode: 'custom', status: 'unreachable', http_status: 0 }]);
  });

  test('https:// to a plain-HTTP port: tls_error', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ endpoint: `https://127.0.0.1:${s3.port}` }));
    await expectOutcome(app.id, 'tls_error', /Check the endpoint's TLS certificate\.$/);
    assert.deepEqual((await auditOf(app.id)).map((e) => e.detail), [{ mode: 'custom', status: 'tls_error', http_status: 0 }]);
  });

  test('every run is audited, newest configuration wins, and no audit event carries the secret', async () => {
    const app = await newApp();
    await putStorage(app.id, custom({ bucket: 'no-such-bucket-here' }));
    await expectOutcome(app.id, 'bucket_not_found', /NoSuchBucket/);
    await putStorage(app.id, custom());
    await expectOutcome(app.id, 'ok', /^Listed/);
    await expectOutcome(app.id, 'ok', /^Listed/);
    const audit = await auditOf(app.id);
    // the audit lists newest first
    assert.deepEqual(audit.map((e) => e.detail.status), ['ok', 'ok', 'bucket_not_found']);
    const all = must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: T.owner }), 200);
    assert.ok(!JSON.stringify(all).includes(TENANT_KEY.secret));
  });

  test('authorisation: viewer 403, other tenant 404, CSRF, unauthenticated, unknown and deleted apps 404 — none runs a test', async () => {
    const app = await newApp();
    await putStorage(app.id, custom());
    const from = s3.log.length;
    problem(await runTest(app.id, viewer), 403, 'forbidden', 'viewer');
    problem(await runTest(app.id, B.owner), 404, 'tenant_not_found', 'B on A');
    problem(await runTest(app.id, B.owner, B), 404, 'app_not_found', 'B naming its tenant with A\'s app');
    problem(await runTest(app.id, T.owner, T, { csrf: false }), 403, 'csrf_failed', 'no CSRF header');
    assert.equal((await runTest(app.id, null)).status, 401);
    problem(await runTest('01890000-0000-7000-8000-000000000000'), 404, 'app_not_found', 'unknown');
    problem(await runTest('not-a-uuid'), 404, 'app_not_found', 'malformed id');
    assert.equal(s3.log.length, from, 'no request reached the bucket');
    assert.deepEqual(await auditOf(app.id), []);
    // a host admin may act inside any tenant
    assert.equal(must(await runTest(app.id, admin), 200).status, 'ok');
    // an API key of an owner works like the session
    const key = must(await call(server, 'POST', '/api/v1/me/api-keys', { auth: T.owner, body: { name: 'ci' } }), 201).key;
    assert.equal(must(await runTest(app.id, { apiKey: key }), 200).status, 'ok');
    must(await call(server, 'DELETE', `${appsPath()}/${app.id}`, { auth: T.owner }), 204);
    problem(await runTest(app.id), 404, 'app_not_found', 'deleted');
  });

  test('managed storage without TENANTD_MANAGED_STORAGE_*: 503 managed_storage_unconfigured, nothing sent', async () => {
    const app = await newApp();
    assert.deepEqual(app.storage, { mode: 'managed' });
    const from = s3.log.length;
    problem(await runTest(app.id), 503, 'managed_storage_unconfigured');
    assert.equal(s3.log.length, from);
    // after removing a custom configuration the app is back on (unconfigured) managed storage
    const other = await newApp();
    await putStorage(other.id, custom());
    must(await call(server, 'DELETE', `${appsPath()}/${other.id}/storage`, { auth: T.owner }), 200);
    problem(await runTest(other.id), 503, 'managed_storage_unconfigured');
  });
});

describe('storage test action: managed storage configured', () => {
  let server, admin, T;
  before(async () => {
    server = await startServer({
      TENANTD_MANAGED_STORAGE_ENDPOINT: s3.endpoint,
      TENANTD_MANAGED_STORAGE_BUCKET: 'platform-bucket',
      TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID: PLATFORM_KEY.id,
      TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY: PLATFORM_KEY.secret,
    });
    admin = await loginAdmin(server);
    T = await seedTenant(server, admin);
  });
  after(async () => { await server?.stop(); });

  test('a managed app tests the platform bucket with the platform keys: ok, audited with mode managed', async () => {
    const app = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('managed'), region_code: T.regionCode } }), 201).app;
    const from = s3.log.length;
    const body = must(await call(server, 'POST', `/api/v1/tenants/${T.tenantId}/apps/${app.id}/storage/test`, { auth: T.owner }), 200);
    assert.deepEqual(body, { ok: true, status: 'ok', detail: 'Listed the bucket, wrote and deleted a probe object.', mode: 'managed' });
    const seen = s3.log.slice(from);
    assert.deepEqual(seen.map((e) => [e.method, e.outcome]), [['GET', 'verified'], ['PUT', 'verified'], ['DELETE', 'verified']]);
    assert.ok(seen.every((e) => e.path === '/platform-bucket' || e.path.startsWith('/platform-bucket/.tenantd-probe/')), JSON.stringify(seen));
    assert.deepEqual(await s3.list('platform-bucket', '.tenantd-probe/'), []);
    const audit = must(await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: T.owner }), 200)
      .items.filter((e) => e.action === 'app.storage.test');
    assert.deepEqual(audit.map((e) => e.detail), [{ mode: 'managed', status: 'ok', http_status: 204 }]);
    assert.ok(!server.stderr.includes(PLATFORM_KEY.secret));
  });
});
