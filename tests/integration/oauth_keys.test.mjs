// SPEC §3.3–3.4: the three signing algorithms (ES256 default, RS256, Ed25519 with
// the older EdDSA name as an option) verified by jose against the published JWKS,
// and zero-downtime rotation with `tenantd keys rotate`: the new key is published
// before it signs, and the old key stays published while its tokens live.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { call, cli, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';

const basic = (id, secret) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function token(server, app) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.clientId, app.secret) },
    body: 'grant_type=client_credentials',
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}
async function jwks(server) {
  const res = await fetch(`${server.url}/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  return { cacheControl: res.headers.get('cache-control'), keys: (await res.json()).keys };
}
async function worldWithApp(server) {
  const admin = await loginAdmin(server);
  const world = await seedTenant(server, admin);
  const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: admin, body: { name: uniq('app'), region_code: world.regionCode } });
  assert.equal(r.status, 201, r.text);
  return { clientId: r.body.client_id, secret: r.body.client_secret };
}
const verify = (server, jwt, alg) => jwtVerify(jwt, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), {
  issuer: server.url, audience: 'tenantd-api', typ: 'at+jwt', algorithms: [alg],
});

for (const [alg, kty, crv] of [['RS256', 'RSA', undefined], ['Ed25519', 'OKP', 'Ed25519'], ['EdDSA', 'OKP', 'Ed25519']]) {
  describe(`TENANTD_SIGNING_ALG=${alg}`, () => {
    let server, app;
    before(async () => {
      server = await startServer({ TENANTD_SIGNING_ALG: alg });
      app = await worldWithApp(server);
    });
    after(async () => { await server?.stop(); });

    it(`signs ${alg} tokens that verify against the JWKS`, async () => {
      const jwt = await token(server, app);
      const h = header(jwt);
      assert.equal(h.alg, alg);
      assert.equal(h.typ, 'at+jwt');
      const { keys } = await jwks(server);
      assert.equal(keys.length, 1);
      assert.equal(keys[0].kty, kty);
      assert.equal(keys[0].crv, crv);
      assert.equal(keys[0].alg, alg);
      assert.equal(keys[0].kid, h.kid);
      assert.equal(keys[0].d, undefined);
      const { payload, protectedHeader } = await verify(server, jwt, alg);
      assert.equal(protectedHeader.alg, alg);
      assert.equal(payload.client_id, app.clientId);
      const metadata = await (await fetch(`${server.url}/.well-known/openid-configuration`)).json();
      assert.equal(metadata.issuer, server.url);
    });

    it('introspection accepts its own tokens', async () => {
      const jwt = await token(server, app);
      const res = await fetch(`${server.url}/connect/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(app.clientId, app.secret) },
        body: new URLSearchParams({ token: jwt }).toString(),
      });
      assert.equal((await res.json()).active, true);
    });
  });
}

describe('key rotation (ES256, publish lead 1 s)', () => {
  let server, app;
  before(async () => {
    server = await startServer({ TENANTD_KEY_PUBLISH_LEAD_SECONDS: '1' });
    app = await worldWithApp(server);
  });
  after(async () => { await server?.stop(); });

  it('publishes the new key before it signs, then keeps the old one published', async () => {
    const before1 = await jwks(server);
    assert.equal(before1.keys.length, 1);
    assert.equal(before1.cacheControl, 'public, max-age=1', 'JWKS max-age never exceeds the publish lead');
    const oldKid = before1.keys[0].kid;
    const oldToken = await token(server, app);
    assert.equal(header(oldToken).kid, oldKid);

    const rotated = cli(server, ['keys', 'rotate']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKid = rotated.stdout.match(/signing key (\S+) published/)?.[1];
    assert.ok(newKid && newKid !== oldKid, rotated.stdout);

    // Alternate token requests and JWKS fetches: the new kid must show up in the
    // JWKS (the endpoint re-reads the store when its view is >100 ms old) while
    // tokens still carry the old kid, and only later sign.
    let published = false;
    let oldAfterPublish = 0;
    let signing = false;
    for (let i = 0; i < 80 && !signing; i++) {
      const kid = header(await token(server, app)).kid;
      if (kid === newKid) {
        assert.ok(published, 'the new key signed before the JWKS published it');
        signing = true;
        break;
      }
      assert.equal(kid, oldKid);
      if (published) oldAfterPublish++;
      const kids = (await jwks(server)).keys.map((k) => k.kid);
      if (kids.includes(newKid)) {
        assert.ok(kids.includes(oldKid));
        published = true;
      }
      await sleep(50);
    }
    assert.ok(signing, 'the new key never started signing');
    assert.ok(oldAfterPublish > 0, 'no publish lead was observed');
    const newToken = await token(server, app);

    // The old key stays published, so tokens it signed still verify.
    const afterRotation = await jwks(server);
    assert.deepEqual(afterRotation.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
    await verify(server, oldToken, 'ES256');
    await verify(server, newToken, 'ES256');

    // The operator view agrees.
    const list = cli(server, ['keys', 'list']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${newKid}\\s+ES256\\s+active`));
    assert.match(list.stdout, new RegExp(`${oldKid}\\s+ES256\\s+retired`));
  });

  it('rejects unknown subcommands', () => {
    const r = cli(server, ['keys', 'explode']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /usage/);
  });
});
