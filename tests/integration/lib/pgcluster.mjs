// A private, throwaway PostgreSQL cluster for tests that stop and start the
// database server (tests/integration/availability.test.mjs): the shared cluster of
// scripts/with-postgres.sh serves other test files running at the same time, so it
// must never be stopped. Same settings as with-postgres.sh: C locale, trust, a Unix
// socket in the cluster's directory only, durability off. As root the cluster
// belongs to the `postgres` system user (PostgreSQL refuses to run as root).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';

function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort((a, b) => Number(a) - Number(b));
  return path.join(root, versions[versions.length - 1], 'bin');
}

export function createCluster() {
  const bin = binDir();
  const base = mkdtempSync(path.join(tmpdir(), 'tenantd-pgown-'));
  const data = path.join(base, 'data');
  const sock = path.join(base, 'sock');
  mkdirSync(data);
  mkdirSync(sock);
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const pw = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const p of [base, data, sock]) chownSync(p, Number(pw), gid);
  }
  const run = (tool, args) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args]] : [path.join(bin, tool), args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--locale=C', '--encoding=UTF8']);
  const cluster = {
    host: sock,
    start() {
      run('pg_ctl', ['-D', data, '-l', path.join(base, 'server.log'), '-w', '-t', '30', '-o',
        `-k ${sock} -c listen_addresses= -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=50`, 'start']);
    },
    stop() {
      run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    createDatabase(name) {
      const r = spawnSync('createdb', ['-h', sock, '-U', 'postgres', '--locale=C', '--encoding=UTF8', '--template=template0', name], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`createdb failed: ${r.stderr}`);
      return `postgres:///${name}?host=${encodeURIComponent(sock)}&user=postgres`;
    },
    destroy() {
      spawnSync(asRoot ? 'runuser' : path.join(bin, 'pg_ctl'),
        asRoot ? ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop'] : ['-D', data, '-m', 'immediate', '-w', 'stop']);
      rmSync(base, { recursive: true, force: true });
    },
  };
  cluster.start();
  return cluster;
}
