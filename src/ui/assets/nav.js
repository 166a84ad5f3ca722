// nav.js — moving between pages. The dashboard routes on the URL fragment
// (#/apps/…), so the server only ever serves / and /assets/*. Views navigate with
// go(); app.js listens and renders. A view that starts something outliving its
// first render (a timer) registers its cleanup with onLeave(); app.js runs the
// cleanups before rendering the next page (or the same page again).

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

const leaveHandlers = [];

/** Registers fn to run once, when the current page is left or re-rendered. */
export function onLeave(fn) {
  leaveHandlers.push(fn);
}

/** Runs and forgets the cleanups registered by the page being left (app.js). */
export function leavePage() {
  for (const fn of leaveHandlers.splice(0)) {
    try { fn(); } catch { /* a failed cleanup must not block the next page */ }
  }
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
