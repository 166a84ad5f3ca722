// SPEC §3.7 private_key_jwt (RFC 7523 §2.2): an app's token_endpoint_auth_method and
// public jwks; assertions built by real clients (openid-client's PrivateKeyJwt,
// oauth4webapi's PrivateKeyJwt) and by hand with jose for every way one can be
// wrong: replays, wrong audience, expired and future-dated, keys of the wrong type,
// alg none, a MAC; JWK set validation (private members, oversized sets, duplicate
// kids, weak and unsupported keys); key rotation in the app's JWKS; the shared
// secret refused for such apps.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import { call, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const claimsOf = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

async function keyPair(alg, options = {}) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true, ...options });
  const jwk = await jose.exportJWK(publicKey);
  return { alg, publicKey, privateKey, jwk };
}

describe('private_key_jwt client authentication', () => {
  let server, admin, world, es, rsa, ed, es2;
  const appsPath = () => `/api/v1/tenants/${world.tenantId}/apps`;
  const appPath = (a, suffix = '') => `${appsPath()}/${a.id}${suffix}`;
  const must = async (p, status) => { const r = await p; assert.equal(r.status, status, r.text); return r.body; };
  const tokenUrl = () => `${server.url}/connect/token`;

  async function newApp(jwks, extra = {}) {
    const body = { name: uniq('pkj'), region_code: world.regionCode, ...extra };
    if (jwks !== undefined) { body.jwks = jwks; body.token_endpoint_auth_method = 'private_key_jwt'; }
    const made = await must(call(server, 'POST', appsPath(), { auth: world.owner, body }), 201);
    return { id: made.app.id, clientId: made.client_id, secret: made.client_secret, app: made.app };
  }
  async function assertion(app, key, { header = {}, claims = {}, omit = [] } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: app.clientId, sub: app.clientId, aud: server.url, iat: now, exp: now + 60, jti: randomUUID(), ...claims };
    for (const k of omit) delete payload[k];
    return new jose.SignJWT(payload).setProtectedHeader({ alg: key.alg, ...header }).sign(key.privateKey);
  }
  async function post(fields, headers = {}) {
    const res = await fetch(tokenUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }),
    });
    return { status: res.status, body: await res.json(), headers: res.headers };
  }
  const withAssertion = (jwt, extra = {}) => post({ client_assertion_type: JWT_BEARER, client_assertion: jwt, ...extra });
  async function refused(jwt, description) {
    const r = await withAssertion(jwt);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.error, 'invalid_client');
    if (description) assert.match(r.body.error_description, description);
    return r;
  }

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    world = await seedTenant(server, admin, { appLimit: 50 });
    [es, rsa, ed, es2] = await Promise.all([
      keyPair('ES256'), keyPair('RS256', { modulusLength: 2048 }), keyPair('EdDSA', { crv: 'Ed25519' }), keyPair('ES256'),
    ]);
  });
  after(async () => { await server?.stop(); });

  it('metadata advertises private_key_jwt and the assertion algorithms', async () => {
    const meta = await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json();
    for (const k of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
      assert.deepEqual(meta[k], ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
    }
    assert.deepEqual(meta.token_endpoint_auth_signing_alg_values_supported, ['ES256', 'RS256', 'EdDSA', 'Ed25519']);
  });

  it('the app stores the normalised public set; openid-client PrivateKeyJwt gets a token', async () => {
    const app = await newApp({ keys: [{ ...es.jwk, kid: 'es-1' }] });
    assert.equal(app.app.token_endpoint_auth_method, 'private_key_jwt');
    assert.deepEqual(app.app.jwks, { keys: [{ kty: 'EC', crv: 'P-256', x: es.jwk.x, y: es.jwk.y, kid: 'es-1', alg: 'ES256', use: 'sig' }] });
    const got = await must(call(server, 'GET', appPath(app), { auth: world.owner }), 200);
    assert.deepEqual(got.jwks, app.app.jwks);

    const config = await client.discovery(new URL(server.url), app.clientId, {}, client.PrivateKeyJwt({ key: es.privateKey, kid: 'es-1' }), { execute: [client.allowInsecureRequests] });
    const tok = await client.clientCredentialsGrant(config);
    assert.equal(tok.token_type.toLowerCase(), 'bearer');
    const c = claimsOf(tok.access_token);
    assert.equal(c.sub, app.clientId);
    assert.equal(c.client_id, app.clientId);
    assert.equal(c.appId, app.id);
    // The same configuration again: a fresh jti each time, so no replay.
    assert.ok((await client.clientCredentialsGrant(config)).access_token);
    // Introspection and revocation take the assertion too.
    const info = await client.tokenIntrospection(config, tok.access_token);
    assert.equal(info.active, true);
    await client.tokenRevocation(config, tok.access_token);
    assert.equal((await client.tokenIntrospection(config, tok.access_token)).active, false);
  });

  it('oauth4webapi PrivateKeyJwt with RS256 and Ed25519 keys (no kid in the header)', async () => {
    const app = await newApp({ keys: [rsa.jwk, ed.jwk] });
    assert.equal(app.app.jwks.keys.length, 2);
    assert.equal(app.app.jwks.keys[0].alg, 'RS256');
    assert.equal(app.app.jwks.keys[1].crv, 'Ed25519');
    assert.match(app.app.jwks.keys[0].kid, /^[A-Za-z0-9_-]{43}$/, 'kid defaults to the RFC 7638 thumbprint');
    const as = await oauth.processDiscoveryResponse(new URL(server.url), await oauth.discoveryRequest(new URL(server.url), { [oauth.allowInsecureRequests]: true }));
    for (const key of [rsa, ed]) {
      const res = await oauth.clientCredentialsGrantRequest(as, { client_id: app.clientId }, oauth.PrivateKeyJwt(key.privateKey), new URLSearchParams(), { [oauth.allowInsecureRequests]: true });
      const tok = await oauth.processClientCredentialsResponse(as, { client_id: app.clientId }, res);
      assert.equal(claimsOf(tok.access_token).sub, app.clientId, key.alg);
    }
    // Ed25519 keys take either JWS name.
    assert.equal((await withAssertion(await assertion(app, { ...ed, alg: 'Ed25519' }))).status, 200);
  });

  it('audience: the issuer or the token endpoint URL (string or array); anything else refused', async () => {
    const app = await newApp({ keys: [es.jwk] });
    assert.equal((await withAssertion(await assertion(app, es, { claims: { aud: tokenUrl() } }))).status, 200);
    assert.equal((await withAssertion(await assertion(app, es, { claims: { aud: ['https://elsewhere.example', server.url] } }))).status, 200);
    await refused(await assertion(app, es, { claims: { aud: 'https://elsewhere.example' } }), /aud must be the token endpoint URL or the issuer/);
    await refused(await assertion(app, es, { claims: { aud: `${server.url}/connect/introspect` } }), /aud/);
    await refused(await assertion(app, es, { omit: ['aud'] }), /aud/);
  });

  it('replays, expired, future-dated and incomplete assertions are refused', async () => {
    const app = await newApp({ keys: [es.jwk] });
    const once = await assertion(app, es);
    assert.equal((await withAssertion(once)).status, 200);
    await refused(once, /already used/);
    await refused(once, /already used/);
    const now = Math.floor(Date.now() / 1000);
    await refused(await assertion(app, es, { claims: { iat: now - 600, exp: now - 120 } }), /expired/);
    await refused(await assertion(app, es, { claims: { exp: now + 3600 } }), /more than 300 seconds ahead/);
    await refused(await assertion(app, es, { claims: { iat: now + 600, exp: now + 660 } }), /(iat is in the future|more than 300)/);
    await refused(await assertion(app, es, { claims: { iat: now + 120, exp: now + 180 } }), /iat is in the future/);
    await refused(await assertion(app, es, { claims: { nbf: now + 120 } }), /not valid yet/);
    await refused(await assertion(app, es, { omit: ['exp'] }), /no exp/);
    await refused(await assertion(app, es, { omit: ['jti'] }), /no jti/);
    await refused(await assertion(app, es, { claims: { sub: 'someone-else' } }), /iss and sub/);
    // A different jti from the same client is fine; the same jti from another app is not a replay.
    const other = await newApp({ keys: [es.jwk] });
    const jti = randomUUID();
    assert.equal((await withAssertion(await assertion(app, es, { claims: { jti } }))).status, 200);
    assert.equal((await withAssertion(await assertion(other, es, { claims: { jti } }))).status, 200);
    // Nothing was issued for the refusals above beyond the successes.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^tenantd_assertion_replays_total 2$/m);
  });

  it('wrong keys and algorithms: another key, alg from the header against the key type, alg none, a MAC', async () => {
    const app = await newApp({ keys: [{ ...es.jwk, kid: 'k1' }] });
    const generic = /^client authentication failed$/;
    await refused(await assertion(app, es2), generic); // a key not in the set
    await refused(await assertion(app, es2, { header: { kid: 'k1' } }), generic);
    await refused(await assertion(app, rsa), generic); // RS256 while the app has an EC key
    await refused(await assertion(app, es, { header: { kid: 'unknown' } }), generic);
    // An RSA app cannot be fooled by an ES256 header either.
    const rsaApp = await newApp({ keys: [rsa.jwk] });
    await refused(await assertion(rsaApp, es), generic);
    // alg none: no signature at all.
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: app.clientId, sub: app.clientId, aud: server.url, exp: now + 60, jti: randomUUID() };
    await refused(`${b64({ alg: 'none' })}.${b64(claims)}.`, generic);
    await refused(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.c2ln`, generic);
    // HS256 keyed with the public key's own bytes (the classic confusion) or the app's secret.
    for (const secret of [Buffer.from(JSON.stringify(es.jwk)), Buffer.from(app.secret)]) {
      const mac = await new jose.SignJWT({ ...claims, jti: randomUUID() }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
      await refused(mac, generic);
    }
    // A token of another kind (typ at+jwt) is not an assertion.
    await refused(await assertion(app, es, { header: { typ: 'at+jwt' } }), generic);
    // Garbage.
    for (const junk of ['x', 'a.b.c', `${b64({ alg: 'ES256' })}.${b64(claims)}.AAAA`]) await refused(junk, generic);
  });

  it('the shared secret is refused for a private_key_jwt app; switching back accepts it again', async () => {
    const app = await newApp({ keys: [es.jwk] });
    const basic = `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}`;
    const viaBasic = await post({}, { authorization: basic });
    assert.equal(viaBasic.status, 401);
    assert.equal(viaBasic.body.error, 'invalid_client');
    assert.equal((await post({ client_id: app.clientId, client_secret: app.secret })).status, 401);
    await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { token_endpoint_auth_method: 'client_secret' } }), 200);
    assert.equal((await post({}, { authorization: basic })).status, 200, 'the very next request');
    await refused(await assertion(app, es));
    const back = await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { token_endpoint_auth_method: 'private_key_jwt' } }), 200);
    assert.equal(back.token_endpoint_auth_method, 'private_key_jwt', 'the kept jwks is enough');
    assert.equal((await post({}, { authorization: basic })).status, 401);
    assert.equal((await withAssertion(await assertion(app, es))).status, 200);
  });

  it('one method per request; client_id must match; the assertion type is checked', async () => {
    const app = await newApp({ keys: [es.jwk] });
    const jwt = await assertion(app, es);
    const basic = `Basic ${Buffer.from(`${app.clientId}:${app.secret}`).toString('base64')}`;
    let r = await post({ client_assertion_type: JWT_BEARER, client_assertion: jwt }, { authorization: basic });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
    r = await withAssertion(jwt, { client_secret: app.secret, client_id: app.clientId });
    assert.equal(r.status, 400);
    r = await post({ client_assertion_type: 'urn:example:other', client_assertion: jwt });
    assert.equal(r.status, 400);
    r = await post({ client_assertion: jwt });
    assert.equal(r.status, 400);
    r = await withAssertion(jwt, { client_id: 'tdc_someoneelse0000000000' });
    assert.equal(r.status, 401);
    r = await withAssertion(jwt, { client_id: app.clientId });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });

  it('key rotation in the app JWKS takes effect on the next request', async () => {
    const app = await newApp({ keys: [{ ...es.jwk, kid: 'old' }] });
    assert.equal((await withAssertion(await assertion(app, es, { header: { kid: 'old' } }))).status, 200);
    await refused(await assertion(app, es2, { header: { kid: 'new' } }));
    await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { jwks: { keys: [{ ...es.jwk, kid: 'old' }, { ...es2.jwk, kid: 'new' }] } } }), 200);
    assert.equal((await withAssertion(await assertion(app, es2, { header: { kid: 'new' } }))).status, 200);
    assert.equal((await withAssertion(await assertion(app, es, { header: { kid: 'old' } }))).status, 200);
    await must(call(server, 'PATCH', appPath(app), { auth: world.owner, body: { jwks: { keys: [{ ...es2.jwk, kid: 'new' }] } } }), 200);
    await refused(await assertion(app, es, { header: { kid: 'old' } }));
    await refused(await assertion(app, es));
    assert.equal((await withAssertion(await assertion(app, es2))).status, 200);
    const audit = await must(call(server, 'GET', `/api/v1/tenants/${world.tenantId}/audit?limit=200`, { auth: world.owner }), 200);
    const updates = audit.items.filter((e) => e.target?.id === app.id && e.action === 'app.update');
    assert.deepEqual(updates[0].detail.jwks_kids, ['new']);
    assert.deepEqual(updates[0].detail.changed, ['jwks']);
    assert.ok(!JSON.stringify(audit).includes(es.jwk.x), 'audit events name key ids, not keys');
  });

  it('JWK set validation: clear errors, nothing stored', async () => {
    const bad = async (body, code, field) => {
      const r = await call(server, 'POST', appsPath(), { auth: world.owner, body: { name: uniq('bad'), region_code: world.regionCode, ...body } });
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.code, code, r.text);
      if (field) assert.equal(r.body.errors?.[0]?.field, field, r.text);
      return r.body;
    };
    const pkj = (jwks) => ({ token_endpoint_auth_method: 'private_key_jwt', jwks });
    const privateJwk = await jose.exportJWK(es.privateKey);
    assert.match((await bad(pkj({ keys: [privateJwk] }), 'private_key_material', 'jwks.keys[0]')).detail, /"d"/);
    await bad(pkj({ keys: [es.jwk, await jose.exportJWK(rsa.privateKey)] }), 'private_key_material', 'jwks.keys[1]');
    await bad(pkj({ keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }), 'private_key_material', 'jwks.keys[0]');
    await bad(pkj({ keys: [es.jwk, es2.jwk, rsa.jwk, ed.jwk] }), 'too_many_keys', 'jwks.keys');
    await bad(pkj({ keys: [] }), 'invalid_jwks', 'jwks.keys');
    await bad(pkj([es.jwk]), 'invalid_jwks', 'jwks');
    await bad(pkj({ keys: [{ ...es.jwk, kid: 'same' }, { ...es2.jwk, kid: 'same' }] }), 'duplicate_kid', 'jwks.keys[1]');
    await bad(pkj({ keys: [es.jwk, { ...es.jwk, kid: 'other-name' }] }), 'duplicate_key', 'jwks.keys[1]');
    const p384 = await keyPair('ES384');
    await bad(pkj({ keys: [p384.jwk] }), 'unsupported_key_type', 'jwks.keys[0]');
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    await bad(pkj({ keys: [weak] }), 'weak_key', 'jwks.keys[0]');
    // An 8192-bit modulus (random odd bytes: refused on size before any arithmetic;
    // generating a real one takes tens of seconds).
    const n = randomBytes(1024);
    n[0] |= 0x80;
    n[1023] |= 1;
    const huge = { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' };
    await bad(pkj({ keys: [huge] }), 'unsupported_key_type', 'jwks.keys[0]');
    await bad(pkj({ keys: [{ ...es.jwk, alg: 'RS256' }] }), 'invalid_jwk', 'jwks.keys[0]');
    await bad(pkj({ keys: [{ ...es.jwk, use: 'enc' }] }), 'invalid_jwk', 'jwks.keys[0]');
    await bad(pkj({ keys: [{ ...es.jwk, x: es2.jwk.x }] }), 'invalid_jwk', 'jwks.keys[0]'); // not on the curve
    await bad(pkj({ keys: [{ ...es.jwk, kid: 'x'.repeat(129) }] }), 'invalid_jwk', 'jwks.keys[0]');
    const big = { keys: [rsa.jwk], padding: 'p'.repeat(9000) };
    await bad(pkj(big), 'jwks_too_large', 'jwks');
    await bad({ token_endpoint_auth_method: 'private_key_jwt' }, 'jwks_required', 'jwks');
    await bad({ token_endpoint_auth_method: 'client_secret_jwt' }, 'unsupported_auth_method', 'token_endpoint_auth_method');
    // PATCH: the method cannot drop its keys.
    const app = await newApp({ keys: [es.jwk] });
    const r = await call(server, 'PATCH', appPath(app), { auth: world.owner, body: { jwks: null } });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'jwks_required');
    assert.equal((await withAssertion(await assertion(app, es))).status, 200, 'unchanged');
    // A client_secret app may hold a set (ready to switch) and drop it.
    const plain = await newApp(undefined, { jwks: { keys: [es.jwk] } });
    assert.equal(plain.app.token_endpoint_auth_method, 'client_secret');
    assert.equal(plain.app.jwks.keys.length, 1);
    const cleared = await must(call(server, 'PATCH', appPath(plain), { auth: world.owner, body: { jwks: null } }), 200);
    assert.equal(cleared.jwks, null);
  });
});
