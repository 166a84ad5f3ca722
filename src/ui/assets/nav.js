// nav.js — moving between pages. The dashboard routes on the URL fragment
// (#/apps/…), so the server only ever serves / and /assets/*. Views navigate with
// go(); app.js listens and renders.

import { isHost, session } from './api.js';

const NEXT_KEY = 'tenantd.next';

/** Shows the page at path ("/apps/…"); re-renders when it is already showing. */
export function go(path) {
  const target = `#${path}`;
  if (location.hash === target) window.dispatchEvent(new Event('tenantd:render'));
  else location.hash = target;
}

/** Re-renders the current page (after a change), keeping focus where it was. */
export function refresh() {
  window.dispatchEvent(new Event('tenantd:render'));
}

/** Where a signed-in user starts: host admins at tenants, members at their apps. */
export function homePath() {
  if (!session.me) return '/signin';
  return isHost() ? '/tenants' : '/apps';
}

/** Remembers the page a signed-out visitor asked for, to return there after sign-in. */
export function rememberNext(path) {
  try { sessionStorage.setItem(NEXT_KEY, path); } catch { /* optional */ }
}

export function takeNext() {
  try {
    const next = sessionStorage.getItem(NEXT_KEY);
    sessionStorage.removeItem(NEXT_KEY);
    return next && next.startsWith('/') && !next.startsWith('/signin') ? next : null;
  } catch {
    return null;
  }
}
