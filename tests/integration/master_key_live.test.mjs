// `tenantd keys rotate-master` while a server is running: the server still holds the
// old master key in memory, so re-sealed envelopes are unreadable to it until it
// restarts. Signing keys it already holds must keep working through later key-set
// reloads (a `keys rotate` after the master rotation), and a restarted server reads
// everything under the new master key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { startServer, cli, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let first, second;
after(async () => { await second?.stop(); await first?.stop(); });

async function token(server, app) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json() };
}

test('tokens keep flowing through rotate-master + keys rotate; a restart uses the new keys', async () => {
  first = await startServer({ TENANTD_KEY_PUBLISH_LEAD_SECONDS: '1', TENANTD_ISSUER: 'http://tenantd.test' });
  const admin = await loginAdmin(first);
  const world = await seedTenant(first, admin);
  const made = await call(first, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('live'), region_code: world.regionCode } });
  assert.equal(made.status, 201, made.text);
  const app = made.body;
  const before = await token(first, app);
  assert.equal(before.status, 200);
  const oldKid = decodeProtectedHeader(before.body.access_token).kid;

  const rotated = cli(first, ['keys', 'rotate-master']);
  assert.equal(rotated.status, 0, rotated.stderr);
  const keys = cli(first, ['keys', 'rotate']);
  assert.equal(keys.status, 0, keys.stderr);
  await new Promise((r) => setTimeout(r, 2500)); // past the lead and the 1 s reload

  const during = await token(first, app);
  assert.equal(during.status, 200, JSON.stringify(during.body));
  const jwks = createRemoteJWKSet(new URL(`${first.url}/.well-known/jwks.json`));
  await jwtVerify(during.body.access_token, jwks, { issuer: 'http://tenantd.test', audience: 'tenantd-api' });

  // A new process on the same database and data dir loads the new master key.
  second = await startServer({ TENANTD_DATABASE: first.env.TENANTD_DATABASE, TENANTD_DATA_DIR: first.env.TENANTD_DATA_DIR, TENANTD_ISSUER: 'http://tenantd.test' }, { createAdmin: false });
  const after = await token(second, app);
  assert.equal(after.status, 200, JSON.stringify(after.body));
  const newKid = decodeProtectedHeader(after.body.access_token).kid;
  assert.notEqual(newKid, oldKid, 'the restarted server signs with the rotated key');
  const jwks2 = createRemoteJWKSet(new URL(`${second.url}/.well-known/jwks.json`));
  await jwtVerify(after.body.access_token, jwks2, { issuer: 'http://tenantd.test', audience: 'tenantd-api' });
  await jwtVerify(before.body.access_token, jwks2, { issuer: 'http://tenantd.test', audience: 'tenantd-api' });
});
