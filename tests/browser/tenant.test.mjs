// The tenant side of the dashboard, end to end in Chromium: apps list, create form
// (region picker, URIs, allowed domains with live preview, server field errors),
// the client secret shown once, app page actions (enable/disable, regenerate with
// confirmation, settings, plan, storage + test, typed-confirmation delete), members
// and invitations, read-only viewers, audit log, personal API keys, tenant isolation
// by URL, and the main pages at 360 px. Tests run in order and share one world.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import * as jose from '../integration/node_modules/jose/dist/webapi/index.js';
import { call, login, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { startS3 } from '../integration/lib/s3.mjs';
import { idle, launch, openPage, overflowsX, screenshot, unlabelled, useSession, visit } from './lib/browser.mjs';

const S3_KEY = { id: 'AKIDBROWSERTEST01', secret: 'browser-test-storage-secret-0123456789' };
let server, browser, s3, admin, A, B, page;
let appId, firstSecret, clientId, currentSecret;
const freePlan = uniq('free').toLowerCase();
const paidPlan = uniq('paid').toLowerCase();

const must = (r, want) => { assert.equal(r.status, want, r.text); return r.body; };

async function addMember(tenant, role) {
  const email = `${uniq(role)}@example.com`;
  const password = `${role}-password-123`;
  const inv = must(await call(server, 'POST', `/api/v1/tenants/${tenant.tenantId}/invitations`, { auth: tenant.owner, body: { email, role } }), 201);
  const token = decodeURIComponent(/token=([^&#]+)/.exec(inv.accept_url)[1]);
  const made = must(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password, display_name: `A ${role}` } }), 201);
  return { ...(await login(server, email, password)), email, id: made.user.id };
}

before(async () => {
  [server, browser, s3] = await Promise.all([
    startServer(), launch(),
    startS3({ buckets: ['browser-bucket'], keys: { [S3_KEY.id]: S3_KEY.secret } }),
  ]);
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin);
  B = await seedTenant(server, admin, { region: A.regionCode });
  for (const [code, tier] of [[freePlan, 'free'], [paidPlan, 'paid']]) {
    must(await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code, name: `Plan ${code}`, tier, status: 'active', entitlements: { maxApiRequestsPerMinute: 60 } } }), 201);
  }
  page = await openPage(browser, server);
  await useSession(page, server, A.owner, '#/apps');
});
after(async () => {
  await browser?.close();
  await Promise.all([server?.stop(), s3?.stop()]);
});

const heading = async (name) => { await page.getByRole('heading', { level: 1, name, exact: true }).waitFor(); await idle(page); };
const preview = (n) => page.getByLabel(`Allowed domain ${n}`).evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ')[0]).textContent);
/** Waits until the control is marked invalid; returns its error message (the last id in aria-describedby). */
async function errorFor(locator) {
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await locator.elementHandle());
  const ids = (await locator.getAttribute('aria-describedby')).split(' ');
  return page.locator(`[id="${ids.at(-1)}"]`).textContent();
}
const apiApp = async () => must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appId}`, { auth: A.owner }), 200);

test('apps list starts empty and offers "New app"', async () => {
  await heading('Apps');
  assert.match(await page.locator('main').textContent(), /0 of 3 apps in use/);
  await page.getByText('No apps yet').waitFor();
  await page.getByRole('link', { name: 'New app' }).click();
  await heading('New app');
  assert.deepEqual(page.problems(), []);
});

test('create form: region picker of active regions and a live preview of normalised domains', async () => {
  const region = page.getByLabel('License region');
  const options = await region.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', A.regionCode]);
  await page.getByLabel('Allowed domain 1').fill('  https://App.Example.com/ ');
  assert.equal(await preview(1), '→ stored as app.example.com');
  const cases = [
    ['*.example.com', '✗ wildcard_domain'],
    ['localhost:70000', '✗ invalid_port'],
    ['intranet', '✗ invalid_domain'],
    ['HTTP://APP.example.com', '✗ duplicate_domain'],
    ['http://localhost:3000/', '→ stored as localhost:3000'],
  ];
  for (const [typed, shown] of cases) {
    await page.getByLabel('Allowed domain 2').fill(typed);
    assert.ok((await preview(2)).startsWith(shown), `${typed}: ${await preview(2)}`);
  }
  assert.equal(await preview(3), '');
});

test('create: a server field error lands next to its input, then the secret is shown once', async () => {
  await page.getByLabel('Name', { exact: true }).fill('Billing backend');
  await page.getByLabel('License region').selectOption(A.regionCode);
  await page.getByLabel('Redirect URIs (optional)', { exact: true }).fill('https://app.example.com/callback\nhttps://app.example.com/#fragment');
  await page.getByRole('button', { name: 'Create app' }).click();
  const uris = page.getByLabel('Redirect URIs (optional)', { exact: true });
  assert.match(await errorFor(uris), /redirect_uris\[1\].*\(invalid_uri\)/);
  assert.match(await page.getByRole('alert').textContent(), /invalid_uri/);
  assert.equal(await page.evaluate(() => document.activeElement.name), 'redirect_uris', 'focus moves to the invalid field');

  await uris.fill('https://app.example.com/callback');
  await page.getByRole('button', { name: 'Create app' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'App created' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /shown only once/i);
  clientId = await dialog.getByLabel('Client ID', { exact: true }).inputValue();
  firstSecret = await dialog.getByLabel('Client secret', { exact: true }).inputValue();
  assert.match(clientId, /^tdc_[0-9A-Za-z]{22}$/);
  assert.match(firstSecret, /^tdcs_[0-9A-Za-z]{49}$/);
  await screenshot(page, 'secret-dialog');

  // Copy puts the secret on the clipboard and says so.
  await dialog.getByRole('button', { name: 'Copy Client secret' }).click();
  await dialog.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), firstSecret);

  // Focus stays inside the modal while tabbing, both ways.
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    assert.equal(await page.evaluate(() => Boolean(document.activeElement.closest('dialog'))), true, `focus inside after ${key}`);
  }
  // Escape closes it, and the secret is gone from the page for good.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await heading('Billing backend');
  appId = new URL(page.url()).hash.split('/').pop();
  assert.equal(new URL(page.url()).hash, `#/apps/${appId}`);
  assert.equal(await page.locator('dialog').count(), 0);
  assert.ok(!(await page.content()).includes(firstSecret), 'secret not in the DOM after closing');
  await page.reload();
  await heading('Billing backend');
  assert.ok(!(await page.content()).includes(firstSecret), 'secret not in the DOM after a reload');
  const app = await apiApp();
  assert.ok(!JSON.stringify(app).includes(firstSecret));
  assert.deepEqual(app.allowed_domains, ['app.example.com', 'localhost:3000']);
  assert.equal(app.client_id, clientId);
  const overview = await page.getByRole('region', { name: 'Overview' }).textContent();
  assert.match(overview, new RegExp(clientId));
  assert.match(overview, /app\.example\.com.*localhost:3000/);
  assert.match(overview, new RegExp(`${A.regionCode}.*${A.dbCode}`));
  assert.deepEqual(page.problems([400]), []);
});

test('create: server errors for a later domain, a duplicate name and a region without a database', async () => {
  const bare = uniq('bare').toLowerCase();
  must(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: bare, name: 'No database yet', active: true } }), 201);
  await visit(page, '#/apps/new', 'New app');
  await page.getByLabel('Name', { exact: true }).fill('billing BACKEND');
  await page.getByLabel('License region').selectOption(A.regionCode);
  // Domain 1 left blank: the server's allowed_domains[0] is the second input.
  await page.getByLabel('Allowed domain 2').fill('bad_name.example.com');
  await page.getByRole('button', { name: 'Create app' }).click();
  assert.match(await errorFor(page.getByLabel('Allowed domain 2')), /invalid_domain/);
  assert.equal(await page.getByLabel('Allowed domain 1').getAttribute('aria-invalid'), null);

  await page.getByLabel('Allowed domain 2').fill('good.example.com');
  await page.getByRole('button', { name: 'Create app' }).click();
  assert.match(await errorFor(page.getByLabel('Name', { exact: true })), /duplicate_app_name/);
  assert.equal(await page.getByLabel('Allowed domain 2').getAttribute('aria-invalid'), null, 'old errors are cleared');

  await page.getByLabel('Name', { exact: true }).fill('Second app');
  await page.getByLabel('License region').selectOption(bare);
  await page.getByRole('button', { name: 'Create app' }).click();
  assert.match(await errorFor(page.getByLabel('License region')), /region_no_active_database/);
  assert.equal((await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps`, { auth: A.owner })).body.items.length, 1, 'nothing was created');
  assert.deepEqual(page.problems([400, 409]), []);
});

test('app page: disable and enable', async () => {
  await visit(page, `#/apps/${appId}`, 'Billing backend');
  await page.getByRole('button', { name: 'Disable app' }).click();
  await page.getByRole('button', { name: 'Enable app' }).waitFor();
  await idle(page);
  assert.equal((await apiApp()).enabled, false);
  assert.match(await page.getByRole('region', { name: 'Overview' }).textContent(), /disabled/);
  await page.getByRole('button', { name: 'Enable app' }).click();
  await page.getByRole('button', { name: 'Disable app' }).waitFor();
  await idle(page);
  assert.equal((await apiApp()).enabled, true);
  assert.deepEqual(page.problems(), []);
});

test('regenerate: Escape cancels the confirmation; confirming shows the new secret once', async () => {
  const before = await apiApp();
  await page.getByRole('button', { name: 'Regenerate client secret' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Regenerate the client secret?' });
  await confirm.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'the safe choice has focus');
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.equal((await apiApp()).secret_rotated_at, before.secret_rotated_at, 'nothing changed');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Regenerate client secret', 'focus returns to the opener');

  await page.getByRole('button', { name: 'Regenerate client secret' }).click();
  await confirm.getByRole('button', { name: 'Regenerate' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'New client secret' });
  await dialog.waitFor();
  const secret = await dialog.getByLabel('Client secret', { exact: true }).inputValue();
  assert.match(secret, /^tdcs_/);
  assert.notEqual(secret, firstSecret);
  assert.equal(await dialog.getByLabel('Client ID', { exact: true }).inputValue(), clientId);
  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await idle(page);
  assert.ok(!(await page.content()).includes(secret));
  assert.deepEqual(page.problems(), []);
  currentSecret = secret;
});

test('regenerate keeping the old secret: the app page shows its expiry and can stop it (SPEC §3.7)', async () => {
  const tokenStatus = async (secret) => (await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
  })).status;
  await visit(page, `#/apps/${appId}`, 'Billing backend');
  assert.equal(await page.locator('[data-previous-secret]').count(), 0, 'no grace period running');
  await page.getByRole('button', { name: 'Regenerate client secret' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Regenerate the client secret?' });
  await confirm.waitFor();
  assert.equal(await confirm.getByLabel(/Stop the old secret now/).isChecked(), true, 'stopping at once is the default');
  await confirm.getByLabel('Keep the old secret for').selectOption({ label: '24 hours' });
  assert.equal(await confirm.getByLabel(/Keep it working for/).isChecked(), true, 'picking a duration picks keeping');
  assert.deepEqual(await unlabelled(page), []);
  await confirm.getByRole('button', { name: 'Regenerate' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'New client secret' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /The previous secret keeps working until/);
  const fresh = await dialog.getByLabel('Client secret', { exact: true }).inputValue();
  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await dialog.waitFor({ state: 'detached' });
  const app = await apiApp();
  const hours = (Date.parse(app.previous_secret_expires_at) - Date.now()) / 3600e3;
  assert.ok(hours > 23.9 && hours <= 24, app.previous_secret_expires_at);
  assert.equal(await tokenStatus(currentSecret), 200, 'the old secret still works');
  assert.equal(await tokenStatus(fresh), 200);

  const notice = page.locator('[data-previous-secret]');
  await notice.waitFor();
  assert.match(await notice.textContent(), /The previous secret still works until/);
  assert.equal(await notice.locator('time').getAttribute('datetime'), app.previous_secret_expires_at);
  await notice.getByRole('button', { name: 'Stop the previous secret now' }).click();
  const stop = page.getByRole('alertdialog', { name: 'Stop the previous secret now?' });
  await stop.getByRole('button', { name: 'Stop it now' }).click();
  await notice.waitFor({ state: 'detached' });
  await idle(page);
  assert.equal((await apiApp()).previous_secret_expires_at, null);
  assert.equal(await tokenStatus(currentSecret), 401, 'the old secret stopped');
  assert.equal(await tokenStatus(fresh), 200);
  assert.deepEqual(page.problems(), []);
  currentSecret = fresh;
});

test('client authentication: switch to private key JWT with a pasted JWK set, with validation messages', async () => {
  const tokenWith = async (fields) => (await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }),
  })).status;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'browser-key' };
  await visit(page, `#/apps/${appId}`, 'Billing backend');
  const panel = page.locator('[data-auth-panel]');
  const method = panel.getByLabel('Authentication method');
  const keys = panel.getByLabel('Public keys (JWK set)');
  assert.equal(await method.inputValue(), 'client_secret');
  assert.match(await panel.textContent(), /No public keys registered/);
  assert.deepEqual(await unlabelled(page), []);
  const save = panel.getByRole('button', { name: 'Save authentication' });

  await method.selectOption('private_key_jwt');
  await save.click();
  assert.match(await errorFor(keys), /needs the app's public keys.*\(jwks_required\)/);
  await keys.fill('{"keys": [');
  await save.click();
  assert.match(await errorFor(keys), /not valid JSON/);
  await keys.fill(JSON.stringify({ keys: [privateKey.export({ format: 'jwk' })] }));
  await save.click();
  assert.match(await errorFor(keys), /private key material \("d"\)/);
  await keys.fill(JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB' }] }));
  await save.click();
  assert.match(await errorFor(keys), /at least 2048.*\(weak_key\)/);
  assert.equal((await apiApp()).token_endpoint_auth_method, 'client_secret', 'nothing saved yet');

  await keys.fill(JSON.stringify({ keys: [publicJwk] }, null, 2));
  await save.click();
  // A save re-renders the page asynchronously: wait for the server's state, then
  // start the next step from a settled render.
  const settled = async (check) => {
    for (let i = 0; i < 50 && !check(await apiApp()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(check(await apiApp()), JSON.stringify(await apiApp()));
    await visit(page, `#/apps/${appId}`, 'Billing backend');
  };
  await settled((a) => a.token_endpoint_auth_method === 'private_key_jwt');
  await page.locator('[data-auth-panel] .key-list').waitFor();
  const app = await apiApp();
  assert.equal(app.token_endpoint_auth_method, 'private_key_jwt');
  assert.equal(app.jwks.keys[0].kid, 'browser-key');
  assert.match(await page.locator('[data-auth-panel] .key-list').textContent(), /browser-key EC P-256, ES256/);
  assert.equal(await tokenWith({ client_id: clientId, client_secret: currentSecret }), 401, 'the secret is refused');
  const now = Math.floor(Date.now() / 1000);
  const assertion = await new jose.SignJWT({ iss: clientId, sub: clientId, aud: server.url, iat: now, exp: now + 60, jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'browser-key' }).sign(privateKey);
  assert.equal(await tokenWith({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }), 200);

  // Back to the secret for the tests that follow (the keys stay registered).
  await page.locator('[data-auth-panel]').getByLabel('Authentication method').selectOption('client_secret');
  await page.locator('[data-auth-panel]').getByRole('button', { name: 'Save authentication' }).click();
  await settled((a) => a.token_endpoint_auth_method === 'client_secret');
  assert.equal(await tokenWith({ client_id: clientId, client_secret: currentSecret }), 200);

  // DPoP required, then not. Each step starts from a settled render (a save
  // re-renders the page asynchronously) and waits for the server's state.
  const settle = (want) => settled((a) => a.dpop_bound_access_tokens === want);
  const tokenBody = async () => (await fetch(`${server.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: currentSecret }),
  })).text();
  const dpopBox = () => page.locator('[data-auth-panel]').getByLabel('Require DPoP-bound tokens');
  assert.equal(await dpopBox().isChecked(), false);
  await dpopBox().check();
  await page.locator('[data-auth-panel]').getByRole('button', { name: 'Save authentication' }).click();
  await settle(true);
  assert.equal(await dpopBox().isChecked(), true);
  assert.match(await tokenBody(), /invalid_dpop_proof/, 'a proof is now required');
  await dpopBox().uncheck();
  await page.locator('[data-auth-panel]').getByRole('button', { name: 'Save authentication' }).click();
  await settle(false);
  const body = await tokenBody();
  assert.match(body, /access_token/, body);
  assert.deepEqual(page.problems([400]), []);
});

test('settings: edits are saved in normalised form', async () => {
  // Start from a settled render: the previous test's refresh after the secret dialog
  // re-renders the page asynchronously and would otherwise reset what is typed here.
  await visit(page, `#/apps/${appId}`, 'Billing backend');
  await page.getByLabel('Name', { exact: true }).fill('Billing backend v2');
  await page.getByLabel('Allowed domain 1').fill('HTTPS://New.Example.com/');
  assert.equal(await preview(1), '→ stored as new.example.com');
  await page.getByLabel('Allowed domain 2').fill('');
  assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Billing backend v2');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  await heading('Billing backend v2');
  const app = await apiApp();
  assert.equal(app.name, 'Billing backend v2');
  assert.deepEqual(app.allowed_domains, ['new.example.com']);
  assert.equal(await page.getByLabel('Allowed domain 1').inputValue(), 'new.example.com');
  assert.deepEqual(page.problems(), []);
});

test('plan picker: a free plan is set, a paid one is refused next to the picker, then removed', async () => {
  const picker = page.getByRole('combobox', { name: 'Plan', exact: true });
  const values = await picker.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(values.sort(), ['', freePlan, paidPlan].sort());
  await picker.selectOption(freePlan);
  await page.getByRole('button', { name: 'Save plan' }).click();
  await page.getByText(`Plan set to ${freePlan}.`).waitFor();
  await idle(page);
  assert.equal((await apiApp()).plan_code, freePlan);
  assert.match(await page.getByRole('region', { name: 'Overview' }).textContent(), new RegExp(freePlan));

  await page.getByRole('combobox', { name: 'Plan', exact: true }).selectOption(paidPlan);
  await page.getByRole('button', { name: 'Save plan' }).click();
  assert.match(await errorFor(page.getByRole('combobox', { name: 'Plan', exact: true })), /plan_requires_host/);
  assert.equal((await apiApp()).plan_code, freePlan);

  await page.getByRole('combobox', { name: 'Plan', exact: true }).selectOption('');
  await page.getByRole('button', { name: 'Save plan' }).click();
  await page.getByText('Plan removed.').waitFor();
  await idle(page);
  assert.equal((await apiApp()).plan_code, null);
  assert.deepEqual(page.problems([403]), []);
});

test('storage: provider rule errors, custom bucket saved without echoing the secret, test, back to managed', async () => {
  await page.getByLabel('Provider', { exact: true }).selectOption('minio');
  await page.getByLabel('Bucket', { exact: true }).fill('browser-bucket');
  await page.getByLabel('Access key ID', { exact: true }).fill(S3_KEY.id);
  await page.getByLabel('Secret access key', { exact: true }).fill(S3_KEY.secret);
  await page.getByRole('button', { name: 'Save storage' }).click();
  assert.match(await errorFor(page.getByLabel('Endpoint (optional)', { exact: true })), /endpoint_required/);

  await page.getByLabel('Endpoint (optional)', { exact: true }).fill(s3.endpoint);
  await page.getByRole('button', { name: 'Save storage' }).click();
  await page.getByText('Storage saved.').waitFor();
  await idle(page);
  await page.getByRole('button', { name: 'Switch to managed storage' }).waitFor();
  const storage = (await apiApp()).storage;
  assert.equal(storage.mode, 'custom');
  assert.equal(storage.secret_access_key_last4, S3_KEY.secret.slice(-4));
  const panel = await page.getByRole('region', { name: 'Storage' }).textContent();
  assert.match(panel, new RegExp(`•••• ${S3_KEY.secret.slice(-4)}`));
  assert.ok(!(await page.content()).includes(S3_KEY.secret), 'the storage secret is never shown back');
  assert.equal(await page.getByLabel('Secret access key', { exact: true }).inputValue(), '');

  await page.getByRole('button', { name: 'Test storage' }).click();
  const result = page.locator('.storage-test-result');
  await page.getByText(/Test passed/).waitFor();
  assert.match(await result.textContent(), /your bucket answered a signed request \(ok\)/);

  await page.getByRole('button', { name: 'Switch to managed storage' }).click();
  await page.getByRole('alertdialog', { name: 'Switch to managed storage?' }).getByRole('button', { name: 'Switch' }).click();
  await page.getByText('The app uses managed storage now.').waitFor();
  await idle(page);
  assert.equal((await apiApp()).storage.mode, 'managed');
  // Managed storage is not configured on this server: the test says so.
  await page.getByRole('button', { name: 'Test storage' }).click();
  await page.getByText(/managed_storage_unconfigured/).waitFor();
  assert.deepEqual(page.problems([400, 503]), []);
});

test('members and invitations: invite (link shown once), cancel, change a role', async () => {
  const member = await addMember(A, 'viewer');
  await visit(page, '#/members', 'Members');
  assert.match(await page.locator('main').textContent(), new RegExp(`${A.ownerEmail.replace('.', '\\.')}`));
  const invitee = `${uniq('inv')}@example.com`;
  await page.getByLabel('Email').fill(invitee);
  await page.getByLabel('Role', { exact: true }).selectOption('admin');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Invitation sent' });
  await dialog.waitFor();
  const link = await dialog.getByLabel('Invitation link', { exact: true }).inputValue();
  assert.match(link, /\/#\/accept\?token=/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await idle(page);
  assert.ok(!(await page.content()).includes(link));
  const row = page.getByRole('row').filter({ hasText: invitee });
  await row.getByText('pending').waitFor();
  await row.getByRole('button', { name: `Cancel the invitation of ${invitee}` }).click();
  await page.getByRole('row').filter({ hasText: invitee }).getByText('cancelled').waitFor();
  await idle(page);

  await page.getByLabel(`Role of ${member.email}`).selectOption('admin');
  await page.getByRole('row').filter({ hasText: member.email }).getByRole('button', { name: 'Change' }).click();
  await page.getByText(`${member.email} is now admin.`).waitFor();
  const list = must(await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/members`, { auth: A.owner }), 200);
  assert.equal(list.items.find((m) => m.email === member.email).role, 'admin');
  assert.deepEqual(page.problems(), []);
});

test('a viewer sees apps read-only', async () => {
  const viewer = await addMember(A, 'viewer');
  const vpage = await openPage(browser, server);
  await useSession(vpage, server, viewer, '#/apps');
  await vpage.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  assert.equal(await vpage.getByRole('link', { name: 'New app' }).count(), 0);
  await vpage.getByRole('link', { name: 'Billing backend v2' }).click();
  await vpage.getByText('You have read-only access to this app.').waitFor();
  for (const name of ['Disable app', 'Regenerate client secret', 'Delete app', 'Save settings']) {
    assert.equal(await vpage.getByRole('button', { name }).count(), 0, name);
  }
  await visit(vpage, '#/members', 'Members');
  assert.equal(await vpage.getByRole('button', { name: 'Send invitation' }).count(), 0);
  assert.deepEqual(vpage.problems(), []);
  await vpage.context().close();
});

test('audit log shows what happened, newest first', async () => {
  await visit(page, '#/audit', 'Audit log');
  const actions = await page.locator('td[data-label="Action"]').allTextContents();
  for (const a of ['app.create', 'app.secret.regenerate', 'app.plan.assign', 'app.storage.update', 'invitation.create', 'member.update']) {
    assert.ok(actions.includes(a), `${a} in ${actions}`);
  }
  assert.ok(actions.indexOf('member.update') < actions.indexOf('app.create'), 'newest first');
  const created = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'app.create', exact: true }) });
  assert.equal(await created.locator('td[data-label="Who"]').textContent(), A.ownerEmail);
  assert.equal(await created.locator('td[data-label="From"]').textContent(), '127.0.0.1');
  assert.match(await created.locator('td[data-label="Target"]').textContent(), new RegExp(`app ${appId}`));
  assert.ok(!(await page.content()).includes(S3_KEY.secret));
  assert.deepEqual(page.problems(), []);
});

test('personal API key: shown once, works as Bearer, deleted after confirmation', async () => {
  await visit(page, '#/account', 'Account');
  await page.getByLabel('Key name').fill('ci deploy');
  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'API key created' });
  await dialog.waitFor();
  const key = await dialog.getByLabel('API key', { exact: true }).inputValue();
  assert.match(key, /^tdk_/);
  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await idle(page);
  assert.ok(!(await page.content()).includes(key));
  assert.equal((await call(server, 'GET', '/api/v1/me', { auth: { apiKey: key } })).status, 200);
  await page.getByRole('button', { name: 'Delete API key ci deploy' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Delete' }).click();
  await page.getByText('API key ci deploy deleted.').waitFor();
  assert.equal(await page.getByRole('cell', { name: 'ci deploy', exact: true }).count(), 0);
  assert.equal((await call(server, 'GET', '/api/v1/me', { auth: { apiKey: key } })).status, 401);
  assert.deepEqual(page.problems(), []);
});

test('the account page links the OpenAPI document, which the browser can load under the CSP', async () => {
  await visit(page, '#/account', 'Account');
  const link = page.getByRole('link', { name: 'OpenAPI 3.1 document' });
  assert.equal(await link.getAttribute('href'), '/api/v1/openapi.json');
  const doc = await page.evaluate(async () => (await fetch('/api/v1/openapi.json')).json());
  assert.match(doc.openapi, /^3\.1\./);
  assert.ok(doc.paths['/connect/token'] && doc.paths['/api/v1/tenants/{tid}/apps']);
  assert.deepEqual(page.problems(), []);
});

test('main pages fit a 360 px screen without horizontal scrolling, every control labelled', async () => {
  const small = await openPage(browser, server, { width: 360, height: 740 });
  await useSession(small, server, A.owner, '#/apps');
  const pages = [
    ['#/apps', 'Apps', 'apps'],
    [`#/apps/${appId}`, 'Billing backend v2', 'app-detail'],
    ['#/apps/new', 'New app', 'app-new'],
    ['#/members', 'Members', 'members'],
    ['#/audit', 'Audit log', 'audit'],
    ['#/account', 'Account', 'account'],
  ];
  for (const [hash, title, shot] of pages) {
    await visit(small, hash, title);
    assert.equal(await overflowsX(small), false, `${hash} overflows at 360 px`);
    assert.deepEqual(await unlabelled(small), [], `${hash}: every control has a name`);
    await screenshot(small, `${shot}-360`);
    await visit(page, hash, title);
    await screenshot(page, `${shot}-1280`);
  }
  // A dialog fits too.
  await visit(small, `#/apps/${appId}`, 'Billing backend v2');
  await small.getByRole('button', { name: 'Delete app' }).click();
  await small.getByRole('alertdialog').waitFor();
  assert.equal(await overflowsX(small), false);
  const box = await small.getByRole('alertdialog').boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `dialog within the screen: ${JSON.stringify(box)}`);
  await small.keyboard.press('Escape');
  assert.deepEqual(small.problems(), []);
  await small.context().close();
});

test('another tenant cannot reach the app by URL: it sees "not found"', async () => {
  const other = await openPage(browser, server);
  await useSession(other, server, B.owner, '#/apps');
  await other.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
  for (const hash of [`#/apps/${appId}`, `#/tenants/${A.tenantId}/apps/${appId}`, `#/tenants/${A.tenantId}/apps`]) {
    await visit(other, hash, 'Not found');
    const text = await other.locator('main').textContent();
    assert.ok(!text.includes('Billing backend'), hash);
    assert.ok(!text.includes(clientId), hash);
  }
  assert.deepEqual(other.problems([404]), []);
  await other.context().close();
});

test('delete needs the app name typed exactly', async () => {
  await visit(page, `#/apps/${appId}`, 'Billing backend v2');
  await page.getByRole('button', { name: 'Delete app' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Delete Billing backend v2?' });
  await dialog.waitFor();
  const confirm = dialog.getByRole('button', { name: 'Delete app' });
  const typed = dialog.getByLabel('Type Billing backend v2 to confirm');
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('type')), 'text', 'focus in the confirmation field');
  assert.equal(await confirm.isDisabled(), true);
  await typed.fill('billing backend v2');
  assert.equal(await confirm.isDisabled(), true, 'case matters');
  await typed.press('Enter');
  assert.equal(await dialog.count(), 1, 'Enter does not delete with a wrong name');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await apiApp()).name, 'Billing backend v2', 'still there');

  await page.getByRole('button', { name: 'Delete app' }).click();
  await dialog.getByLabel('Type Billing backend v2 to confirm').fill('Billing backend v2');
  await dialog.getByRole('button', { name: 'Delete app' }).click();
  await heading('Apps');
  await page.getByText('Billing backend v2 was deleted.').waitFor();
  assert.equal((await call(server, 'GET', `/api/v1/tenants/${A.tenantId}/apps/${appId}`, { auth: A.owner })).status, 404);
  assert.match(await page.locator('main').textContent(), /0 of 3 apps in use/);
  assert.deepEqual(page.problems(), []);
});
