// views_host.js — the platform operator's pages for tenants (list, activate,
// suspend, app limit, create) and license regions with their databases.

import { api, listAll, seg } from './api.js';
import { confirmDialog, secretDialog } from './dialogs.js';
import { badge, checkbox, code, field, h, onSubmit, selectField, table, time, toast, withButton } from './dom.js';
import { go, refresh } from './nav.js';

// ---- tenants -----------------------------------------------------------------------

const STATUSES = [['', 'All'], ['pending_activation', 'Pending activation'], ['active', 'Active'], ['suspended', 'Suspended']];

function statusButtons(t) {
  const act = async (button, action, message) => withButton(button, async () => {
    await api('POST', `/tenants/${seg(t.id)}/${action}`);
    toast(message);
    refresh();
  });
  const out = [];
  if (t.status !== 'active') {
    const b = h('button', { type: 'button', class: 'primary', 'data-focus-key': `activate-${t.id}`, 'aria-label': `Activate ${t.name}` }, 'Activate');
    b.addEventListener('click', () => act(b, 'activate', `${t.name} is active.`));
    out.push(b);
  }
  if (t.status === 'active') {
    const b = h('button', { type: 'button', class: 'danger', 'data-focus-key': `suspend-${t.id}`, 'aria-label': `Suspend ${t.name}` }, 'Suspend');
    b.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: `Suspend ${t.name}?`,
        message: ['Its apps are refused tokens at once. Members can still sign in.'],
        confirmLabel: 'Suspend', danger: true,
      });
      if (ok) await act(b, 'suspend', `${t.name} is suspended.`);
    });
    out.push(b);
  }
  return h('div', { class: 'row' }, out);
}

function createTenantForm() {
  const name = field({ label: 'Organisation name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const owner = field({ label: 'Owner email (optional)', name: 'owner_email', type: 'email', field: 'owner_email', autocomplete: 'off', hint: 'Invites this person as the owner.' });
  const form = h('form', { 'aria-labelledby': 'new-tenant-title' },
    h('h2', { id: 'new-tenant-title' }, 'Create a tenant'),
    h('div', { class: 'grid2' }, name, owner),
    h('button', { type: 'submit', class: 'primary' }, 'Create tenant'));
  onSubmit(form, async () => {
    const body = { name: name.control.value };
    if (owner.control.value.trim()) body.owner_email = owner.control.value.trim();
    const res = await api('POST', '/tenants', body);
    if (res.accept_url) {
      await secretDialog({
        title: 'Tenant created',
        intro: `${res.name} is pending activation. ${body.owner_email} was invited as its owner; you can also send this link.`,
        fields: [{ label: 'Invitation link', value: res.accept_url }],
        warning: 'The link is shown only once and works once.',
      });
    } else {
      toast(`${res.name} was created.`);
    }
    go(`/tenants/${res.id}`);
  });
  return h('section', { class: 'panel' }, form);
}

export async function tenants(ctx) {
  const status = ctx.query.get('status') || '';
  const items = await listAll(`/tenants${status ? `?status=${encodeURIComponent(status)}` : ''}`);
  const filter = selectField({ label: 'Show', name: 'status', options: STATUSES, value: status });
  filter.control.addEventListener('change', () => go(`/tenants${filter.control.value ? `?status=${filter.control.value}` : ''}`));
  return h('div', {},
    h('h1', {}, 'Tenants'),
    h('div', { class: 'filter' }, filter),
    table('Tenants', [
      { label: 'Name', cell: (t) => h('a', { href: `#/tenants/${t.id}` }, t.name) },
      { label: 'Status', cell: (t) => badge(t.status) },
      { label: 'App limit', cell: (t) => String(t.app_limit) },
      { label: 'Created', cell: (t) => time(t.created_at) },
      { label: 'Actions', cell: (t) => statusButtons(t) },
    ], items, status ? 'No tenants with this status.' : 'No tenants yet.'),
    createTenantForm());
}

export async function tenant(ctx) {
  const t = await api('GET', `/tenants/${seg(ctx.params[0])}`);
  const name = field({ label: 'Name', name: 'name', field: 'name', value: t.name, required: true, maxlength: 100, autocomplete: 'off' });
  const limit = field({ label: 'App limit', name: 'app_limit', type: 'number', field: 'app_limit', value: String(t.app_limit), min: 0, step: 1, required: true, inputmode: 'numeric', hint: 'How many apps the tenant may hold.' });
  const form = h('form', { 'aria-labelledby': 'tenant-edit-title' },
    h('h2', { id: 'tenant-edit-title' }, 'Settings'),
    h('div', { class: 'grid2' }, name, limit),
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-tenant' }, 'Save'));
  onSubmit(form, async () => {
    const n = Number(limit.control.value);
    await api('PATCH', `/tenants/${seg(t.id)}`, { name: name.control.value, app_limit: Number.isInteger(n) ? n : limit.control.value });
    toast('Tenant saved.');
    refresh();
  });
  const base = `#/tenants/${t.id}`;
  return h('div', {},
    h('p', {}, h('a', { href: '#/tenants' }, '← All tenants')),
    h('div', { class: 'spread' }, h('h1', {}, t.name), badge(t.status)),
    h('section', { class: 'panel' },
      h('dl', { class: 'facts' },
        h('dt', {}, 'ID'), h('dd', {}, code(t.id)),
        h('dt', {}, 'Status'), h('dd', {}, badge(t.status)),
        h('dt', {}, 'App limit'), h('dd', {}, String(t.app_limit)),
        h('dt', {}, 'Created'), h('dd', {}, time(t.created_at))),
      h('p', {}),
      statusButtons(t),
      h('p', {}),
      h('nav', { 'aria-label': 'Tenant', class: 'row' },
        h('a', { class: 'button', href: `${base}/apps` }, 'Apps'),
        h('a', { class: 'button', href: `${base}/workspaces` }, 'Workspaces'),
        h('a', { class: 'button', href: `${base}/members` }, 'Members'),
        h('a', { class: 'button', href: `${base}/audit` }, 'Audit log'))),
    h('section', { class: 'panel' }, form));
}

// ---- regions and databases ------------------------------------------------------------

function toggleButton(label, active, focusKey, onToggle) {
  const b = h('button', { type: 'button', class: active ? 'danger' : 'primary', 'data-focus-key': focusKey, 'aria-label': `${active ? 'Deactivate' : 'Activate'} ${label}` },
    active ? 'Deactivate' : 'Activate');
  b.addEventListener('click', () => withButton(b, async () => {
    await onToggle(!active);
    toast(`${label[0].toUpperCase()}${label.slice(1)} is ${active ? 'inactive' : 'active'}.`);
    refresh();
  }));
  return b;
}

export async function regions() {
  const items = await listAll('/regions');
  const code_ = field({ label: 'Code', name: 'code', field: 'code', required: true, pattern: '[a-z0-9\\-]{2,32}', autocomplete: 'off', spellcheck: 'false', hint: '2–32 of a-z, 0-9 and -, e.g. eu-west. Fixed once created.' });
  const name = field({ label: 'Name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const active = checkbox({ label: 'Active (apps can be created in it)', name: 'active', checked: true, field: 'active' });
  const form = h('form', { 'aria-labelledby': 'new-region-title' },
    h('h2', { id: 'new-region-title' }, 'Create a region'),
    h('div', { class: 'grid2' }, code_, name), active,
    h('button', { type: 'submit', class: 'primary' }, 'Create region'));
  onSubmit(form, async () => {
    const r = await api('POST', '/regions', { code: code_.control.value.trim(), name: name.control.value, active: active.control.checked });
    toast(`Region ${r.code} created. Add a database to it.`);
    go(`/regions/${r.code}`);
  });
  return h('div', {},
    h('h1', {}, 'License regions'),
    table('Regions', [
      { label: 'Code', cell: (r) => h('a', { href: `#/regions/${r.code}` }, r.code) },
      { label: 'Name', cell: (r) => r.name },
      { label: 'Status', cell: (r) => badge(r.active ? 'active' : 'inactive') },
      { label: 'Actions', cell: (r) => toggleButton(`region ${r.code}`, r.active, `region-${r.code}`, (next) => api('PATCH', `/regions/${seg(r.code)}`, { active: next })) },
    ], items, 'No regions yet.'),
    h('section', { class: 'panel' }, form));
}

export async function region(ctx) {
  const codeParam = ctx.params[0];
  const [all, dbs] = await Promise.all([listAll('/regions'), listAll(`/regions/${seg(codeParam)}/databases`)]);
  const r = all.find((x) => x.code === codeParam);
  if (!r) throw Object.assign(new Error('no such region'), { status: 404, problem: { detail: 'No such region.', code: 'region_not_found' } });

  const rename = field({ label: 'Name', name: 'name', field: 'name', value: r.name, required: true, maxlength: 100, autocomplete: 'off' });
  const renameForm = h('form', { 'aria-labelledby': 'region-edit-title' },
    h('h2', { id: 'region-edit-title' }, 'Region'),
    rename,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save name'),
      toggleButton(`region ${r.code}`, r.active, 'region-toggle', (next) => api('PATCH', `/regions/${seg(r.code)}`, { active: next }))));
  onSubmit(renameForm, async () => {
    await api('PATCH', `/regions/${seg(r.code)}`, { name: rename.control.value });
    toast('Region saved.');
    refresh();
  });

  const dbCode = field({ label: 'Database code', name: 'db_code', field: 'db_code', required: true, pattern: '[a-z0-9\\-]{2,64}', autocomplete: 'off', spellcheck: 'false', hint: 'Globally unique, e.g. eu-west-db1. Stamped on every app created here.' });
  const dsn = field({ label: 'DSN (optional)', name: 'dsn', field: 'dsn', autocomplete: 'off', spellcheck: 'false', hint: 'Where this database lives; passwords in it are never shown again.' });
  const dbActive = checkbox({ label: 'Active (new apps may be placed on it)', name: 'active', checked: true, field: 'active' });
  const dbForm = h('form', { 'aria-labelledby': 'new-db-title' },
    h('h2', { id: 'new-db-title' }, 'Add a database'),
    h('div', { class: 'grid2' }, dbCode, dsn), dbActive,
    h('button', { type: 'submit', class: 'primary' }, 'Add database'));
  onSubmit(dbForm, async () => {
    const body = { db_code: dbCode.control.value.trim(), active: dbActive.control.checked };
    if (dsn.control.value.trim()) body.dsn = dsn.control.value.trim();
    const d = await api('POST', `/regions/${seg(r.code)}/databases`, body);
    toast(`Database ${d.db_code} added.`);
    refresh();
  });

  return h('div', {},
    h('p', {}, h('a', { href: '#/regions' }, '← All regions')),
    h('div', { class: 'spread' }, h('h1', {}, `${r.name} (${r.code})`), badge(r.active ? 'active' : 'inactive')),
    h('section', { class: 'panel' }, renameForm),
    h('h2', {}, 'Databases'),
    h('p', { class: 'muted' }, 'New apps go to the active database holding the fewest apps.'),
    table('Databases', [
      { label: 'Code', cell: (d) => code(d.db_code) },
      { label: 'Status', cell: (d) => badge(d.active ? 'active' : 'inactive') },
      { label: 'DSN', cell: (d) => (d.dsn ? code(d.dsn) : h('span', { class: 'muted' }, 'none')) },
      { label: 'Actions', cell: (d) => toggleButton(`database ${d.db_code}`, d.active, `db-${d.db_code}`, (next) => api('PATCH', `/region-databases/${seg(d.db_code)}`, { active: next })) },
    ], dbs, 'No databases: apps cannot be created in this region until one is active.'),
    h('section', { class: 'panel' }, dbForm));
}
