// Configuration documented from one table (src/config.c): `tenantd serve --help` and
// `tenantd config` list every TENANTD_* setting of README.md's table, `tenantd config
// --markdown` prints exactly that table, and `tenantd --help` shows the serve flags.
// Usage errors exit 2 with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, SANITIZER_REPORT } from './lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(path.resolve(here, '../../README.md'), 'utf8');
const run = (args) => {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  assert.doesNotMatch(r.stderr, SANITIZER_REPORT);
  return r;
};

/** README.md's generated configuration table (between its markers). */
function readmeTable() {
  const m = readme.match(/\n<!-- config-table:begin[^\n]*\n([\s\S]*?)<!-- config-table:end -->/);
  assert.ok(m, 'README.md has the config-table markers');
  return m[1];
}
const variables = [...readmeTable().matchAll(/^\| `(TENANTD_[A-Z_]+)`/gm)].map((m) => m[1]);

test('README.md lists the settings the binary knows, as `tenantd config --markdown` prints them', () => {
  assert.ok(variables.length >= 27, variables.join(' '));
  const r = run(['config', '--markdown']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, readmeTable(), 'run `make readme-config`');
});

test('tenantd serve --help and tenantd config describe every setting and exit 0', () => {
  for (const args of [['serve', '--help'], ['serve', '-h'], ['config']]) {
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
    for (const name of variables) assert.match(r.stdout, new RegExp(`^${name}\\b`, 'm'), `${args.join(' ')}: ${name}`);
    assert.match(r.stdout, /TENANTD_DATABASE or TENANTD_DATABASE_FILE, --database URL/);
    assert.match(r.stdout, /default 127\.0\.0\.1:8080; IPv4:PORT or \[IPv6\]:PORT/);
    assert.match(r.stdout, /default 4; integer 1-64/);
  }
  assert.match(run(['serve', '--help']).stdout, /^usage: tenantd serve \[--listen HOST:PORT\] \[--database URL\] \[--issuer URL\] \[--data-dir DIR\]\n/);
  assert.match(run(['--help']).stdout, /\n {2}serve \[--listen HOST:PORT\] \[--database URL\] \[--issuer URL\] \[--data-dir DIR\]\n/);
});

test('config usage errors and unknown serve options exit 2 with one line', () => {
  for (const args of [['config', '--bogus'], ['config', '--markdown', 'x'], ['serve', '--bogus=1'], ['serve', 'x']]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
