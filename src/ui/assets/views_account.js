// views_account.js — the signed-in user: profile facts and personal API keys
// (Authorization: Bearer for scripts), and a link to the API's OpenAPI document. A new
// key is shown once in secretDialog.

import { api, listAll, seg, session } from './api.js';
import { confirmDialog, secretDialog } from './dialogs.js';
import { badge, field, h, onSubmit, table, time, toast, withButton } from './dom.js';
import { refresh } from './nav.js';

function deleteKeyButton(key) {
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete API key ${key.name}` }, 'Delete');
  button.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Delete the API key ${key.name}?`,
      message: ['Scripts using it are refused from now on.'],
      confirmLabel: 'Delete', danger: true,
    });
    if (!ok) return;
    await withButton(button, async () => {
      await api('DELETE', `/me/api-keys/${seg(key.id)}`);
      toast(`API key ${key.name} deleted.`);
      refresh();
    });
  });
  return button;
}

export async function account() {
  const keys = await listAll('/me/api-keys');
  const { user, tenant, role } = session.me;
  const name = field({ label: 'Key name', name: 'name', field: 'name', required: true, maxlength: 100, autocomplete: 'off', hint: 'What the key is for, e.g. “CI deploy”.' });
  const form = h('form', { 'aria-labelledby': 'newkey-title' },
    h('h2', { id: 'newkey-title' }, 'Create an API key'),
    name,
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'new-key' }, 'Create key'));
  onSubmit(form, async () => {
    const res = await api('POST', '/me/api-keys', { name: name.control.value });
    await secretDialog({
      title: 'API key created',
      intro: `Send it as "Authorization: Bearer <key>" to /api/v1. It acts with your permissions (${role}).`,
      fields: [{ label: 'API key', value: res.key }],
      warning: 'This key is shown only once. Copy it now; if it is lost, delete it and create another.',
    });
    refresh();
  });
  return h('div', {},
    h('h1', {}, 'Account'),
    h('section', { class: 'panel', 'aria-labelledby': 'profile-title' },
      h('h2', { id: 'profile-title' }, 'Profile'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Name'), h('dd', {}, user.display_name),
        h('dt', {}, 'Email'), h('dd', {}, user.email),
        h('dt', {}, 'Role'), h('dd', {}, role === 'host_admin' ? 'platform operator (host admin)' : role),
        tenant ? [h('dt', {}, 'Organisation'), h('dd', {}, tenant.name, ' ', badge(tenant.status))] : null)),
    h('section', { class: 'panel', 'aria-labelledby': 'api-doc-title' },
      h('h2', { id: 'api-doc-title' }, 'API'),
      h('p', {}, 'Automate everything the dashboard does through the admin API (/api/v1), with an API key below. ',
        'Every route, request and response is described by the ',
        h('a', { href: '/api/v1/openapi.json', id: 'openapi-link', type: 'application/json' }, 'OpenAPI 3.1 document'),
        ' (load it into any OpenAPI tool to generate a client).')),
    h('h2', {}, 'API keys'),
    table('API keys', [
      { label: 'Name', cell: (k) => k.name },
      { label: 'Created', cell: (k) => time(k.created_at) },
      { label: 'Last used', cell: (k) => (k.last_used_at ? time(k.last_used_at) : h('span', { class: 'muted' }, 'never')) },
      { label: 'Actions', cell: (k) => deleteKeyButton(k) },
    ], keys, 'No API keys.'),
    h('section', { class: 'panel' }, form));
}
