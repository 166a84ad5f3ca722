// views_plans.js — the platform operator's plans (create with an entitlements JSON
// editor, edit, move the status forward) and platform clients (create → secret
// shown once, regenerate, delete).

import { api, listAll, seg } from './api.js';
import { confirmDialog, secretDialog } from './dialogs.js';
import { badge, checkbox, code, field, h, onSubmit, selectField, table, time, toast, withButton } from './dom.js';
import { go, refresh } from './nav.js';
import { clientProblem, entitlementsEditor } from './widgets.js';

const STATUS_ORDER = ['draft', 'active', 'archived', 'retired'];
const STATUS_EFFECT = {
  active: 'Tenants can be given this plan.',
  archived: 'No app can be given this plan any more; apps already on it keep working.',
  retired: 'Apps on this plan are blocked from token issuance until they get another plan or none.',
};

export async function plans() {
  const items = await listAll('/plans');
  const planCode = field({ label: 'Code', name: 'code', field: 'code', required: true, pattern: '[a-z0-9][a-z0-9_\\-]{1,63}', autocomplete: 'off', spellcheck: 'false', hint: '2–64 of a-z, 0-9, _ and -, starting with a letter or digit. Fixed once created; tokens carry it.' });
  const name = field({ label: 'Name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off' });
  const tier = selectField({ label: 'Tier', name: 'tier', field: 'tier', options: [['free', 'Free — tenants may pick it for one app'], ['paid', 'Paid — assigned by the platform']], value: 'free' });
  const status = selectField({ label: 'Starts as', name: 'status', field: 'status', options: [['draft', 'Draft (not assignable yet)'], ['active', 'Active']], value: 'draft' });
  const editor = entitlementsEditor({ maxApiRequestsPerMinute: 60 });
  const form = h('form', { 'aria-labelledby': 'new-plan-title' },
    h('h2', { id: 'new-plan-title' }, 'Create a plan'),
    h('div', { class: 'grid2' }, planCode, name, tier, status),
    editor.element,
    h('button', { type: 'submit', class: 'primary' }, 'Create plan'));
  onSubmit(form, async () => {
    const p = await api('POST', '/plans', editor.withEntitlements({
      code: planCode.control.value.trim(), name: name.control.value, tier: tier.control.value,
      status: status.control.value,
    }));
    toast(`Plan ${p.code} created.`);
    go(`/plans/${p.code}`);
  });
  return h('div', {},
    h('h1', {}, 'Plans'),
    table('Plans', [
      { label: 'Code', cell: (p) => h('a', { href: `#/plans/${p.code}` }, p.code) },
      { label: 'Name', cell: (p) => p.name },
      { label: 'Tier', cell: (p) => p.tier },
      { label: 'Status', cell: (p) => badge(p.status) },
      { label: 'Entitlements', cell: (p) => h('code', {}, JSON.stringify(p.entitlements)) },
    ], items, 'No plans yet.'),
    h('section', { class: 'panel' }, form));
}

function statusForm(p) {
  const later = STATUS_ORDER.slice(STATUS_ORDER.indexOf(p.status) + 1);
  if (!later.length) return h('p', {}, 'This plan is retired: its status cannot change any more.');
  const select = selectField({ label: 'Move status to', name: 'status', field: 'status', options: later.map((s) => [s, s]), value: later[0] });
  const form = h('form', { 'aria-labelledby': 'plan-status-title' },
    h('h2', { id: 'plan-status-title' }, 'Status'),
    h('p', {}, 'Current status: ', badge(p.status), '. A plan’s status only moves forward.'),
    select,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'plan-status' }, 'Change status'));
  onSubmit(form, async () => {
    const next = select.control.value;
    const ok = await confirmDialog({
      title: `Move ${p.code} to ${next}?`,
      message: [STATUS_EFFECT[next], 'This cannot be undone, and reaches tokens at once.'],
      confirmLabel: `Make it ${next}`,
      danger: next !== 'active',
    });
    if (!ok) return;
    await api('PATCH', `/plans/${seg(p.code)}`, { status: next });
    toast(`Plan ${p.code} is ${next}.`);
    refresh();
  });
  return form;
}

export async function plan(ctx) {
  const p = (await listAll('/plans')).find((x) => x.code === ctx.params[0]);
  if (!p) throw Object.assign(new Error('no such plan'), { status: 404, problem: { detail: 'No such plan.', code: 'plan_not_found' } });
  const name = field({ label: 'Name', name: 'name', field: 'name', value: p.name, required: true, maxlength: 100, autocomplete: 'off' });
  const editor = entitlementsEditor(p.entitlements);
  const form = h('form', { 'aria-labelledby': 'plan-edit-title' },
    h('h2', { id: 'plan-edit-title' }, 'Name and entitlements'),
    name, editor.element,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'save-plan' }, 'Save'));
  onSubmit(form, async () => {
    await api('PATCH', `/plans/${seg(p.code)}`, editor.withEntitlements({ name: name.control.value }));
    toast('Plan saved. Tokens carry the new entitlements from now on.');
    refresh();
  });
  return h('div', {},
    h('p', {}, h('a', { href: '#/plans' }, '← All plans')),
    h('div', { class: 'spread' }, h('h1', {}, `${p.name} (${p.code})`), badge(p.status)),
    h('section', { class: 'panel' },
      h('dl', { class: 'facts' },
        h('dt', {}, 'Code'), h('dd', {}, code(p.code)),
        h('dt', {}, 'Tier'), h('dd', {}, p.tier),
        h('dt', {}, 'Created'), h('dd', {}, time(p.created_at)),
        h('dt', {}, 'Updated'), h('dd', {}, time(p.updated_at)))),
    h('section', { class: 'panel' }, form),
    h('section', { class: 'panel' }, statusForm(p)));
}

// ---- platform clients -------------------------------------------------------------------

const PLATFORM_SCOPES = [['platform:storage', 'platform:storage — presigned URLs for app storage']];

function showPlatformSecret(title, res) {
  return secretDialog({
    title,
    intro: 'A platform service authenticates with these at /connect/token.',
    fields: [{ label: 'Client ID', value: res.client_id }, { label: 'Client secret', value: res.client_secret }],
    warning: 'This client secret is shown only once and cannot be retrieved later. If it is lost, regenerate it.',
  });
}

function clientActions(c) {
  const regenerate = h('button', { type: 'button', 'aria-label': `Regenerate the secret of ${c.name}` }, 'Regenerate secret');
  regenerate.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Regenerate the secret of ${c.name}?`,
      message: ['The current secret stops working immediately.'],
      confirmLabel: 'Regenerate', danger: true,
    });
    if (!ok) return;
    await withButton(regenerate, async () => {
      const res = await api('POST', `/platform-clients/${seg(c.id)}/secret`);
      await showPlatformSecret('New platform client secret', { client_id: res.client_id || c.client_id, client_secret: res.client_secret });
      refresh();
    });
  });
  const del = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${c.name}` }, 'Delete');
  del.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Delete ${c.name}?`,
      message: ['Its secret stops working immediately. This cannot be undone.'],
      confirmLabel: 'Delete', danger: true,
    });
    if (!ok) return;
    await withButton(del, async () => {
      await api('DELETE', `/platform-clients/${seg(c.id)}`);
      toast(`${c.name} was deleted.`);
      refresh();
    });
  });
  return h('div', { class: 'row' }, regenerate, del);
}

export async function platformClients() {
  const items = await listAll('/platform-clients');
  const name = field({ label: 'Name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off', hint: 'The service that will use it, e.g. “document worker”.' });
  const boxes = PLATFORM_SCOPES.map(([scope, label]) => checkbox({ label, name: 'scopes', checked: true }));
  boxes.forEach((b, i) => { b.control.value = PLATFORM_SCOPES[i][0]; b.control.dataset.field = `scopes[${i}]`; });
  const scopes = h('fieldset', { 'data-field': 'scopes' }, h('legend', {}, 'Scopes'), boxes);
  const form = h('form', { 'aria-labelledby': 'new-pc-title' },
    h('h2', { id: 'new-pc-title' }, 'Create a platform client'),
    name, scopes,
    h('button', { type: 'submit', class: 'primary' }, 'Create client'));
  onSubmit(form, async () => {
    const chosen = boxes.filter((b) => b.control.checked).map((b) => b.control.value);
    if (!chosen.length) throw clientProblem('missing_field', 'scopes', 'Choose at least one scope.');
    const res = await api('POST', '/platform-clients', { name: name.control.value, scopes: chosen });
    await showPlatformSecret('Platform client created', res);
    refresh();
  });
  return h('div', {},
    h('h1', {}, 'Platform clients'),
    h('p', { class: 'muted' }, 'Host-level OAuth clients for the platform’s own services (for example presigning storage URLs).'),
    table('Platform clients', [
      { label: 'Name', cell: (c) => c.name },
      { label: 'Client ID', cell: (c) => code(c.client_id) },
      { label: 'Scopes', cell: (c) => (c.scopes || []).join(' ') },
      { label: 'Created', cell: (c) => time(c.created_at) },
      { label: 'Secret rotated', cell: (c) => time(c.secret_rotated_at) },
      { label: 'Actions', cell: (c) => clientActions(c) },
    ], items, 'No platform clients yet.'),
    h('section', { class: 'panel' }, form));
}
