// POST /connect/introspect (RFC 7662) and POST /connect/revoke (RFC 7009), SPEC
// §3.5: active:false for anything that is not a live token of ours, tenant
// isolation for tenant-app callers, revocation of one's own tokens only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const FORM = 'application/x-www-form-urlencoded';
const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function post(server, path, form, auth) {
  const headers = { 'content-type': FORM };
  if (auth?.basic) headers.authorization = basic(auth.clientId, auth.secret);
  const body = new URLSearchParams(auth && !auth.basic ? { ...form, client_id: auth.clientId, client_secret: auth.secret } : form).toString();
  const res = await fetch(server.url + path, { method: 'POST', headers, body });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, headers: res.headers, body: json, text };
}
const B = (app) => ({ ...app, basic: true });

async function issue(server, app, scope) {
  const r = await post(server, '/connect/token', { grant_type: 'client_credentials', ...(scope ? { scope } : {}) }, B(app));
  assert.equal(r.status, 200, r.text);
  return r.body.access_token;
}
const introspect = (server, caller, token) => post(server, '/connect/introspect', token === undefined ? {} : { token }, caller);
const revoke = (server, caller, token) => post(server, '/connect/revoke', token === undefined ? {} : { token, token_type_hint: 'access_token' }, caller);

describe('introspection and revocation', () => {
  let server, admin, worldA, worldB, a1, a2, b1, platform;

  async function newApp(world) {
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: admin, body: { name: uniq('app'), region_code: world.regionCode } });
    assert.equal(r.status, 201, r.text);
    return { id: r.body.app.id, tenantId: world.tenantId, clientId: r.body.client_id, secret: r.body.client_secret };
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    worldA = await seedTenant(server, admin, { appLimit: 20 });
    worldB = await seedTenant(server, admin, { appLimit: 20 });
    a1 = await newApp(worldA);
    a2 = await newApp(worldA);
    b1 = await newApp(worldB);
    const pc = await call(server, 'POST', '/api/v1/platform-clients', { auth: admin, body: { name: uniq('svc'), scopes: ['platform:storage'] } });
    assert.equal(pc.status, 201, pc.text);
    platform = { clientId: pc.body.client_id, secret: pc.body.client_secret };
  });
  after(async () => { await server?.stop(); });

  it('an active token: active:true, every claim, token_type Bearer, no-store', async () => {
    const token = await issue(server, a1, 'api');
    const r = await introspect(server, B(a1), token);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
    assert.deepEqual(r.body, { active: true, ...claims, token_type: 'Bearer' });
    assert.equal(r.body.scope, 'api');
    assert.equal(r.body.tenantid, worldA.tenantId);
  });

  it('works for client_secret_post callers and for another app of the same tenant', async () => {
    const token = await issue(server, a1);
    assert.equal((await introspect(server, a1, token)).body.active, true);
    assert.equal((await introspect(server, B(a2), token)).body.active, true);
  });

  it("another tenant's token is inactive for a tenant app", async () => {
    const token = await issue(server, a1);
    const r = await introspect(server, B(b1), token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { active: false });
  });

  it('a platform client may introspect any tenant token, and its own', async () => {
    const token = await issue(server, b1);
    assert.equal((await introspect(server, B(platform), token)).body.active, true);
    const own = await issue(server, platform);
    const r = await introspect(server, B(platform), own);
    assert.equal(r.body.active, true);
    assert.equal(r.body.scope, 'platform:storage');
    assert.equal(r.body.tenantid, undefined);
    // a tenant app cannot see a platform token
    assert.deepEqual((await introspect(server, B(a1), own)).body, { active: false });
  });

  it('garbage, tampered and foreign-kid tokens are inactive', async () => {
    const token = await issue(server, a1);
    const [h, p, s] = token.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url'));
    const payload = JSON.parse(Buffer.from(p, 'base64url'));
    const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const cases = [
      'not-a-jwt', 'a.b.c', `${h}.${p}`, `${h}.${p}.${s}.x`,
      `${h}.${enc({ ...payload, tenantid: worldB.tenantId })}.${s}`, // claims changed
      `${h}.${p}.${s.slice(0, -4)}AAAA`, // signature changed
      `${enc({ ...header, kid: 'unknown-kid' })}.${p}.${s}`,
      `${enc({ ...header, alg: 'none' })}.${p}.`,
      `${enc({ ...header, alg: 'HS256' })}.${p}.${s}`,
      `${enc({ ...header, typ: 'JWT' })}.${p}.${s}`,
    ];
    for (const t of cases) {
      const r = await introspect(server, B(a1), t);
      assert.equal(r.status, 200, `${t}: ${r.text}`);
      assert.deepEqual(r.body, { active: false }, t);
    }
  });

  it('requires the token parameter and an authenticated client', async () => {
    const missing = await introspect(server, B(a1));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    const token = await issue(server, a1);
    const anon = await post(server, '/connect/introspect', { token });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error, 'invalid_client');
    const wrong = await introspect(server, B({ ...a1, secret: 'tdcs_wrong' }), token);
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="tenantd"');
    const both = await post(server, '/connect/introspect', { token, client_id: a1.clientId, client_secret: a1.secret }, B(a1));
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
  });

  it('revocation: own token becomes inactive; another client cannot revoke it', async () => {
    const token = await issue(server, a1);
    // a2 (same tenant) and b1 try to revoke a1's token: 200, but nothing happens
    assert.equal((await revoke(server, B(a2), token)).status, 200);
    assert.equal((await revoke(server, B(b1), token)).status, 200);
    assert.equal((await introspect(server, B(a1), token)).body.active, true);
    const r = await revoke(server, B(a1), token);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.deepEqual((await introspect(server, B(a1), token)).body, { active: false });
    assert.deepEqual((await introspect(server, B(platform), token)).body, { active: false });
    // revoking again is fine
    assert.equal((await revoke(server, a1, token)).status, 200);
    // other tokens of the same client stay active
    const other = await issue(server, a1);
    assert.equal((await introspect(server, B(a1), other)).body.active, true);
  });

  it('revocation answers 200 for unknown or invalid tokens, 400 without token, 401 unauthenticated', async () => {
    assert.equal((await revoke(server, B(a1), 'garbage')).status, 200);
    assert.equal((await revoke(server, B(a1), 'a.b.c')).status, 200);
    const missing = await revoke(server, B(a1));
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
    const anon = await post(server, '/connect/revoke', { token: 'x' });
    assert.equal(anon.status, 401);
    assert.equal(anon.body.error, 'invalid_client');
  });

  it("tokens of a deleted app are inactive; a deleted app can't introspect", async () => {
    const app = await newApp(worldA);
    const token = await issue(server, app);
    assert.equal((await introspect(server, B(a1), token)).body.active, true);
    assert.equal((await call(server, 'DELETE', `/api/v1/tenants/${worldA.tenantId}/apps/${app.id}`, { auth: admin })).status, 204);
    assert.deepEqual((await introspect(server, B(a1), token)).body, { active: false });
    assert.equal((await introspect(server, B(app), token)).status, 401);
  });

  it('openid-client: tokenIntrospection and tokenRevocation', async () => {
    const config = await client.discovery(new URL(server.url), a1.clientId, a1.secret, client.ClientSecretBasic(a1.secret), { execute: [client.allowInsecureRequests] });
    const { access_token: token } = await client.clientCredentialsGrant(config, { scope: 'api' });
    const info = await client.tokenIntrospection(config, token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, a1.clientId);
    assert.equal(info.scope, 'api');
    assert.equal(info.token_type, 'Bearer');
    await client.tokenRevocation(config, token, { token_type_hint: 'access_token' });
    assert.equal((await client.tokenIntrospection(config, token)).active, false);
  });
});
