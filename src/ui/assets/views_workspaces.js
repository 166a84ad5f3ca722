// views_workspaces.js — the Demo UI (SPEC §6): workspaces bound to one of the
// tenant's apps. The list page shows the workspaces and, for owners and admins, the
// form that binds a new one by pasting the app's client_id and client_secret (the
// server checks them, stores the secret encrypted and never returns it). The
// workspace page asks the real token service for a token and shows the decoded
// header and claims, the raw token with Copy and a live expiry countdown — or, when
// issuance is refused, the exact OAuth error of /connect/token — and introspects
// the token. With "Bind to this browser's key (DPoP)" the page makes a key pair
// with WebCrypto (dpop.js), sends a DPoP proof with the request and shows the
// token's cnf.jkt next to the key's thumbprint. Viewers read the list and the
// workspace facts only.
//
// The pasted secret lives only in the form's input until the create call returns;
// tokens live only in the page (never in storage) and vanish when it is left.

import { ApiError, api, canManage, listAll, seg } from './api.js';
import { confirmDialog, copyText } from './dialogs.js';
import { badge, checkbox, code, field, h, onSubmit, selectField, table, time, toast, uid, withButton } from './dom.js';
import { dpopProofForToken, dpopSupported } from './dpop.js';
import { go, onLeave } from './nav.js';

const workspacesPath = (ctx) => `/tenants/${seg(ctx.tid)}/workspaces`;
const workspacePath = (ctx, id) => `${workspacesPath(ctx)}/${seg(id)}`;

/** The tenant's apps by id (a workspace names its app only by id). */
async function appsById(ctx) {
  const apps = await listAll(`/tenants/${seg(ctx.tid)}/apps`);
  return { apps, byId: new Map(apps.map((a) => [a.id, a])) };
}

/** The app cell: its name linked to the app page, or a note when it was deleted. */
function appCell(ctx, byId, appId) {
  const app = byId.get(appId);
  if (!app) return h('span', { class: 'muted' }, 'deleted app ', code(appId));
  return h('a', { href: `#${ctx.base}/apps/${app.id}` }, app.name);
}

// ---- list + create ----------------------------------------------------------------

/**
 * The client-secret input with a Show/Hide toggle and the "never shown again" note.
 * Returns the .field wrapper; .control is the input, .reset() empties and hides it.
 */
function secretField() {
  const id = uid('client_secret');
  const hintId = `${id}-hint`;
  const input = h('input', {
    type: 'password', id, name: 'client_secret', required: true, autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'off', 'data-field': 'client_secret', 'aria-describedby': hintId,
  });
  const toggle = h('button', { type: 'button', class: 'secret-toggle', 'aria-controls': id }, 'Show secret');
  const setShown = (shown) => {
    input.type = shown ? 'text' : 'password';
    toggle.textContent = shown ? 'Hide secret' : 'Show secret';
  };
  toggle.addEventListener('click', () => setShown(input.type === 'password'));
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, 'Client secret'),
    h('div', { class: 'secret-box' }, input, toggle),
    h('span', { class: 'hint', id: hintId },
      'Paste the secret shown when the app was created or its secret regenerated. It is checked against the app and stored encrypted; ',
      h('strong', {}, 'after the workspace is created it is never shown again'), ', not even here.'));
  wrap.control = input;
  wrap.reset = () => { input.value = ''; setShown(false); };
  return wrap;
}

function createForm(ctx, apps) {
  const name = field({ label: 'Name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off', hint: '1–100 characters, e.g. “Billing smoke test”.' });
  const app = selectField({
    label: 'App', name: 'app_id', field: 'app_id', required: true,
    options: [['', 'Choose an app…'], ...apps.map((a) => [a.id, `${a.name} (${a.client_id})${a.enabled ? '' : ' — disabled'}`])],
    hint: 'The workspace requests tokens as this app.',
  });
  const clientId = field({
    label: 'Client ID', name: 'client_id', field: 'client_id', required: true, autocomplete: 'off',
    spellcheck: 'false', autocapitalize: 'off', hint: 'The app’s client ID (tdc_…), as your backend would send it.',
  });
  const secret = secretField();
  const form = h('form', { 'aria-labelledby': 'new-workspace-title' },
    h('h2', { id: 'new-workspace-title' }, 'New workspace'),
    name, app, clientId, secret,
    h('button', { type: 'submit', class: 'primary' }, 'Create workspace'));
  onSubmit(form, async () => {
    const created = await api('POST', workspacesPath(ctx), {
      name: name.control.value,
      app_id: app.control.value,
      client_id: clientId.control.value.trim(),
      client_secret: secret.control.value.trim(),
    });
    secret.reset();
    toast(`Workspace ${created.name} created. Its client secret is stored encrypted and not shown again.`);
    go(`${ctx.base}/workspaces/${created.id}`);
  });
  return h('section', { class: 'panel' },
    apps.length ? form : [
      h('h2', {}, 'New workspace'),
      h('p', {}, 'A workspace needs an app. ', h('a', { href: `#${ctx.base}/apps/new` }, 'Create an app'), ' first and keep its client secret at hand.'),
    ]);
}

export async function list(ctx) {
  const [items, { apps, byId }] = await Promise.all([listAll(workspacesPath(ctx)), appsById(ctx)]);
  const manage = canManage();
  return h('div', {},
    h('h1', {}, 'Workspaces'),
    h('p', { class: 'muted' }, 'Demo UI: a workspace holds one app’s credentials and asks the real token service (/connect/token) for tokens, so you can see what your backend would get — or exactly why it is refused.'),
    table('Workspaces', [
      { label: 'Name', cell: (w) => h('a', { href: `#${ctx.base}/workspaces/${w.id}` }, w.name) },
      { label: 'App', cell: (w) => appCell(ctx, byId, w.app_id) },
      { label: 'Client ID', cell: (w) => code(w.client_id) },
      { label: 'Created', cell: (w) => time(w.created_at) },
    ], items, manage ? 'No workspaces yet. Create one below with an app’s client ID and secret.' : 'No workspaces yet.'),
    manage ? createForm(ctx, apps) : h('p', { class: 'notice' }, 'You have read-only access: owners and admins create workspaces and request tokens.'));
}

// ---- workspace page ---------------------------------------------------------------

let countdownTimer = null; // the page's one timer: the expiry countdown

function stopCountdown() {
  if (countdownTimer !== null) clearInterval(countdownTimer);
  countdownTimer = null;
}

/** "mm:ss" for a number of seconds ≥ 0 (minutes are not capped at 59). */
function mmss(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/**
 * Counts down in el to the token's exp. The deadline is taken from the token's own
 * lifetime (exp − iat) from the moment it arrived, so a browser clock that differs
 * from the server's does not distort it; without iat it is exp itself. One timer for
 * the page: starting a countdown stops the previous one, and leaving the page (or
 * the element leaving the document) stops it.
 *
 * The remaining time is written at once, while el is still being built and not yet
 * in the document: only the timer's later ticks stop on a detached element. (Checking
 * that on the first write too left "Expires in (date)" with no time until the first
 * tick a second later, or for good where timers are throttled.)
 */
function startCountdown(el, claims) {
  stopCountdown();
  const exp = Number(claims.exp);
  const iat = Number(claims.iat);
  const deadline = Number.isFinite(iat) ? Date.now() + (exp - iat) * 1000 : exp * 1000;
  const render = () => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (left > 0) {
      el.textContent = mmss(left);
      return true;
    }
    el.textContent = 'expired';
    el.classList.add('expired');
    return false;
  };
  if (!render()) return;
  countdownTimer = setInterval(() => {
    if (!el.isConnected || !render()) stopCountdown();
  }, 1000);
}

/** A labelled, pretty-printed JSON block (header, claims, introspection result). */
function jsonBlock(label, value) {
  const id = uid('json');
  return h('figure', { class: 'jsonbox', 'aria-labelledby': id },
    h('figcaption', { id }, label),
    h('pre', { class: 'json' }, JSON.stringify(value, null, 2)));
}

const ERROR_HINTS = {
  invalid_client: 'The stored client secret no longer matches the app (was it regenerated?), or the app was deleted. Delete this workspace and create a new one with the current secret.',
  unauthorized_client: 'The app authenticated but may not obtain tokens right now; the description says why.',
};

/** The exact OAuth refusal: "400 unauthorized_client — app is disabled". */
function refusal(what, r) {
  const line = `${r.status} ${r.error || 'error'}${r.error_description ? ` — ${r.error_description}` : ''}`;
  return h('div', { class: 'alert', role: 'alert' },
    h('p', {}, h('strong', {}, what)),
    h('p', { class: 'oauth-error' }, code(line)),
    ERROR_HINTS[r.error] ? h('p', { class: 'hint' }, ERROR_HINTS[r.error]) : null);
}

/** A failure of the admin API call itself (network, 404 after a delete elsewhere, ...). */
function callFailure(what, err) {
  const p = err?.problem || {};
  return h('div', { class: 'alert', role: 'alert' },
    h('p', {}, h('strong', {}, what)),
    h('p', {}, `${p.detail || p.title || err?.message || String(err)}${err?.code ? ` (${err.code})` : ''}`));
}

/** The DPoP binding: the token's cnf.jkt against the thumbprint of this page's key. */
function bindingView(result, thumbprint) {
  const jkt = result.claims?.cnf?.jkt;
  if (!jkt) return null;
  const matches = jkt === thumbprint;
  return h('div', { class: 'dpop-binding' },
    h('p', {}, 'Token type ', code(result.token_type || 'DPoP'), ': bound to a key by ', code('cnf.jkt'), ' = ', code(jkt), '.'),
    h('p', { class: matches ? 'muted' : 'alert' }, matches
      ? 'That is the thumbprint of the key this page made (WebCrypto, not extractable): a resource server will accept the token only with a proof signed by it.'
      : `This page's key has the thumbprint ${thumbprint}, which does not match.`));
}

function tokenView(result, thumbprint) {
  const boxId = uid('token');
  const status = h('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const textarea = h('textarea', {
    id: boxId, class: 'code token-box', readonly: true, rows: 5, spellcheck: 'false', autocomplete: 'off',
  });
  textarea.value = result.access_token;
  const copy = h('button', { type: 'button', 'aria-label': 'Copy access token' }, 'Copy');
  copy.addEventListener('click', () => copyText(result.access_token, textarea, status));
  const timer = h('span', { class: 'countdown', role: 'timer', 'aria-labelledby': `${boxId}-expiry` });
  const claims = result.claims || {};
  const expires = Number.isFinite(Number(claims.exp)) ? new Date(Number(claims.exp) * 1000).toISOString() : null;
  const view = h('div', { class: 'token-result' },
    h('p', { class: 'expiry' },
      h('span', { id: `${boxId}-expiry` }, 'Expires in'), ' ', timer,
      expires ? [' (', time(expires), ')'] : null),
    bindingView(result, thumbprint),
    h('div', { class: 'field' },
      h('label', { for: boxId }, 'Access token'),
      textarea,
      h('div', { class: 'row copy-row' }, copy, status)),
    h('div', { class: 'grid2' },
      jsonBlock('Decoded header', result.header ?? null),
      jsonBlock('Decoded claims', claims)));
  startCountdown(timer, claims);
  return view;
}

function introspectionView(result) {
  if (result.ok === false) return refusal('Introspection refused by /connect/introspect', result);
  return h('div', { class: 'introspection' },
    h('p', {}, 'Introspection says the token is ', badge(result.active ? 'active' : 'inactive'), '.'),
    jsonBlock('Introspection result', result));
}

function tokenPanel(ctx, ws) {
  let token = null;
  const out = h('div', { class: 'token-out' });
  const introOut = h('div', { class: 'introspection-out' });
  const get = h('button', { type: 'button', class: 'primary' }, 'Get token');
  const introspect = h('button', { type: 'button', disabled: true }, 'Introspect');
  const bindField = checkbox({
    label: 'Bind the token to a key in this browser (DPoP)',
    name: 'dpop',
    hint: dpopSupported()
      ? 'The page makes an ES256 key pair with WebCrypto and sends a DPoP proof (RFC 9449) with the request; apps that require DPoP get tokens only this way.'
      : 'Needs WebCrypto, which browsers offer only on https or localhost.',
  });
  const bind = bindField.control;
  bind.disabled = !dpopSupported();
  const setToken = (value) => {
    token = value;
    introspect.disabled = !token;
  };
  get.addEventListener('click', () => withButton(get, async () => {
    stopCountdown();
    introOut.replaceChildren();
    try {
      const dpop = bind.checked ? await dpopProofForToken() : null;
      const r = await api('POST', `${workspacePath(ctx, ws.id)}/token`, dpop ? { dpop_proof: dpop.proof } : undefined);
      if (r.ok) {
        out.replaceChildren(tokenView(r, dpop?.thumbprint));
        setToken(r.access_token);
        toast(`Token issued; it expires in ${mmss(Number(r.expires_in) || 0)}.`);
      } else {
        setToken(null);
        out.replaceChildren(refusal('Issuance refused by /connect/token', r));
      }
    } catch (err) {
      setToken(null);
      out.replaceChildren(callFailure(err instanceof ApiError ? 'The token request failed' : 'The DPoP proof could not be made', err));
    }
  }));
  introspect.addEventListener('click', () => {
    if (!token) return;
    const sent = token;
    withButton(introspect, async () => {
      try {
        introOut.replaceChildren(introspectionView(await api('POST', `${workspacePath(ctx, ws.id)}/introspect`, { token: sent })));
      } catch (err) {
        introOut.replaceChildren(callFailure('The introspection failed', err));
      }
    }).finally(() => { introspect.disabled = !token; });
  });
  onLeave(stopCountdown);
  return h('section', { class: 'panel', 'aria-labelledby': 'token-title' },
    h('h2', { id: 'token-title' }, 'Token'),
    h('p', { class: 'muted' }, 'Get token sends the stored credentials to /connect/token (client_credentials), exactly as a backend would. Introspect asks /connect/introspect about the token as this app.'),
    bindField,
    h('div', { class: 'row' }, get, introspect),
    out,
    introOut);
}

function deletePanel(ctx, ws) {
  const del = h('button', { type: 'button', class: 'danger' }, 'Delete workspace');
  del.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Delete the workspace ${ws.name}?`,
      message: ['Its encrypted copy of the client secret is deleted. The app, its secret and tokens already issued are not affected.'],
      confirmLabel: 'Delete workspace',
      danger: true,
    });
    if (!ok) return;
    await withButton(del, async () => {
      await api('DELETE', workspacePath(ctx, ws.id));
      toast(`Workspace ${ws.name} was deleted.`);
      go(`${ctx.base}/workspaces`);
    });
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'ws-delete-title' },
    h('h2', { id: 'ws-delete-title' }, 'Delete'),
    del);
}

export async function detail(ctx) {
  const id = ctx.params[0];
  const [items, { byId }] = await Promise.all([listAll(workspacesPath(ctx)), appsById(ctx)]);
  const ws = items.find((w) => w.id === id);
  if (!ws) throw new ApiError(404, { status: 404, code: 'workspace_not_found', detail: 'No such workspace.' });
  const manage = canManage();
  return h('div', { 'data-workspace-id': ws.id },
    h('p', {}, h('a', { href: `#${ctx.base}/workspaces` }, '← All workspaces')),
    h('h1', {}, ws.name),
    manage ? null : h('p', { class: 'notice' }, 'You have read-only access: owners and admins request tokens with this workspace.'),
    h('section', { class: 'panel', 'aria-labelledby': 'ws-facts-title' },
      h('h2', { id: 'ws-facts-title' }, 'Overview'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'App'), h('dd', {}, appCell(ctx, byId, ws.app_id)),
        h('dt', {}, 'Client ID'), h('dd', {}, code(ws.client_id)),
        h('dt', {}, 'Client secret'), h('dd', {}, 'stored encrypted; never shown'),
        h('dt', {}, 'Created'), h('dd', {}, time(ws.created_at)))),
    manage ? tokenPanel(ctx, ws) : null,
    manage ? deletePanel(ctx, ws) : null);
}
