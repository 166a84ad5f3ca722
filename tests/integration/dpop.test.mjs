// SPEC §3.7 DPoP (RFC 9449) at the token endpoint: a valid proof gets token_type
// DPoP and a cnf.jkt claim (the proof key's RFC 7638 thumbprint), which
// introspection returns; an invalid proof is 400 invalid_dpop_proof; per-app
// dpop_bound_access_tokens makes a proof mandatory. Real clients: oauth4webapi's
// DPoP handle and openid-client's getDPoPHandle; proofs for the refusals by hand
// with jose.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');
const insecure = { [oauth.allowInsecureRequests]: true };

describe('DPoP-bound access tokens', () => {
  let server, admin, world, es, esJwk, other;
  const appsPath = () => `/api/v1/tenants/${world.tenantId}/apps`;
  const must = async (p, status) => { const r = await p; assert.equal(r.status, status, r.text); return r.body; };
  const htu = () => `${server.url}/connect/token`;

  async function newApp(extra = {}) {
    const made = await must(call(server, 'POST', appsPath(), { auth: world.owner, body: { name: uniq('dpop'), region_code: world.regionCode, ...extra } }), 201);
    return { id: made.app.id, clientId: made.client_id, secret: made.client_secret, app: made.app };
  }
  async function proof({ header = {}, claims = {}, key = es, jwk = esJwk, omit = [] } = {}) {
    const payload = { htm: 'POST', htu: htu(), iat: Math.floor(Date.now() / 1000), jti: randomUUID(), ...claims };
    for (const k of omit) delete payload[k];
    return new jose.SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header }).sign(key.privateKey);
  }
  async function token(app, dpop, extraHeaders = {}) {
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders };
    if (dpop !== undefined) headers.dpop = dpop;
    const res = await fetch(htu(), {
      method: 'POST', headers,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret }),
    });
    return { status: res.status, body: await res.json() };
  }
  async function badProof(app, dpop, description) {
    const r = await token(app, dpop);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_dpop_proof');
    if (description) assert.match(r.body.error_description, description);
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 50 });
    es = await jose.generateKeyPair('ES256', { extractable: true });
    esJwk = await jose.exportJWK(es.publicKey);
    other = await jose.generateKeyPair('ES256', { extractable: true });
  });
  after(async () => { await server?.stop(); });

  it('metadata lists dpop_signing_alg_values_supported', async () => {
    const meta = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
    assert.deepEqual(meta.dpop_signing_alg_values_supported, ['ES256', 'RS256', 'EdDSA', 'Ed25519']);
  });

  it('oauth4webapi with a DPoP handle: token_type DPoP, cnf.jkt, introspection returns cnf', async () => {
    const app = await newApp();
    const as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), insecure));
    const c = { client_id: app.clientId };
    const keyPair = await oauth.generateKeyPair('ES256');
    const DPoP = oauth.DPoP(c, keyPair);
    const res = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretPost(app.secret), new URLSearchParams(), { ...insecure, DPoP });
    const tok = await oauth.processClientCredentialsResponse(as, c, res);
    assert.equal(tok.token_type, 'dpop');
    const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey));
    const claims = claimsOf(tok.access_token);
    assert.deepEqual(claims.cnf, { jkt });
    assert.equal(claims.sub, app.clientId);
    const info = await oauth.processIntrospectionResponse(as, c,
      await oauth.introspectionRequest(as, c, oauth.ClientSecretPost(app.secret), tok.access_token, insecure));
    assert.equal(info.active, true);
    assert.deepEqual(info.cnf, { jkt });
    assert.equal(info.token_type, 'DPoP');
    // The token verifies with the JWKS like any other.
    const { payload } = await jose.jwtVerify(tok.access_token, jose.createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), { issuer: server.url, typ: 'at+jwt' });
    assert.equal(payload.cnf.jkt, jkt);
  });

  it('openid-client getDPoPHandle, and a bearer token without a proof', async () => {
    const app = await newApp();
    const config = await client.discovery(new URL(server.url), app.clientId, app.secret, undefined, { execute: [client.allowInsecureRequests] });
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const tok = await client.clientCredentialsGrant(config, {}, { DPoP: client.getDPoPHandle(config, keyPair) });
    assert.equal(tok.token_type.toLowerCase(), 'dpop');
    assert.equal(claimsOf(tok.access_token).cnf.jkt, await jose.calculateJwkThumbprint(await jose.exportJWK(keyPair.publicKey)));
    const bearer = await token(app);
    assert.equal(bearer.status, 200);
    assert.equal(bearer.body.token_type, 'Bearer');
    assert.equal(claimsOf(bearer.body.access_token).cnf, undefined);
  });

  it('invalid proofs: 400 invalid_dpop_proof, nothing issued', async () => {
    const app = await newApp();
    const now = Math.floor(Date.now() / 1000);
    await badProof(app, await proof({ header: { typ: 'JWT' } }), /typ dpop\+jwt/);
    await badProof(app, await proof({ claims: { htm: 'GET' } }), /htm/);
    await badProof(app, await proof({ claims: { htu: 'https://elsewhere.example/connect/token' } }), /htu/);
    await badProof(app, await proof({ claims: { htu: `${server.url}/connect/introspect` } }), /htu/);
    await badProof(app, await proof({ claims: { iat: now - 300 } }), /too old/);
    await badProof(app, await proof({ claims: { iat: now + 300 } }), /future/);
    await badProof(app, await proof({ omit: ['iat'] }), /iat/);
    await badProof(app, await proof({ omit: ['jti'] }), /jti/);
    // signed by another key than the one in the header
    await badProof(app, await proof({ key: other }), /signature/);
    // a private key in the header
    await badProof(app, await proof({ jwk: await jose.exportJWK(es.privateKey) }), /public key/);
    // alg none and a MAC
    const claims = { htm: 'POST', htu: htu(), iat: now, jti: randomUUID() };
    await badProof(app, `${b64({ alg: 'none', typ: 'dpop+jwt', jwk: esJwk })}.${b64(claims)}.`, /alg|signature/);
    const mac = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: esJwk }).sign(new TextEncoder().encode('x'.repeat(32)));
    await badProof(app, mac, /alg/);
    // alg that does not fit the key
    const rsa = await jose.generateKeyPair('RS256', { extractable: true });
    const mismatch = await new jose.SignJWT({ ...claims, jti: randomUUID() }).setProtectedHeader({ alg: 'RS256', typ: 'dpop+jwt', jwk: esJwk }).sign(rsa.privateKey);
    await badProof(app, mismatch, /jwk/);
    await badProof(app, 'not-a-jwt', /JWT/);
    // replay
    const once = await proof();
    assert.equal((await token(app, once)).status, 200);
    await badProof(app, once, /already used/);
    // the htu's query and fragment are ignored (RFC 9449 §4.3)
    assert.equal((await token(app, await proof({ claims: { htu: `${htu()}?x=1#y` } }))).status, 200);
    // two DPoP headers: refused at the edge
    const two = await fetch(htu(), {
      method: 'POST',
      headers: [['content-type', 'application/x-www-form-urlencoded'], ['dpop', await proof()], ['dpop', await proof()]],
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret }),
    });
    assert.equal(two.status, 400);
  });

  it('dpop_bound_access_tokens makes a proof mandatory; private_key_jwt and DPoP together', async () => {
    const app = await newApp({ dpop_bound_access_tokens: true });
    assert.equal(app.app.dpop_bound_access_tokens, true);
    const none = await token(app);
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, { error: 'invalid_dpop_proof', error_description: 'this client must send a DPoP proof (dpop_bound_access_tokens)' });
    const ok = await token(app, await proof());
    assert.equal(ok.status, 200);
    assert.equal(ok.body.token_type, 'DPoP');
    // switched off: bearer tokens again, on the very next request
    const off = await must(call(server, 'PATCH', `${appsPath()}/${app.id}`, { auth: world.owner, body: { dpop_bound_access_tokens: false } }), 200);
    assert.equal(off.dpop_bound_access_tokens, false);
    assert.equal((await token(app)).status, 200);
    const bad = await call(server, 'PATCH', `${appsPath()}/${app.id}`, { auth: world.owner, body: { dpop_bound_access_tokens: 'yes' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'invalid_type');
    // private_key_jwt + DPoP
    const signer = await jose.generateKeyPair('ES256', { extractable: true });
    const pk = await newApp({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [await jose.exportJWK(signer.publicKey)] }, dpop_bound_access_tokens: true });
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new jose.SignJWT({ iss: pk.clientId, sub: pk.clientId, aud: server.url, iat: now, exp: now + 60, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256' }).sign(signer.privateKey);
    const res = await fetch(htu(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof() },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }),
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'DPoP');
    assert.equal(claimsOf(body.access_token).cnf.jkt, await jose.calculateJwkThumbprint(esJwk));
  });
});
