// Tenant members and invitations: invite → accept (single use), cancel, expiry, roles,
// the last-owner rule, tenant isolation, CSRF and audit (SPEC §1 User, §4.3).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, loginAdmin, sql, startServer, uniq } from './lib/harness.mjs';

const PASSWORD = 'member-password-42';
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function assertProblem(res, status, code, field) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body?.code, code, res.text);
  if (field !== undefined) assert.equal(res.body.errors?.[0]?.field, field, res.text);
}

/** Signs up a new tenant; returns {tenantId, email, session}. */
async function newTenant(server, label) {
  const email = `${uniq(label)}@example.com`;
  const res = await call(server, 'POST', '/api/v1/auth/signup', {
    body: { email, password: PASSWORD, display_name: label, tenant_name: uniq(`${label} org `) },
  });
  assert.equal(res.status, 201, res.text);
  return { tenantId: res.body.tenant.id, tenantName: res.body.tenant.name, email, session: await login(server, email, PASSWORD) };
}

/**
 * The subject of the one outbox message to recipient, as stored bytes (hex from the
 * database, so nothing on the way repairs a broken sequence) decoded as strict UTF-8:
 * throws on invalid UTF-8.
 */
function storedSubject(server, recipient) {
  const hex = server.backend === 'sqlite' ? 'hex(subject)' : "encode(convert_to(subject, 'UTF8'), 'hex')";
  const rows = sql(server, `SELECT ${hex} AS h FROM outbox WHERE recipient = '${recipient}'`);
  assert.equal(rows.length, 1, `one mail to ${recipient}`);
  const bytes = Buffer.from(rows[0].h, 'hex');
  return { bytes: bytes.length, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
}

const tokenOf = (acceptUrl) => new URL(acceptUrl.replace('/#/', '/')).searchParams.get('token');

async function invite(server, auth, tenantId, email, role) {
  return call(server, 'POST', `/api/v1/tenants/${tenantId}/invitations`, { auth, body: { email, role } });
}

async function accept(server, token, overrides = {}) {
  return call(server, 'POST', '/api/v1/invitations/accept', {
    body: { token, password: PASSWORD, display_name: 'Invited Person', ...overrides },
  });
}

/** Invites and accepts; returns {id, email, session}. */
async function addMember(server, auth, tenantId, role) {
  const email = `${uniq(role)}@example.com`;
  const inv = await invite(server, auth, tenantId, email, role);
  assert.equal(inv.status, 201, inv.text);
  const acc = await accept(server, tokenOf(inv.body.accept_url));
  assert.equal(acc.status, 201, acc.text);
  return { id: acc.body.user.id, email, session: await login(server, email, PASSWORD) };
}

describe('members and invitations', () => {
  let server, admin, a, b;

  before(async () => {
    server = await startServer();
    admin = await loginAdmin(server);
    a = await newTenant(server, 'alpha');
    b = await newTenant(server, 'beta');
  });
  after(async () => { await server?.stop(); });

  test('invite → accept creates the member; the token works once and is never logged', async () => {
    const email = `${uniq('Invitee')}@Example.com`;
    const res = await invite(server, a.session, a.tenantId, ` ${email} `, 'admin');
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['accept_url', 'invitation']);
    const inv = res.body.invitation;
    assert.deepEqual(Object.keys(inv).sort(), ['created_at', 'email', 'expires_at', 'id', 'role', 'status']);
    assert.match(inv.id, UUID);
    assert.equal(inv.email, email.toLowerCase());
    assert.equal(inv.role, 'admin');
    assert.equal(inv.status, 'pending');
    assert.match(inv.created_at, RFC3339);
    const ttl = (Date.parse(inv.expires_at) - Date.parse(inv.created_at)) / 1000;
    assert.equal(ttl, 72 * 3600, 'invitations last 72 hours');
    assert.ok(res.body.accept_url.startsWith(`${server.url}/#/accept?token=`), res.body.accept_url);
    const token = tokenOf(res.body.accept_url);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);

    assert.ok(server.stderr.includes(`email queued to ${email.toLowerCase()}: You are invited to join ${a.tenantName}`), server.stderr);
    assert.ok(!server.stderr.includes(token), 'the token never reaches the log');

    // invited but not accepted: no account to sign in to
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } }), 401, 'invalid_credentials');

    const list = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items.find((i) => i.id === inv.id), inv);
    assert.ok(!list.text.includes(token));

    const acc = await accept(server, token, { display_name: '  Ivy  ' });
    assert.equal(acc.status, 201, acc.text);
    assert.deepEqual(Object.keys(acc.body).sort(), ['role', 'tenant', 'user']);
    assert.equal(acc.body.role, 'admin');
    assert.equal(acc.body.user.email, email.toLowerCase());
    assert.equal(acc.body.user.display_name, 'Ivy');
    assert.equal(acc.body.tenant.id, a.tenantId);
    assert.deepEqual(Object.keys(acc.body.tenant).sort(), ['app_limit', 'created_at', 'id', 'name', 'status']);

    const s = await login(server, email, PASSWORD);
    const me = await call(server, 'GET', '/api/v1/me', { auth: s });
    assert.equal(me.body.role, 'admin');
    assert.equal(me.body.tenant.id, a.tenantId);

    assertProblem(await accept(server, token, { password: 'second-password-1' }), 400, 'invalid_invitation', 'token');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: 'second-password-1' } }), 401, 'invalid_credentials');
    const after = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session });
    assert.equal(after.body.items.find((i) => i.id === inv.id).status, 'accepted');

    const audit = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/audit?limit=200`, { auth: a.session });
    const actions = audit.body.items.map((e) => e.action);
    assert.ok(actions.includes('invitation.create') && actions.includes('invitation.accept'), actions.join());
    assert.ok(!audit.text.includes(token), 'the token never reaches the audit trail');
  });

  test('invitation conflicts: already_member, email_taken, invitation_exists', async () => {
    const member = await addMember(server, a.session, a.tenantId, 'viewer');
    assertProblem(await invite(server, a.session, a.tenantId, member.email.toUpperCase(), 'admin'), 409, 'already_member', 'email');
    assertProblem(await invite(server, a.session, a.tenantId, a.email, 'owner'), 409, 'already_member', 'email');
    assertProblem(await invite(server, a.session, a.tenantId, b.email, 'viewer'), 409, 'email_taken', 'email');
    assertProblem(await invite(server, a.session, a.tenantId, 'admin@test.local', 'viewer'), 409, 'email_taken', 'email');
    const email = `${uniq('twice')}@example.com`;
    assert.equal((await invite(server, a.session, a.tenantId, email, 'viewer')).status, 201);
    assertProblem(await invite(server, a.session, a.tenantId, email, 'admin'), 409, 'invitation_exists', 'email');
    // another tenant may invite the same person too (whoever accepts first wins, below)
    const other = await invite(server, b.session, b.tenantId, email, 'viewer');
    assert.equal(other.status, 201, other.text);
  });

  test('accepting an invitation whose email got taken meanwhile → 409 email_taken, invitation stays pending', async () => {
    const email = `${uniq('race')}@example.com`;
    const inv = await invite(server, a.session, a.tenantId, email, 'viewer');
    assert.equal(inv.status, 201);
    const other = await invite(server, b.session, b.tenantId, email, 'viewer');
    assert.equal((await accept(server, tokenOf(other.body.accept_url))).status, 201);
    assertProblem(await accept(server, tokenOf(inv.body.accept_url)), 409, 'email_taken');
    const list = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items;
    assert.equal(list.find((i) => i.id === inv.body.invitation.id).status, 'pending');
  });

  test('invitation input is validated and bad input creates nothing', async () => {
    const before = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items.length;
    const good = `${uniq('v')}@example.com`;
    assertProblem(await invite(server, a.session, a.tenantId, 'not-an-email', 'viewer'), 400, 'invalid_email', 'email');
    assertProblem(await invite(server, a.session, a.tenantId, good, 'superuser'), 400, 'invalid_role', 'role');
    assertProblem(await invite(server, a.session, a.tenantId, good, 'host_admin'), 400, 'invalid_role', 'role');
    assertProblem(await call(server, 'POST', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session, body: { email: good } }), 400, 'missing_field', 'role');
    assertProblem(await call(server, 'POST', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session, body: { email: good, role: 'viewer', note: 'hi' } }), 400, 'unknown_field', 'note');
    assertProblem(await call(server, 'POST', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session, body: '[]' }), 400, 'invalid_json');
    const after = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items.length;
    assert.equal(after, before);
  });

  test('accept validates its input without consuming the token', async () => {
    const email = `${uniq('careful')}@example.com`;
    const inv = await invite(server, a.session, a.tenantId, email, 'viewer');
    const token = tokenOf(inv.body.accept_url);
    assertProblem(await accept(server, token, { password: 'short' }), 400, 'password_too_weak', 'password');
    assertProblem(await accept(server, token, { display_name: '   ' }), 400, 'invalid_name', 'display_name');
    assertProblem(await accept(server, token, { display_name: 'x'.repeat(101) }), 400, 'invalid_name', 'display_name');
    assertProblem(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password: PASSWORD } }), 400, 'missing_field', 'display_name');
    assertProblem(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password: PASSWORD, display_name: 'x', email } }), 400, 'unknown_field', 'email');
    assertProblem(await accept(server, 'A'.repeat(43)), 400, 'invalid_invitation', 'token');
    assertProblem(await accept(server, 'short-token'), 400, 'invalid_invitation', 'token');
    assertProblem(await accept(server, `${token}x`), 400, 'invalid_invitation', 'token');
    assert.equal((await accept(server, token)).status, 201, 'still usable after the rejected attempts');
  });

  test('cancel: pending → cancelled; then the token is refused and a second cancel is 409', async () => {
    const email = `${uniq('cancel')}@example.com`;
    const inv = await invite(server, a.session, a.tenantId, email, 'admin');
    const id = inv.body.invitation.id;
    const noCsrf = await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/${id}`, { auth: a.session, csrf: false });
    assertProblem(noCsrf, 403, 'csrf_failed');
    const del = await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/${id}`, { auth: a.session });
    assert.equal(del.status, 204, del.text);
    const list = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items;
    assert.equal(list.find((i) => i.id === id).status, 'cancelled');
    assertProblem(await accept(server, tokenOf(inv.body.accept_url)), 400, 'invalid_invitation', 'token');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/${id}`, { auth: a.session }), 409, 'invitation_not_pending');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/${crypto.randomUUID()}`, { auth: a.session }), 404, 'invitation_not_found');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/nope`, { auth: a.session }), 404, 'invitation_not_found');
    // a cancelled invitation no longer blocks a new one
    assert.equal((await invite(server, a.session, a.tenantId, email, 'viewer')).status, 201);
    const audit = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/audit?limit=200`, { auth: a.session });
    assert.ok(audit.body.items.some((e) => e.action === 'invitation.cancel' && e.target.id === id));
  });

  test('roles: viewers and admins read but cannot invite or manage members; host admins can', async () => {
    const viewer = await addMember(server, a.session, a.tenantId, 'viewer');
    const adminMember = await addMember(server, a.session, a.tenantId, 'admin');
    for (const who of [viewer.session, adminMember.session]) {
      assert.equal((await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/members`, { auth: who })).status, 200);
      assert.equal((await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: who })).status, 200);
      assertProblem(await invite(server, who, a.tenantId, `${uniq('no')}@example.com`, 'viewer'), 403, 'forbidden');
      assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${a.tenantId}/members/${viewer.id}`, { auth: who, body: { role: 'owner' } }), 403, 'forbidden');
      assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/members/${viewer.id}`, { auth: who }), 403, 'forbidden');
    }
    const pending = await invite(server, a.session, a.tenantId, `${uniq('p')}@example.com`, 'viewer');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${a.tenantId}/invitations/${pending.body.invitation.id}`, { auth: adminMember.session }), 403, 'forbidden');

    const byHost = await invite(server, admin, a.tenantId, `${uniq('host')}@example.com`, 'owner');
    assert.equal(byHost.status, 201, byHost.text);
    assert.equal((await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/members`, { auth: admin })).status, 200);
    assertProblem(await invite(server, admin, crypto.randomUUID(), `${uniq('x')}@example.com`, 'viewer'), 404, 'tenant_not_found');
  });

  test('members list: user fields with role, paginated', async () => {
    const res = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/members`, { auth: a.session });
    assert.equal(res.status, 200, res.text);
    const owner = res.body.items.find((m) => m.email === a.email);
    assert.deepEqual(Object.keys(owner).sort(), ['created_at', 'display_name', 'email', 'id', 'role']);
    assert.equal(owner.role, 'owner');
    assert.ok(res.body.items.every((m) => ['owner', 'admin', 'viewer'].includes(m.role)));
    assert.ok(!res.body.items.some((m) => m.email === b.email || m.email === 'admin@test.local'));
    assert.ok(!res.text.includes('argon2'), 'no password hashes');
    const ids = [];
    let cursor = null;
    do {
      const page = await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/members?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { auth: a.session });
      assert.equal(page.status, 200, page.text);
      assert.ok(page.body.items.length <= 1);
      ids.push(...page.body.items.map((m) => m.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepEqual(ids, res.body.items.map((m) => m.id));
  });

  test('roles change; the last owner can be neither demoted nor removed', async () => {
    const c = await newTenant(server, 'gamma');
    const me = (await call(server, 'GET', '/api/v1/me', { auth: c.session })).body.user;
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${me.id}`, { auth: c.session, body: { role: 'admin' } }), 409, 'last_owner');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${c.tenantId}/members/${me.id}`, { auth: c.session }), 409, 'last_owner');
    // unchanged
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: c.session })).body.role, 'owner');

    const second = await addMember(server, c.session, c.tenantId, 'viewer');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, body: { role: 'god' } }), 400, 'invalid_role', 'role');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, body: {} }), 400, 'missing_field', 'role');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, body: { role: 'owner', email: 'x@y.z' } }), 400, 'unknown_field', 'email');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, csrf: false, body: { role: 'owner' } }), 403, 'csrf_failed');
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: second.session })).body.role, 'viewer', 'nothing changed');

    const promoted = await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, body: { role: 'owner' } });
    assert.equal(promoted.status, 200, promoted.text);
    assert.deepEqual(Object.keys(promoted.body).sort(), ['created_at', 'display_name', 'email', 'id', 'role']);
    assert.equal(promoted.body.role, 'owner');
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: second.session })).body.role, 'owner', 'takes effect at once');

    // now two owners: the first may step down
    const down = await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${me.id}`, { auth: c.session, body: { role: 'viewer' } });
    assert.equal(down.status, 200, down.text);
    assert.equal(down.body.role, 'viewer');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: c.session, body: { role: 'owner' } }), 403, 'forbidden');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${second.id}`, { auth: second.session, body: { role: 'admin' } }), 409, 'last_owner');

    // removal: the member's sessions end with it
    const removed = await call(server, 'DELETE', `/api/v1/tenants/${c.tenantId}/members/${me.id}`, { auth: second.session });
    assert.equal(removed.status, 204, removed.text);
    assertProblem(await call(server, 'GET', '/api/v1/me', { auth: c.session }), 401, 'unauthenticated');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email: c.email, password: PASSWORD } }), 401, 'invalid_credentials');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${c.tenantId}/members/${me.id}`, { auth: second.session }), 404, 'member_not_found');
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/not-a-uuid`, { auth: second.session, body: { role: 'viewer' } }), 404, 'member_not_found');
    // a member of another tenant is not a member here
    const bMe = (await call(server, 'GET', '/api/v1/me', { auth: b.session })).body.user;
    assertProblem(await call(server, 'PATCH', `/api/v1/tenants/${c.tenantId}/members/${bMe.id}`, { auth: second.session, body: { role: 'viewer' } }), 404, 'member_not_found');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${c.tenantId}/members/${bMe.id}`, { auth: second.session }), 404, 'member_not_found');
    // the removed user's email is free again: it can be invited back
    assert.equal((await invite(server, second.session, c.tenantId, c.email, 'viewer')).status, 201);

    const audit = await call(server, 'GET', `/api/v1/tenants/${c.tenantId}/audit?limit=200`, { auth: second.session });
    const upd = audit.body.items.find((e) => e.action === 'member.update' && e.target.id === second.id);
    assert.deepEqual(upd.detail, { email: second.email, role_from: 'viewer', role_to: 'owner' });
    assert.ok(audit.body.items.some((e) => e.action === 'member.remove' && e.target.id === me.id));
  });

  test('an API key acts without CSRF; an owner\'s key can invite', async () => {
    const key = await call(server, 'POST', '/api/v1/me/api-keys', { auth: a.session, body: { name: 'automation' } });
    const res = await invite(server, { apiKey: key.body.key }, a.tenantId, `${uniq('bykey')}@example.com`, 'viewer');
    assert.equal(res.status, 201, res.text);
    const before = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items.length;
    assertProblem(await call(server, 'POST', `/api/v1/tenants/${a.tenantId}/invitations`, { auth: a.session, csrf: false, body: { email: `${uniq('nocsrf')}@example.com`, role: 'viewer' } }), 403, 'csrf_failed');
    assertProblem(await invite(server, { ...a.session, csrf: 'forged' }, a.tenantId, `${uniq('forged')}@example.com`, 'viewer'), 403, 'csrf_failed');
    const after = (await call(server, 'GET', `/api/v1/tenants/${a.tenantId}/invitations?limit=200`, { auth: a.session })).body.items.length;
    assert.equal(after, before, 'nothing created');
  });

  test('tenant isolation: another tenant\'s members and invitations are 404', async () => {
    const aOwner = (await call(server, 'GET', '/api/v1/me', { auth: a.session })).body.user;
    const pending = await invite(server, a.session, a.tenantId, `${uniq('iso')}@example.com`, 'viewer');
    const invId = pending.body.invitation.id;
    const t = a.tenantId;
    const attempts = [
      ['GET', `/api/v1/tenants/${t}/members`],
      ['PATCH', `/api/v1/tenants/${t}/members/${aOwner.id}`, { role: 'viewer' }],
      ['DELETE', `/api/v1/tenants/${t}/members/${aOwner.id}`],
      ['POST', `/api/v1/tenants/${t}/invitations`, { email: `${uniq('x')}@example.com`, role: 'owner' }],
      ['GET', `/api/v1/tenants/${t}/invitations`],
      ['DELETE', `/api/v1/tenants/${t}/invitations/${invId}`],
    ];
    for (const [method, path, body] of attempts) {
      assertProblem(await call(server, method, path, { auth: b.session, body }), 404, 'tenant_not_found');
    }
    // B's own id in B's path cannot reach A's invitation either
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${b.tenantId}/invitations/${invId}`, { auth: b.session }), 404, 'invitation_not_found');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${b.tenantId}/members/${aOwner.id}`, { auth: b.session }), 404, 'member_not_found');
    // nothing changed in A
    const list = (await call(server, 'GET', `/api/v1/tenants/${t}/invitations?limit=200`, { auth: a.session })).body.items;
    assert.equal(list.find((i) => i.id === invId).status, 'pending');
    assert.equal((await call(server, 'GET', '/api/v1/me', { auth: a.session })).body.role, 'owner');
    // unauthenticated
    assertProblem(await call(server, 'GET', `/api/v1/tenants/${t}/members`), 401, 'unauthenticated');
  });

  // R4: the subject "You are invited to join <name>" of a 100-character multi-byte
  // name exceeds the outbox's 200-byte subject; it used to be cut mid-character
  // (PostgreSQL: 500 on the invalid UTF-8; SQLite: a broken subject stored).
  test('invitations for a tenant with a long multi-byte name: 201, subject cut on a character boundary', async () => {
    const prefix = 'You are invited to join ';
    // a host admin creates the tenant with its owner invitation (3-byte characters:
    // 24 + 3k never lands on byte 200)
    const ownerEmail = `${uniq('cjk-owner')}@example.com`;
    const cjk = '漢'.repeat(100);
    const made = await call(server, 'POST', '/api/v1/tenants', { auth: admin, body: { name: cjk, owner_email: ownerEmail } });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.name, cjk);
    let subject = storedSubject(server, ownerEmail.toLowerCase());
    assert.equal(subject.text, `${prefix}${'漢'.repeat(57)}…`);
    assert.ok(subject.bytes <= 200, `${subject.bytes} bytes`);
    // the body still names the tenant in full
    const body = sql(server, `SELECT body FROM outbox WHERE recipient = '${ownerEmail.toLowerCase()}'`)[0].body;
    assert.ok(body.includes(`"${cjk}"`), body);

    // an invitation to the existing tenant, after a rename to 2-byte characters
    const renamed = await call(server, 'PATCH', `/api/v1/tenants/${made.body.id}`, { auth: admin, body: { name: 'é'.repeat(100) } });
    assert.equal(renamed.status, 200, renamed.text);
    const invitee = `${uniq('accent')}@example.com`;
    const inv = await invite(server, admin, made.body.id, invitee, 'viewer');
    assert.equal(inv.status, 201, inv.text);
    subject = storedSubject(server, invitee);
    assert.equal(subject.text, `${prefix}${'é'.repeat(86)}…`);
    assert.ok(subject.bytes <= 200);
    // the server log shows the same, shortened subject
    assert.ok(server.stderr.includes(`email queued to ${invitee}: ${prefix}${'é'.repeat(20)}`), 'queued line');

    // the invitation works
    const acc = await accept(server, tokenOf(inv.body.accept_url));
    assert.equal(acc.status, 201, acc.text);
    assert.equal(acc.body.tenant.name, 'é'.repeat(100));
  });
});

describe('invitation expiry (TENANTD_INVITATION_TTL_SECONDS=1)', () => {
  let server, t;
  before(async () => {
    server = await startServer({ TENANTD_INVITATION_TTL_SECONDS: '1' });
    t = await newTenant(server, 'delta');
  });
  after(async () => { await server?.stop(); });

  test('a pending invitation past its expiry reads expired, cannot be accepted or cancelled, and can be re-sent', async () => {
    const email = `${uniq('late')}@example.com`;
    const res = await invite(server, t.session, t.tenantId, email, 'viewer');
    assert.equal(res.status, 201, res.text);
    const inv = res.body.invitation;
    assert.equal(Date.parse(inv.expires_at) - Date.parse(inv.created_at), 1000);
    await sleep(2100);
    const list = (await call(server, 'GET', `/api/v1/tenants/${t.tenantId}/invitations`, { auth: t.session })).body.items;
    assert.equal(list.find((i) => i.id === inv.id).status, 'expired');
    assertProblem(await accept(server, tokenOf(res.body.accept_url)), 400, 'invitation_expired', 'token');
    assertProblem(await call(server, 'POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } }), 401, 'invalid_credentials');
    assertProblem(await call(server, 'DELETE', `/api/v1/tenants/${t.tenantId}/invitations/${inv.id}`, { auth: t.session }), 409, 'invitation_not_pending');
    // an expired invitation does not block a new one
    const again = await invite(server, t.session, t.tenantId, email, 'viewer');
    assert.equal(again.status, 201, again.text);
    assert.equal(again.body.invitation.status, 'pending');
  });
});
