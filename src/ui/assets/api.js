// api.js — the dashboard's only way to talk to the server: JSON calls to /api/v1
// with the session cookie (sent by the browser, HttpOnly) and, on every mutation,
// the X-CSRF-Token header from the login response.
//
// The CSRF token is returned only by POST /auth/login, so it is kept in this tab's
// sessionStorage: a reload keeps working (GET /me restores who is signed in), a new
// tab or a closed browser needs a fresh sign-in. Nothing else (no secret, no API
// key, no user data) is ever written to browser storage. See docs/DASHBOARD.md.

const CSRF_KEY = 'tenantd.csrf';

function storageGet(key) {
  try { return sessionStorage.getItem(key); } catch { return null; }
}
function storageSet(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch { /* storage disabled: the session lasts until the next reload */ }
}

/** Who is signed in: csrf (string|null) and me ({user, tenant, role} from GET /me). */
export const session = { csrf: storageGet(CSRF_KEY), me: null };

export function setSignedIn(csrf, me) {
  session.csrf = csrf;
  session.me = me;
  storageSet(CSRF_KEY, csrf);
}

export function clearSession() {
  session.csrf = null;
  session.me = null;
  storageSet(CSRF_KEY, null);
}

export const isHost = () => session.me?.role === 'host_admin';
/** Owners and admins manage apps; host admins manage everything. */
export const canManage = () => ['owner', 'admin', 'host_admin'].includes(session.me?.role);
/** Owners (and host admins) manage members and invitations. */
export const canManageMembers = () => ['owner', 'host_admin'].includes(session.me?.role);

/** An answer other than 2xx: status plus the RFC 9457 problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.code = problem.code;
  }
}

let sessionLost = () => {};
/** Registers what to do when the server says the session is gone (401/csrf_failed). */
export function onSessionLost(handler) { sessionLost = handler; }

/**
 * Calls /api/v1 + path. body is sent as JSON: an object is serialised, a string is
 * sent as it is (already JSON text). Resolves with the parsed answer (null for
 * 204); rejects with ApiError (status 0 when the server was not reachable).
 */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, {
      title: 'Network error', code: 'network_error',
      detail: 'The server could not be reached. Check the connection and try again.',
    });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (res.ok) return data;
  const problem = data && typeof data === 'object' ? data : { title: res.statusText, detail: text };
  const err = new ApiError(res.status, problem);
  const lost = (res.status === 401 && path !== '/auth/login') ||
    (res.status === 403 && problem.code === 'csrf_failed');
  if (lost && session.csrf) sessionLost(err);
  throw err;
}

/** Every item of a paginated list (follows next_cursor; at most `pages` pages of 200). */
export async function listAll(path, pages = 20) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < pages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** One page of a list: {items, next_cursor}. */
export function listPage(path, cursor, limit = 50) {
  const sep = path.includes('?') ? '&' : '?';
  return api('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
}

/** Encodes one path segment taken from data or the URL. */
export const seg = (s) => encodeURIComponent(String(s));
