// Availability through a database outage (SPEC §3.2a), on PostgreSQL: a private
// cluster (lib/pgcluster.mjs) is stopped and started again while a node serves.
//   - warm apps keep getting tokens with the database stopped;
//   - an uncached client gets a prompt 503 temporarily_unavailable (no hang);
//   - /readyz says degraded (200), /readyz?strict=1 says 503, /metrics says so;
//   - past TENANTD_STALE_MAX_SECONDS (short here) every token request fails closed;
//   - when the database returns, the node catches up without a restart, including
//     a change committed by another node while this one could not see the database.
// Timing assertions are generous (sanitizer build); the measured figures are in
// docs/PERFORMANCE.md.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BACKEND, call, login, loginAdmin, seedTenant, startServer, uniq } from './lib/harness.mjs';
import { createCluster } from './lib/pgcluster.mjs';

const STALE_SECONDS = 6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function token(server, app) {
  const res = await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret }),
  });
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
}

async function metric(server, name) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\S+)`, 'm'));
  return m ? Number(m[1]) : NaN;
}

async function until(what, check, ms = 5000) {
  const deadline = performance.now() + ms;
  for (;;) {
    if (await check()) return;
    assert.ok(performance.now() < deadline, `${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

describe('database outage (PostgreSQL)', { skip: BACKEND !== 'postgres' && 'runs in the PostgreSQL stage of make test' }, () => {
  let cluster, A, B, admin, world;
  const apps = {};

  async function newApp(server) {
    const r = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('av'), region_code: world.regionCode } });
    assert.equal(r.status, 201, r.text);
    return { id: r.body.app.id, clientId: r.body.client_id, secret: r.body.client_secret };
  }

  before(async () => {
    cluster = createCluster();
    const url = cluster.createDatabase('tenantd_availability');
    A = await startServer({ TENANTD_DATABASE: url, TENANTD_STALE_MAX_SECONDS: String(STALE_SECONDS) });
    admin = await loginAdmin(A);
    world = await seedTenant(A, admin, { appLimit: 20 });
    for (const name of ['warm', 'cold', 'changed', 'late']) apps[name] = await newApp(A);
    assert.equal((await token(A, apps.warm)).status, 200);
    assert.equal((await token(A, apps.changed)).status, 200);
  });

  after(async () => {
    await B?.stop();
    await A?.stop();
    cluster?.destroy();
  });

  it('serves warm apps, refuses cold ones at once, reports degraded, fails closed after the bound, recovers', async () => {
    const ready0 = await call(A, 'GET', '/readyz');
    assert.equal(ready0.status, 200, ready0.text);
    assert.equal(ready0.body.status, 'ok');

    cluster.stop();
    const stoppedAt = performance.now();
    // Warm: every request succeeds while the database is down.
    let served = 0;
    while (performance.now() - stoppedAt < 2000) {
      const r = await token(A, apps.warm);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      served++;
    }
    assert.ok(served > 10);
    // Cold: a prompt 503.
    const t0 = performance.now();
    const cold = await token(A, apps.cold);
    const coldMs = performance.now() - t0;
    assert.equal(cold.status, 503);
    assert.equal(cold.body.error, 'temporarily_unavailable');
    assert.ok(cold.retryAfter, 'Retry-After');
    assert.ok(coldMs < 1000, `cold client refused promptly (${coldMs} ms)`);
    // Readiness and metrics tell the truth.
    const ready = await call(A, 'GET', '/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.body.status, 'degraded');
    assert.ok(ready.body.reasons.some((r) => /database unreachable/.test(r)), ready.text);
    assert.equal((await call(A, 'GET', '/readyz?strict=1')).status, 503);
    assert.equal(await metric(A, 'tenantd_serving_stale'), 1);
    assert.equal(await metric(A, 'tenantd_database_reachable'), 0);

    // Past the stale bound: fail closed.
    await sleep(Math.max(0, STALE_SECONDS * 1000 + 500 - (performance.now() - stoppedAt)));
    const closed = await token(A, apps.warm);
    assert.equal(closed.status, 503, JSON.stringify(closed.body));
    assert.equal(closed.body.error, 'temporarily_unavailable');
    assert.equal((await call(A, 'GET', '/readyz')).status, 503);
    assert.equal(await metric(A, 'tenantd_failing_closed'), 1);

    // The database returns: the node catches up without a restart.
    cluster.start();
    await until('warm app served again', async () => (await token(A, apps.warm)).status === 200, 10000);
    await until('cold app served', async () => (await token(A, apps.cold)).status === 200, 5000);
    const back = await call(A, 'GET', '/readyz');
    assert.equal(back.status, 200);
    await until('readyz ok', async () => (await call(A, 'GET', '/readyz')).body.status === 'ok', 5000);
    assert.equal(await metric(A, 'tenantd_failing_closed'), 0);
  });

  it('a change committed elsewhere while a node was cut off is applied when it reconnects', async () => {
    // Node B shares the database; A is warm on `changed`. Stop the database, let A
    // notice, start it, and disable the app through B before A's follower is back:
    // A must apply the change from the feed (no restart, no timer).
    B = await startServer({ TENANTD_DATABASE: A.env.TENANTD_DATABASE, TENANTD_DATA_DIR: A.env.TENANTD_DATA_DIR }, { createAdmin: false });
    const ownerB = await login(B, world.ownerEmail, world.ownerPassword);
    assert.equal((await token(A, apps.changed)).status, 200);
    cluster.stop();
    await until('A notices', async () => (await metric(A, 'tenantd_database_reachable')) === 0);
    cluster.start();
    const r = await call(B, 'POST', `/api/v1/tenants/${world.tenantId}/apps/${apps.changed.id}/disable`, { auth: ownerB });
    assert.equal(r.status, 200, r.text);
    await until('A refuses the app disabled on B', async () => {
      const t = await token(A, apps.changed);
      return t.status === 400 && t.body.error_description === 'app is disabled';
    }, 10000);
    // and a client created on B while A was away is found by A
    const late = await newApp(B);
    assert.equal((await token(A, late)).status, 200);
  });
});
