// POST /connect/token (SPEC §3.1–3.3): client authentication methods, every
// precondition of §3.2 in order with its exact error, the token format, scopes,
// platform clients, discovery documents, and real clients (openid-client,
// oauth4webapi, jose) against the server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as oauth from 'oauth4webapi';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const FORM = 'application/x-www-form-urlencoded';
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const decode = (jwt) => {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), payload: JSON.parse(Buffer.from(p, 'base64url')) };
};

/** Raw POST to an OAuth endpoint; returns {status, headers, body, text}. */
async function post(server, path, { form, headers = {}, raw } = {}) {
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': FORM, ...headers },
    body: raw ?? new URLSearchParams(form ?? {}).toString(),
  });
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  return { status: res.status, headers: res.headers, body, text };
}

const tokenBasic = (server, id, secret, form = {}) =>
  post(server, '/connect/token', { form: { grant_type: 'client_credentials', ...form }, headers: { authorization: basic(id, secret) } });
const tokenPost = (server, id, secret, form = {}) =>
  post(server, '/connect/token', { form: { grant_type: 'client_credentials', client_id: id, client_secret: secret, ...form } });

function assertOAuthError(r, status, error, description) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.body.error, error, r.text);
  assert.equal(typeof r.body.error_description, 'string');
  if (description !== undefined) assert.equal(r.body.error_description, description);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('pragma'), 'no-cache');
}

describe('token endpoint', () => {
  let server, admin, world, app;

  async function newApp(body = {}, world_ = world) {
    const r = await call(server, 'POST', `/api/v1/tenants/${world_.tenantId}/apps`, {
      auth: admin, body: { name: uniq('app'), region_code: world_.regionCode, ...body },
    });
    assert.equal(r.status, 201, r.text);
    return { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 50 });
    app = await newApp({ allowed_domains: ['https://App.Example.com/', 'localhost:3000'] });
  });
  after(async () => { await server?.stop(); });

  it('issues an RFC 9068 JWT with every SPEC claim to client_secret_basic', async () => {
    const r = await tokenBasic(server, app.clientId, app.secret);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('pragma'), 'no-cache');
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'token_type']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 900);
    const { header, payload } = decode(r.body.access_token);
    assert.deepEqual(Object.keys(header), ['alg', 'typ', 'kid']);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.typ, 'at+jwt');
    assert.match(header.kid, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(Object.keys(payload).sort(), [
      'allowed_domain_1', 'allowed_domain_2', 'appId', 'aud', 'client_id', 'dbCode', 'exp', 'iat',
      'iss', 'jti', 'licenseRegionCode', 'nbf', 'sub', 'tenantid',
    ]);
    assert.equal(payload.iss, server.url);
    assert.equal(payload.sub, app.clientId);
    assert.equal(payload.client_id, app.clientId);
    assert.equal(payload.aud, 'tenantd-api');
    assert.equal(payload.tenantid, world.tenantId);
    assert.equal(payload.appId, app.id);
    assert.equal(payload.licenseRegionCode, world.regionCode);
    assert.equal(payload.dbCode, world.dbCode);
    assert.equal(payload.allowed_domain_1, 'app.example.com');
    assert.equal(payload.allowed_domain_2, 'localhost:3000');
    assert.equal(payload.nbf, payload.iat);
    assert.equal(payload.exp, payload.iat + 900);
    assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);
    assert.match(payload.jti, /^[A-Za-z0-9_-]{22,}$/);
  });

  it('gives every token its own jti', async () => {
    const jtis = new Set();
    for (let i = 0; i < 5; i++) jtis.add(decode((await tokenBasic(server, app.clientId, app.secret)).body.access_token).payload.jti);
    assert.equal(jtis.size, 5);
  });

  it('accepts client_secret_post', async () => {
    const r = await tokenPost(server, app.clientId, app.secret);
    assert.equal(r.status, 200, r.text);
    assert.equal(decode(r.body.access_token).payload.client_id, app.clientId);
  });

  it('form-decodes Basic credentials (RFC 6749 §2.3.1)', async () => {
    const id = app.clientId.replace('_', '%5F');
    const secret = app.secret.replace('_', '%5F');
    const r = await post(server, '/connect/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: basic(id, secret) } });
    assert.equal(r.status, 200, r.text);
  });

  it('allows a body client_id equal to the Basic one, refuses a different one', async () => {
    assert.equal((await tokenBasic(server, app.clientId, app.secret, { client_id: app.clientId })).status, 200);
    assertOAuthError(await tokenBasic(server, app.clientId, app.secret, { client_id: 'tdc_other' }), 400, 'invalid_request');
  });

  describe('request errors (checked before the client)', () => {
    it('wants a form body', async () => {
      const r = await post(server, '/connect/token', {
        raw: JSON.stringify({ grant_type: 'client_credentials' }),
        headers: { 'content-type': 'application/json', authorization: basic(app.clientId, app.secret) },
      });
      assertOAuthError(r, 400, 'invalid_request');
    });
    it('missing grant_type -> 400 invalid_request', async () => {
      assertOAuthError(await post(server, '/connect/token', { form: { scope: 'api' }, headers: { authorization: basic('nobody', 'x') } }), 400, 'invalid_request');
    });
    it('unsupported grant_type -> 400 unsupported_grant_type, before authentication', async () => {
      assertOAuthError(await post(server, '/connect/token', { form: { grant_type: 'password' } }), 400, 'unsupported_grant_type');
      assertOAuthError(await post(server, '/connect/token', { form: { grant_type: 'authorization_code' }, headers: { authorization: basic(app.clientId, 'wrong') } }), 400, 'unsupported_grant_type');
    });
    it('a repeated parameter -> 400 invalid_request', async () => {
      const r = await post(server, '/connect/token', { raw: 'grant_type=client_credentials&grant_type=client_credentials', headers: { authorization: basic(app.clientId, app.secret) } });
      assertOAuthError(r, 400, 'invalid_request');
      const s = await post(server, '/connect/token', { raw: 'grant_type=client_credentials&scope=api&scope=api', headers: { authorization: basic(app.clientId, app.secret) } });
      assertOAuthError(s, 400, 'invalid_request');
    });
    it('a malformed form body -> 400 invalid_request', async () => {
      assertOAuthError(await post(server, '/connect/token', { raw: 'grant_type=client%ZZcredentials', headers: { authorization: basic(app.clientId, app.secret) } }), 400, 'invalid_request');
    });
    it('both authentication methods -> 400 invalid_request', async () => {
      const r = await tokenBasic(server, app.clientId, app.secret, { client_id: app.clientId, client_secret: app.secret });
      assertOAuthError(r, 400, 'invalid_request');
    });
    it('GET is not allowed', async () => {
      const r = await fetch(`${server.url}/connect/token`);
      assert.equal(r.status, 405);
    });
  });

  describe('client authentication (401 invalid_client)', () => {
    it('no credentials at all', async () => {
      const r = await post(server, '/connect/token', { form: { grant_type: 'client_credentials' } });
      assertOAuthError(r, 401, 'invalid_client');
    });
    it('a client_id without a secret (apps are confidential)', async () => {
      const r = await post(server, '/connect/token', { form: { grant_type: 'client_credentials', client_id: app.clientId } });
      assertOAuthError(r, 401, 'invalid_client');
    });
    it('a malformed Basic header', async () => {
      const r = await post(server, '/connect/token', { form: { grant_type: 'client_credentials' }, headers: { authorization: 'Basic !!!notbase64' } });
      assertOAuthError(r, 401, 'invalid_client');
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="tenantd"');
    });
    it('unknown client and wrong secret are indistinguishable (Basic)', async () => {
      const unknown = await tokenBasic(server, 'tdc_0000000000000000000000', app.secret);
      const wrong = await tokenBasic(server, app.clientId, `${app.secret.slice(0, -1)}x`);
      assertOAuthError(unknown, 401, 'invalid_client');
      assertOAuthError(wrong, 401, 'invalid_client');
      assert.equal(unknown.text, wrong.text);
      assert.equal(unknown.headers.get('www-authenticate'), 'Basic realm="tenantd"');
      assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="tenantd"');
      assert.equal(unknown.headers.get('content-length'), wrong.headers.get('content-length'));
    });
    it('unknown client and wrong secret are indistinguishable (post), without a Basic challenge', async () => {
      const unknown = await tokenPost(server, 'tdc_1111111111111111111111', app.secret);
      const wrong = await tokenPost(server, app.clientId, 'tdcs_wrong');
      assertOAuthError(unknown, 401, 'invalid_client');
      assert.equal(unknown.text, wrong.text);
      assert.equal(unknown.headers.get('www-authenticate'), null);
      assert.equal(wrong.headers.get('www-authenticate'), null);
    });
    it('authentication comes before the app checks', async () => {
      const a = await newApp();
      assert.equal((await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${a.id}/disable`, { auth: admin })).status, 200);
      assertOAuthError(await tokenBasic(server, a.clientId, 'tdcs_wrong'), 401, 'invalid_client');
      assertOAuthError(await tokenBasic(server, a.clientId, a.secret), 400, 'unauthorized_client', 'app is disabled');
    });
  });

  describe('issuance preconditions (400 unauthorized_client), in SPEC order', () => {
    it('disabled app, then tenant not active, then retired plan; scope is checked last', async () => {
      const w = await seedTenant(server, admin);
      const a = await newApp({}, w);
      const plan = uniq('p').toLowerCase();
      assert.equal((await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code: plan, name: 'P', tier: 'paid', status: 'active', entitlements: {} } })).status, 201);
      assert.equal((await call(server, 'PUT', `/api/v1/tenants/${w.tenantId}/apps/${a.id}/plan`, { auth: admin, body: { plan_code: plan } })).status, 200);
      assert.equal((await call(server, 'PATCH', `/api/v1/plans/${plan}`, { auth: admin, body: { status: 'retired' } })).status, 200);
      assert.equal((await call(server, 'POST', `/api/v1/tenants/${w.tenantId}/suspend`, { auth: admin })).status, 200);
      assert.equal((await call(server, 'POST', `/api/v1/tenants/${w.tenantId}/apps/${a.id}/disable`, { auth: admin })).status, 200);

      assertOAuthError(await tokenBasic(server, a.clientId, a.secret, { scope: 'nope' }), 400, 'unauthorized_client', 'app is disabled');
      assert.equal((await call(server, 'POST', `/api/v1/tenants/${w.tenantId}/apps/${a.id}/enable`, { auth: admin })).status, 200);
      assertOAuthError(await tokenBasic(server, a.clientId, a.secret, { scope: 'nope' }), 400, 'unauthorized_client', 'tenant is not active');
      assert.equal((await call(server, 'POST', `/api/v1/tenants/${w.tenantId}/activate`, { auth: admin })).status, 200);
      assertOAuthError(await tokenBasic(server, a.clientId, a.secret, { scope: 'nope' }), 400, 'unauthorized_client', 'assigned plan is retired');
      assert.equal((await call(server, 'DELETE', `/api/v1/tenants/${w.tenantId}/apps/${a.id}/plan`, { auth: admin })).status, 200);
      assertOAuthError(await tokenBasic(server, a.clientId, a.secret, { scope: 'nope' }), 400, 'invalid_scope');
      assert.equal((await tokenBasic(server, a.clientId, a.secret)).status, 200);
    });

    it('a tenant still pending activation cannot get tokens', async () => {
      const t = await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: uniq('Pending ') } });
      assert.equal(t.status, 201, t.text);
      assert.equal(t.body.status, 'pending_activation');
      const a = await newApp({}, { tenantId: t.body.id, regionCode: world.regionCode });
      assertOAuthError(await tokenBasic(server, a.clientId, a.secret), 400, 'unauthorized_client', 'tenant is not active');
      assertOAuthError(await tokenPost(server, a.clientId, a.secret), 400, 'unauthorized_client', 'tenant is not active');
    });
  });

  describe('scope', () => {
    it('no scope requested -> no scope in the response or the token', async () => {
      const r = await tokenBasic(server, app.clientId, app.secret);
      assert.equal(r.body.scope, undefined);
      assert.equal(decode(r.body.access_token).payload.scope, undefined);
    });
    it('a configured scope is granted and echoed', async () => {
      const r = await tokenBasic(server, app.clientId, app.secret, { scope: 'api' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.scope, 'api');
      assert.equal(decode(r.body.access_token).payload.scope, 'api');
      const twice = await tokenBasic(server, app.clientId, app.secret, { scope: 'api api' });
      assert.equal(twice.body.scope, 'api');
    });
    it('anything else -> 400 invalid_scope', async () => {
      for (const scope of ['admin', 'api admin', 'platform:storage', 'API', 'api"x', 'a\\b']) {
        assertOAuthError(await tokenBasic(server, app.clientId, app.secret, { scope }), 400, 'invalid_scope');
      }
    });
  });

  describe('platform clients', () => {
    let pc;
    before(async () => {
      const r = await call(server, 'POST', '/api/v1/platform-clients', { auth: admin, body: { name: uniq('svc'), scopes: ['platform:storage'] } });
      assert.equal(r.status, 201, r.text);
      pc = { id: r.body.id, clientId: r.body.client_id, secret: r.body.client_secret };
    });
    it('get their platform scopes and no tenant claims', async () => {
      const r = await tokenBasic(server, pc.clientId, pc.secret);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.scope, 'platform:storage');
      const { payload } = decode(r.body.access_token);
      assert.deepEqual(Object.keys(payload).sort(), ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'nbf', 'scope', 'sub']);
      assert.equal(payload.scope, 'platform:storage');
      assert.equal(payload.client_id, pc.clientId);
      const asked = await tokenPost(server, pc.clientId, pc.secret, { scope: 'platform:storage' });
      assert.equal(asked.status, 200, asked.text);
      assert.equal(asked.body.scope, 'platform:storage');
    });
    it('cannot get scopes they do not hold', async () => {
      assertOAuthError(await tokenBasic(server, pc.clientId, pc.secret, { scope: 'api' }), 400, 'invalid_scope');
      assertOAuthError(await tokenBasic(server, pc.clientId, pc.secret, { scope: 'platform:other' }), 400, 'invalid_scope');
    });
    it('regenerate and delete take effect on the next request', async () => {
      const regen = await call(server, 'POST', `/api/v1/platform-clients/${pc.id}/secret`, { auth: admin });
      assert.equal(regen.status, 200, regen.text);
      assertOAuthError(await tokenBasic(server, pc.clientId, pc.secret), 401, 'invalid_client');
      assert.equal((await tokenBasic(server, pc.clientId, regen.body.client_secret)).status, 200);
      assert.equal((await call(server, 'DELETE', `/api/v1/platform-clients/${pc.id}`, { auth: admin })).status, 204);
      assertOAuthError(await tokenBasic(server, pc.clientId, regen.body.client_secret), 401, 'invalid_client');
    });
  });

  describe('discovery and keys', () => {
    it('serves RFC 8414 metadata at both well-known paths', async () => {
      const a = await fetch(`${server.url}/.well-known/openid-configuration`);
      const b = await fetch(`${server.url}/.well-known/oauth-authorization-server`);
      assert.equal(a.status, 200);
      assert.equal(a.headers.get('cache-control'), 'public, max-age=300');
      const doc = await a.json();
      assert.deepEqual(await b.json(), doc);
      assert.equal(doc.issuer, server.url);
      assert.equal(doc.token_endpoint, `${server.url}/connect/token`);
      assert.equal(doc.introspection_endpoint, `${server.url}/connect/introspect`);
      assert.equal(doc.revocation_endpoint, `${server.url}/connect/revoke`);
      assert.equal(doc.jwks_uri, `${server.url}/.well-known/jwks.json`);
      assert.deepEqual(doc.grant_types_supported, ['client_credentials']);
      assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(doc.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(doc.revocation_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(doc.scopes_supported, ['api']);
    });
    it('publishes public keys only', async () => {
      const r = await fetch(`${server.url}/.well-known/jwks.json`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('cache-control'), /^public, max-age=\d+$/);
      const { keys } = await r.json();
      assert.equal(keys.length, 1);
      assert.equal(keys[0].kty, 'EC');
      assert.equal(keys[0].crv, 'P-256');
      assert.equal(keys[0].alg, 'ES256');
      assert.equal(keys[0].use, 'sig');
      for (const k of keys) for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[priv], undefined);
    });
  });

  describe('real clients', () => {
    it('openid-client: discovery + client_credentials, verified with jose against the JWKS', async () => {
      const config = await client.discovery(new URL(server.url), app.clientId, app.secret, client.ClientSecretBasic(app.secret), { execute: [client.allowInsecureRequests] });
      assert.equal(config.serverMetadata().issuer, server.url);
      const tokens = await client.clientCredentialsGrant(config, { scope: 'api' });
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.scope, 'api');
      assert.ok(tokens.expiresIn() > 890);
      const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
      const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
        issuer: server.url, audience: 'tenantd-api', typ: 'at+jwt', algorithms: ['ES256'],
      });
      assert.equal(protectedHeader.typ, 'at+jwt');
      assert.equal(payload.appId, app.id);
      await assert.rejects(jwtVerify(tokens.access_token, jwks, { issuer: server.url, audience: 'someone-else' }));
      await assert.rejects(jwtVerify(tokens.access_token, jwks, { issuer: 'https://evil.example', audience: 'tenantd-api' }));
      // client_secret_post through the same library
      const postConfig = await client.discovery(new URL(server.url), app.clientId, app.secret, client.ClientSecretPost(app.secret), { execute: [client.allowInsecureRequests] });
      const viaPost = await client.clientCredentialsGrant(postConfig);
      assert.equal(decode(viaPost.access_token).payload.client_id, app.clientId);
    });

    it('openid-client surfaces the OAuth error of a wrong secret', async () => {
      const config = await client.discovery(new URL(server.url), app.clientId, 'tdcs_wrong', client.ClientSecretBasic('tdcs_wrong'), { execute: [client.allowInsecureRequests] });
      // A 401 with WWW-Authenticate surfaces as a challenge error carrying the response.
      let caught;
      await assert.rejects(client.clientCredentialsGrant(config), (err) => { caught = err; return err.status === 401; });
      assert.equal(caught.cause?.[0]?.scheme, 'basic');
      assert.equal(caught.cause?.[0]?.parameters?.realm, 'tenantd');
      assert.equal((await caught.response.json()).error, 'invalid_client');
    });

    it('oauth4webapi: client_credentials grant', async () => {
      const issuer = new URL(server.url);
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', [oauth.allowInsecureRequests]: true }));
      const c = { client_id: app.clientId };
      const response = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretBasic(app.secret), new URLSearchParams({ scope: 'api' }), { [oauth.allowInsecureRequests]: true });
      const result = await oauth.processClientCredentialsResponse(as, c, response);
      assert.equal(result.token_type, 'bearer');
      assert.equal(result.expires_in, 900);
      const { payload } = await jwtVerify(result.access_token, createRemoteJWKSet(new URL(as.jwks_uri)), { issuer: as.issuer, audience: 'tenantd-api', typ: 'at+jwt' });
      assert.equal(payload.client_id, app.clientId);
    });
  });
});
