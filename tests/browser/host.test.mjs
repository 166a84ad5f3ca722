// The host (platform operator) side of the dashboard, end to end in Chromium:
// tenants (filter, activate, suspend with confirmation, app limit), regions and
// their databases (create, toggle, server field errors), plans (entitlements JSON
// editor validated client- and server-side, edit, status moving forward), platform
// clients (secret shown once, regenerate, delete), the platform audit log (filters,
// all events), a host admin acting inside a tenant, members kept out of host pages, and the pages at 360 px.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { idle, launch, openPage, overflowsX, screenshot, unlabelled, useSession, visit } from './lib/browser.mjs';

let server, browser, admin, seed, page;
const must = (r, want) => { assert.equal(r.status, want, r.text); return r.body; };

before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
  admin = await loginAdmin(server);
  seed = await seedTenant(server, admin);
  page = await openPage(browser, server);
  await useSession(page, server, admin, '#/tenants');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Waits until the control is marked invalid; returns its error message. */
async function errorFor(locator) {
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await locator.elementHandle());
  const ids = (await locator.getAttribute('aria-describedby')).split(' ');
  return page.locator(`[id="${ids.at(-1)}"]`).textContent();
}
const tenantRow = (name) => page.getByRole('row').filter({ hasText: name });

test('tenants: filter, activate, suspend after confirmation', async () => {
  const name = uniq('Signup Co ');
  const signup = must(await call(server, 'POST', '/api/v1/auth/signup', { body: { email: `${uniq('s')}@example.com`, password: 'signup-password-1', display_name: 'S', tenant_name: name } }), 201);
  await visit(page, '#/tenants', 'Tenants');
  assert.equal(await page.getByRole('link', { name: 'Tenants', exact: true }).getAttribute('aria-current'), 'page');
  await tenantRow(name).getByText('pending activation').waitFor();

  await page.getByLabel('Show').selectOption('pending_activation');
  await page.waitForURL(/#\/tenants\?status=pending_activation$/);
  await idle(page);
  const shown = await page.locator('td[data-label="Status"]').allTextContents();
  assert.ok(shown.length >= 1 && shown.every((s) => s === 'pending activation'), shown.join());

  await tenantRow(name).getByRole('button', { name: `Activate ${name}` }).click();
  await page.getByText(`${name} is active.`).waitFor();
  await idle(page);
  assert.equal(must(await call(server, 'GET', `/api/v1/tenants/${signup.tenant.id}`, { auth: admin }), 200).status, 'active');

  await page.getByLabel('Show').selectOption('');
  await page.waitForURL(/#\/tenants$/);
  await idle(page);
  await tenantRow(name).getByRole('button', { name: `Suspend ${name}` }).click();
  const confirm = page.getByRole('alertdialog', { name: `Suspend ${name}?` });
  await confirm.waitFor();
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.equal(must(await call(server, 'GET', `/api/v1/tenants/${signup.tenant.id}`, { auth: admin }), 200).status, 'active');
  await tenantRow(name).getByRole('button', { name: `Suspend ${name}` }).click();
  await confirm.getByRole('button', { name: 'Suspend' }).click();
  await page.getByText(`${name} is suspended.`).waitFor();
  await idle(page);
  await tenantRow(name).getByText('suspended').waitFor();
  assert.equal(must(await call(server, 'GET', `/api/v1/tenants/${signup.tenant.id}`, { auth: admin }), 200).status, 'suspended');
  await screenshot(page, 'host-tenants-1280');
  assert.deepEqual(page.problems(), []);
});

test('tenant page: app limit edit, server field error, and the host acting inside the tenant', async () => {
  await visit(page, `#/tenants/${seed.tenantId}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  const limit = page.getByLabel('App limit');
  await limit.fill('5');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Tenant saved.').waitFor();
  await idle(page);
  assert.equal(must(await call(server, 'GET', `/api/v1/tenants/${seed.tenantId}`, { auth: admin }), 200).app_limit, 5);
  assert.equal(await page.getByLabel('App limit').inputValue(), '5');

  await page.getByLabel('Name', { exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  assert.match(await errorFor(page.getByLabel('Name', { exact: true })), /invalid_name/);

  await page.getByRole('link', { name: 'Apps' }).last().click();
  await page.getByRole('heading', { level: 1, name: /^Apps of / }).waitFor();
  await idle(page);
  assert.match(await page.locator('main').textContent(), /0 of 5 apps in use/);
  await page.getByRole('link', { name: 'New app' }).click();
  await page.getByRole('heading', { level: 1, name: 'New app' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Made by the host');
  await page.getByLabel('License region').selectOption(seed.regionCode);
  await page.getByRole('button', { name: 'Create app' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'App created' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('heading', { level: 1, name: 'Made by the host' }).waitFor();
  assert.match(new URL(page.url()).hash, new RegExp(`^#/tenants/${seed.tenantId}/apps/[0-9a-f-]{36}$`));
  await idle(page);
  await page.getByRole('link', { name: '← All apps' }).click();
  await page.getByRole('heading', { level: 1, name: /^Apps of / }).waitFor();
  assert.deepEqual(page.problems([400]), []);
});

test('regions: create with a field error for a taken code, add databases, toggle', async () => {
  const code = uniq('r').toLowerCase();
  await visit(page, '#/regions', 'License regions');
  await page.getByLabel('Code').fill(seed.regionCode);
  await page.getByLabel('Name', { exact: true }).fill('Duplicate');
  await page.getByRole('button', { name: 'Create region' }).click();
  assert.match(await errorFor(page.getByLabel('Code')), /region_exists/);

  await page.getByLabel('Code').fill(code);
  await page.getByLabel('Name', { exact: true }).fill('Browser region');
  await page.getByRole('button', { name: 'Create region' }).click();
  await page.getByRole('heading', { level: 1, name: `Browser region (${code})` }).waitFor();
  await idle(page);
  await page.getByText('No databases: apps cannot be created').waitFor();

  await page.getByLabel('Database code').fill(`${code}-db1`);
  await page.getByLabel('DSN (optional)').fill('postgres://app:hunter2secret@db.internal:5432/licenses');
  await page.getByRole('button', { name: 'Add database' }).click();
  await page.getByText(`Database ${code}-db1 added.`).waitFor();
  await idle(page);
  const row = page.getByRole('row').filter({ hasText: `${code}-db1` });
  await row.getByText('active', { exact: true }).waitFor();
  const dsn = await row.locator('td[data-label="DSN"]').textContent();
  assert.ok(!dsn.includes('hunter2secret'), `the DSN password is never shown: ${dsn}`);
  assert.match(dsn, /\*\*\*/);

  await row.getByRole('button', { name: `Deactivate database ${code}-db1` }).click();
  await page.getByText(`database ${code}-db1 is inactive.`).waitFor();
  await idle(page);
  await page.getByRole('row').filter({ hasText: `${code}-db1` }).getByText('inactive').waitFor();
  const dbs = must(await call(server, 'GET', `/api/v1/regions/${code}/databases`, { auth: admin }), 200);
  assert.equal(dbs.items[0].active, false);

  await page.getByRole('button', { name: `Deactivate region ${code}` }).click();
  await page.getByText(`region ${code} is inactive.`).waitFor();
  await idle(page);
  await visit(page, '#/regions', 'License regions');
  await page.getByRole('row').filter({ hasText: code }).getByText('inactive').waitFor();
  await screenshot(page, 'host-regions-1280');
  assert.deepEqual(page.problems([409]), []);
});

test('plans: entitlements checked in the browser first, then by the server; edit; status forward', async () => {
  const code = uniq('pro').toLowerCase();
  await visit(page, '#/plans', 'Plans');
  await page.getByLabel('Code').fill(code);
  await page.getByLabel('Name', { exact: true }).fill('Pro');
  await page.getByLabel('Tier').selectOption('paid');
  const editor = page.getByLabel('Entitlements (JSON)');
  const status = async () => editor.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ')[1]).textContent);
  assert.equal(await status(), '✓ Valid entitlements');

  // A typo in a key: caught while typing, and on submit no request is made.
  await editor.fill('{"maxApiRequestPerMinute": 100}');
  assert.match(await status(), /entitlements\.maxApiRequestPerMinute.*unknown_field/);
  let posted = 0;
  const count = (req) => { if (req.method() === 'POST' && req.url().endsWith('/api/v1/plans')) posted++; };
  page.on('request', count);
  await page.getByRole('button', { name: 'Create plan' }).click();
  assert.match(await errorFor(editor), /unknown_field/);
  assert.equal(posted, 0, 'the browser did not send an invalid plan');

  await editor.fill('{"maxApiRequestsPerMinute": 100, "features": {"ocr": "yes"}}');
  assert.match(await status(), /entitlements\.features\.ocr.*invalid_value/);
  await editor.fill('{"maxApiRequestsPerMinute": ');
  assert.match(await status(), /invalid_json/);

  // 1.0 parses as an integer in JavaScript; the server is stricter and says so.
  await editor.fill('{"maxApiRequestsPerMinute": 1.0}');
  assert.equal(await status(), '✓ Valid entitlements');
  await page.getByRole('button', { name: 'Create plan' }).click();
  assert.match(await errorFor(editor), /entitlements\.maxApiRequestsPerMinute has an invalid value.*invalid_value/);
  assert.equal(posted, 1);
  page.off('request', count);

  await editor.fill('{"maxApiRequestsPerMinute": 100, "allowedFormats": ["pdf"], "features": {"ocr": true}}');
  await page.getByRole('button', { name: 'Create plan' }).click();
  await page.getByRole('heading', { level: 1, name: `Pro (${code})` }).waitFor();
  await idle(page);
  let plan = (await call(server, 'GET', '/api/v1/plans?limit=200', { auth: admin })).body.items.find((p) => p.code === code);
  assert.equal(plan.status, 'draft');
  assert.deepEqual(plan.entitlements, { maxApiRequestsPerMinute: 100, allowedFormats: ['pdf'], features: { ocr: true } });

  await page.getByLabel('Entitlements (JSON)').fill('{"maxApiRequestsPerMinute": 250}');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText(/Plan saved/).waitFor();
  await idle(page);
  plan = (await call(server, 'GET', '/api/v1/plans?limit=200', { auth: admin })).body.items.find((p) => p.code === code);
  assert.deepEqual(plan.entitlements, { maxApiRequestsPerMinute: 250 });

  const steps = await page.getByLabel('Move status to').locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(steps, ['active', 'archived', 'retired'], 'only forward moves are offered');
  await page.getByRole('button', { name: 'Change status' }).click();
  await page.getByRole('alertdialog', { name: `Move ${code} to active?` }).getByRole('button', { name: 'Make it active' }).click();
  await page.getByText(`Plan ${code} is active.`).waitFor();
  await idle(page);
  await page.getByLabel('Move status to').selectOption('retired');
  await page.getByRole('button', { name: 'Change status' }).click();
  const retire = page.getByRole('alertdialog', { name: `Move ${code} to retired?` });
  assert.match(await retire.textContent(), /blocked from token issuance/);
  await retire.getByRole('button', { name: 'Make it retired' }).click();
  await page.getByText('This plan is retired').waitFor();
  await idle(page);
  plan = (await call(server, 'GET', '/api/v1/plans?limit=200', { auth: admin })).body.items.find((p) => p.code === code);
  assert.equal(plan.status, 'retired');
  await screenshot(page, 'host-plan-1280');
  assert.deepEqual(page.problems([400]), []);
});

test('platform clients: the secret is shown once, regenerated, and the client deleted', async () => {
  await visit(page, '#/platform-clients', 'Platform clients');
  await page.getByLabel('Name', { exact: true }).fill('document worker');
  await page.getByRole('button', { name: 'Create client' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Platform client created' });
  await dialog.waitFor();
  const secret = await dialog.getByLabel('Client secret', { exact: true }).inputValue();
  const clientId = await dialog.getByLabel('Client ID', { exact: true }).inputValue();
  assert.match(secret, /^tdps_/);
  assert.match(await dialog.textContent(), /shown only once/);
  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await dialog.waitFor({ state: 'detached' });
  await idle(page);
  const row = page.getByRole('row').filter({ hasText: 'document worker' });
  assert.match(await row.textContent(), new RegExp(`${clientId}.*platform:storage`));
  assert.ok(!(await page.content()).includes(secret));

  await row.getByRole('button', { name: 'Regenerate the secret of document worker' }).click();
  await page.getByRole('alertdialog', { name: 'Regenerate the secret of document worker?' }).getByRole('button', { name: 'Regenerate' }).click();
  const again = page.getByRole('alertdialog', { name: 'New platform client secret' });
  await again.waitFor();
  const second = await again.getByLabel('Client secret', { exact: true }).inputValue();
  assert.match(second, /^tdps_/);
  assert.notEqual(second, secret);
  await page.keyboard.press('Escape');
  await again.waitFor({ state: 'detached' });
  await idle(page);
  assert.ok(!(await page.content()).includes(second));

  await page.getByRole('button', { name: 'Delete document worker' }).click();
  await page.getByRole('alertdialog', { name: 'Delete document worker?' }).getByRole('button', { name: 'Delete' }).click();
  await page.getByText('document worker was deleted.').waitFor();
  await idle(page);
  assert.equal(await page.getByRole('row').filter({ hasText: 'document worker' }).count(), 0);
  assert.deepEqual(page.problems(), []);
});

test('platform audit log: platform events by default, filters in the URL, a refused filter at its field, all events', async () => {
  await visit(page, '#/platform-audit', 'Platform audit log');
  assert.equal(await page.getByRole('link', { name: 'Audit log', exact: true }).getAttribute('aria-current'), 'page');
  const actions = () => page.locator('td[data-label="Action"]').allTextContents();
  const seen = await actions();
  for (const a of ['region.create', 'region_database.create', 'plan.create', 'platform_client.create', 'user.login']) {
    assert.ok(seen.includes(a), `${a} in ${seen}`);
  }
  assert.ok(!seen.includes('tenant.activate'), 'tenant events only with "All events"');
  assert.deepEqual([...new Set(await page.locator('td[data-label="Tenant"]').allTextContents())], ['platform']);
  const login = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'user.login', exact: true }) }).first();
  assert.equal(await login.locator('td[data-label="Who"]').textContent(), 'admin@test.local');

  // Filter by an action prefix: the URL carries it, only matching rows remain.
  await page.getByLabel('Action', { exact: true }).fill('plan.*');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/#\/platform-audit\?action=plan\.\*$/);
  await idle(page);
  const plans = await actions();
  assert.ok(plans.length > 0 && plans.every((a) => a.startsWith('plan.')), plans.join());
  assert.equal(await page.getByLabel('Action', { exact: true }).inputValue(), 'plan.*', 'the form shows the active filter');

  // A filter the API refuses: its message next to the field, the URL unchanged.
  await page.getByLabel('Action', { exact: true }).fill('Plan Create');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  assert.match(await errorFor(page.getByLabel('Action', { exact: true })), /invalid_filter/);
  assert.match(page.url(), /action=plan\.\*$/);

  // A date window with nothing in it, then every tenant's events.
  await visit(page, '#/platform-audit?until=2001-01-01', 'Platform audit log');
  await page.getByText('No events match these filters.').waitFor();
  await page.getByRole('link', { name: 'Clear' }).click();
  await page.waitForURL(/#\/platform-audit$/);
  await idle(page);
  await page.getByLabel('Show').selectOption('all');
  await page.getByLabel('Action', { exact: true }).fill('tenant.activate');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/scope=all/);
  await idle(page);
  assert.ok((await actions()).every((a) => a === 'tenant.activate'));
  const links = await page.locator('td[data-label="Tenant"] a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(links.includes(`#/tenants/${seed.tenantId}`), links.join());
  assert.deepEqual(page.problems([400]), []);
});

test('a tenant member cannot open host pages', async () => {
  const member = await openPage(browser, server);
  await useSession(member, server, seed.owner, '#/apps');
  for (const hash of ['#/tenants', '#/regions', '#/plans', '#/platform-clients', '#/platform-audit', `#/tenants/${seed.tenantId}`]) {
    await visit(member, hash, 'Not found');
  }
  const nav = await member.getByRole('navigation', { name: 'Main' }).textContent();
  assert.doesNotMatch(nav, /Tenants|Regions|Plans|Platform/);
  assert.deepEqual(member.problems(), []);
  await member.context().close();
});

test('host pages fit a 360 px screen without horizontal scrolling, every control labelled', async () => {
  const small = await openPage(browser, server, { width: 360, height: 740 });
  await useSession(small, server, admin, '#/tenants');
  const plans = (await call(server, 'GET', '/api/v1/plans?limit=200', { auth: admin })).body.items;
  for (const [hash, shot] of [
    ['#/tenants', 'tenants'], [`#/tenants/${seed.tenantId}`, 'tenant'], ['#/regions', 'regions'],
    [`#/regions/${seed.regionCode}`, 'region'], ['#/plans', 'plans'], [`#/plans/${plans[0].code}`, 'plan'],
    ['#/platform-clients', 'platform-clients'], ['#/platform-audit', 'platform-audit'], ['#/account', 'account-host'],
  ]) {
    await visit(small, hash);
    await small.getByRole('heading', { level: 1 }).waitFor();
    assert.equal(await overflowsX(small), false, `${hash} overflows at 360 px`);
    assert.deepEqual(await unlabelled(small), [], `${hash}: every control has a name`);
    await screenshot(small, `host-${shot}-360`);
  }
  assert.deepEqual(small.problems(), []);
  await small.context().close();
});
