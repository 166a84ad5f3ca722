// views_audit.js — audit logs, newest first: who did what, to what, when and from
// which address. Two pages share one view: a tenant's log (#/audit, or
// #/tenants/{tid}/audit for a host admin) and the platform's log for host admins
// (#/platform-audit: GET /api/v1/audit, platform-level events, or every tenant's with
// "All events"). Filters live in the URL query (?action=app.*&actor=…&since=…), so a
// filtered view can be bookmarked; the API checks them (400 invalid_filter next to the
// field). "Load more" follows the API's cursor.

import { api, listPage, seg } from './api.js';
import { code, field, h, onSubmit, selectField, table, time, withButton } from './dom.js';
import { go } from './nav.js';

const COLUMNS = [
  { label: 'When', cell: (e) => time(e.created_at) },
  { label: 'Who', cell: (e) => e.actor?.email || e.actor?.user_id || 'system' },
  { label: 'Action', cell: (e) => code(e.action) },
  { label: 'Target', cell: (e) => (e.target?.type ? [e.target.type, ' ', code(e.target.id || '')] : '—') },
  { label: 'From', cell: (e) => e.remote_addr || '—' },
  { label: 'Detail', cell: (e) => (e.detail ? h('code', { class: 'json' }, JSON.stringify(e.detail)) : '—') },
];

const TENANT_COLUMN = {
  label: 'Tenant',
  cell: (e) => (e.tenant_id ? h('a', { href: `#/tenants/${e.tenant_id}` }, code(e.tenant_id.slice(0, 8))) : 'platform'),
};

// The API's filter parameters, in form order; since/until are dates here (whole UTC
// days: since from 00:00, until up to the end of that day).
const FILTERS = ['action', 'actor', 'target_type', 'since', 'until'];

/** The API query for the page's URL query (dates → RFC 3339 UTC day bounds). */
function apiQuery(query, extra) {
  const out = new URLSearchParams();
  for (const name of FILTERS) {
    const v = (query.get(name) || '').trim();
    if (!v) continue;
    if (name === 'since') out.set(name, `${v}T00:00:00Z`);
    else if (name === 'until') {
      const d = new Date(`${v}T00:00:00Z`);
      out.set(name, Number.isNaN(d.getTime()) ? v : new Date(d.getTime() + 86400000).toISOString().replace('.000Z', 'Z'));
    } else out.set(name, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v) out.set(k, v);
  return out.toString();
}

function filterForm(ctx, route, scopeField) {
  const q = ctx.query;
  const action = field({ label: 'Action', name: 'action', field: 'action', value: q.get('action') || '', autocomplete: 'off', hint: 'e.g. app.create, or app.* for every app action' });
  const actor = field({ label: 'Who (email)', name: 'actor', field: 'actor', type: 'email', value: q.get('actor') || '', autocomplete: 'off' });
  const targetType = field({ label: 'Target type', name: 'target_type', field: 'target_type', value: q.get('target_type') || '', autocomplete: 'off', hint: 'e.g. app, tenant, plan' });
  const since = field({ label: 'From (UTC day)', name: 'since', field: 'since', type: 'date', value: q.get('since') || '' });
  const until = field({ label: 'To (UTC day)', name: 'until', field: 'until', type: 'date', value: q.get('until') || '' });
  const controls = { action, actor, target_type: targetType, since, until };
  const form = h('form', { class: 'panel audit-filter', 'aria-label': 'Filter audit events' },
    h('div', { class: 'grid2' }, scopeField, action, actor, targetType, since, until),
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
      h('a', { href: `#${route}` }, 'Clear')));
  onSubmit(form, async () => {
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const v = controls[name].control.value.trim();
      if (v) next.set(name, v);
    }
    if (scopeField && scopeField.control.value) next.set('scope', scopeField.control.value);
    // Ask the API first, so a refused filter shows next to its field.
    await api('GET', `${ctx.apiPath}?${apiQuery(next, { scope: next.get('scope') })}&limit=1`);
    const qs = next.toString();
    go(`${route}${qs ? `?${qs}` : ''}`);
  });
  return form;
}

async function auditPage(ctx, { title, intro, route, apiPath, scope }) {
  ctx.apiPath = apiPath;
  const columns = scope ? [TENANT_COLUMN, ...COLUMNS] : COLUMNS;
  const scopeValue = scope ? (ctx.query.get('scope') === 'all' ? 'all' : '') : '';
  const scopeField = scope
    ? selectField({ label: 'Show', name: 'scope', options: [['', 'Platform events'], ['all', 'All events (every tenant)']], value: scopeValue })
    : null;
  const qs = apiQuery(ctx.query, { scope: scopeValue });
  const path = qs ? `${apiPath}?${qs}` : apiPath;
  const filtered = FILTERS.some((n) => ctx.query.get(n));
  const first = await listPage(path, null);
  const empty = filtered ? 'No events match these filters.' : 'No events yet.';
  const holder = h('div', {}, table('Audit events', columns, first.items, empty));
  const more = h('button', { type: 'button', hidden: !first.next_cursor }, 'Load more');
  let cursor = first.next_cursor;
  more.addEventListener('click', () => withButton(more, async () => {
    const page = await listPage(path, cursor);
    cursor = page.next_cursor;
    const body = holder.querySelector('tbody');
    const extra = table('Audit events', columns, page.items, '').querySelector?.('tbody');
    if (body && extra) body.append(...extra.children);
    more.hidden = !cursor;
  }));
  return h('div', {},
    h('h1', {}, title),
    h('p', { class: 'muted' }, intro),
    filterForm(ctx, route, scopeField),
    holder,
    more);
}

/** A tenant's log (members: viewers and up; host admins inside the tenant). */
export function audit(ctx) {
  return auditPage(ctx, {
    title: 'Audit log',
    intro: 'Every change in this organisation, newest first.',
    route: `${ctx.base}/audit`,
    apiPath: `/tenants/${seg(ctx.tid)}/audit`,
  });
}

/** The platform's log (host admins): regions, databases, plans, platform clients, host sign-ins. */
export function platformAudit(ctx) {
  return auditPage(ctx, {
    title: 'Platform audit log',
    intro: 'Platform-level changes (regions, databases, plans, platform clients) and host-admin sign-ins, newest first. "All events" adds every tenant\'s.',
    route: '/platform-audit',
    apiPath: '/audit',
    scope: true,
  });
}
