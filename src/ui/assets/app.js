// app.js — the dashboard's entry point: restores the session, draws the header and
// navigation for the signed-in role, and renders the page named by the URL
// fragment. Routes:
//   public   #/signin  #/signup  #/pending  #/accept?token=…
//   tenant   #/apps  #/apps/new  #/apps/{id}  #/workspaces  #/workspaces/{id}
//            #/members  #/audit  (own tenant)
//   host     #/tenants  #/tenants/{tid}  #/tenants/{tid}/apps[/new|/{id}]
//            #/tenants/{tid}/workspaces[/{id}]  #/tenants/{tid}/members  #/tenants/{tid}/audit
//            #/platform-audit (platform-level audit log)
//            #/regions  #/regions/{code}  #/plans  #/plans/{code}  #/platform-clients
//   both     #/account

import { api, clearSession, isHost, onSessionLost, session } from './api.js';
import { h, setTitle, toast } from './dom.js';
import { go, homePath, leavePage, rememberNext } from './nav.js';
import * as accountViews from './views_account.js';
import * as appViews from './views_apps.js';
import * as auditViews from './views_audit.js';
import * as authViews from './views_auth.js';
import * as hostViews from './views_host.js';
import * as planViews from './views_plans.js';
import * as teamViews from './views_team.js';
import * as workspaceViews from './views_workspaces.js';

// who: 'public' (anyone), 'user' (signed in), 'member' (tenant member), 'host'.
// scoped: a tenant page; members reach it without /tenants/{tid}, hosts with it.
const ROUTES = [
  { path: /^\/signin$/, who: 'public', guestOnly: true, view: authViews.signIn },
  { path: /^\/signup$/, who: 'public', guestOnly: true, view: authViews.signUp },
  { path: /^\/pending$/, who: 'public', view: authViews.pending },
  { path: /^\/accept$/, who: 'public', view: authViews.accept },
  { path: /^\/account$/, who: 'user', view: accountViews.account, nav: 'account' },
  { path: /^\/apps$/, scoped: true, view: appViews.list, nav: 'apps' },
  { path: /^\/apps\/new$/, scoped: true, view: appViews.create, nav: 'apps' },
  { path: /^\/apps\/([^/]+)$/, scoped: true, view: appViews.detail, nav: 'apps' },
  { path: /^\/workspaces$/, scoped: true, view: workspaceViews.list, nav: 'workspaces' },
  { path: /^\/workspaces\/([^/]+)$/, scoped: true, view: workspaceViews.detail, nav: 'workspaces' },
  { path: /^\/members$/, scoped: true, view: teamViews.members, nav: 'members' },
  { path: /^\/audit$/, scoped: true, view: auditViews.audit, nav: 'audit' },
  { path: /^\/tenants$/, who: 'host', view: hostViews.tenants, nav: 'tenants' },
  { path: /^\/tenants\/([^/]+)$/, who: 'host', view: hostViews.tenant, nav: 'tenants' },
  { path: /^\/regions$/, who: 'host', view: hostViews.regions, nav: 'regions' },
  { path: /^\/regions\/([^/]+)$/, who: 'host', view: hostViews.region, nav: 'regions' },
  { path: /^\/plans$/, who: 'host', view: planViews.plans, nav: 'plans' },
  { path: /^\/plans\/([^/]+)$/, who: 'host', view: planViews.plan, nav: 'plans' },
  { path: /^\/platform-clients$/, who: 'host', view: planViews.platformClients, nav: 'platform' },
  { path: /^\/platform-audit$/, who: 'host', view: auditViews.platformAudit, nav: 'platform-audit' },
];

const TENANT_SCOPE = /^\/tenants\/([^/]+)(\/.*)$/;

/** Splits location.hash into {path, query}; "#/accept?token=x" → "/accept", token=x. */
function parseHash() {
  const raw = location.hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = (q >= 0 ? raw.slice(0, q) : raw) || '/';
  return { path, query: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

/** Finds the route and builds the context handed to its view. */
function resolve(path, query) {
  let tid = null;
  let base = '';
  let inner = path;
  const scoped = TENANT_SCOPE.exec(path);
  if (scoped && ROUTES.some((r) => r.scoped && r.path.test(scoped[2]))) {
    tid = decodeURIComponent(scoped[1]);
    base = `/tenants/${scoped[1]}`;
    inner = scoped[2];
  }
  for (const route of ROUTES) {
    const m = route.path.exec(inner);
    if (!m || (tid && !route.scoped)) continue;
    return { route, ctx: { params: m.slice(1).map(decodeURIComponent), query, tid, base, host: Boolean(tid) } };
  }
  return null;
}

function notFound(message) {
  return h('section', { class: 'panel' },
    h('h1', {}, 'Not found'),
    h('p', {}, message || 'There is nothing at this address, or you do not have access to it.'),
    h('p', {}, h('a', { href: `#${homePath()}` }, 'Go to the start page')));
}

function errorView(err) {
  if (err && err.status === 404) {
    return notFound(`${err.problem?.detail || 'Not found.'} It does not exist or you do not have access to it.`);
  }
  if (err && err.status === 403) {
    return h('section', { class: 'panel' }, h('h1', {}, 'Not allowed'),
      h('p', {}, err.problem?.detail || 'Your role does not allow this.'));
  }
  return h('section', { class: 'panel' }, h('h1', {}, 'Something went wrong'),
    h('p', { class: 'alert', role: 'alert' }, err?.problem?.detail || err?.message || String(err),
      err?.code ? ` (${err.code})` : ''),
    h('p', {}, h('button', { type: 'button', onclick: () => render() }, 'Try again')));
}

// ---- header, navigation, banner -----------------------------------------------------

function drawChrome(current) {
  const nav = document.getElementById('nav');
  const account = document.getElementById('account');
  const banner = document.getElementById('banner');
  const me = session.me;
  const link = (key, href, text) => h('a', { href, 'aria-current': key === current ? 'page' : null }, text);
  if (!me) {
    nav.replaceChildren();
    account.replaceChildren(h('a', { href: '#/signin' }, 'Sign in'));
    banner.replaceChildren();
    return;
  }
  nav.replaceChildren(...(isHost()
    ? [link('tenants', '#/tenants', 'Tenants'), link('regions', '#/regions', 'Regions'),
      link('plans', '#/plans', 'Plans'), link('platform', '#/platform-clients', 'Platform clients'),
      link('platform-audit', '#/platform-audit', 'Audit log'), link('account', '#/account', 'Account')]
    : [link('apps', '#/apps', 'Apps'), link('workspaces', '#/workspaces', 'Workspaces'), link('members', '#/members', 'Members'),
      link('audit', '#/audit', 'Audit log'), link('account', '#/account', 'Account')]));
  const signOut = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    try { await api('POST', '/auth/logout'); } catch { /* the session is dropped here either way */ }
    clearSession();
    toast('You are signed out.');
    go('/signin');
  });
  account.replaceChildren(h('span', { class: 'who' }, me.user.email), signOut);
  const status = me.tenant?.status;
  if (status === 'pending_activation') {
    banner.replaceChildren(h('div', { class: 'banner', role: 'note' }, h('p', {},
      h('strong', {}, 'Pending activation: '), `${me.tenant.name} is waiting for the platform operator. Apps can be prepared now; they obtain tokens once the organisation is active.`)));
  } else if (status === 'suspended') {
    banner.replaceChildren(h('div', { class: 'banner', role: 'note' }, h('p', {},
      h('strong', {}, 'Suspended: '), `${me.tenant.name} is suspended, so its apps cannot obtain tokens. Contact support.`)));
  } else {
    banner.replaceChildren();
  }
}

// ---- rendering -----------------------------------------------------------------------

let renderSeq = 0;

async function render() {
  const seq = ++renderSeq;
  leavePage();
  const main = document.getElementById('main');
  const focusKey = document.activeElement?.dataset?.focusKey;
  const { path, query } = parseHash();
  const found = resolve(path, query);
  if (!found) {
    go(homePath());
    return;
  }
  const { route, ctx } = found;
  const who = route.scoped ? (ctx.tid ? 'host' : 'member') : route.who;
  if (who !== 'public' && !session.me) {
    rememberNext(path + (query.toString() ? `?${query}` : ''));
    go('/signin');
    return;
  }
  if (session.me && route.guestOnly) {
    go(homePath());
    return;
  }
  if (who === 'member' && !session.me.tenant) { // a host admin on a member URL
    go(homePath());
    return;
  }
  let node;
  if (who === 'host' && !isHost()) {
    node = notFound();
  } else {
    if (who === 'member') ctx.tid = session.me.tenant.id;
    drawChrome(route.nav);
    main.setAttribute('aria-busy', 'true');
    try {
      node = await route.view(ctx);
    } catch (err) {
      node = errorView(err);
    }
  }
  if (seq !== renderSeq) return;
  drawChrome(route.nav);
  main.replaceChildren(node);
  main.dataset.rendered = location.hash;
  main.removeAttribute('aria-busy');
  const heading = main.querySelector('h1');
  setTitle(heading?.textContent);
  const keep = focusKey && main.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
  if (keep) {
    keep.focus();
  } else if (!document.querySelector('dialog[open]')) {
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: false });
    }
  }
}

async function boot() {
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    const heading = document.querySelector('#main h1');
    (heading || document.getElementById('main')).focus();
  });
  onSessionLost(() => {
    clearSession();
    toast('Your session has ended. Please sign in again.', true);
    const { path, query } = parseHash();
    rememberNext(path + (query.toString() ? `?${query}` : ''));
    go('/signin');
  });
  if (session.csrf) {
    try {
      session.me = await api('GET', '/me');
    } catch (err) {
      if (err.status !== 401) toast(`Could not restore the session: ${err.message}`, true);
      clearSession();
    }
  }
  window.addEventListener('hashchange', render);
  window.addEventListener('tenantd:render', render);
  render();
}

boot();
