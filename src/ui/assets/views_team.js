// views_team.js — a tenant's members and invitations. Everyone in the tenant reads;
// owners (and host admins) change roles, remove members, invite and cancel
// invitations. An invitation link is shown once, like a secret: it is a credential.

import { api, canManageMembers, listAll, seg, session } from './api.js';
import { confirmDialog, secretDialog } from './dialogs.js';
import { badge, field, h, onSubmit, selectField, table, time, toast, withButton } from './dom.js';
import { refresh } from './nav.js';

const ROLES = [['viewer', 'Viewer — reads'], ['admin', 'Admin — manages apps'], ['owner', 'Owner — manages apps and members']];

function roleForm(ctx, member) {
  const select = h('select', { name: 'role', 'aria-label': `Role of ${member.email}`, 'data-field': 'role' },
    ROLES.map(([v]) => h('option', { value: v, selected: v === member.role }, v)));
  const form = h('form', { class: 'row' }, select,
    h('button', { type: 'submit', 'data-focus-key': `role-${member.id}` }, 'Change'));
  onSubmit(form, async () => {
    if (select.value === member.role) return;
    await api('PATCH', `/tenants/${seg(ctx.tid)}/members/${seg(member.id)}`, { role: select.value });
    toast(`${member.email} is now ${select.value}.`);
    refresh();
  });
  return form;
}

function removeButton(ctx, member) {
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${member.email}` }, 'Remove');
  button.addEventListener('click', async () => {
    const ok = await confirmDialog({
      title: `Remove ${member.email}?`,
      message: ['They lose access to this organisation at once, and their API keys stop working.'],
      confirmLabel: 'Remove', danger: true,
    });
    if (!ok) return;
    await withButton(button, async () => {
      await api('DELETE', `/tenants/${seg(ctx.tid)}/members/${seg(member.id)}`);
      toast(`${member.email} was removed.`);
      refresh();
    });
  });
  return button;
}

function cancelButton(ctx, inv) {
  const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Cancel the invitation of ${inv.email}` }, 'Cancel');
  button.addEventListener('click', () => withButton(button, async () => {
    await api('DELETE', `/tenants/${seg(ctx.tid)}/invitations/${seg(inv.id)}`);
    toast(`The invitation of ${inv.email} was cancelled.`);
    refresh();
  }));
  return button;
}

function inviteForm(ctx) {
  const email = field({ label: 'Email', name: 'email', type: 'email', field: 'email', required: true, autocomplete: 'off' });
  const role = selectField({ label: 'Role', name: 'role', field: 'role', options: ROLES, value: 'viewer' });
  const form = h('form', { 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, 'Invite a member'),
    h('div', { class: 'grid2' }, email, role),
    h('button', { type: 'submit', class: 'primary', 'data-focus-key': 'invite' }, 'Send invitation'));
  onSubmit(form, async () => {
    const res = await api('POST', `/tenants/${seg(ctx.tid)}/invitations`, { email: email.control.value, role: role.control.value });
    await secretDialog({
      title: 'Invitation sent',
      intro: `We emailed ${res.invitation.email} an invitation to join as ${res.invitation.role}. If the email does not arrive, send them this link yourself.`,
      fields: [{ label: 'Invitation link', value: res.accept_url }],
      warning: `The link is shown only once, works once and expires ${new Date(res.invitation.expires_at).toLocaleString()}. Anyone holding it can join your organisation.`,
    });
    refresh();
  });
  return h('section', { class: 'panel' }, form);
}

export async function members(ctx) {
  const base = `/tenants/${seg(ctx.tid)}`;
  const [people, invitations] = await Promise.all([listAll(`${base}/members`), listAll(`${base}/invitations`)]);
  const manage = canManageMembers();
  const me = session.me?.user?.id;
  return h('div', {},
    h('h1', {}, 'Members'),
    table('Members', [
      { label: 'Name', cell: (m) => [m.display_name, m.id === me ? h('span', { class: 'muted' }, ' (you)') : null] },
      { label: 'Email', cell: (m) => m.email },
      { label: 'Role', cell: (m) => (manage ? roleForm(ctx, m) : m.role) },
      { label: 'Joined', cell: (m) => time(m.created_at) },
      ...(manage ? [{ label: 'Actions', cell: (m) => removeButton(ctx, m) }] : []),
    ], people, 'No members.'),
    h('h2', {}, 'Invitations'),
    table('Invitations', [
      { label: 'Email', cell: (i) => i.email },
      { label: 'Role', cell: (i) => i.role },
      { label: 'Status', cell: (i) => badge(i.status) },
      { label: 'Expires', cell: (i) => time(i.expires_at) },
      ...(manage ? [{ label: 'Actions', cell: (i) => (i.status === 'pending' ? cancelButton(ctx, i) : '') }] : []),
    ], invitations, 'No invitations.'),
    manage ? inviteForm(ctx) : null);
}
