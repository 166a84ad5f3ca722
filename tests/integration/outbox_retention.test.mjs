// Outbox retention (issue 9 item 8; docs/AUTH.md "Outbox"): without SMTP, an
// invitation email — whose body holds the accept link, i.e. the raw token — used to
// stay queued in plaintext forever. Now a queued message lives as long as the
// invitation it may carry (TENANTD_INVITATION_TTL_SECONDS): then it is expired
// (status failed, body cleared, last_error "expired before delivery") by the
// retention pass every node runs, SMTP or not. Finished rows are deleted after a
// keep period (7 days; tests/unit/test_store_outbox.c covers that clock).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, loginAdmin, seedTenant, sql, startServer, uniq } from './lib/harness.mjs';

const TTL = 2;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tokenOf = (acceptUrl) => new URL(acceptUrl.replace('/#/', '/')).searchParams.get('token');

async function waitFor(pred, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(100);
  }
  return pred();
}

let server, admin, world;
before(async () => {
  server = await startServer({ TENANTD_INVITATION_TTL_SECONDS: String(TTL) });
  admin = await loginAdmin(server);
  world = await seedTenant(server, admin);
});
after(async () => { await server?.stop(); });

const rowOf = (email) => sql(server, `SELECT status, body, last_error, claimed_until FROM outbox WHERE recipient = '${email}'`);

test('without SMTP, a queued invitation keeps its link only for the invitation lifetime', async () => {
  const email = `${uniq('ret')}@example.com`;
  const inv = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner, body: { email, role: 'viewer' } });
  assert.equal(inv.status, 201, inv.text);
  const token = tokenOf(inv.body.accept_url);
  assert.ok(token);
  const created = Date.now();
  // While the invitation lives, its email waits (an operator may still configure SMTP).
  let [row] = rowOf(email);
  assert.equal(row.status, 'queued');
  assert.ok(row.body.includes(token), 'the body carries the link until it expires');

  // Expired within the lifetime plus one retention interval (half the lifetime, at least 1 s).
  assert.ok(await waitFor(() => rowOf(email)[0]?.status === 'failed', 15000), `still ${JSON.stringify(rowOf(email))}`);
  const took = Date.now() - created;
  assert.ok(took >= (TTL - 1) * 1000, `expired too early (${took} ms)`);
  [row] = rowOf(email);
  assert.deepEqual(row, { status: 'failed', body: '', last_error: 'expired before delivery', claimed_until: null });
  // No copy of the token is left in the outbox, and the invitation itself is dead.
  const holding = sql(server, `SELECT COUNT(*) AS n FROM outbox WHERE body LIKE '%${token.replace(/[_%]/g, '\\$&')}%' ESCAPE '\\'`);
  assert.equal(holding[0].n, 0);
  const list = await call(server, 'GET', `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner });
  assert.equal(list.body.items.find((i) => i.id === inv.body.invitation.id).status, 'expired');
  assert.match(server.stderr, /outbox retention: \d+ message\(s\) expired or removed/);
  assert.ok(!server.stderr.includes(token), 'the token never reaches the log');
});

test('every queued message expires the same way (the welcome mail of a sign-up too); nothing queued outlives the lifetime', async () => {
  const email = `${uniq('welcome')}@example.com`;
  const r = await call(server, 'POST', '/api/v1/auth/signup', { body: { email, password: 'owner-password-123', display_name: 'W', tenant_name: uniq('T ') } });
  assert.equal(r.status, 201, r.text);
  assert.equal(rowOf(email)[0].status, 'queued');
  assert.ok(await waitFor(() => rowOf(email)[0]?.status === 'failed', 15000));
  await sleep(1500);
  const cutoff = Math.floor(Date.now() / 1000) - TTL - 2;
  const stale = sql(server, `SELECT COUNT(*) AS n FROM outbox WHERE status = 'queued' AND created_at < ${cutoff}`);
  assert.equal(stale[0].n, 0, 'no queued message older than the lifetime (plus one interval)');
});
