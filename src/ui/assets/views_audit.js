// views_audit.js — a tenant's audit log, newest first: who did what, to what, when
// and from which address. "Load more" follows the API's cursor.

import { listPage, seg } from './api.js';
import { code, h, table, time, withButton } from './dom.js';

const COLUMNS = [
  { label: 'When', cell: (e) => time(e.created_at) },
  { label: 'Who', cell: (e) => e.actor?.email || e.actor?.user_id || 'system' },
  { label: 'Action', cell: (e) => code(e.action) },
  { label: 'Target', cell: (e) => (e.target?.type ? [e.target.type, ' ', code(e.target.id || '')] : '—') },
  { label: 'From', cell: (e) => e.remote_addr || '—' },
  { label: 'Detail', cell: (e) => (e.detail ? h('code', { class: 'json' }, JSON.stringify(e.detail)) : '—') },
];

export async function audit(ctx) {
  const path = `/tenants/${seg(ctx.tid)}/audit`;
  const first = await listPage(path, null);
  const holder = h('div', {}, table('Audit events', COLUMNS, first.items, 'No events yet.'));
  const more = h('button', { type: 'button', hidden: !first.next_cursor }, 'Load more');
  let cursor = first.next_cursor;
  more.addEventListener('click', () => withButton(more, async () => {
    const page = await listPage(path, cursor);
    cursor = page.next_cursor;
    const body = holder.querySelector('tbody');
    const extra = table('Audit events', COLUMNS, page.items, '').querySelector?.('tbody');
    if (body && extra) body.append(...extra.children);
    more.hidden = !cursor;
  }));
  return h('div', {},
    h('h1', {}, 'Audit log'),
    h('p', { class: 'muted' }, 'Every change in this organisation, newest first.'),
    holder,
    more);
}
