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
  page.setDefaultTimeout(Number(process.env.TENANTD_UI_TIMEOUT_MS || 10000));
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()} @ ${m.location()?.url || ''}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.problems = (allowStatuses = []) => problems.splice(0).filter((p) => {
    const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(p);
    return !(m && allowStatuses.includes(Number(m[1])));
  });
  return page;
}

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Signs page in with an API session ({cookie, csrf} from harness login()), the way
 * a reload of a signed-in tab does, and checks the document carries the CSP.
 */
export async function useSession(page, server, session, hash = '#/') {
  const [name, ...rest] = session.cookie.split('=');
  await page.context().clearCookies();
  await page.context().addCookies([{ name, value: rest.join('='), url: server.url, httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${server.url}/#/signin`);
  await page.evaluate((csrf) => sessionStorage.setItem('tenantd.csrf', csrf), session.csrf);
  // Reload first so the shell starts signed in, then follow the hash route.
  const res = await page.reload();
  if (res.headers()['content-security-policy'] !== CSP) throw new Error(`document CSP: ${res.headers()['content-security-policy']}`);
  await page.locator('#account .who').waitFor();
  if (hash !== '#/') {
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.waitForFunction((h) => location.hash === h, hash);
  }
}

/**
 * Controls without an accessible name (form fields without a label, aria-label or
 * aria-labelledby; buttons and links without text or aria-label), as descriptions.
 */
export function unlabelled(page) {
  return page.evaluate(() => {
    const named = (el) => (el.getAttribute('aria-label') || '').trim() || el.getAttribute('aria-labelledby');
    const out = [];
    for (const el of document.querySelectorAll('input:not([type="hidden"]), select, textarea')) {
      if (!el.labels?.length && !named(el)) out.push(`<${el.tagName.toLowerCase()} name="${el.name}">`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!el.textContent.trim() && !named(el)) out.push(`<${el.tagName.toLowerCase()}> ${el.outerHTML.slice(0, 80)}`);
    }
    return out;
  });
}

/** Waits until the page has finished rendering (app.js marks <main aria-busy> meanwhile). */
export function idle(page) {
  return page.locator('#main:not([aria-busy])').waitFor();
}

/**
 * Navigates inside the app to hash (re-rendering when already there), waits until
 * that page is rendered (app.js records the rendered fragment on <main>) and, when
 * given, for its heading.
 */
export async function visit(page, hash, heading) {
  await page.evaluate((h) => {
    delete document.getElementById('main').dataset.rendered;
    if (location.hash === h) window.dispatchEvent(new Event('tenantd:render'));
    else location.hash = h;
  }, hash);
  await page.waitForFunction((h) => {
    const main = document.getElementById('main');
    return main.dataset.rendered === h && !main.hasAttribute('aria-busy');
  }, hash);
  if (heading) await page.getByRole('heading', { level: 1, name: heading, exact: true }).waitFor();
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Whether the document is wider than the viewport (a horizontal scrollbar): false,
 * or a description of the elements sticking out, for the failure message.
 */
export function overflowsX(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    if (root.scrollWidth <= root.clientWidth) return false;
    const out = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 0.5)
      .slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> right=${Math.round(el.getBoundingClientRect().right)}`);
    return `scrollWidth ${root.scrollWidth} > ${root.clientWidth}: ${out.join('; ')}`;
  });
}
