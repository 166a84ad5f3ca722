// Test harness: starts a private tenantd (own temp data dir, SQLite file and an
// ephemeral loopback port), creates a host admin through the CLI, and offers a
// small JSON client that speaks the admin API with a session cookie + CSRF token
// or a Bearer API key. Every test file starts its own server and stops it.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.TENANTD_BIN || path.resolve(here, '../../../build/tenantd');
export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-123';

function baseEnv(dir, extra) {
  return {
    ...process.env,
    TENANTD_DATABASE: `sqlite:${dir}/tenantd.db`,
    TENANTD_DATA_DIR: `${dir}/data`,
    TENANTD_LISTEN: '127.0.0.1:0',
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    ...extra,
  };
}

/** Runs a tenantd CLI command against the server's database; returns {status, stdout, stderr}. */
export function cli(server, args, input) {
  const r = spawnSync(BIN, args, { env: server.env, input: input ?? '', encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export async function startServer(extraEnv = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantd-test-'));
  const env = baseEnv(dir, extraEnv);
  const server = { dir, env };
  const made = cli(server, ['admin', 'create', '--email', ADMIN_EMAIL, '--password-stdin'], ADMIN_PASSWORD + '\n');
  if (made.status !== 0) throw new Error(`admin create failed: ${made.stderr}`);
  const child = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.child = child;
  server.stderr = '';
  child.stderr.on('data', (d) => { server.stderr += d.toString(); });
  server.url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${server.stderr}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${server.stderr}`)); });
  });
  server.stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    // Sanitizer reports go to stderr; surface them so a leak or UB fails loudly.
    if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(server.stderr)) {
      throw new Error(`sanitizer report from tenantd:\n${server.stderr}`);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return server;
}

/**
 * Calls the API. opts: {body (object → JSON, string → raw), auth: session|{apiKey}|null,
 * headers, csrf:false to omit the CSRF header}. Returns {status, headers, body, text}.
 */
export async function call(server, method, urlPath, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    if (!headers['content-type']) headers['content-type'] = 'application/json';
  }
  const auth = opts.auth;
  if (auth?.apiKey) headers.authorization = `Bearer ${auth.apiKey}`;
  else if (auth?.cookie) {
    headers.cookie = auth.cookie;
    if (opts.csrf !== false && method !== 'GET') headers['x-csrf-token'] = auth.csrf;
  }
  const res = await fetch(server.url + urlPath, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: res.status, headers: res.headers, body: json, text };
}

/** Signs in; returns {cookie, csrf, user}. */
export async function login(server, email, password) {
  const res = await fetch(server.url + '/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`login ${email} failed: ${res.status} ${JSON.stringify(body)}`);
  const setCookie = res.headers.get('set-cookie') || '';
  const cookie = setCookie.split(';')[0];
  return { cookie, csrf: body.csrf_token, user: body.user };
}

export const loginAdmin = (server) => login(server, ADMIN_EMAIL, ADMIN_PASSWORD);

let counter = 0;
/** A unique suffix for names and emails within one test run. */
export const uniq = (p = 'x') => `${p}${Date.now().toString(36)}${(counter++).toString(36)}`;

/**
 * Builds a ready world through the API: an active region with an active database, an
 * active tenant with an owner who can sign in. Returns ids and sessions.
 */
export async function seedTenant(server, admin, { region = uniq('r'), appLimit } = {}) {
  const must = (r, want) => { if (r.status !== want) throw new Error(`seed: ${r.status} ${r.text}`); return r.body; };
  const regionCode = region.toLowerCase().replace(/[^a-z0-9-]/g, '').slice(0, 30);
  const regions = await call(server, 'GET', '/api/v1/regions', { auth: admin });
  if (!regions.body?.items?.some((r) => r.code === regionCode)) {
    must(await call(server, 'POST', '/api/v1/regions', { auth: admin, body: { code: regionCode, name: `Region ${regionCode}`, active: true } }), 201);
    must(await call(server, 'POST', `/api/v1/regions/${regionCode}/databases`, { auth: admin, body: { db_code: `${regionCode}-db1`, active: true } }), 201);
  }
  const email = `${uniq('owner')}@example.com`;
  const password = 'owner-password-123';
  const signup = must(await call(server, 'POST', '/api/v1/auth/signup', { body: { email, password, display_name: 'Owner', tenant_name: uniq('Tenant ') } }), 201);
  const tenantId = signup.tenant.id;
  must(await call(server, 'POST', `/api/v1/tenants/${tenantId}/activate`, { auth: admin }), 200);
  if (appLimit !== undefined) must(await call(server, 'PATCH', `/api/v1/tenants/${tenantId}`, { auth: admin, body: { app_limit: appLimit } }), 200);
  const owner = await login(server, email, password);
  return { tenantId, regionCode, dbCode: `${regionCode}-db1`, owner, ownerEmail: email, ownerPassword: password };
}
