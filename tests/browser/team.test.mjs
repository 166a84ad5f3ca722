// Team flows end to end, joined up the way people use them: the owner invites from
// the members page (the link is shown once), the invitee opens that very link in a
// fresh browser, chooses a name and password and lands signed in with the invited
// role; a cancelled invitation's link is refused; the members list shows everyone's
// role (controls for the owner, plain text for others); and a viewer finds no
// mutation control at all on an app's page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { idle, launch, openPage, useSession, visit } from './lib/browser.mjs';

let server, browser, admin, A, owner, appId;
const invitee = { email: `${uniq('viewer')}@example.com`, name: 'Vera Viewer', password: 'vera-password-123' };
let viewerPage;

const must = (r, want) => { assert.equal(r.status, want, r.text); return r.body; };
const membersUrl = () => `/api/v1/tenants/${A.tenantId}/members`;

before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin);
  appId = must(await call(server, 'POST', `/api/v1/tenants/${A.tenantId}/apps`, { auth: A.owner, body: { name: 'Ledger', region_code: A.regionCode } }), 201).app.id;
  owner = await openPage(browser, server);
  await useSession(owner, server, A.owner, '#/apps');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Invites email as role from the owner's members page; returns the link the dialog showed once. */
async function inviteFromPage(email, role) {
  await visit(owner, '#/members', 'Members');
  await owner.getByLabel('Email').fill(email);
  await owner.getByLabel('Role', { exact: true }).selectOption(role);
  await owner.getByRole('button', { name: 'Send invitation' }).click();
  const dialog = owner.getByRole('alertdialog', { name: 'Invitation sent' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /shown only once/i);
  const link = await dialog.getByLabel('Invitation link', { exact: true }).inputValue();
  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await idle(owner);
  assert.equal(await owner.evaluate((l) => document.documentElement.outerHTML.includes(l), link), false, 'the link is gone after closing');
  return link;
}

test('invite from the page, accept that link in a fresh browser: signed in with the invited role', async () => {
  const link = await inviteFromPage(invitee.email, 'viewer');
  const url = new URL(link);
  assert.equal(url.origin, server.url, 'the link points at this server');
  assert.match(url.hash, /^#\/accept\?token=[^&]+$/);
  await owner.getByRole('row').filter({ hasText: invitee.email }).getByText('pending').waitFor();

  viewerPage = await openPage(browser, server); // a new context: no cookie, no session
  await viewerPage.goto(link);
  await viewerPage.getByRole('heading', { level: 1, name: 'Accept invitation' }).waitFor();
  await viewerPage.getByLabel('Your name').fill(invitee.name);
  await viewerPage.getByLabel('Choose a password').fill(invitee.password);
  await viewerPage.getByRole('button', { name: 'Join organisation' }).click();
  await viewerPage.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  await viewerPage.getByText('You joined as viewer.').waitFor();
  assert.equal(await viewerPage.locator('#account .who').textContent(), invitee.email);
  assert.equal(await viewerPage.getByRole('link', { name: 'New app' }).count(), 0, 'viewers create nothing');
  await visit(viewerPage, '#/account', 'Account');
  const profile = await viewerPage.getByRole('region', { name: 'Profile' }).textContent();
  assert.match(profile, new RegExp(`Name${invitee.name}`));
  assert.match(profile, /Roleviewer/);
  assert.match(profile, /Organisation/);

  const member = must(await call(server, 'GET', membersUrl(), { auth: A.owner }), 200).items.find((m) => m.email === invitee.email);
  assert.equal(member.role, 'viewer');
  assert.equal(member.display_name, invitee.name);
  await visit(owner, '#/members', 'Members');
  await owner.getByRole('row').filter({ hasText: invitee.email }).getByText('accepted').waitFor();
  assert.deepEqual(owner.problems(), []);
  assert.deepEqual(viewerPage.problems(), []);
});

test('a cancelled invitation: its link no longer works', async () => {
  const email = `${uniq('cancel')}@example.com`;
  const link = await inviteFromPage(email, 'admin');
  const row = owner.getByRole('row').filter({ hasText: email });
  await row.getByRole('button', { name: `Cancel the invitation of ${email}` }).click();
  await owner.getByText(`The invitation of ${email} was cancelled.`).waitFor();
  await owner.getByRole('row').filter({ hasText: email }).getByText('cancelled').waitFor();
  assert.equal(await owner.getByRole('button', { name: `Cancel the invitation of ${email}` }).count(), 0, 'nothing left to cancel');

  const stranger = await openPage(browser, server);
  await stranger.goto(link);
  await stranger.getByLabel('Your name').fill('Too Late');
  await stranger.getByLabel('Choose a password').fill('too-late-password-1');
  await stranger.getByRole('button', { name: 'Join organisation' }).click();
  const alert = stranger.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /invalid_invitation/);
  assert.equal(await stranger.locator('#account .who').count(), 0, 'not signed in');
  const emails = must(await call(server, 'GET', membersUrl(), { auth: A.owner }), 200).items.map((m) => m.email);
  assert.ok(!emails.includes(email), 'no member was created');
  assert.deepEqual(stranger.problems([400]), []);
  assert.deepEqual(owner.problems(), []);
  await stranger.context().close();
});

test('the members list shows every role: controls for the owner, text for a viewer', async () => {
  await visit(owner, '#/members', 'Members');
  const roleOf = (email) => owner.getByLabel(`Role of ${email}`).inputValue();
  assert.equal(await roleOf(A.ownerEmail), 'owner');
  assert.equal(await roleOf(invitee.email), 'viewer');
  assert.equal(await owner.getByRole('button', { name: `Remove ${invitee.email}` }).count(), 1);

  await visit(viewerPage, '#/members', 'Members');
  const row = (email) => viewerPage.getByRole('table', { name: 'Members' }).getByRole('row').filter({ hasText: email });
  const cell = (email) => row(email).locator('td[data-label="Role"]').textContent();
  assert.equal(await cell(A.ownerEmail), 'owner');
  assert.equal(await cell(invitee.email), 'viewer');
  assert.match(await row(invitee.email).textContent(), new RegExp(`${invitee.name} \\(you\\)`));
  assert.equal(await viewerPage.locator('main select, main form').count(), 0, 'no role pickers, no invite form');
  assert.equal(await viewerPage.locator('main').getByRole('button').count(), 0, 'no remove or cancel buttons');
  assert.deepEqual(viewerPage.problems(), []);
});

test('a viewer finds no mutation control on an app page', async () => {
  await visit(viewerPage, `#/apps/${appId}`, 'Ledger');
  await viewerPage.getByText('You have read-only access to this app.').waitFor();
  await viewerPage.getByRole('region', { name: 'Overview' }).waitFor();
  assert.equal(await viewerPage.locator('main').getByRole('button').count(), 0, 'no buttons at all');
  assert.equal(await viewerPage.locator('main form, main input, main select, main textarea').count(), 0, 'no forms or inputs');
  // Compared with the owner, who has them all.
  await visit(owner, `#/apps/${appId}`, 'Ledger');
  for (const name of ['Disable app', 'Regenerate client secret', 'Save settings', 'Save plan', 'Save storage', 'Test storage', 'Delete app']) {
    assert.equal(await owner.getByRole('button', { name }).count(), 1, name);
  }
  assert.deepEqual(viewerPage.problems(), []);
  assert.deepEqual(owner.problems(), []);
});
