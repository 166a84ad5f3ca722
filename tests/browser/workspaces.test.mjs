// The Demo UI (SPEC §6) end to end in Chromium: a workspace bound to an app by
// pasting the credentials shown once at app creation (refused next to the field
// when they are wrong), a token from the real token service with its decoded header
// and claims and a live expiry countdown (one timer, stopped when the page is left),
// introspection, the exact OAuth error when issuance is refused, the secret never
// in the page, read-only viewers, tenant isolation by URL, keyboard use, the delete
// confirmation, and the pages at 360 px. Tests run in order and share one world.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { call, login, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { CSP, idle, launch, openPage, overflowsX, screenshot, unlabelled, useSession, visit } from './lib/browser.mjs';

let server, browser, admin, A, B, page, viewer;
let app, other, wsId;
const WS_NAME = 'Billing smoke test';

const must = (r, want) => { assert.equal(r.status, want, r.text); return r.body; };
const appsUrl = (t) => `/api/v1/tenants/${t.tenantId}/apps`;
const wsUrl = (t) => `/api/v1/tenants/${t.tenantId}/workspaces`;
const createApp = async (t, name) => must(await call(server, 'POST', appsUrl(t), { auth: t.owner, body: { name, region_code: t.regionCode } }), 201);

async function addMember(tenant, role) {
  const email = `${uniq(role)}@example.com`;
  const password = `${role}-password-123`;
  const inv = must(await call(server, 'POST', `/api/v1/tenants/${tenant.tenantId}/invitations`, { auth: tenant.owner, body: { email, role } }), 201);
  const token = decodeURIComponent(/token=([^&#]+)/.exec(inv.accept_url)[1]);
  must(await call(server, 'POST', '/api/v1/invitations/accept', { body: { token, password, display_name: `A ${role}` } }), 201);
  return { ...(await login(server, email, password)), email };
}

// Counts the page's live setInterval timers (window.__liveIntervals), to prove the
// countdown uses one timer and stops it.
const COUNT_INTERVALS = () => {
  const live = new Set();
  const set = window.setInterval.bind(window);
  const clear = window.clearInterval.bind(window);
  window.setInterval = (...args) => { const id = set(...args); live.add(id); return id; };
  window.clearInterval = (id) => { live.delete(id); return clear(id); };
  Object.defineProperty(window, '__liveIntervals', { get: () => live.size });
};

before(async () => {
  [server, browser] = await Promise.all([startServer(), launch()]);
  admin = await loginAdmin(server);
  A = await seedTenant(server, admin);
  B = await seedTenant(server, admin, { region: A.regionCode });
  // The credentials exactly as app creation shows them, once.
  app = await createApp(A, 'Demo backend');
  other = await createApp(A, 'Other backend');
  viewer = await addMember(A, 'viewer');
  page = await openPage(browser, server);
  await page.clock.install(); // real time flows; fastForward() jumps to the expiry
  await page.addInitScript(COUNT_INTERVALS);
  await useSession(page, server, A.owner, '#/apps'); // useSession lands on the home page
  await visit(page, '#/workspaces', 'Workspaces');
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const heading = async (name) => { await page.getByRole('heading', { level: 1, name, exact: true }).waitFor(); await idle(page); };
/** Waits until the control is marked invalid; returns its error message (the last id in aria-describedby). */
async function errorFor(locator) {
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await locator.elementHandle());
  const ids = (await locator.getAttribute('aria-describedby')).split(' ');
  return page.locator(`[id="${ids.at(-1)}"]`).textContent();
}
const workspaces = async () => must(await call(server, 'GET', wsUrl(A), { auth: A.owner }), 200).items;
/** Whether text appears anywhere in the page: markup, or the value of any control. */
const inPage = (p, text) => p.evaluate((t) => document.documentElement.outerHTML.includes(t) ||
  [...document.querySelectorAll('input, textarea')].some((el) => el.value.includes(t)), text);
const figureJson = async (name) => JSON.parse(await page.getByRole('figure', { name, exact: true }).locator('pre').textContent());
const countdown = () => page.getByRole('timer').textContent();
const secs = (mmss) => { const [m, s] = mmss.split(':').map(Number); return m * 60 + s; };
const liveIntervals = () => page.evaluate(() => window.__liveIntervals);

test('workspaces page: CSP, navigation entry, empty list and a labelled create form', async () => {
  const res = await page.reload();
  assert.equal(res.headers()['content-security-policy'], CSP);
  await heading('Workspaces');
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).getAttribute('aria-current'), 'page');
  await page.getByText('No workspaces yet').waitFor();
  const options = await page.getByLabel('App', { exact: true }).locator('option').evaluateAll((os) => os.map((o) => [o.value, o.textContent]));
  assert.deepEqual(options, [['', 'Choose an app…'], [app.app.id, `Demo backend (${app.client_id})`], [other.app.id, `Other backend (${other.client_id})`]]);
  const secret = page.getByLabel('Client secret', { exact: true });
  assert.equal(await secret.getAttribute('type'), 'password');
  // The note about the secret is tied to the field.
  const hint = await secret.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby').split(' ')[0]).textContent);
  assert.match(hint, /after the workspace is created it is never shown again/);
  assert.deepEqual(await unlabelled(page), []);
  assert.deepEqual(page.problems(), []);
});

test('create: wrong credentials and names are refused next to their fields, nothing is created', async () => {
  const fill = async ({ name = WS_NAME, appId = app.app.id, clientId = app.client_id, secret = app.client_secret }) => {
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('App', { exact: true }).selectOption(appId);
    await page.getByLabel('Client ID', { exact: true }).fill(clientId);
    await page.getByLabel('Client secret', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Create workspace' }).click();
  };
  // A secret of the right shape that is not the app's current one.
  const wrong = app.client_secret.slice(0, -3) + (app.client_secret.endsWith('AAA') ? 'BBB' : 'AAA');
  await fill({ secret: wrong });
  assert.match(await errorFor(page.getByLabel('Client secret', { exact: true })), /\(invalid_client_secret\)/);
  assert.match(await page.getByRole('alert').textContent(), /invalid_client_secret/);
  assert.equal(await page.evaluate(() => document.activeElement.name), 'client_secret', 'focus moves to the invalid field');

  await fill({ clientId: other.client_id });
  assert.match(await errorFor(page.getByLabel('Client ID', { exact: true })), /\(client_id_mismatch\)/);
  assert.equal(await page.getByLabel('Client secret', { exact: true }).getAttribute('aria-invalid'), null, 'old errors are cleared');

  await fill({ name: '   ' });
  assert.match(await errorFor(page.getByLabel('Name', { exact: true })), /\(invalid_name\)/);

  // An app deleted after the page was drawn: app_not_found next to the picker.
  const gone = await createApp(A, uniq('Gone '));
  await visit(page, '#/workspaces', 'Workspaces');
  must(await call(server, 'DELETE', `${appsUrl(A)}/${gone.app.id}`, { auth: A.owner }), 204);
  await fill({ appId: gone.app.id, clientId: gone.client_id, secret: gone.client_secret });
  assert.match(await errorFor(page.getByLabel('App', { exact: true })), /\(app_not_found\)/);

  assert.equal((await workspaces()).length, 0, 'nothing was created');
  assert.ok(!(await page.content()).includes(app.client_secret), 'the secret is never put into the markup');
  assert.deepEqual(page.problems([400, 404]), []);
});

test('create with the keyboard only (Tab, Enter); the secret is gone from the page, also after a reload', async () => {
  await visit(page, '#/workspaces', 'Workspaces');
  await page.getByLabel('Name', { exact: true }).focus();
  await page.keyboard.type(WS_NAME);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'app_id');
  await page.keyboard.press('ArrowDown'); // the first app, "Demo backend"
  assert.equal(await page.getByLabel('App', { exact: true }).inputValue(), app.app.id);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'client_id');
  await page.keyboard.type(app.client_id);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.name), 'client_secret');
  await page.keyboard.type(app.client_secret);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Show secret');
  await page.keyboard.press('Enter');
  const secret = page.getByLabel('Client secret', { exact: true });
  assert.equal(await secret.getAttribute('type'), 'text', 'shown');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Hide secret');
  await page.keyboard.press('Enter');
  assert.equal(await secret.getAttribute('type'), 'password', 'hidden again');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Create workspace');
  await page.keyboard.press('Enter');

  await heading(WS_NAME);
  wsId = new URL(page.url()).hash.split('/').pop();
  assert.equal(new URL(page.url()).hash, `#/workspaces/${wsId}`);
  const list = await workspaces();
  assert.deepEqual(list.map((w) => [w.id, w.name, w.app_id, w.client_id]), [[wsId, WS_NAME, app.app.id, app.client_id]]);
  const overview = await page.getByRole('region', { name: 'Overview' }).textContent();
  assert.match(overview, /AppDemo backend/);
  assert.match(overview, new RegExp(app.client_id));
  assert.match(overview, /stored encrypted; never shown/);
  assert.equal(await inPage(page, app.client_secret), false, 'secret not in the page after creation');
  await page.reload();
  await heading(WS_NAME);
  assert.equal(await inPage(page, app.client_secret), false, 'secret not in the page after a reload');
  await visit(page, '#/workspaces', 'Workspaces');
  const row = page.getByRole('row').filter({ hasText: WS_NAME });
  assert.equal(await row.locator('td[data-label="App"]').textContent(), 'Demo backend');
  assert.equal(await row.locator('td[data-label="Client ID"]').textContent(), app.client_id);
  assert.ok((await row.locator('td[data-label="Created"] time').getAttribute('datetime')).startsWith('20'));
  assert.equal(await inPage(page, app.client_secret), false, 'secret not on the list page');
  assert.deepEqual(page.problems(), []);
});

test('get token: decoded header and claims, the raw token with Copy, a live countdown', async () => {
  await page.getByRole('link', { name: WS_NAME }).click();
  await heading(WS_NAME);
  assert.equal(await page.getByRole('button', { name: 'Introspect' }).isDisabled(), true, 'nothing to introspect yet');
  await page.getByRole('button', { name: 'Get token' }).click();
  await page.getByRole('timer').waitFor();
  const first = await countdown();
  assert.match(first, /^(14:[0-5]\d|15:00)$/, 'counts down from 15:00');

  const header = await figureJson('Decoded header');
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'ES256');
  assert.ok(header.kid);
  const claims = await figureJson('Decoded claims');
  assert.equal(claims.tenantid, A.tenantId);
  assert.equal(claims.appId, app.app.id);
  assert.equal(claims.client_id, app.client_id);
  assert.equal(claims.licenseRegionCode, A.regionCode);
  assert.equal(claims.exp - claims.iat, 900);
  // Pretty-printed: one member per line, indented.
  assert.match(await page.getByRole('figure', { name: 'Decoded claims' }).locator('pre').textContent(), /^\{\n {2}"/);
  assert.equal(await page.getByRole('figure', { name: 'Decoded header' }).locator('pre').evaluate((el) => getComputedStyle(el).fontFamily.includes('monospace')), true);

  const box = page.getByLabel('Access token', { exact: true });
  assert.equal(await box.evaluate((el) => el.tagName), 'TEXTAREA');
  assert.equal(await box.getAttribute('readonly'), '');
  const token = await box.inputValue();
  const [h64, c64] = token.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h64, 'base64url')), header);
  assert.deepEqual(JSON.parse(Buffer.from(c64, 'base64url')), claims);
  await page.getByRole('button', { name: 'Copy access token' }).click();
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);

  assert.match(await page.locator('.expiry').textContent(), /^Expires in \d\d:\d\d \(.+\)$/);
  await page.waitForFunction((f) => document.querySelector('[role="timer"]').textContent !== f, first, { timeout: 5000 });
  assert.ok(secs(await countdown()) < secs(first), 'the countdown decreases');
  assert.equal(await liveIntervals(), 1, 'one timer');
  await page.getByRole('button', { name: 'Get token' }).click();
  await page.waitForFunction((t) => document.querySelector('textarea.token-box')?.value !== t, token);
  assert.equal(await liveIntervals(), 1, 'a new token restarts the same single timer');
  assert.deepEqual(page.problems(), []);
});

test('introspect: active, with the claims', async () => {
  const token = await page.getByLabel('Access token', { exact: true }).inputValue();
  await page.getByRole('button', { name: 'Introspect' }).click();
  const figure = page.getByRole('figure', { name: 'Introspection result' });
  await figure.waitFor();
  const result = JSON.parse(await figure.locator('pre').textContent());
  assert.equal(result.active, true);
  assert.equal(result.client_id, app.client_id);
  assert.equal(result.tenantid, A.tenantId);
  assert.match(await page.locator('.introspection').textContent(), /Introspection says the token is active\./);
  // The same answer as the token service gives the app itself.
  const direct = await fetch(`${server.url}/connect/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: app.client_id, client_secret: app.client_secret }),
  });
  assert.equal((await direct.json()).jti, result.jti);
  assert.deepEqual(page.problems(), []);
});

// Issue 12: the Demo UI binds a token to a key made in the browser (WebCrypto, not
// extractable) with a DPoP proof. The proof is taken from the request the page
// sends, and the token's cnf.jkt must be the RFC 7638 thumbprint of the proof's key.
test('DPoP: a token bound to a key made in the browser, with cnf.jkt shown', async () => {
  const appUrl = `${appsUrl(A)}/${app.app.id}`;
  must(await call(server, 'PATCH', appUrl, { auth: A.owner, body: { dpop_bound_access_tokens: true } }), 200);
  try {
    await page.getByRole('button', { name: 'Get token' }).click();
    await page.getByRole('alert').filter({ hasText: 'invalid_dpop_proof' }).waitFor();
    assert.match(await page.locator('.oauth-error').textContent(), /^400 invalid_dpop_proof — this client must send a DPoP proof/);

    const bind = page.getByLabel('Bind the token to a key in this browser (DPoP)');
    await bind.check();
    const sent = page.waitForRequest((r) => r.url().endsWith(`/workspaces/${wsId}/token`));
    await page.getByRole('button', { name: 'Get token' }).click();
    const proof = JSON.parse((await sent).postData()).dpop_proof;
    await page.locator('.dpop-binding').waitFor();
    const [h64, p64] = proof.split('.');
    const header = JSON.parse(Buffer.from(h64, 'base64url'));
    const payload = JSON.parse(Buffer.from(p64, 'base64url'));
    assert.equal(header.typ, 'dpop+jwt');
    assert.equal(header.alg, 'ES256');
    assert.deepEqual(Object.keys(header.jwk).sort(), ['crv', 'kty', 'x', 'y'], 'public members only');
    assert.equal(payload.htm, 'POST');
    assert.equal(payload.htu, `${server.url}/connect/token`);
    const { x, y } = header.jwk;
    const thumbprint = createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`).digest('base64url');

    const claims = await figureJson('Decoded claims');
    assert.equal(claims.cnf.jkt, thumbprint, 'the token is bound to the key of the proof');
    const binding = await page.locator('.dpop-binding').textContent();
    assert.match(binding, /Token type DPoP/);
    assert.ok(binding.includes(`cnf.jkt = ${thumbprint}`), binding);
    assert.match(binding, /That is the thumbprint of the key this page made/);
    // Introspection reports the binding too.
    await page.getByRole('button', { name: 'Introspect' }).click();
    const figure = page.getByRole('figure', { name: 'Introspection result' });
    await figure.waitFor();
    assert.equal(JSON.parse(await figure.locator('pre').textContent()).cnf.jkt, thumbprint);

    // A second token: a fresh proof (new jti), the same key.
    const first = await page.getByLabel('Access token', { exact: true }).inputValue();
    const again = page.waitForRequest((r) => r.url().endsWith(`/workspaces/${wsId}/token`));
    await page.getByRole('button', { name: 'Get token' }).click();
    const proof2 = JSON.parse((await again).postData()).dpop_proof;
    await page.waitForFunction((t) => { const v = document.querySelector('textarea.token-box')?.value; return v && v !== t; }, first);
    await page.locator('.dpop-binding').waitFor();
    const payload2 = JSON.parse(Buffer.from(proof2.split('.')[1], 'base64url'));
    assert.notEqual(payload2.jti, payload.jti);
    assert.deepEqual(JSON.parse(Buffer.from(proof2.split('.')[0], 'base64url')).jwk, header.jwk);
    await bind.uncheck();
  } finally {
    must(await call(server, 'PATCH', appUrl, { auth: A.owner, body: { dpop_bound_access_tokens: false } }), 200);
  }
  assert.deepEqual(page.problems(), []);
});

// Issue 10 item 7: the page showed "Expires in (12/5/2026, 10:44:40 PM)" — the first
// write of the remaining time was skipped while the view was not yet in the document,
// so the time only appeared at the timer's first tick (never, where timers are
// throttled). With the page clock paused no tick can run: the time must be there at once.
test('the remaining time is shown as soon as the token arrives, before any timer tick', async () => {
  const old = await page.getByLabel('Access token', { exact: true }).inputValue();
  await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000));
  try {
    await page.getByRole('button', { name: 'Get token' }).click();
    await page.waitForFunction((t) => { const v = document.querySelector('textarea.token-box')?.value; return v && v !== t; }, old);
    const expiry = await page.locator('.expiry').textContent();
    assert.match(expiry, /^Expires in (14:[0-5]\d|15:00) \(.+\)$/, `remaining time missing: "${expiry}"`);
    assert.match(await countdown(), /^(14:[0-5]\d|15:00)$/);
  } finally {
    await page.clock.resume();
  }
  assert.deepEqual(page.problems(), []);
});

test('the countdown turns into "expired" at exp, and leaving the page stops its timer', async () => {
  await page.clock.fastForward('15:01');
  await page.waitForFunction(() => document.querySelector('[role="timer"]').textContent === 'expired');
  assert.equal(await liveIntervals(), 0, 'stopped at expiry');
  await page.getByRole('button', { name: 'Get token' }).click();
  await page.waitForFunction(() => /^\d\d:\d\d$/.test(document.querySelector('[role="timer"]')?.textContent));
  assert.equal(await liveIntervals(), 1);
  await visit(page, '#/apps', 'Apps');
  assert.equal(await liveIntervals(), 0, 'stopped when the page is left');
  assert.deepEqual(page.problems(), []);
});

test('a refused issuance shows the exact OAuth error of /connect/token', async () => {
  await visit(page, `#/workspaces/${wsId}`, WS_NAME);
  must(await call(server, 'POST', `${appsUrl(A)}/${app.app.id}/disable`, { auth: A.owner }), 200);
  await page.getByRole('button', { name: 'Get token' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.locator('.oauth-error').textContent(), '400 unauthorized_client — app is disabled');
  assert.match(await alert.textContent(), /Issuance refused by \/connect\/token/);
  assert.equal(await page.getByRole('timer').count(), 0, 'no token, no countdown');
  assert.equal(await page.getByLabel('Access token', { exact: true }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Introspect' }).isDisabled(), true);
  assert.equal(await liveIntervals(), 0);
  must(await call(server, 'POST', `${appsUrl(A)}/${app.app.id}/enable`, { auth: A.owner }), 200);

  // A regenerated secret makes the stored one stale: 401 invalid_client, verbatim.
  const regen = must(await call(server, 'POST', `${appsUrl(A)}/${app.app.id}/secret`, { auth: A.owner }), 200);
  await page.getByRole('button', { name: 'Get token' }).click();
  await page.getByRole('alert').filter({ hasText: 'invalid_client' }).waitFor();
  assert.match(await page.locator('.oauth-error').textContent(), /^401 invalid_client\b/);
  app.client_secret = regen.client_secret;
  assert.deepEqual(page.problems(), []);
});

test('a viewer sees the workspaces but no create, delete or token controls', async () => {
  const vpage = await openPage(browser, server);
  await useSession(vpage, server, viewer, '#/apps');
  await visit(vpage, '#/workspaces', 'Workspaces');
  await vpage.getByRole('link', { name: WS_NAME }).waitFor();
  assert.equal(await vpage.locator('main form').count(), 0);
  assert.equal(await vpage.locator('main').getByRole('button').count(), 0);
  await vpage.getByText('You have read-only access').waitFor();
  await vpage.getByRole('link', { name: WS_NAME }).click();
  await vpage.getByRole('heading', { level: 1, name: WS_NAME }).waitFor();
  await vpage.getByRole('region', { name: 'Overview' }).waitFor();
  assert.equal(await vpage.locator('main').getByRole('button').count(), 0, 'no Get token, Introspect or Delete');
  // The API refuses them anyway.
  assert.equal((await call(server, 'POST', `${wsUrl(A)}/${wsId}/token`, { auth: viewer })).status, 403);
  assert.deepEqual(vpage.problems(), []);
  await vpage.context().close();
});

test('another tenant gets "Not found" for the workspace by URL; a host admin sees it inside the tenant', async () => {
  const bpage = await openPage(browser, server);
  await useSession(bpage, server, B.owner, '#/apps');
  await visit(bpage, '#/workspaces', 'Workspaces');
  await bpage.getByText('No workspaces yet').waitFor();
  for (const hash of [`#/workspaces/${wsId}`, `#/tenants/${A.tenantId}/workspaces/${wsId}`, `#/tenants/${A.tenantId}/workspaces`]) {
    await visit(bpage, hash, 'Not found');
    assert.ok(!(await bpage.locator('main').textContent()).includes(WS_NAME), hash);
  }
  assert.deepEqual(bpage.problems([404]), []);
  await useSession(bpage, server, admin, '#/tenants');
  await visit(bpage, `#/tenants/${A.tenantId}`);
  await bpage.getByRole('link', { name: 'Workspaces' }).click();
  await bpage.getByRole('heading', { level: 1, name: 'Workspaces' }).waitFor();
  await bpage.getByRole('link', { name: WS_NAME }).click();
  await bpage.getByRole('heading', { level: 1, name: WS_NAME }).waitFor();
  assert.equal(new URL(bpage.url()).hash, `#/tenants/${A.tenantId}/workspaces/${wsId}`);
  assert.deepEqual(bpage.problems(), []);
  await bpage.context().close();
});

test('the pages fit a 360 px screen without horizontal scrolling, every control labelled', async () => {
  // A fresh workspace with the current secret, so the page shows a token.
  const fresh = must(await call(server, 'POST', wsUrl(A), { auth: A.owner, body: { name: 'Narrow', app_id: app.app.id, client_id: app.client_id, client_secret: app.client_secret } }), 201);
  const small = await openPage(browser, server, { width: 360, height: 740 });
  await useSession(small, server, A.owner, '#/apps');
  await visit(small, '#/workspaces', 'Workspaces');
  assert.equal(await overflowsX(small), false, 'list overflows at 360 px');
  assert.deepEqual(await unlabelled(small), []);
  await screenshot(small, 'workspaces-360');
  await visit(small, `#/workspaces/${fresh.id}`, 'Narrow');
  await small.getByRole('button', { name: 'Get token' }).click();
  await small.getByRole('timer').waitFor();
  await small.getByRole('button', { name: 'Introspect' }).click();
  await small.getByRole('figure', { name: 'Introspection result' }).waitFor();
  assert.equal(await overflowsX(small), false, 'workspace page with a token overflows at 360 px');
  assert.deepEqual(await unlabelled(small), []);
  await screenshot(small, 'workspace-token-360');
  await visit(page, `#/workspaces/${fresh.id}`, 'Narrow');
  await page.getByRole('button', { name: 'Get token' }).click();
  await page.getByRole('timer').waitFor();
  await screenshot(page, 'workspace-token-1280');
  assert.deepEqual(small.problems(), []);
  await small.context().close();
  must(await call(server, 'DELETE', `${wsUrl(A)}/${fresh.id}`, { auth: A.owner }), 204);
});

test('delete: Escape closes the confirmation and keeps the workspace; confirming deletes it', async () => {
  await visit(page, `#/workspaces/${wsId}`, WS_NAME);
  await page.getByRole('button', { name: 'Delete workspace' }).click();
  const dialog = page.getByRole('alertdialog', { name: `Delete the workspace ${WS_NAME}?` });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'the safe choice has focus');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Delete workspace', 'focus returns to the opener');
  assert.equal((await workspaces()).length, 1, 'still there');

  await page.getByRole('button', { name: 'Delete workspace' }).click();
  await dialog.getByRole('button', { name: 'Delete workspace' }).click();
  await heading('Workspaces');
  await page.getByText(`Workspace ${WS_NAME} was deleted.`).waitFor();
  assert.equal((await workspaces()).length, 0);
  await page.getByText('No workspaces yet').waitFor();
  await visit(page, `#/workspaces/${wsId}`, 'Not found');
  assert.deepEqual(page.problems(), []);
});
