// Email outbox delivery over SMTP (SPEC §1): with TENANTD_SMTP_URL set, queued mail
// (welcome, activation, invitation) is delivered to a local SMTP sink (Debian's
// python3-aiosmtpd); without it, mail stays queued and only recipient + subject are
// logged, never the body (which may hold an invitation token).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function startSink() {
  const port = await freePort();
  const child = spawn('/usr/bin/python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Debugging', 'stdout'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = { port, child, out: '' };
  child.stdout.on('data', (d) => { sink.out += d.toString(); });
  child.stderr.on('data', (d) => { sink.out += d.toString(); });
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
