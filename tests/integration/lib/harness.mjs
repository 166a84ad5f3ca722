// Test harness: starts a private tenantd (own temp data dir, SQLite file or fresh
// PostgreSQL database, and an ephemeral loopback port), creates a host admin through
// the CLI, and offers a small JSON client that speaks the admin API with a session
// cookie + CSRF token or a Bearer API key. Every test file starts its own server and
// stops it. sql() and databaseBytes() look behind the server's back at its database
// the same way on both backends, so the suite runs unchanged on SQLite and PostgreSQL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { installFetchCheck, watchServer } from './openapi_check.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
// Every response from a server started here is checked against the OpenAPI document.
installFetchCheck();
export const BIN = process.env.TENANTD_BIN || path.resolve(here, '../../../build/tenantd');
export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-123';

// With TENANTD_TEST_POSTGRES_HOST set (a libpq host, e.g. /var/run/postgresql), every
// server gets its own fresh PostgreSQL database instead of a SQLite file.
export const PG_HOST = process.env.TENANTD_TEST_POSTGRES_HOST || '';
export const BACKEND = PG_HOST ? 'postgres' : 'sqlite';

// The backend a CI stage means to test (the Makefile's integration targets set it).
// If the variable that selects PostgreSQL were lost on the way, the PostgreSQL stage
// would otherwise run — and pass — on SQLite: refuse to run at all instead. Every
// server's own word on its backend is checked as well (startServer).
export const EXPECTED_BACKEND = process.env.TENANTD_TEST_BACKEND || '';
if (EXPECTED_BACKEND && EXPECTED_BACKEND !== BACKEND) {
  throw new Error(`TENANTD_TEST_BACKEND=${EXPECTED_BACKEND} but the tests would run on ${BACKEND} (TENANTD_TEST_POSTGRES_HOST ${PG_HOST ? 'set' : 'unset'})`);
}

// What a sanitizer prints when it finds something (ASan, LSan, UBSan, TSan).
export const SANITIZER_REPORT = /ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:|SUMMARY: \w+Sanitizer/;

// Byte-order collation, as tenantd expects (docs/POSTGRES.md "Collation"): codes and
// ids are ordered and tie-broken ("lowest db_code") by the column collation, and
// SQLite's TEXT order is byte order. template0 because template1 may carry another
// locale; UTF8 because every text tenantd stores is UTF-8.
function createPgDatabase() {
  const name = `tenantd_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const r = spawnSync('createdb', ['-h', PG_HOST, '--locale=C', '--encoding=UTF8', '--template=template0', name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createdb failed: ${r.stderr}`);
  return name;
}

/** Where a server's database lives: {backend:'sqlite', path} or {backend:'postgres', url}. */
function databaseOf(env) {
  const url = env.TENANTD_DATABASE;
  if (url.startsWith('sqlite:')) return { backend: 'sqlite', path: url.slice('sqlite:'.length) };
  return { backend: 'postgres', url };
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { maxBuffer: 256 << 20, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/**
 * Runs one SQL statement on the server's database, behind the server's back, and
 * returns its rows as plain objects (numbers for integer columns, null for NULL).
 * Reads are read-only (SQLite: -readonly; PostgreSQL: the query is a subquery of a
 * SELECT). With {write: true} the statement may change data and returns [].
 * SQLite: the sqlite3 CLI with -json; PostgreSQL: psql with json_agg.
 */
export function sql(server, query, { write = false } = {}) {
  const db = databaseOf(server.env);
  if (db.backend === 'sqlite') {
    const args = ['-json', '-cmd', '.timeout 5000'];
    if (!write) args.unshift('-readonly');
    const out = run('sqlite3', [...args, db.path, query], { encoding: 'utf8' });
    return out.trim() && !write ? JSON.parse(out) : [];
  }
  const psql = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url];
  if (write) {
    run('psql', [...psql, '-c', query], { encoding: 'utf8' });
    return [];
  }
  const out = run('psql', [...psql, '-At', '-c', `SELECT COALESCE(json_agg(t), '[]') FROM (${query}) t`], { encoding: 'utf8' });
  return JSON.parse(out);
}

/** Every {table, column} of tenantd's schema (including schema_migrations). */
export function schemaColumns(server) {
  const db = databaseOf(server.env);
  const query = db.backend === 'sqlite'
    ? "SELECT m.name AS \"table\", p.name AS \"column\" FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
    : "SELECT table_name AS \"table\", column_name AS \"column\" FROM information_schema.columns WHERE table_schema = current_schema()";
  return sql(server, query);
}

/**
 * Everything the server's database holds at rest, as one Buffer, for "this secret is
 * never stored in plaintext" checks. SQLite: the raw bytes of the database file and of
 * its -wal, -shm and -journal (whichever exist; the WAL is live while the server runs).
 * PostgreSQL: the plain-text pg_dump of the database. The dump, not the cluster's raw
 * files, because PostgreSQL TOAST-compresses long values (pglz/lz4): a plaintext
 * secret could sit compressed in a heap file and a byte search of the files would
 * miss it. The dump prints every stored value decompressed and unescaped (COPY text
 * only escapes backslash and control characters), so a secret stored in any column,
 * any table, shows up in it; the raw files add nothing the dump would not show.
 * Returns {bytes, sources} where sources names what was read.
 */
export function databaseBytes(server) {
  const db = databaseOf(server.env);
  if (db.backend === 'sqlite') {
    const files = ['', '-wal', '-shm', '-journal'].map((s) => db.path + s).filter(existsSync);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    bytes.sources = files;
    return bytes;
  }
  const bytes = run('pg_dump', ['--no-owner', '--no-privileges', '-d', db.url]);
  bytes.sources = ['pg_dump'];
  return bytes;
}

function baseEnv(dir, extra, pgName) {
  return {
    ...process.env,
    TENANTD_DATABASE: pgName
      ? `postgres:///${pgName}?host=${encodeURIComponent(PG_HOST)}`
      : `sqlite:${dir}/tenantd.db`,
    TENANTD_DATA_DIR: `${dir}/data`,
    TENANTD_LISTEN: '127.0.0.1:0',
    // A sanitizer report exits 86, an exit status no tenantd command uses, so a
    // report can never pass for an expected failure (1, 2).
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=86',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1:exitcode=86',
    ...extra,
  };
}

/**
 * Runs a tenantd CLI command against the server's database; returns {status, stdout,
 * stderr}. Throws when the command printed a sanitizer report or died of a signal:
 * callers assert exact exit statuses, and a crash is never an expected one.
 */
export function cli(server, args, input) {
  const r = spawnSync(BIN, args, { env: server.env, input: input ?? '', encoding: 'utf8' });
  if (r.error) throw new Error(`tenantd ${args.join(' ')}: ${r.error.message}`);
  if (r.signal || SANITIZER_REPORT.test(r.stderr)) {
    throw new Error(`tenantd ${args.join(' ')} crashed (${r.signal ?? `exit ${r.status}`}):\n${r.stderr}`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Spawns `tenantd serve` for server (its env) and resolves once it listens, with
 * server.url set. stdout and stderr accumulate in server.stdout / server.stderr from
 * the first byte; server.closed resolves with {code, signal} once the process has
 * exited AND both streams are closed (so nothing it printed is missed). Fails when the
 * server does not name the backend it was given ("database <backend>" in its
 * listening line).
 */
async function launch(server) {
  const child = spawn(BIN, ['serve'], { env: server.env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.child = child;
  server.closed = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (d) => { server.stderr += d.toString(); });
  let out = '';
  child.stdout.on('data', (d) => { out += d.toString(); server.stdout += d.toString(); });
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${server.stderr}`)), 15000);
    child.stdout.on('data', () => {
      const m = out.match(/listening on (http:\/\/(?:[0-9.]+|\[[0-9a-f:]+\]):\d+) \(issuer \S+, database (\w+)/);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${server.stderr}`)); });
  });
  server.url = line[1];
  watchServer(server.url);
  if (line[2] !== server.backend) {
    child.kill('SIGKILL');
    throw new Error(`the server says it uses ${line[2]}, the test expected ${server.backend}`);
  }
}

/**
 * Starts `tenantd serve` with a fresh database and data dir unless extraEnv names
 * them (TENANTD_DATABASE / TENANTD_DATA_DIR: a second node on the first one's
 * database — the database is then not dropped by this server's stop()).
 * opts.createAdmin (default true) runs `admin create` first; a second node on a
 * shared database passes false (the admin exists already).
 */
export async function startServer(extraEnv = {}, { createAdmin = true } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantd-test-'));
  const pgName = PG_HOST && !extraEnv.TENANTD_DATABASE ? createPgDatabase() : null;
  const env = baseEnv(dir, extraEnv, pgName);
  const server = { dir, env, backend: databaseOf(env).backend };
  if (createAdmin) {
    const made = cli(server, ['admin', 'create', '--email', ADMIN_EMAIL, '--password-stdin'], ADMIN_PASSWORD + '\n');
    if (made.status !== 0) throw new Error(`admin create failed: ${made.stderr}`);
  }
  server.stdout = '';
  server.stderr = '';
  /**
   * Stops the server process (SIGTERM) and waits until it has exited and its output
   * streams are closed. Throws when it exited non-zero or by a signal (a crash, or a
   * sanitizer's exit at shutdown — leaks are found then) or printed a sanitizer report.
   * Also fails a server that died on its own earlier. The data dir and database stay.
   */
  server.halt = async () => {
    const child = server.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const { code, signal } = await server.closed;
    server.child = null;
    if (SANITIZER_REPORT.test(server.stderr)) {
      throw new Error(`sanitizer report from tenantd:\n${server.stderr}`);
    }
    if (code !== 0 || signal) {
      throw new Error(`tenantd serve exited ${signal ?? code} instead of 0:\n${server.stderr}`);
    }
  };
  /** Starts the server again after halt(), on the same database and data dir. */
  server.resume = () => launch(server);
  /** halt(), then removes the data dir and (PostgreSQL) drops the database. */
  server.stop = async () => {
    try {
      await server.halt();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      if (pgName) spawnSync('dropdb', ['-h', PG_HOST, '--if-exists', '--force', pgName]);
    }
  };
  try {
    await launch(server);
  } catch (e) {
    server.child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (pgName) spawnSync('dropdb', ['-h', PG_HOST, '--if-exists', '--force', pgName]);
    throw e;
  }
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
  const drift = await res.__openapi;
  if (drift) throw new Error(`response does not match src/api/openapi.json: ${drift}`);
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
