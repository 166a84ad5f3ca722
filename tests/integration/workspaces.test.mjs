// Demo UI workspaces (SPEC §4.3): bind to an app with its pasted credentials (checked,
// stored encrypted, never returned), get a token through the real token service,
// see its decoded header/claims or the exact OAuth error, introspect it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { databaseBytes, startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server, admin, world, app, other;

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
  world = await seedTenant(server, admin);
  other = await seedTenant(server, admin, { region: world.regionCode });
  const created = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, {
    auth: world.owner, body: { name: uniq('ws-app'), region_code: world.regionCode },
  });
  assert.equal(created.status, 201, created.text);
  app = created.body;
});
after(async () => { await server?.stop(); });

const ws = (path = '') => `/api/v1/tenants/${world.tenantId}/workspaces${path}`;

test('create checks the pasted credentials against the app and never returns the secret', async () => {
  const bad = await call(server, 'POST', ws(), { auth: world.owner, body: { name: 'W', app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret + 'x' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'invalid_client_secret');
  const mismatch = await call(server, 'POST', ws(), { auth: world.owner, body: { name: 'W', app_id: app.app.id, client_id: 'tdc_AAAAAAAAAAAAAAAAAAAAAA', client_secret: app.client_secret } });
  assert.equal(mismatch.body.code, 'client_id_mismatch');
  const unknown = await call(server, 'POST', ws(), { auth: world.owner, body: { name: 'W', app_id: '01900000-0000-7000-8000-000000000000', client_id: app.client_id, client_secret: app.client_secret } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, 'app_not_found');
  const stranger = await call(server, 'POST', ws(), { auth: world.owner, body: { name: 'W', app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret, extra: 1 } });
  assert.equal(stranger.body.code, 'unknown_field');

  const ok = await call(server, 'POST', ws(), { auth: world.owner, body: { name: ' Demo  ', app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.name, 'Demo');
  assert.equal(ok.body.client_id, app.client_id);
  assert.ok(!ok.text.includes(app.client_secret));
  const list = await call(server, 'GET', ws(), { auth: world.owner });
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 1);
  assert.ok(!list.text.includes(app.client_secret));
  // Encrypted at rest: the plaintext secret is nowhere in the database (SQLite: the
  // file and its -wal/-shm/-journal; PostgreSQL: pg_dump, which shows TOAST-compressed
  // values in the clear — see the harness). Positive control: the workspace's
  // client_id, stored in the clear, is found by the same search.
  const stored = databaseBytes(server);
  assert.ok(stored.includes(Buffer.from(ok.body.id)) && stored.includes(Buffer.from(app.client_id)), `the search sees the workspace row (${stored.sources})`);
  assert.ok(!stored.includes(Buffer.from(app.client_secret)), `the database holds the secret (${stored.sources})`);
  const audit = await call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit`, { auth: world.owner });
  assert.ok(audit.body.items.some((e) => e.action === 'workspace.create'));
  assert.ok(!audit.text.includes(app.client_secret));
});

test('token shows decoded header and claims; introspection reports it active', async () => {
  const w = (await call(server, 'POST', ws(), { auth: world.owner, body: { name: uniq('w'), app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } })).body;
  const t = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.body.ok, true);
  assert.equal(t.body.header.typ, 'at+jwt');
  assert.equal(t.body.claims.client_id, app.client_id);
  assert.equal(t.body.claims.tenantid, world.tenantId);
  assert.equal(t.body.expires_in, 900);
  const i = await call(server, 'POST', ws(`/${w.id}/introspect`), { auth: world.owner, body: { token: t.body.access_token } });
  assert.equal(i.status, 200, i.text);
  assert.equal(i.body.active, true);
  assert.equal(i.body.client_id, app.client_id);
  const junk = await call(server, 'POST', ws(`/${w.id}/introspect`), { auth: world.owner, body: { token: 'not-a-token' } });
  assert.equal(junk.body.active, false);
});

// Issue 12: the Demo UI sends a DPoP proof made in the browser; the workspace passes
// it to the token service as the DPoP header, so the same rules apply.
test('token with a DPoP proof: bound to its key; bad proofs and bad bodies refused', async () => {
  const w = (await call(server, 'POST', ws(), { auth: world.owner, body: { name: uniq('w'), app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } })).body;
  const key = await jose.generateKeyPair('ES256', { extractable: true });
  const jwk = await jose.exportJWK(key.publicKey);
  const proof = (claims = {}) => new jose.SignJWT({ jti: uniq('jti'), htm: 'POST', htu: `${server.url}/connect/token`, iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(key.privateKey);
  const bound = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop_proof: await proof() } });
  assert.equal(bound.status, 200, bound.text);
  assert.equal(bound.body.ok, true);
  assert.equal(bound.body.token_type, 'DPoP');
  assert.equal(bound.body.claims.cnf.jkt, await jose.calculateJwkThumbprint(jwk));
  const plain = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner });
  assert.equal(plain.body.token_type, 'Bearer');
  assert.equal(plain.body.claims.cnf, undefined);
  // A proof for another endpoint is refused exactly as /connect/token refuses it.
  const wrongHtu = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop_proof: await proof({ htu: `${server.url}/connect/introspect` }) } });
  assert.equal(wrongHtu.status, 200);
  assert.equal(wrongHtu.body.ok, false);
  assert.equal(wrongHtu.body.status, 400);
  assert.equal(wrongHtu.body.error, 'invalid_dpop_proof');
  const replay = await proof();
  assert.equal((await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop_proof: replay } })).body.ok, true);
  assert.equal((await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop_proof: replay } })).body.error, 'invalid_dpop_proof');
  // The body is validated at the edge, after authentication.
  const typed = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop_proof: 5 } });
  assert.equal(typed.status, 400);
  assert.equal(typed.body.code, 'invalid_type');
  const stranger = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner, body: { dpop: 'x' } });
  assert.equal(stranger.status, 400);
  assert.equal(stranger.body.code, 'unknown_field');
  const anonymous = await call(server, 'POST', ws(`/${w.id}/token`), { body: { dpop: 'x' } });
  assert.equal(anonymous.status, 401);
});

test('a refused issuance shows the exact OAuth error of /connect/token', async () => {
  const w = (await call(server, 'POST', ws(), { auth: world.owner, body: { name: uniq('w'), app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } })).body;
  assert.equal((await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${app.app.id}/disable`, { auth: world.owner })).status, 200);
  const t = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner });
  assert.equal(t.status, 200);
  assert.deepEqual(t.body, { ok: false, status: 400, error: 'unauthorized_client', error_description: 'app is disabled' });
  assert.equal((await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${app.app.id}/enable`, { auth: world.owner })).status, 200);
  // After a regeneration the stored secret is stale: invalid_client, as /connect/token says.
  const regen = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${app.app.id}/secret`, { auth: world.owner });
  assert.equal(regen.status, 200);
  const stale = await call(server, 'POST', ws(`/${w.id}/token`), { auth: world.owner });
  assert.equal(stale.body.ok, false);
  assert.equal(stale.body.status, 401);
  assert.equal(stale.body.error, 'invalid_client');
  app.client_secret = regen.body.client_secret;
});

test('isolation, roles and delete', async () => {
  const w = (await call(server, 'POST', ws(), { auth: world.owner, body: { name: uniq('w'), app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } })).body;
  for (const [m, p, body] of [['GET', '', undefined], ['POST', '', { name: 'x', app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret }], ['POST', `/${w.id}/token`], ['POST', `/${w.id}/introspect`, { token: 'x' }], ['DELETE', `/${w.id}`]]) {
    const r = await call(server, m, ws(p), { auth: other.owner, body });
    assert.equal(r.status, 404, `${m} ${p}: ${r.text}`);
  }
  // Another tenant's own path with this workspace id: not found either.
  const cross = await call(server, 'POST', `/api/v1/tenants/${other.tenantId}/workspaces/${w.id}/token`, { auth: other.owner });
  assert.equal(cross.status, 404);
  assert.equal(cross.body.code, 'workspace_not_found');
  const csrf = await call(server, 'DELETE', ws(`/${w.id}`), { auth: world.owner, csrf: false });
  assert.equal(csrf.status, 403);
  const del = await call(server, 'DELETE', ws(`/${w.id}`), { auth: world.owner });
  assert.equal(del.status, 204);
  const again = await call(server, 'DELETE', ws(`/${w.id}`), { auth: world.owner });
  assert.equal(again.status, 404);
});
