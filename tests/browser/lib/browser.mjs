// Browser helpers for the dashboard tests: Debian's Chromium driven by
// playwright-core (installed with the integration tests' lockfile; never a
// downloaded browser), pages that record console errors, sessions injected from an
// API login, screenshots and a horizontal-overflow probe.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../integration/package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.TENANTD_CHROMIUM || '/usr/bin/chromium';
export const SHOTS = path.resolve(here, '../screenshots');

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A fresh context + page on server. Records console errors and uncaught page
 * errors; page.problems(allowStatuses) returns (and forgets) those recorded so far,
 * minus the browser's "Failed to load resource" lines for HTTP statuses the test
 * expects (an API refusal it provoked on purpose).
 */
export async function openPage(browser, server, { width = 1280, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, baseURL: server.url });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  page.setDefaultTimeout(Number(process.env.TENANTD_UI_TIMEOUT_MS || 5000));
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} @ ${m.location()?.url || ''}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.problems = (allowStatuses = []) => problems.splice(0).filter((p) => {
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(p);
    return !(m && allowStatuses.includes(Number(m[1])));
  });
  return page;
}

/** Signs page in with an API session ({cookie, csrf} from harness login()). */
export async function useSession(page, server, session, hash = '#/') {
  const [name, ...rest] = session.cookie.split('=');
  await page.context().clearCookies();
  await page.context().addCookies([{ name, value: rest.join('='), url: server.url, httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${server.url}/#/signin`);
  await page.evaluate((csrf) => sessionStorage.setItem('tenantd.csrf', csrf), session.csrf);
  await page.goto(`${server.url}/${hash}`);
  await page.reload();
  await page.locator('#account .who').waitFor();
}

/** Navigates inside the app and waits for the page heading. */
export async function visit(page, hash, heading) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  if (heading) await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** True when the document is wider than the viewport (a horizontal scrollbar). */
export function overflowsX(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}
