// Deployment surface (issue 10 item 6): `tenantd --version`, systemd readiness
// (sd_notify READY=1 once listening, STOPPING=1 on SIGTERM, to $NOTIFY_SOCKET), and
// *_FILE variants of every secret-bearing variable (TENANTD_DATABASE, TENANTD_SMTP_URL,
// TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY, TENANTD_METRICS_TOKEN): the value from the
// file with one trailing newline removed, both set → error, unreadable/empty → a clear
// start-up error that never shows the file's contents.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, call, startServer } from './lib/harness.mjs';
import { notifySocket } from './lib/notify.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'tenantd-deploy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name, contents, mode = 0o600) => {
  const p = path.join(dir, name);
  writeFileSync(p, contents, { mode });
  chmodSync(p, mode);
  return p;
};
/** Runs `tenantd migrate` with env (a fresh SQLite database unless env names one). */
const migrate = (env) => spawnSync(BIN, ['migrate'], {
  env: { ...process.env, TENANTD_DATABASE: `sqlite:${dir}/m.db`, TENANTD_DATA_DIR: `${dir}/data`, ASAN_OPTIONS: 'detect_leaks=1', ...env },
  encoding: 'utf8',
});

test('tenantd --version and tenantd version print the version; extra arguments are refused', () => {
  for (const arg of ['--version', 'version']) {
    const r = spawnSync(BIN, [arg], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^tenantd \d+\.\d+\.\d+\S*\n$/);
  }
  const r = spawnSync(BIN, ['--version', 'x'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^tenantd: --version takes no arguments\n$/);
  assert.match(spawnSync(BIN, ['--help'], { encoding: 'utf8' }).stdout, /--version/);
});

test('sd_notify: READY=1 once the socket accepts requests, STOPPING=1 on SIGTERM', async () => {
  const notify = await notifySocket();
  let server;
  try {
    server = await startServer({ NOTIFY_SOCKET: notify.path });
    const ready = await notify.waitFor((m) => m.split('\n').includes('READY=1'));
    assert.match(ready, /STATUS=listening on 127\.0\.0\.1:\d+/);
    assert.match(ready, new RegExp(`MAINPID=${server.child.pid}`));
    // Ready means ready: the socket answers now.
    assert.equal((await call(server, 'GET', '/healthz')).status, 200);
    assert.ok(!notify.messages.some((m) => m.includes('STOPPING=1')));
    await server.stop();
    server = null;
    await notify.waitFor((m) => m.split('\n').includes('STOPPING=1'));
    const order = notify.messages.map((m) => (m.includes('READY=1') ? 'ready' : m.includes('STOPPING=1') ? 'stopping' : 'other'));
    assert.deepEqual(order, ['ready', 'stopping']);
  } finally {
    await server?.stop();
    notify.close();
  }
});

test('TENANTD_METRICS_TOKEN_FILE: the token comes from the file, one trailing newline trimmed', async () => {
  const token = 'metrics-token-from-a-file-42';
  const server = await startServer({ TENANTD_METRICS_TOKEN_FILE: file('metrics', `${token}\n`) });
  try {
    assert.equal((await call(server, 'GET', '/metrics')).status, 401);
    assert.equal((await call(server, 'GET', '/metrics', { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.ok(!server.stderr.includes(token));
  } finally {
    await server.stop();
  }
  // CRLF is trimmed too; only one newline is.
  const crlf = await startServer({ TENANTD_METRICS_TOKEN_FILE: file('metrics-crlf', `${token}\r\n`) });
  try {
    assert.equal((await call(crlf, 'GET', '/metrics', { headers: { authorization: `Bearer ${token}` } })).status, 200);
  } finally {
    await crlf.stop();
  }
  const r = migrate({ TENANTD_METRICS_TOKEN_FILE: file('metrics-2nl', `${token}\n\n`) });
  assert.notEqual(r.status, 0, 'a second newline is part of the value (and not a valid token)');
  assert.match(r.stderr, /TENANTD_METRICS_TOKEN must be/);
});

test('TENANTD_DATABASE_FILE: the database URL from a file', () => {
  const db = path.join(dir, 'from-file.db');
  const r = migrate({ TENANTD_DATABASE: '', TENANTD_DATABASE_FILE: file('database', `sqlite:${db}\n`) });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(db), 'migrate used the database named in the file');
});

test('TENANTD_SMTP_URL_FILE and TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY_FILE are read and validated like the variables', () => {
  const secretUrl = 'smtp://user:smtp-password-in-a-file@127.0.0.1:2525';
  assert.equal(migrate({ TENANTD_SMTP_URL_FILE: file('smtp', `${secretUrl}\n`) }).status, 0);
  const bad = migrate({ TENANTD_SMTP_URL_FILE: file('smtp-bad', 'http://not-smtp.example\n') });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /TENANTD_SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
  assert.ok(!bad.stderr.includes('not-smtp.example'), 'the contents are never echoed');

  const storage = {
    TENANTD_MANAGED_STORAGE_ENDPOINT: 'http://127.0.0.1:9',
    TENANTD_MANAGED_STORAGE_BUCKET: 'bucket',
    TENANTD_MANAGED_STORAGE_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  };
  // Without the secret key the managed storage configuration is incomplete: an error.
  assert.match(migrate(storage).stderr, /managed storage needs/);
  // With it from a file, it is complete.
  const ok = migrate({ ...storage, TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY_FILE: file('s3', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n') });
  assert.equal(ok.status, 0, ok.stderr);
});

test('*_FILE refusals: both set, unreadable, missing, empty — one clear line, exit 2', () => {
  const token = file('tok', 'metrics-token-0123456789\n');
  const unreadable = file('unreadable', 'metrics-token-0123456789\n', 0o000);
  const empty = file('empty', '\n');
  const cases = [
    [{ TENANTD_METRICS_TOKEN: 'metrics-token-0123456789', TENANTD_METRICS_TOKEN_FILE: token }, /^tenantd: set TENANTD_METRICS_TOKEN or TENANTD_METRICS_TOKEN_FILE, not both\n$/],
    [{ TENANTD_SMTP_URL: 'smtp://127.0.0.1', TENANTD_SMTP_URL_FILE: token }, /not both/],
    [{ TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY: 'x', TENANTD_MANAGED_STORAGE_SECRET_ACCESS_KEY_FILE: token }, /not both/],
    [{ TENANTD_DATABASE_FILE: token }, /set TENANTD_DATABASE or TENANTD_DATABASE_FILE, not both/],
    [{ TENANTD_METRICS_TOKEN_FILE: path.join(dir, 'no-such-file') }, /^tenantd: cannot read TENANTD_METRICS_TOKEN_FILE \(.*no-such-file\): No such file or directory\n$/],
    [{ TENANTD_SMTP_URL_FILE: empty }, /^tenantd: TENANTD_SMTP_URL_FILE: the file is empty\n$/],
    [{ TENANTD_METRICS_TOKEN_FILE: dir }, /cannot read TENANTD_METRICS_TOKEN_FILE/],
  ];
  // Root reads a mode-000 file anyway; the check only means something for other users.
  if (process.getuid() !== 0) cases.push([{ TENANTD_METRICS_TOKEN_FILE: unreadable }, /Permission denied/]);
  for (const [env, want] of cases) {
    const r = migrate(env);
    assert.equal(r.status, 2, `${JSON.stringify(env)}: ${r.stderr}`);
    assert.match(r.stderr, want);
    assert.ok(!r.stderr.includes('metrics-token-0123456789'), 'never the secret');
  }
});
