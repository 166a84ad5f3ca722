// Email outbox delivery over SMTP (SPEC §1): with TENANTD_SMTP_URL set, queued mail
// (welcome, activation, invitation) is delivered to a local SMTP sink (Debian's
// python3-aiosmtpd); without it, mail stays queued and only recipient + subject are
// logged, never the body (which may hold an invitation token).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { startServer, call, loginAdmin, seedTenant, sql, uniq } from './lib/harness.mjs';

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

// aiosmtpd's Debugging handler (prints each message to stdout), answering DATA after
// delayMs: a slow relay keeps a message "in flight" long enough for a second sender
// to poll, which is what the two-node test needs to catch a double send.
const SINK = `
import asyncio, sys, threading
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Debugging
class Slow(Debugging):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(float(sys.argv[2]) / 1000)
        return await super().handle_DATA(server, session, envelope)
Controller(Slow(sys.stdout), hostname='127.0.0.1', port=int(sys.argv[1])).start()
threading.Event().wait()
`;

async function startSink({ delayMs = 0 } = {}) {
  const port = await freePort();
  const child = spawn('/usr/bin/python3', ['-u', '-c', SINK, String(port), String(delayMs)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
  // Raw bytes, decoded as a whole: a multi-byte character split across two chunks
  // must not turn into replacement characters.
  const chunks = [];
  const sink = { port, child, get out() { return Buffer.concat(chunks).toString('utf8'); } };
  child.stdout.on('data', (d) => { chunks.push(d); });
  child.stderr.on('data', (d) => { chunks.push(d); });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); });
    if (up) return sink;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('SMTP sink did not start');
}

async function waitFor(pred, ms = 10000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (pred()) return true; await new Promise((r) => setTimeout(r, 100)); }
  return false;
}

let sink, server, admin;
before(async () => {
  sink = await startSink();
  server = await startServer({ TENANTD_SMTP_URL: `smtp://127.0.0.1:${sink.port}`, TENANTD_SMTP_FROM: 'noreply@tenantd.test' });
  admin = await loginAdmin(server);
});
after(async () => { await server?.stop(); sink?.child.kill(); });

test('welcome, activation and invitation emails are delivered by SMTP', async () => {
  const world = await seedTenant(server, admin);
  assert.ok(await waitFor(() => sink.out.includes(world.ownerEmail)), `no mail to ${world.ownerEmail}:\n${sink.out}`);
  assert.match(sink.out, /From: noreply@tenantd\.test/);
  const invitee = `${uniq('inv')}@example.com`;
  const inv = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner, body: { email: invitee, role: 'viewer' } });
  assert.equal(inv.status, 201, inv.text);
  assert.ok(await waitFor(() => sink.out.includes(`To: ${invitee}`)), 'invitation not delivered');
  // The invitation mail carries the accept link; the server log never does.
  const token = new URL(inv.body.accept_url.replace('#/accept', 'accept')).searchParams.get('token');
  assert.ok(token && sink.out.includes(token), 'accept link missing from the mail');
  assert.ok(await waitFor(() => server.stderr.includes(`email sent to ${invitee}`)));
  assert.ok(!server.stderr.includes(token), 'token leaked into the server log');
});

// R4 end to end: a 100-character tenant name of 3-byte characters makes the
// invitation subject longer than the outbox's 200 bytes. It is shortened on a
// character boundary (PostgreSQL used to refuse the cut sequence: 500), delivered
// as valid UTF-8, and the sent message's claim and body are cleared.
test('a long multi-byte tenant name: the invitation is delivered with a valid, shortened subject', async () => {
  const world = await seedTenant(server, admin);
  const name = '漢'.repeat(100);
  const renamed = await call(server, 'PATCH', `/api/v1/tenants/${world.tenantId}`, { auth: admin, body: { name } });
  assert.equal(renamed.status, 200, renamed.text);
  const invitee = `${uniq('cjk')}@example.com`;
  const inv = await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner, body: { email: invitee, role: 'viewer' } });
  assert.equal(inv.status, 201, inv.text);
  const subject = `You are invited to join ${'漢'.repeat(57)}…`;
  assert.ok(Buffer.byteLength(subject) <= 200);
  assert.ok(await waitFor(() => server.stderr.includes(`email sent to ${invitee}`)), 'not sent');
  assert.ok(await waitFor(() => sink.out.includes(`To: ${invitee}`)), 'not delivered');
  const mail = sink.out.slice(sink.out.indexOf(`To: ${invitee}`));
  assert.ok(mail.includes(`Subject: ${subject}\n`), mail.slice(0, 400));
  assert.ok(!mail.slice(0, 400).includes('\ufffd'), 'no broken character in the headers');
  assert.ok(mail.includes(`"${name}"`), 'the body names the tenant in full');
  const row = sql(server, `SELECT status, body, claimed_until FROM outbox WHERE recipient = '${invitee}'`);
  assert.deepEqual(row, [{ status: 'sent', body: '', claimed_until: null }]);
});

// Two nodes with SMTP on one database (SQLite file or PostgreSQL): each message is
// claimed atomically (store_outbox_claim_next), so every email is delivered exactly
// once — before claims, two polling senders could both send the same message.
test('two nodes sending from one outbox deliver each message exactly once', async () => {
  const slow = await startSink({ delayMs: 400 });
  const smtp = { TENANTD_SMTP_URL: `smtp://127.0.0.1:${slow.port}`, TENANTD_SMTP_FROM: 'noreply@tenantd.test' };
  const first = await startServer(smtp);
  const second = await startServer({ ...smtp, TENANTD_DATABASE: first.env.TENANTD_DATABASE, TENANTD_DATA_DIR: first.env.TENANTD_DATA_DIR },
    { createAdmin: false });
  try {
    const admin1 = await loginAdmin(first);
    const world = await seedTenant(first, admin1);
    const invitees = Array.from({ length: 12 }, (_, i) => `${uniq(`dup${i}-`)}@example.com`);
    const made = await Promise.all(invitees.map((email, i) => call(i % 2 ? second : first, 'POST',
      `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner, body: { email, role: 'viewer' } })));
    for (const r of made) assert.equal(r.status, 201, r.text);
    const sentBy = (node, email) => node.stderr.split('\n').filter((l) => l.includes(`email sent to ${email}:`)).length;
    assert.ok(await waitFor(() => invitees.every((e) => sentBy(first, e) + sentBy(second, e) >= 1), 20000), 'not all sent');
    await new Promise((r) => setTimeout(r, 1500)); // a duplicate would come within a poll or two
    for (const email of invitees) {
      assert.equal(sentBy(first, email) + sentBy(second, email), 1, `${email} sent once`);
      assert.equal(slow.out.split(`To: ${email}\n`).length - 1, 1, `${email} delivered once`);
    }
    const rows = sql(first, `SELECT status, claimed_until FROM outbox WHERE recipient IN (${invitees.map((e) => `'${e}'`).join(',')})`);
    assert.equal(rows.length, invitees.length);
    assert.ok(rows.every((r) => r.status === 'sent' && r.claimed_until === null), JSON.stringify(rows));
    // both nodes took part (the slow relay leaves each message in flight for 400 ms)
    assert.ok(invitees.some((e) => sentBy(first, e)) && invitees.some((e) => sentBy(second, e)), 'both nodes sent');
  } finally {
    await second.stop(); // first: it owns the database
    await first.stop();
    slow.child.kill();
  }
});

test('without SMTP, mail stays queued and the log shows no body', async () => {
  const quiet = await startServer();
  try {
    const a = await loginAdmin(quiet);
    const world = await seedTenant(quiet, a);
    const invitee = `${uniq('inv')}@example.com`;
    const inv = await call(quiet, 'POST', `/api/v1/tenants/${world.tenantId}/invitations`, { auth: world.owner, body: { email: invitee, role: 'admin' } });
    assert.equal(inv.status, 201);
    const token = new URL(inv.body.accept_url.replace('#/accept', 'accept')).searchParams.get('token');
    assert.ok(await waitFor(() => quiet.stderr.includes(`email queued to ${invitee}`)));
    assert.ok(!quiet.stderr.includes(token));
    assert.ok(!quiet.stderr.includes('email sent'));
  } finally {
    await quiet.stop();
  }
});
