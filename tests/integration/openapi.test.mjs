// GET /api/v1/openapi.json (issue 10 item 1): the served document is the committed
// src/api/openapi.json byte for byte, it is a valid OpenAPI 3.1 document (checked by
// @seriousme/openapi-schema-validator against the official 3.1 schema), and its
// schemas compile. That it covers exactly the route tables is tests/unit/test_openapi.c;
// that real responses conform is lib/openapi_check.mjs, which every test file of this
// suite runs through harness.mjs — this file also checks that the checker catches drift.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startServer, call } from './lib/harness.mjs';
import { OPENAPI_PATH, checkResponse } from './lib/openapi_check.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('the served document is the committed file, public, JSON, revalidated on use', async () => {
  const res = await fetch(`${server.url}/api/v1/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(await res.text(), readFileSync(OPENAPI_PATH, 'utf8'));
  const head = await fetch(`${server.url}/api/v1/openapi.json`, { method: 'HEAD' });
  assert.equal(head.status, 200);
});

test('it is a valid OpenAPI 3.1 document', async () => {
  const doc = (await call(server, 'GET', '/api/v1/openapi.json')).body;
  assert.match(doc.openapi, /^3\.1\.\d+$/);
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(validator.version, '3.1');
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2)?.slice(0, 4000));
});

test('it documents every SPEC area: /connect, /.well-known, /internal, operations, admin API, problem and OAuth errors', async () => {
  const doc = (await call(server, 'GET', '/api/v1/openapi.json')).body;
  for (const p of ['/connect/token', '/connect/introspect', '/connect/revoke', '/.well-known/openid-configuration', '/.well-known/oauth-authorization-server',
    '/.well-known/jwks.json', '/internal/v1/apps/{aid}/storage/presign', '/healthz', '/readyz', '/metrics', '/api/v1/openapi.json', '/api/v1/audit',
    '/api/v1/tenants/{tid}/apps', '/api/v1/tenants/{tid}/audit']) {
    assert.ok(doc.paths[p], `${p} documented`);
  }
  assert.deepEqual(doc.components.schemas.Problem.required, ['type', 'status', 'title', 'detail', 'code']);
  assert.ok(doc.components.schemas.OAuthError.properties.error);
  assert.equal(doc.paths['/connect/token'].post.responses['401'].$ref, '#/components/responses/OAuthError');
  assert.ok(doc.paths['/connect/token'].post.requestBody.content['application/x-www-form-urlencoded']);
  assert.ok(doc.components.responses.Problem.content['application/problem+json']);
  // Every write with a body documents its request schema.
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (['put', 'patch'].includes(method)) assert.ok(op.requestBody, `${method} ${p} has a request body`);
    }
  }
});

test('the response checker catches drift: unknown members, wrong types, undocumented statuses and routes', () => {
  const app = (over) => JSON.stringify({
    id: '01a248ba-0fd0-7035-b963-2467950b5f6b', tenant_id: '01a248ba-0fd0-7035-b963-2467950b5f6c', name: 'a', client_id: 'tdc_x',
    license_region_code: 'eu', db_code: 'eu-db1', enabled: true, plan_code: null, redirect_uris: [], post_logout_redirect_uris: [],
    allowed_domains: [], storage: { mode: 'managed' }, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
    secret_rotated_at: '2026-01-01T00:00:00Z', previous_secret_expires_at: null, token_endpoint_auth_method: 'client_secret',
    jwks: null, dpop_bound_access_tokens: false, ...over,
  });
  const path = '/api/v1/tenants/01a248ba-0fd0-7035-b963-2467950b5f6c/apps/01a248ba-0fd0-7035-b963-2467950b5f6b';
  assert.equal(checkResponse('GET', path, 200, 'application/json', app({})), null);
  assert.match(checkResponse('GET', path, 200, 'application/json', app({ extra: 1 })), /must NOT have additional properties \(extra\)/);
  assert.match(checkResponse('GET', path, 200, 'application/json', app({ enabled: 'yes' })), /\/enabled must be boolean/);
  assert.match(checkResponse('GET', path, 200, 'text/html', '<p>'), /content type "text\/html" not documented/);
  assert.match(checkResponse('GET', path, 404, 'application/json', '{"error":"x"}'), /content type "application\/json" not documented/);
  assert.match(checkResponse('GET', path, 404, 'application/problem+json', '{"error":"x"}'), /must have required property/);
  assert.equal(checkResponse('GET', path, 404, 'application/problem+json',
    '{"type":"about:blank","status":404,"title":"Not Found","detail":"no such app","code":"app_not_found"}'), null);
  assert.match(checkResponse('GET', '/api/v1/undocumented', 200, 'application/json', '{}'), /undocumented route/);
  assert.match(checkResponse('POST', '/connect/token', 400, 'application/json', '{"error":1}'), /\/error must be string/);
  assert.match(checkResponse('DELETE', path, 204, 'application/json', '{"a":1}'), /documented without a body/);
});
