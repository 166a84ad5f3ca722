// App storage configuration (SPEC §1 "Storage configuration", §4.3, §4.4): provider
// rules and defaults, every validation code, the public representation (last4 only),
// the storage object in app creation, and that the secret access key never appears in
// any response, in the audit trail, or in plaintext in the database at rest (SQLite:
// the database file and its -wal/-journal; PostgreSQL: a pg_dump of the database,
// which shows TOAST-compressed values decompressed — see databaseBytes() in the
// harness).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databaseBytes, startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server;
let admin;
let T;

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

const appsPath = () => `/api/v1/tenants/${T.tenantId}/apps`;
const storageUrl = (aid) => `${appsPath()}/${aid}/storage`;
const put = (aid, body, auth = T.owner) => call(server, 'PUT', storageUrl(aid), { auth, body });
const getApp = async (aid) => must(await call(server, 'GET', `${appsPath()}/${aid}`, { auth: T.owner }), 200);
const newSecret = () => `Sk${uniq('secret')}Zq9/+wXyZ${Math.random().toString(36).slice(2)}`;
async function newApp(extra = {}) {
  return must(await call(server, 'POST', appsPath(), { auth: T.owner, body: { name: uniq('st'), region_code: T.regionCode, ...extra } }), 201).app;
}

function dbFilesContain(needle) {
  return databaseBytes(server).includes(Buffer.from(needle, 'utf8'));
}

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  T = await seedTenant(server, admin, { appLimit: 50 });
});

after(async () => {
  await server?.stop();
});

test('PUT storage: aws_s3 defaults region us-east-1; the answer shows last4 and never the secret', async () => {
  const app = await newApp();
  const secret = newSecret();
  const res = await put(app.id, { provider: 'aws_s3', bucket: 'my-docs-bucket', access_key_id: 'AKIAEXAMPLE123', secret_access_key: secret });
  const body = must(res, 200);
  assert.equal(body.id, app.id);
  assert.deepEqual(body.storage, {
    mode: 'custom', provider: 'aws_s3', bucket: 'my-docs-bucket', endpoint: 'https://s3.us-east-1.amazonaws.com',
    region: 'us-east-1', access_key_id: 'AKIAEXAMPLE123', secret_access_key_last4: secret.slice(-4),
  });
  assert.ok(!res.text.includes(secret));
  const got = await call(server, 'GET', `${appsPath()}/${app.id}`, { auth: T.owner });
  assert.deepEqual(must(got, 200).storage, body.storage);
  assert.ok(!got.text.includes(secret));
  const list = await call(server, 'GET', `${appsPath()}?limit=200`, { auth: T.owner });
  assert.deepEqual(must(list, 200).items.find((a) => a.id === app.id).storage, body.storage);
  assert.ok(!list.text.includes(secret));
  // A region given explicitly wins; the endpoint follows it.
  const eu = must(await put(app.id, { provider: 'aws_s3', bucket: 'my-docs-bucket', region: 'eu-central-1', access_key_id: 'AKIAEXAMPLE123', secret_access_key: newSecret() }), 200);
  assert.equal(eu.storage.region, 'eu-central-1');
  assert.equal(eu.storage.endpoint, 'https://s3.eu-central-1.amazonaws.com');
});

test('provider rules: r2 and minio need an endpoint, r2/tigris default region auto, b2 needs endpoint or region', async () => {
  const app = await newApp();
  const base = { bucket: 'rules-bucket', access_key_id: 'AKIDRULES', secret_access_key: newSecret() };
  problem(await put(app.id, { ...base, provider: 'minio' }), 400, 'endpoint_required', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'cloudflare_r2' }), 400, 'endpoint_required', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'backblaze_b2' }), 400, 'endpoint_or_region_required', 'endpoint');
  assert.deepEqual((await getApp(app.id)).storage, { mode: 'managed' }, 'rejected PUTs change nothing');

  let s = must(await put(app.id, { ...base, provider: 'cloudflare_r2', endpoint: 'https://ACCOUNT123.r2.cloudflarestorage.com/' }), 200).storage;
  assert.equal(s.region, 'auto');
  assert.equal(s.endpoint, 'https://account123.r2.cloudflarestorage.com');
  s = must(await put(app.id, { ...base, provider: 'tigris' }), 200).storage;
  assert.equal(s.region, 'auto');
  assert.equal(s.endpoint, 'https://fly.storage.tigris.dev');
  s = must(await put(app.id, { ...base, provider: 'backblaze_b2', region: 'us-west-004' }), 200).storage;
  assert.equal(s.region, 'us-west-004');
  assert.equal(s.endpoint, 'https://s3.us-west-004.backblazeb2.com');
  s = must(await put(app.id, { ...base, provider: 'minio', endpoint: 'http://127.0.0.1:9000' }), 200).storage;
  assert.equal(s.provider, 'minio');
  assert.equal(s.endpoint, 'http://127.0.0.1:9000');
  s = must(await put(app.id, { ...base, provider: 'minio', endpoint: 'http://localhost:9000', region: null }), 200).storage;
  assert.equal(s.endpoint, 'http://localhost:9000');
  // http:// only for loopback hosts.
  problem(await put(app.id, { ...base, provider: 'minio', endpoint: 'http://minio.example.com:9000' }), 400, 'invalid_endpoint', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'minio', endpoint: 'http://10.1.2.3:9000' }), 400, 'invalid_endpoint', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'minio', endpoint: 'https://minio.example.com/some/path' }), 400, 'invalid_endpoint', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'minio', endpoint: 'ftp://minio.example.com' }), 400, 'invalid_endpoint', 'endpoint');
  problem(await put(app.id, { ...base, provider: 'minio', endpoint: 'https://user:pw@minio.example.com' }), 400, 'invalid_endpoint', 'endpoint');
  assert.equal((await getApp(app.id)).storage.endpoint, 'http://localhost:9000', 'the last good configuration stays');
});

test('every storage field is validated and named', async () => {
  const app = await newApp();
  const good = { provider: 'aws_s3', bucket: 'valid-bucket', access_key_id: 'AKIDVALID', secret_access_key: newSecret() };
  const cases = [
    [{ provider: 'gcs' }, 'invalid_provider', 'provider'],
    [{ provider: 'AWS_S3' }, 'invalid_provider', 'provider'],
    [{ bucket: 'Bad_Bucket' }, 'invalid_bucket', 'bucket'],
    [{ bucket: 'ab' }, 'invalid_bucket', 'bucket'],
    [{ bucket: '192.168.1.1' }, 'invalid_bucket', 'bucket'],
    [{ bucket: 'x'.repeat(64) }, 'invalid_bucket', 'bucket'],
    [{ region: 'US EAST' }, 'invalid_region', 'region'],
    [{ region: '' }, 'invalid_region', 'region'],
    [{ endpoint: '' }, 'invalid_endpoint', 'endpoint'],
    [{ access_key_id: 'has space' }, 'invalid_access_key_id', 'access_key_id'],
    [{ access_key_id: '' }, 'invalid_access_key_id', 'access_key_id'],
    [{ access_key_id: 'k'.repeat(129) }, 'invalid_access_key_id', 'access_key_id'],
    [{ secret_access_key: '' }, 'invalid_secret_access_key', 'secret_access_key'],
    [{ secret_access_key: 'tab\there' }, 'invalid_secret_access_key', 'secret_access_key'],
    [{ secret_access_key: 's'.repeat(257) }, 'invalid_secret_access_key', 'secret_access_key'],
    [{ secret_access_key: 42 }, 'invalid_type', 'secret_access_key'],
    [{ bucket: null }, 'invalid_type', 'bucket'],
    [{ acl: 'public-read' }, 'unknown_field', 'acl'],
  ];
  for (const [override, code, field] of cases) {
    problem(await put(app.id, { ...good, ...override }), 400, code, field);
  }
  for (const missing of ['provider', 'bucket', 'access_key_id', 'secret_access_key']) {
    const body = { ...good };
    delete body[missing];
    problem(await put(app.id, body), 400, 'missing_field', missing);
  }
  problem(await call(server, 'PUT', storageUrl(app.id), { auth: T.owner, body: '{bad' }), 400, 'invalid_json');
  assert.deepEqual((await getApp(app.id)).storage, { mode: 'managed' });
});

test('short secrets show an empty last4; replacing keeps one configuration; DELETE returns to managed', async () => {
  const app = await newApp();
  const short = must(await put(app.id, { provider: 'aws_s3', bucket: 'short-bucket', access_key_id: 'AKIDSHORT', secret_access_key: 'abc12345' }), 200);
  assert.equal(short.storage.secret_access_key_last4, '', 'a short secret reveals nothing');
  const secret = newSecret();
  const replaced = must(await put(app.id, { provider: 'tigris', bucket: 'long-bucket', access_key_id: 'tid_ABC', secret_access_key: secret }), 200);
  assert.equal(replaced.storage.provider, 'tigris');
  assert.equal(replaced.storage.secret_access_key_last4, secret.slice(-4));
  let deleted = must(await call(server, 'DELETE', storageUrl(app.id), { auth: T.owner }), 200);
  assert.deepEqual(deleted.storage, { mode: 'managed' });
  assert.equal(deleted.id, app.id);
  deleted = must(await call(server, 'DELETE', storageUrl(app.id), { auth: T.owner }), 200);
  assert.deepEqual(deleted.storage, { mode: 'managed' }, 'DELETE is idempotent');
  assert.deepEqual((await getApp(app.id)).storage, { mode: 'managed' });
  problem(await call(server, 'PUT', `${appsPath()}/00000000-0000-7000-8000-000000000000/storage`, { auth: T.owner, body: { provider: 'tigris', bucket: 'b-b-b', access_key_id: 'a', secret_access_key: 'b' } }), 404, 'app_not_found');
  problem(await call(server, 'DELETE', `${appsPath()}/00000000-0000-7000-8000-000000000000/storage`, { auth: T.owner }), 404, 'app_not_found');
  problem(await call(server, 'PUT', storageUrl(app.id), { auth: T.owner, csrf: false, body: { provider: 'tigris', bucket: 'b-b-b', access_key_id: 'a', secret_access_key: 'b' } }), 403, 'csrf_failed');
});

test('the storage object is accepted at creation, validated with storage.* field names', async () => {
  const secret = newSecret();
  const res = await call(server, 'POST', appsPath(), {
    auth: T.owner,
    body: { name: uniq('withstorage'), region_code: T.regionCode, storage: { provider: 'cloudflare_r2', bucket: 'created-bucket', endpoint: 'https://acct.r2.cloudflarestorage.com', access_key_id: 'R2KEY', secret_access_key: secret } },
  });
  const body = must(res, 201);
  assert.deepEqual(body.app.storage, {
    mode: 'custom', provider: 'cloudflare_r2', bucket: 'created-bucket', endpoint: 'https://acct.r2.cloudflarestorage.com',
    region: 'auto', access_key_id: 'R2KEY', secret_access_key_last4: secret.slice(-4),
  });
  assert.ok(!res.text.includes(secret));
  assert.deepEqual((await getApp(body.app.id)).storage, body.app.storage);

  const count = async () => must(await call(server, 'GET', `${appsPath()}?limit=200`, { auth: T.owner }), 200).items.length;
  const before = await count();
  const mk = (storage) => call(server, 'POST', appsPath(), { auth: T.owner, body: { name: uniq('badstorage'), region_code: T.regionCode, storage } });
  problem(await mk({ provider: 'minio', bucket: 'ok-bucket', access_key_id: 'a', secret_access_key: 'b' }), 400, 'endpoint_required', 'storage.endpoint');
  problem(await mk({ provider: 'aws_s3', bucket: 'NO', access_key_id: 'a', secret_access_key: 'b' }), 400, 'invalid_bucket', 'storage.bucket');
  problem(await mk({ provider: 'aws_s3', bucket: 'ok-bucket', access_key_id: 'a' }), 400, 'missing_field', 'storage.secret_access_key');
  problem(await mk({ provider: 'aws_s3', bucket: 'ok-bucket', access_key_id: 'a', secret_access_key: 'b', extra: 1 }), 400, 'unknown_field', 'storage.extra');
  problem(await mk('aws'), 400, 'invalid_type', 'storage');
  assert.equal(await count(), before, 'a rejected storage object creates no app');
  const managed = must(await mk(null), 201);
  assert.deepEqual(managed.app.storage, { mode: 'managed' });
});

test('the plaintext secret access key is never written to the database files or the audit trail', async () => {
  const app = await newApp();
  const first = newSecret();
  const second = newSecret();
  const marker = `AKIDMARKER${uniq('m')}`;
  must(await put(app.id, { provider: 'aws_s3', bucket: 'sealed-bucket', access_key_id: marker, secret_access_key: first }), 200);
  must(await put(app.id, { provider: 'aws_s3', bucket: 'sealed-bucket', access_key_id: marker, secret_access_key: second }), 200);
  const created = must(await call(server, 'POST', appsPath(), {
    auth: T.owner,
    body: { name: uniq('sealed'), region_code: T.regionCode, storage: { provider: 'tigris', bucket: 'sealed-two', access_key_id: marker, secret_access_key: first + 'x' } },
  }), 201);
  const audit = await call(server, 'GET', `/api/v1/tenants/${T.tenantId}/audit?limit=200`, { auth: T.owner });
  must(audit, 200);
  assert.ok(audit.body.items.some((e) => e.action === 'app.storage.update' && e.target.id === app.id));
  assert.ok(audit.body.items.some((e) => e.action === 'app.create' && e.target.id === created.app.id));
  for (const s of [first, second, first + 'x']) {
    assert.ok(!audit.text.includes(s), 'no secret in the audit trail');
    assert.ok(!dbFilesContain(s), `secret ${s.slice(0, 6)}... found in the database at rest`);
  }
  // Positive control: the database files are the ones we think, and they hold the key id.
  assert.ok(dbFilesContain(marker), 'the access key id (not secret) is in the database at rest: the search sees plaintext columns');
  assert.ok(!server.stderr.includes(first) && !server.stderr.includes(second), 'no secret in the server log');
});
