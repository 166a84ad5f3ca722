// The Debian package end to end (issue 10 item 6), run by `make deb-smoke` (part of
// `make test-run`) with TENANTD_DEB = the .deb that `make deb` built. On this machine,
// as root: dpkg -i (CI's machine is throwaway; a lock directory serialises concurrent
// runs on a shared development machine, and a lock whose process died is taken over), check what it installed (binary, hardened
// unit verified by systemd-analyze, conffile, tenantd user, state directory, migrated
// database), start the *installed* binary the way the unit does — as the tenantd user
// with the unit's environment, NOTIFY_SOCKET pointing at a socket this test listens on
// (systemd is not PID 1 in a container) — and expect READY=1, /healthz, a token from
// `tenantd demo`'s app, STOPPING=1 on SIGTERM; reinstall (the upgrade path: migrate
// again), then purge and check it is all gone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { notifySocket } from '../integration/lib/notify.mjs';

const DEB = process.env.TENANTD_DEB;
const LOCK = '/tmp/tenantd-deb-smoke.lock';
const STATE = '/var/lib/tenantd';
const UNIT = '/lib/systemd/system/tenantd.service';

const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', ...opts });
const must = (r, what) => {
  assert.equal(r.status, 0, `${what}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
};
/** The service's environment: the unit's Environment= defaults, then /etc/default/tenantd. */
function serviceEnv(extra = {}) {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', TENANTD_DATA_DIR: STATE, TENANTD_DATABASE: `sqlite:${STATE}/tenantd.db` };
  for (const line of readFileSync('/etc/default/tenantd', 'utf8').split('\n')) {
    const m = line.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return { ...env, ...extra };
}
/** Runs the installed binary as the tenantd user, in the state directory. */
const asTenantd = ['--reuid=tenantd', '--regid=tenantd', '--init-groups', '/usr/bin/tenantd'];

let locked = false;
before(async () => {
  assert.ok(DEB && existsSync(DEB), 'TENANTD_DEB must name the .deb built by `make deb`');
  assert.equal(process.getuid(), 0, 'dpkg -i needs root');
  for (let i = 0; i < 600 && !locked; i++) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      locked = true;
    } catch {
      // A lock left by a run that was killed: its process is gone, take it over.
      let holder = 0;
      try { holder = Number(readFileSync(`${LOCK}/pid`, 'utf8')); } catch { /* being written */ }
      let alive = true;
      if (holder > 0) { try { process.kill(holder, 0); } catch (e) { alive = e.code !== 'ESRCH'; } }
      if (!alive) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 1000));
    }
  }
  assert.ok(locked, `another deb smoke test holds ${LOCK}`);
});
after(() => {
  if (run('dpkg-query', ['-W', 'tenantd']).status === 0) run('dpkg', ['--purge', 'tenantd']);
  if (locked) rmSync(LOCK, { recursive: true, force: true });
});

test('dpkg -i installs the binary, the unit, the conffile, the user and a migrated state directory', () => {
  const version = must(run('dpkg-deb', ['-f', DEB, 'Version']), 'dpkg-deb -f').stdout.trim();
  must(run('dpkg', ['-i', DEB], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }), 'dpkg -i');
  assert.equal(must(run('dpkg-query', ['-W', '-f=${Status} ${Version}', 'tenantd']), 'dpkg-query').stdout, `install ok installed ${version}`);
  assert.equal(must(run('/usr/bin/tenantd', ['--version']), '--version').stdout, `tenantd ${version}\n`);
  const files = must(run('dpkg', ['-L', 'tenantd']), 'dpkg -L').stdout.split('\n');
  for (const f of ['/usr/bin/tenantd', UNIT, '/etc/default/tenantd', '/usr/share/doc/tenantd/README.md']) assert.ok(files.includes(f), f);
  assert.match(must(run('dpkg-query', ['-W', '-f=${Conffiles}', 'tenantd']), 'conffiles').stdout, /\/etc\/default\/tenantd [0-9a-f]{32}/);
  const user = must(run('getent', ['passwd', 'tenantd']), 'getent').stdout.split(':');
  assert.equal(user[5], STATE);
  assert.match(user[6].trim(), /nologin$/);
  const st = statSync(STATE);
  assert.equal(st.mode & 0o777, 0o750);
  assert.equal(st.uid, Number(user[2]));
  const db = statSync(`${STATE}/tenantd.db`);
  assert.equal(db.uid, Number(user[2]), 'postinst migrated as the tenantd user');
  const migrated = must(run('setpriv', [...asTenantd, 'migrate'], { env: serviceEnv(), cwd: STATE }), 'migrate');
  assert.match(migrated.stdout + migrated.stderr, /schema is at version \d+/);
});

test('the unit is hardened, Type=notify, and systemd-analyze verify accepts it', () => {
  const unit = readFileSync(UNIT, 'utf8');
  for (const line of ['Type=notify', 'User=tenantd', 'Group=tenantd', 'ExecStart=/usr/bin/tenantd serve', 'StateDirectory=tenantd',
    'EnvironmentFile=-/etc/default/tenantd', 'ProtectSystem=strict', 'ProtectHome=yes', 'PrivateTmp=yes', 'NoNewPrivileges=yes',
    'PrivateDevices=yes', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6', 'CapabilityBoundingSet=', 'SystemCallFilter=@system-service',
    'MemoryDenyWriteExecute=yes', 'ProtectKernelTunables=yes', 'ProtectControlGroups=yes', 'RestrictNamespaces=yes', 'LockPersonality=yes',
    'UMask=0077', 'WantedBy=multi-user.target']) {
    assert.ok(unit.split('\n').includes(line), `unit lacks ${line}`);
  }
  const r = run('systemd-analyze', ['verify', UNIT]);
  const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('tenantd.service'));
  assert.deepEqual(complaints, [], 'systemd-analyze verify');
});

test('the installed binary runs as tenantd: READY=1, healthz, a token, STOPPING=1 on SIGTERM', async () => {
  const demo = must(run('setpriv', [...asTenantd, 'demo'], { env: serviceEnv(), cwd: STATE }), 'demo').stdout;
  const clientId = demo.match(/client_id\s+(tdc_\S+)/)[1];
  const secret = demo.match(/client_secret\s+(tdcs_\S+)/)[1];
  const notify = await notifySocket();
  const child = spawn('setpriv', [...asTenantd, 'serve'], {
    env: serviceEnv({ TENANTD_LISTEN: '127.0.0.1:0', NOTIFY_SOCKET: notify.path }), cwd: STATE, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`not listening: ${out} ${stderr}`)), 15000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${stderr}`)); });
    });
    const ready = await notify.waitFor((m) => m.split('\n').includes('READY=1'));
    assert.match(ready, /MAINPID=\d+/);
    const owner = statSync(`/proc/${ready.match(/MAINPID=(\d+)/)[1]}`).uid;
    assert.equal(owner, Number(run('id', ['-u', 'tenantd']).stdout.trim()), 'runs as the tenantd user');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const res = await fetch(`${url}/connect/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.access_token.split('.').length, 3);
    assert.equal(statSync(`${STATE}/master.key`).mode & 0o777, 0o600);
    child.removeAllListeners('exit'); // the start-up rejecter
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    await notify.waitFor((m) => m.split('\n').includes('STOPPING=1'));
    assert.equal(await exited, 0, stderr);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    notify.close();
  }
});

test('reinstalling (the upgrade path) migrates again; purge removes the package and its state', () => {
  const r = must(run('dpkg', ['-i', DEB], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }), 'dpkg -i again');
  assert.doesNotMatch(`${r.stdout}${r.stderr}`, /warning: 'tenantd migrate' failed/);
  const migrated = must(run('setpriv', [...asTenantd, 'migrate'], { env: serviceEnv(), cwd: STATE }), 'migrate');
  assert.match(migrated.stdout + migrated.stderr, /schema is at version/);
  must(run('dpkg', ['--purge', 'tenantd']), 'dpkg --purge');
  for (const gone of ['/usr/bin/tenantd', UNIT, '/etc/default/tenantd', STATE]) assert.ok(!existsSync(gone), `${gone} left behind`);
});
