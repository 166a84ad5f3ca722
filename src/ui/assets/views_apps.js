// views_apps.js — a tenant's apps: the list, the create form (region picker, URIs,
// allowed domains with live preview, optional storage) and the app page (enable or
// disable, regenerate the secret, settings, plan, storage + test, delete).
// New client secrets are shown once in secretDialog and kept nowhere else.

import { api, canManage, listAll, seg } from './api.js';
import { confirmDialog, rotationDialog, secretDialog, typedConfirm } from './dialogs.js';
import { badge, checkbox, code, field, h, onSubmit, selectField, table, time, toast, withButton } from './dom.js';
import { go, refresh } from './nav.js';
import { domainInputs, optionalStorage, storageFields, uriList } from './widgets.js';

const appsPath = (ctx) => `/tenants/${seg(ctx.tid)}/apps`;
const appPath = (ctx, id) => `${appsPath(ctx)}/${seg(id)}`;

/** The tenant the page is about (fresh: app_limit and status may have changed). */
export const loadTenant = (ctx) => api('GET', `/tenants/${seg(ctx.tid)}`);

function showSecretOnce(title, appName, res) {
  const kept = res.previous_secret_expires_at
    ? ` The previous secret keeps working until ${new Date(res.previous_secret_expires_at).toLocaleString()}.`
    : '';
  return secretDialog({
    title,
    intro: `Credentials of ${appName}. Your backend sends them to /connect/token (client_credentials).${kept}`,
    fields: [
      { label: 'Client ID', value: res.client_id },
      { label: 'Client secret', value: res.client_secret },
    ],
    warning: 'This client secret is shown only once and cannot be retrieved later. Copy it now into your secret manager; if it is lost, regenerate a new one.',
  });
}

export async function list(ctx) {
  const [apps, tenant] = await Promise.all([listAll(appsPath(ctx)), loadTenant(ctx)]);
  const full = apps.length >= tenant.app_limit;
  const header = h('div', { class: 'spread' },
    h('h1', {}, ctx.host ? `Apps of ${tenant.name}` : 'Apps'),
    canManage() && !full ? h('a', { class: 'button primary', href: `#${ctx.base}/apps/new` }, 'New app') : null);
  return h('div', {},
    header,
    h('p', { class: 'muted' }, `${apps.length} of ${tenant.app_limit} apps in use.`,
      full ? ' The app limit is reached: delete an app or contact support to raise the limit.' : ''),
    table('Apps', [
      { label: 'Name', cell: (a) => h('a', { href: `#${ctx.base}/apps/${a.id}` }, a.name) },
      { label: 'Client ID', cell: (a) => code(a.client_id) },
      { label: 'Region', cell: (a) => a.license_region_code },
      { label: 'Database', cell: (a) => a.db_code },
      { label: 'Plan', cell: (a) => a.plan_code || h('span', { class: 'muted' }, 'none') },
      { label: 'Status', cell: (a) => badge(a.enabled ? 'enabled' : 'disabled') },
      { label: 'Storage', cell: (a) => badge(a.storage?.mode || 'managed') },
    ], apps, canManage() ? 'No apps yet. Create one to get a client ID and secret.' : 'No apps yet.'));
}

export async function create(ctx) {
  const regions = (await listAll('/regions')).filter((r) => r.active);
  const name = field({ label: 'Name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off', hint: 'Unique within your organisation, 1–100 characters.' });
  const region = selectField({
    label: 'License region', name: 'region_code', field: 'region_code', required: true,
    options: [['', regions.length ? 'Choose a region…' : 'No active region available'], ...regions.map((r) => [r.code, `${r.name} (${r.code})`])],
    hint: 'Fixed once the app exists: its data lives in this region.',
  });
  const redirects = uriList({ label: 'Redirect URIs (optional)', name: 'redirect_uris' });
  const logouts = uriList({ label: 'Post-logout redirect URIs (optional)', name: 'post_logout_redirect_uris' });
  const domains = domainInputs();
  const storage = optionalStorage();
  const submit = h('button', { type: 'submit', class: 'primary', disabled: !regions.length }, 'Create app');
  const form = h('form', { 'aria-labelledby': 'create-title' }, name, region, redirects.element, logouts.element,
    domains.element, storage.element, h('div', { class: 'row' }, submit,
      h('a', { href: `#${ctx.base}/apps` }, 'Cancel')));
  form.remapField = domains.remapField;
  onSubmit(form, async () => {
    const body = {
      name: name.control.value,
      region_code: region.control.value,
      redirect_uris: redirects.values(),
      post_logout_redirect_uris: logouts.values(),
      allowed_domains: domains.values(),
    };
    const custom = storage.value();
    if (custom) body.storage = custom;
    const res = await api('POST', appsPath(ctx), body);
    await showSecretOnce('App created', res.app.name, res);
    go(`${ctx.base}/apps/${res.app.id}`);
  });
  return h('section', { class: 'panel' },
    h('h1', { id: 'create-title' }, 'New app'),
    regions.length ? null : h('p', { class: 'notice' }, 'No license region is active yet. Ask the platform operator to activate one.'),
    form);
}

function facts(app) {
  const list = (items) => (items.length ? h('ul', {}, items.map((i) => h('li', {}, code(i)))) : h('span', { class: 'muted' }, 'none'));
  const s = app.storage || { mode: 'managed' };
  return h('section', { class: 'panel', 'aria-labelledby': 'facts-title' },
    h('h2', { id: 'facts-title' }, 'Overview'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Client ID'), h('dd', {}, code(app.client_id)),
      h('dt', {}, 'Status'), h('dd', {}, badge(app.enabled ? 'enabled' : 'disabled')),
      h('dt', {}, 'License region'), h('dd', {}, app.license_region_code),
      h('dt', {}, 'Database'), h('dd', {}, app.db_code),
      h('dt', {}, 'Plan'), h('dd', {}, app.plan_code || h('span', { class: 'muted' }, 'none')),
      h('dt', {}, 'Storage'), h('dd', {}, s.mode === 'custom' ? `custom: ${s.provider}, bucket ${s.bucket}` : 'managed by the platform'),
      h('dt', {}, 'Allowed domains'), h('dd', {}, list(app.allowed_domains)),
      h('dt', {}, 'Redirect URIs'), h('dd', {}, list(app.redirect_uris)),
      h('dt', {}, 'Post-logout URIs'), h('dd', {}, list(app.post_logout_redirect_uris)),
      h('dt', {}, 'Created'), h('dd', {}, time(app.created_at)),
      h('dt', {}, 'Updated'), h('dd', {}, time(app.updated_at)),
      h('dt', {}, 'Authentication'), h('dd', {}, app.token_endpoint_auth_method === 'private_key_jwt' ? 'private key JWT' : 'client secret'),
      h('dt', {}, 'Secret rotated'), h('dd', {}, time(app.secret_rotated_at)),
      app.previous_secret_expires_at ? h('dt', {}, 'Previous secret') : null,
      app.previous_secret_expires_at ? h('dd', {}, 'works until ', time(app.previous_secret_expires_at)) : null));
}

/** A running grace rotation (SPEC §3.7): when the previous secret stops, and a way to stop it now. */
function previousSecretNotice(ctx, app) {
  if (!app.previous_secret_expires_at) return null;
  const end = h('button', { type: 'button', class: 'danger', 'data-focus-key': 'end-previous' }, 'Stop the previous secret now');
  end.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Stop the previous secret now?',
      message: ['Services still sending the previous secret fail to get tokens from now on. The current secret is not affected.'],
      confirmLabel: 'Stop it now',
      danger: true,
    });
    if (!ok) return;
    await withButton(end, async () => {
      await api('DELETE', `${appPath(ctx, app.id)}/secret/previous`);
      toast('The previous secret no longer works.');
      refresh();
    });
  });
  return h('div', { class: 'notice', role: 'note', 'data-previous-secret': '' },
    h('p', {}, h('strong', {}, 'The previous secret still works '), 'until ', time(app.previous_secret_expires_at),
      '. Once every service uses the new secret, stop it.'),
    end);
}

function credentialsPanel(ctx, app) {
  const toggle = h('button', { type: 'button', 'data-focus-key': 'toggle-enabled', class: app.enabled ? 'danger' : 'primary' },
    app.enabled ? 'Disable app' : 'Enable app');
  toggle.addEventListener('click', () => withButton(toggle, async () => {
    await api('POST', `${appPath(ctx, app.id)}/${app.enabled ? 'disable' : 'enable'}`);
    toast(app.enabled ? `${app.name} is disabled: token requests are refused.` : `${app.name} is enabled.`);
    refresh();
  }));
  const regenerate = h('button', { type: 'button', 'data-focus-key': 'regenerate' }, 'Regenerate client secret');
  regenerate.addEventListener('click', async () => {
    const choice = await rotationDialog({ title: 'Regenerate the client secret?' });
    if (!choice) return;
    await withButton(regenerate, async () => {
      const body = choice.keepSeconds ? { previous_secret_expires_in: choice.keepSeconds } : undefined;
      const res = await api('POST', `${appPath(ctx, app.id)}/secret`, body);
      await showSecretOnce('New client secret', app.name, res);
      refresh();
    });
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'cred-title' },
    h('h2', { id: 'cred-title' }, 'Access'),
    h('p', { class: 'muted' }, app.enabled ? 'Disabling refuses new tokens at once; tokens already issued expire within 15 minutes.' : 'This app is disabled: token requests are refused.'),
    previousSecretNotice(ctx, app),
    h('div', { class: 'row' }, toggle, regenerate));
}

function settingsPanel(ctx, app) {
  const name = field({ label: 'Name', name: 'name', field: 'name', value: app.name, required: true, maxlength: 100, autocomplete: 'off' });
  const redirects = uriList({ label: 'Redirect URIs', name: 'redirect_uris', values: app.redirect_uris });
  const logouts = uriList({ label: 'Post-logout redirect URIs', name: 'post_logout_redirect_uris', values: app.post_logout_redirect_uris });
  const domains = domainInputs(app.allowed_domains);
  const form = h('form', { 'aria-labelledby': 'settings-title' }, name, redirects.element, logouts.element, domains.element,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-settings' }, 'Save settings'));
  form.remapField = domains.remapField;
  onSubmit(form, async () => {
    await api('PATCH', appPath(ctx, app.id), {
      name: name.control.value,
      redirect_uris: redirects.values(),
      post_logout_redirect_uris: logouts.values(),
      allowed_domains: domains.values(),
    });
    toast('Settings saved.');
    refresh();
  });
  return h('section', { class: 'panel' }, h('h2', { id: 'settings-title' }, 'Settings'), form);
}

const AUTH_METHODS = [
  ['client_secret', 'Client secret (client_secret_basic or client_secret_post)'],
  ['private_key_jwt', 'Private key JWT (RFC 7523): signed assertions, no shared secret'],
];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** A problem shaped like the API's, for checks made before sending (shown the same way). */
const localProblem = (code, field, message) => Object.assign(new Error(message), {
  problem: { detail: message, code, errors: [{ field, code, message }] },
});

/** Parses the pasted JWK set: null when empty; throws a field problem when it cannot be sent. */
function readJwks(text) {
  if (!text.trim()) return null;
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw localProblem('invalid_json', 'jwks', `The JWK set is not valid JSON: ${e.message}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray(doc.keys)) {
    throw localProblem('invalid_jwks', 'jwks', 'Paste a JWK set: {"keys": [ …public keys… ]}.');
  }
  doc.keys.forEach((k, i) => {
    const found = k && typeof k === 'object' ? PRIVATE_MEMBERS.find((m) => m in k) : null;
    if (found) {
      throw localProblem('private_key_material', `jwks.keys[${i}]`,
        `Key ${i + 1} contains private key material ("${found}"). Paste only the public key — and treat that private key as exposed.`);
    }
  });
  return doc;
}

/** SPEC §3.7: how the app authenticates at the token endpoint, and its public keys. */
function authPanel(ctx, app) {
  const method = selectField({
    label: 'Authentication method', name: 'token_endpoint_auth_method', field: 'token_endpoint_auth_method',
    options: AUTH_METHODS, value: app.token_endpoint_auth_method || 'client_secret',
    hint: 'With private key JWT the client secret is refused; switching back accepts it again.',
  });
  const jwks = field({
    label: 'Public keys (JWK set)', name: 'jwks', field: 'jwks', type: 'textarea', rows: 8,
    spellcheck: 'false', autocomplete: 'off', class: 'code',
    value: app.jwks ? JSON.stringify(app.jwks, null, 2) : '',
    hint: 'Paste {"keys": [ … ]} with 1 to 3 public keys: EC P-256, RSA 2048–4096 bits or Ed25519. Never a private key. Leave empty to remove (client secret only).',
  });
  const dpop = checkbox({
    label: 'Require DPoP-bound tokens', name: 'dpop_bound_access_tokens', field: 'dpop_bound_access_tokens',
    checked: Boolean(app.dpop_bound_access_tokens),
    hint: ' Token requests without a DPoP proof (RFC 9449) are refused; tokens carry cnf.jkt, the proof key’s thumbprint.',
  });
  const keys = app.jwks?.keys || [];
  const current = keys.length
    ? h('ul', { class: 'key-list' }, keys.map((k) => h('li', {}, code(k.kid), ` ${k.kty}${k.crv ? ` ${k.crv}` : ''}, ${k.alg}`)))
    : h('p', { class: 'muted' }, 'No public keys registered.');
  const form = h('form', { 'aria-labelledby': 'auth-title' }, method, jwks, dpop,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-auth' }, 'Save authentication'));
  onSubmit(form, async () => {
    const body = {
      token_endpoint_auth_method: method.control.value,
      jwks: readJwks(jwks.control.value),
      dpop_bound_access_tokens: dpop.control.checked,
    };
    await api('PATCH', appPath(ctx, app.id), body);
    toast(body.token_endpoint_auth_method === 'private_key_jwt'
      ? 'Saved: the app authenticates with private key JWT; its client secret is refused.'
      : 'Saved: the app authenticates with its client secret.');
    refresh();
  });
  return h('section', { class: 'panel', 'data-auth-panel': '' },
    h('h2', { id: 'auth-title' }, 'Client authentication'),
    h('p', { class: 'muted' }, 'Private key JWT: your backend signs a short-lived assertion (RFC 7523) with a private key that never leaves it; the token endpoint checks it against these public keys.'),
    h('h3', {}, 'Registered keys'), current,
    form);
}

function planPanel(ctx, app, plans) {
  const assignable = plans.filter((p) => p.status === 'active');
  const options = [['', 'No plan'], ...assignable.map((p) => [p.code, `${p.name} (${p.code}, ${p.tier})`])];
  if (app.plan_code && !assignable.some((p) => p.code === app.plan_code)) {
    options.push([app.plan_code, `${app.plan_code} (current, no longer assignable)`]);
  }
  const select = selectField({ label: 'Plan', name: 'plan_code', field: 'plan_code', options, value: app.plan_code || '' });
  const form = h('form', { 'aria-labelledby': 'plan-title' }, select,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-plan' }, 'Save plan'));
  onSubmit(form, async () => {
    const chosen = select.control.value;
    if (chosen === (app.plan_code || '')) return;
    if (chosen) await api('PUT', `${appPath(ctx, app.id)}/plan`, { plan_code: chosen });
    else await api('DELETE', `${appPath(ctx, app.id)}/plan`);
    toast(chosen ? `Plan set to ${chosen}.` : 'Plan removed.');
    refresh();
  });
  return h('section', { class: 'panel' },
    h('h2', { id: 'plan-title' }, 'Plan'),
    h('p', { class: 'muted' }, 'The plan’s entitlements go into every token. You can pick a free plan for one app; paid plans are assigned by the platform.'),
    form);
}

function storagePanel(ctx, app) {
  const s = app.storage || { mode: 'managed' };
  const fields = storageFields('', s);
  const form = h('form', { 'aria-labelledby': 'storage-form-title' },
    h('h3', { id: 'storage-form-title' }, s.mode === 'custom' ? 'Replace storage settings' : 'Use your own bucket'),
    fields.element,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-storage' }, 'Save storage'));
  onSubmit(form, async () => {
    await api('PUT', `${appPath(ctx, app.id)}/storage`, fields.value());
    fields.clearSecret();
    toast('Storage saved.');
    refresh();
  });
  const result = h('p', { role: 'status', 'aria-live': 'polite', class: 'storage-test-result' });
  const test = h('button', { type: 'button', 'data-focus-key': 'test-storage' }, 'Test storage');
  test.addEventListener('click', () => withButton(test, async () => {
    result.className = 'storage-test-result muted';
    result.textContent = 'Testing…';
    try {
      const r = await api('POST', `${appPath(ctx, app.id)}/storage/test`);
      result.className = `storage-test-result ${r.ok ? 'success' : 'alert'}`;
      const where = r.mode === 'managed' ? 'managed storage' : 'your bucket';
      result.textContent = r.ok ? `✓ Test passed: ${where} answered a signed request (${r.status}). ${r.detail || ''}`
        : `✗ Test failed: ${r.status}. ${r.detail || ''}`;
    } catch (err) {
      result.className = 'storage-test-result alert';
      result.textContent = `✗ ${err.problem?.detail || err.message}${err.code ? ` (${err.code})` : ''}`;
    }
  }));
  const managed = h('button', { type: 'button', class: 'danger', 'data-focus-key': 'managed-storage' }, 'Switch to managed storage');
  managed.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: 'Switch to managed storage?',
      message: ['The stored bucket credentials are deleted. Objects already in your bucket stay there.'],
      confirmLabel: 'Switch', danger: true,
    });
    if (!ok) return;
    await withButton(managed, async () => {
      await api('DELETE', `${appPath(ctx, app.id)}/storage`);
      toast('The app uses managed storage now.');
      refresh();
    });
  });
  const current = s.mode === 'custom'
    ? h('dl', { class: 'facts' },
      h('dt', {}, 'Provider'), h('dd', {}, s.provider),
      h('dt', {}, 'Bucket'), h('dd', {}, code(s.bucket)),
      h('dt', {}, 'Endpoint'), h('dd', {}, s.endpoint ? code(s.endpoint) : h('span', { class: 'muted' }, 'provider default')),
      h('dt', {}, 'Region'), h('dd', {}, s.region || h('span', { class: 'muted' }, 'provider default')),
      h('dt', {}, 'Access key ID'), h('dd', {}, code(s.access_key_id)),
      h('dt', {}, 'Secret access key'), h('dd', {}, `•••• ${s.secret_access_key_last4 || ''}`))
    : h('p', {}, 'The app uses the platform’s managed storage.');
  return h('section', { class: 'panel', 'aria-labelledby': 'storage-title' },
    h('h2', { id: 'storage-title' }, 'Storage'),
    current,
    h('div', { class: 'row' }, test, s.mode === 'custom' ? managed : null),
    result,
    form);
}

function deletePanel(ctx, app) {
  const del = h('button', { type: 'button', class: 'danger', 'data-focus-key': 'delete-app' }, 'Delete app');
  del.addEventListener('click', async () => {
    const ok = await typedConfirm({
      title: `Delete ${app.name}?`,
      message: ['Its client secret and all its tokens stop working immediately, and its slot in your app limit is freed. This cannot be undone.'],
      expected: app.name,
      confirmLabel: 'Delete app',
    });
    if (!ok) return;
    await withButton(del, async () => {
      await api('DELETE', appPath(ctx, app.id));
      toast(`${app.name} was deleted.`);
      go(`${ctx.base}/apps`);
    });
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'danger-title' },
    h('h2', { id: 'danger-title' }, 'Delete'),
    h('p', {}, 'Deleting is permanent.'),
    del);
}

export async function detail(ctx) {
  const manage = canManage();
  const [app, plans] = await Promise.all([
    api('GET', appPath(ctx, ctx.params[0])),
    manage ? listAll('/plans') : Promise.resolve([]),
  ]);
  return h('div', { 'data-app-id': app.id },
    h('p', {}, h('a', { href: `#${ctx.base}/apps` }, '← All apps')),
    h('div', { class: 'spread' }, h('h1', {}, app.name), badge(app.enabled ? 'enabled' : 'disabled')),
    manage ? null : h('p', { class: 'notice' }, 'You have read-only access to this app.'),
    facts(app),
    manage ? credentialsPanel(ctx, app) : null,
    manage ? settingsPanel(ctx, app) : null,
    manage ? authPanel(ctx, app) : null,
    manage ? planPanel(ctx, app, plans) : null,
    manage ? storagePanel(ctx, app) : null,
    manage ? deletePanel(ctx, app) : null);
}
