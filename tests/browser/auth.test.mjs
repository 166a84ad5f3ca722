// Signing in and out, sign-up ending in "pending activation", accepting an
// invitation, reloads keeping the session (CSRF token in sessionStorage), and the
// guards around signed-out visitors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, call, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { CSP, launch, openPage, overflowsX, screenshot, unlabelled, visit } from './lib/browser.mjs';

let server, browser, admin, seed;

before(async () => {
  server = await startServer();
  browser = await launch();
  admin = await loginAdmin(server);
  seed = await seedTenant(server, admin);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signInWithForm(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the sign-in page: CSP on the document, labelled controls, no console errors, fits 360 px', async () => {
  const page = await openPage(browser, server, { width: 360, height: 740 });
  const res = await page.goto(`${server.url}/`);
  assert.equal(res.headers()['content-security-policy'], CSP);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.title(), 'Sign in · tenantd');
  assert.equal(await page.getByLabel('Email').getAttribute('type'), 'email');
  assert.equal(await page.getByLabel('Password').getAttribute('autocomplete'), 'current-password');
  assert.equal(await overflowsX(page), false);
  assert.deepEqual(await unlabelled(page), []);
  await screenshot(page, 'signin-360');
  // Keyboard: focused controls show a visible ring; the skip link (first in the
  // tab order) appears when focused and Enter moves focus to the page heading.
  const ring = () => page.evaluate(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    return { id: el.id, name: el.name, outline: style.outlineStyle, width: parseFloat(style.outlineWidth), left: el.getBoundingClientRect().left };
  });
  await page.keyboard.press('Tab');
  let focused = await ring();
  assert.equal(focused.name, 'email', 'Tab from the heading reaches the first field');
  assert.notEqual(focused.outline, 'none');
  assert.ok(focused.width >= 2, `outline ${focused.width}px`);
  for (let i = 0; i < 5 && focused.id !== 'skip-link'; i++) {
    await page.keyboard.press('Shift+Tab');
    focused = await ring();
  }
  assert.equal(focused.id, 'skip-link');
  assert.notEqual(focused.outline, 'none');
  assert.ok(focused.left >= 0, 'the skip link is on screen when focused');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Sign in');
  assert.equal(new URL(page.url()).hash, '#/signin', 'the skip link does not change the route');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a signed-out visitor asking for a page signs in first and lands there', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/regions`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await signInWithForm(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.getByRole('heading', { level: 1, name: 'License regions' }).waitFor();
  assert.equal(new URL(page.url()).hash, '#/regions');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('wrong password: the problem detail is shown, nothing else happens', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/signin`);
  await signInWithForm(page, seed.ownerEmail, 'not-the-password');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /wrong email or password.*invalid_credentials/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tenantd.csrf')), null);
  assert.deepEqual(page.problems([401]), []);
  await page.context().close();
});

test('sign in, reload keeps the session, sign out ends it on the server too', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/signin`);
  await signInWithForm(page, seed.ownerEmail, seed.ownerPassword);
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  assert.equal(await page.locator('#account .who').textContent(), seed.ownerEmail);
  const csrf = await page.evaluate(() => sessionStorage.getItem('tenantd.csrf'));
  assert.match(csrf, /^[A-Za-z0-9_-]{43}$/, 'the CSRF token is kept for this tab');
  const storedKeys = await page.evaluate(() => [Object.keys(localStorage), Object.keys(sessionStorage)]);
  assert.deepEqual(storedKeys, [[], ['tenantd.csrf']], 'nothing else is stored in the browser');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'tenantd_session');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');

  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  assert.equal(await page.locator('#account .who').textContent(), seed.ownerEmail);

  // A mutation after the reload still carries the CSRF header: create an API key.
  await visit(page, '#/account', 'Account');
  await page.getByLabel('Key name').fill('after reload');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByRole('alertdialog', { name: 'API key created' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('cell', { name: 'after reload', exact: true }).waitFor();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tenantd.csrf')), null);
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  const me = await call(server, 'GET', '/api/v1/me', { auth: { cookie: `tenantd_session=${session.value}` } });
  assert.equal(me.status, 401, 'the old session cookie no longer works');
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});

test('a session that ended elsewhere sends the user back to sign in', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/signin`);
  await signInWithForm(page, seed.ownerEmail, seed.ownerPassword);
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  const cookie = (await page.context().cookies()).find((c) => c.name === 'tenantd_session');
  const csrf = await page.evaluate(() => sessionStorage.getItem('tenantd.csrf'));
  const out = await call(server, 'POST', '/api/v1/auth/logout', { auth: { cookie: `tenantd_session=${cookie.value}`, csrf } });
  assert.equal(out.status, 204);
  await page.evaluate(() => { location.hash = '#/audit'; }); // its API call answers 401
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByText('Your session has ended').waitFor();
  await signInWithForm(page, seed.ownerEmail, seed.ownerPassword);
  await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  assert.deepEqual(page.problems([401]), []);
  await page.context().close();
});

test('sign-up ends in a clear "pending activation" state, also after signing in', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/signin`);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  const email = `${uniq('new')}@example.com`;
  const org = uniq('Acme ');
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByLabel('Your name').fill('Ada');
  await page.getByLabel('Organisation name').fill(org);
  // The browser refuses a password under 10 characters before any request is made.
  await page.getByRole('button', { name: 'Create account' }).click();
  assert.equal(await page.getByLabel('Password').evaluate((el) => el.validity.tooShort), true);
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Pending activation' }).waitFor();
  const text = await page.locator('main').textContent();
  assert.match(text, new RegExp(`${org}.*waiting for activation`));
  assert.match(text, new RegExp(email.replace('.', '\\.')));
  await screenshot(page, 'signup-pending');

  await page.getByRole('link', { name: 'Sign in' }).last().click();
  await signInWithForm(page, email, 'a long enough passphrase');
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  assert.match(await page.locator('#banner').textContent(), /Pending activation:.*waiting for the platform operator/);

  // Signing up again with the same email: the server's field error is shown by the field.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await visit(page, '#/signup', 'Create an account');
  await page.getByLabel('Work email').fill(email.toUpperCase());
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByLabel('Your name').fill('Ada');
  await page.getByLabel('Organisation name').fill(org);
  await page.getByRole('button', { name: 'Create account' }).click();
  const emailInput = page.getByLabel('Work email');
  await page.locator('.field-error').waitFor();
  assert.equal(await emailInput.getAttribute('aria-invalid'), 'true');
  const describedBy = (await emailInput.getAttribute('aria-describedby')).split(' ');
  const message = await page.locator(`#${describedBy.at(-1)}`).textContent();
  assert.match(message, /email_taken/);
  assert.deepEqual(page.problems([409]), []);
  await page.context().close();
});

test('accepting an invitation creates the account, signs in and joins with the role', async () => {
  const email = `${uniq('invitee')}@example.com`;
  const inv = await call(server, 'POST', `/api/v1/tenants/${seed.tenantId}/invitations`, { auth: seed.owner, body: { email, role: 'admin' } });
  assert.equal(inv.status, 201, inv.text);
  const link = new URL(inv.body.accept_url);
  assert.match(link.hash, /^#\/accept\?token=/);
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/${link.hash}`);
  await page.getByRole('heading', { level: 1, name: 'Accept invitation' }).waitFor();
  await page.getByLabel('Your name').fill('Grace');
  await page.getByLabel('Choose a password').fill('invitee-password-123');
  await screenshot(page, 'accept-invitation');
  await page.getByRole('button', { name: 'Join organisation' }).click();
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  assert.equal(await page.locator('#account .who').textContent(), email);
  await page.getByText(/You joined as admin/).waitFor();
  // admins manage apps
  await page.getByRole('link', { name: 'New app' }).waitFor();

  // The token works once: a second visit is refused with the server's message.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.goto(`${server.url}/${link.hash}`);
  await page.getByLabel('Your name').fill('Again');
  await page.getByLabel('Choose a password').fill('invitee-password-123');
  await page.getByRole('button', { name: 'Join organisation' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent(), /invitation is not valid.*invalid_invitation/);
  assert.deepEqual(page.problems([400]), []);
  await page.context().close();
});

test('an accept link without a token says so', async () => {
  const page = await openPage(browser, server);
  await page.goto(`${server.url}/#/accept`);
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /no invitation token/);
  assert.deepEqual(page.problems(), []);
  await page.context().close();
});
