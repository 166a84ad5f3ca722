// Concurrent admin writers (issue 9 item 1; docs/ARCHITECTURE.md "Writes"): writers
// wait their turn in a fair in-process queue in front of the database lock, so many
// callers creating apps in one tenant all succeed (none refused as busy, none
// duplicated, the limit exact), and a write waiting for its turn never stalls the
// other connections of the HTTP worker that received it: admin writes run on a
// small worker pool, the HTTP threads keep answering tokens and reads. The tests
// assert outcomes and ordering, never timings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

let server, admin;

before(async () => {
  server = await startServer();
  admin = await loginAdmin(server);
});
after(async () => { await server?.stop(); });

const tally = (results) => {
  const out = {};
  for (const r of results) {
    const key = r.status === 201 ? '201' : `${r.status} ${r.body?.code}`;
    out[key] = (out[key] || 0) + 1;
  }
  return out;
};

/** Runs `total` creates in tenant T from `callers` concurrent callers; returns every answer. */
async function createMany(srv, T, total, callers, prefix) {
  const results = [];
  let next = 0;
  const caller = async () => {
    while (next < total) {
      const i = next++;
      const r = await call(srv, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: `${prefix}-${i}`, region_code: T.regionCode } });
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return results;
}

async function listAll(srv, T) {
  const items = [];
  let cursor = null;
  do {
    const page = await call(srv, 'GET', `/api/v1/tenants/${T.tenantId}/apps?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { auth: T.owner });
    assert.equal(page.status, 200, page.text);
    items.push(...page.body.items);
    cursor = page.body.next_cursor;
  } while (cursor);
  return items;
}

test('16 concurrent callers create 400 apps in one tenant: every create succeeds, none duplicated', async () => {
  const T = await seedTenant(server, admin, { appLimit: 1000 });
  const results = await createMany(server, T, 400, 16, 'w');
  assert.deepEqual(tally(results), { 201: 400 });
  const ids = new Set(results.map((r) => r.body.app.id));
  const clientIds = new Set(results.map((r) => r.body.client_id));
  assert.equal(ids.size, 400);
  assert.equal(clientIds.size, 400);
  const listed = await listAll(server, T);
  assert.equal(listed.length, 400);
  assert.deepEqual(listed.map((a) => a.id).sort(), [...ids].sort());
  assert.equal(new Set(listed.map((a) => a.name)).size, 400);
});

test('16 concurrent callers against app_limit 50: exactly 50 created, the rest app_limit_reached, never 5xx', async () => {
  const T = await seedTenant(server, admin, { appLimit: 50 });
  const results = await createMany(server, T, 120, 16, 'l');
  assert.deepEqual(tally(results), { 201: 50, '409 app_limit_reached': 70 });
  assert.equal((await listAll(server, T)).length, 50);
});

/**
 * Holds the database's writer lock from outside the server (the same lock every
 * tenantd write transaction takes: SQLite's write lock, or PostgreSQL's writer advisory
 * lock) until release() is called.
 */
async function holdWriterLock(srv) {
  const url = srv.env.TENANTD_DATABASE;
  const child = url.startsWith('sqlite:')
    ? spawn('sqlite3', [url.slice('sqlite:'.length)], { stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn('psql', ['-X', '-q', '-At', '-d', url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lock = url.startsWith('sqlite:') ? 'BEGIN IMMEDIATE;\n' : 'BEGIN; SELECT pg_advisory_xact_lock(7414301);\n';
  let out = '';
  const held = new Promise((resolve) => child.stdout.on('data', (d) => { out += d; if (out.includes('held')) resolve(); }));
  child.stdin.write(`${lock}SELECT 'held';\n`);
  await held;
  const exited = new Promise((r) => child.on('exit', r));
  return {
    release: async () => { child.stdin.end('ROLLBACK;\n'); await exited; },
  };
}

test('while writes wait their turn, the same HTTP worker keeps answering tokens and reads', async () => {
  // One HTTP worker: every connection below is served by the same epoll thread.
  const one = await startServer({ TENANTD_THREADS: '1' });
  try {
    const boss = await loginAdmin(one);
    const T = await seedTenant(one, boss, { appLimit: 100 });
    const made = await call(one, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: uniq('tok'), region_code: T.regionCode } });
    assert.equal(made.status, 201, made.text);
    const basic = `Basic ${Buffer.from(`${made.body.client_id}:${made.body.client_secret}`).toString('base64')}`;
    const token = () => fetch(`${one.url}/connect/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });

    const lock = await holdWriterLock(one);
    let settled = 0;
    let writes;
    try {
      writes = Array.from({ length: 6 }, (_, i) =>
        call(one, 'POST', `/api/v1/tenants/${T.tenantId}/apps`, { auth: T.owner, body: { name: `queued-${i}`, region_code: T.regionCode } })
          .then((r) => { settled++; return r; }));
      await new Promise((r) => setTimeout(r, 200)); // let every write reach the queue
      for (let i = 0; i < 5; i++) {
        assert.equal((await token()).status, 200);
        const got = await call(one, 'GET', `/api/v1/tenants/${T.tenantId}/apps/${made.body.app.id}`, { auth: T.owner });
        assert.equal(got.status, 200, got.text);
      }
      assert.equal((await call(one, 'GET', '/healthz')).status, 200);
      assert.equal(settled, 0, 'tokens and reads were answered while every write was still waiting');
    } finally {
      await lock.release();
    }
    assert.deepEqual(tally(await Promise.all(writes)), { 201: 6 });
    assert.equal((await listAll(one, T)).length, 7);
  } finally {
    await one.stop();
  }
});
