// Operations endpoints (SPEC §4.5): /healthz (process up), /readyz (database reachable
// and migrated; "ok" here, the degraded cases are in database_failures.test.mjs),
// /metrics (Prometheus text with the named series), optionally guarded by
// TENANTD_METRICS_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const metricValue = (text, series) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' ') || l.startsWith(series + '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
};

test('healthz and readyz', async () => {
  const live = await call(server, 'GET', '/healthz');
  assert.equal(live.status, 200);
  assert.equal(live.body.status, 'ok');
  const ready = await call(server, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ok');
  assert.deepEqual(ready.body.reasons, []);
  assert.ok(ready.body.schema_version >= 1);
  assert.equal(ready.body.database, server.backend);
  const strict = await call(server, 'GET', '/readyz?strict=1');
  assert.equal(strict.status, 200, 'nothing is degraded');
  assert.equal(strict.body.status, 'ok');
});

test('metrics count requests, tokens, auth failures and the cache', async () => {
  const admin = await loginAdmin(server);
  const world = await seedTenant(server, admin);
  const app = (await call(server, 'POST', `/api/v1/tenants/${world.tenantId}/apps`, { auth: world.owner, body: { name: uniq('m'), region_code: world.regionCode } })).body;
  const before = (await call(server, 'GET', '/metrics')).text;
  const basic = (secret) => `Basic ${Buffer.from(`${app.client_id}:${secret}`).toString('base64')}`;
  const post = (secret) => fetch(`${server.url}/connect/token`, { method: 'POST', headers: { authorization: basic(secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  assert.equal((await post(app.client_secret)).status, 200);
  assert.equal((await post(app.client_secret)).status, 200);
  assert.equal((await post('tdcs_wrong')).status, 401);
  const res = await call(server, 'GET', '/metrics');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const text = res.text;
  assert.equal(metricValue(text, 'tenantd_tokens_issued_total') - (metricValue(before, 'tenantd_tokens_issued_total') || 0), 2);
  assert.equal(metricValue(text, 'tenantd_auth_failures_total') - (metricValue(before, 'tenantd_auth_failures_total') || 0), 1);
  assert.match(text, /tenantd_token_issue_seconds_bucket\{le="\+Inf"\} \d+/);
  assert.match(text, /tenantd_token_issue_seconds_count \d+/);
  assert.match(text, /tenantd_http_requests_total\{method="POST",route="\/connect\/token",status="200"\} \d+/);
  assert.match(text, /tenantd_http_requests_total\{method="POST",route="\/connect\/token",status="401"\} \d+/);
  assert.ok(metricValue(text, 'tenantd_app_cache_entries') >= 1);
});

test('TENANTD_METRICS_TOKEN guards /metrics', async () => {
  const guarded = await startServer({ TENANTD_METRICS_TOKEN: 'metrics-token-0123456789' });
  try {
    assert.equal((await call(guarded, 'GET', '/metrics')).status, 401);
    assert.equal((await call(guarded, 'GET', '/metrics', { headers: { authorization: 'Bearer metrics-token-0123456788' } })).status, 401);
    const ok = await call(guarded, 'GET', '/metrics', { headers: { authorization: 'Bearer metrics-token-0123456789' } });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /tenantd_tokens_issued_total/);
    assert.equal((await call(guarded, 'GET', '/healthz')).status, 200, 'health stays open');
  } finally {
    await guarded.stop();
  }
});

/** Every sample line as {name, labels, value}. */
function samples(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    assert.ok(m, `malformed sample line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}
/** The metric families a scrape declares (# TYPE lines): name -> type. */
const families = (text) => new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));

test('per-route latency histograms: Prometheus conventions, cumulative buckets, one series set per method/route/status class', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await call(server, 'GET', '/healthz')).status, 200);
  assert.equal((await call(server, 'GET', '/api/v1/no-such-thing')).status, 404);
  assert.equal((await call(server, 'DELETE', '/healthz')).status, 405);
  const text = (await call(server, 'GET', '/metrics')).text;
  assert.equal(families(text).get('tenantd_http_request_duration_seconds'), 'histogram');
  const all = samples(text);
  const of = (suffix, labels) => all.filter((s) => s.name === `tenantd_http_request_duration_seconds${suffix}` &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const health = { method: 'GET', route: '/healthz', status_class: '2xx' };
  const buckets = of('_bucket', health);
  assert.ok(buckets.length >= 10);
  assert.equal(buckets.at(-1).labels.le, '+Inf');
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
    if (buckets[i].labels.le !== '+Inf') assert.ok(Number(buckets[i].labels.le) > Number(buckets[i - 1].labels.le), 'le ascending');
  }
  const count = of('_count', health)[0].value;
  assert.ok(count >= 3);
  assert.equal(buckets.at(-1).value, count, '+Inf bucket = _count');
  assert.ok(of('_sum', health)[0].value > 0);
  assert.equal(of('_count', { route: 'unmatched', status_class: '4xx' })[0]?.value >= 1, true, '404s under route="unmatched"');
  assert.equal(of('_count', { method: 'DELETE', route: 'unmatched', status_class: '4xx' })[0]?.value, 1, 'a 405 matched no route either');
  // Route labels are patterns, never raw ids.
  const routes = new Set(all.filter((s) => s.labels.route).map((s) => s.labels.route));
  for (const r of routes) assert.doesNotMatch(r, /[0-9a-f]{8}-[0-9a-f]{4}-/, `raw id in route label ${r}`);
  assert.ok([...routes].some((r) => r.includes('{}')), 'patterns with {} for parameters');
});

test('database pool and process metrics', async () => {
  const text = (await call(server, 'GET', '/metrics')).text;
  const fam = families(text);
  const value = (name) => metricValue(text, name);
  for (const [name, type] of [['tenantd_db_pool_connections', 'gauge'], ['tenantd_db_pool_open_connections', 'gauge'],
    ['tenantd_db_pool_in_use_connections', 'gauge'], ['tenantd_db_pool_acquires_total', 'counter'],
    ['tenantd_db_pool_waits_total', 'counter'], ['tenantd_db_pool_wait_seconds_total', 'counter'], ['tenantd_db_writers_waiting', 'gauge'],
    ['process_cpu_seconds_total', 'counter'], ['process_resident_memory_bytes', 'gauge'], ['process_virtual_memory_bytes', 'gauge'],
    ['process_open_fds', 'gauge'], ['process_max_fds', 'gauge'], ['process_threads', 'gauge'], ['process_start_time_seconds', 'gauge'],
    ['tenantd_build_info', 'gauge']]) {
    assert.equal(fam.get(name), type, name);
  }
  assert.ok(value('tenantd_db_pool_connections') >= 3);
  assert.ok(value('tenantd_db_pool_open_connections') >= 1 && value('tenantd_db_pool_open_connections') <= value('tenantd_db_pool_connections'));
  assert.ok(value('tenantd_db_pool_in_use_connections') >= 0);
  assert.ok(value('tenantd_db_pool_acquires_total') > 0, 'the admin calls above used the pool');
  assert.ok(value('tenantd_db_pool_waits_total') >= 0 && value('tenantd_db_pool_wait_seconds_total') >= 0);
  assert.equal(value('tenantd_db_writers_waiting'), 0, 'no write in flight');
  const pid = server.child.pid;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const threads = Number(status.match(/^Threads:\s+(\d+)/m)[1]);
  assert.equal(value('process_threads'), threads);
  const rssKb = Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]);
  assert.ok(Math.abs(value('process_resident_memory_bytes') - rssKb * 1024) < 64 << 20, 'RSS close to /proc');
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  assert.ok(Math.abs(value('process_open_fds') - fds) <= 4, `open fds ${value('process_open_fds')} vs ${fds}`);
  assert.ok(value('process_cpu_seconds_total') > 0);
  const started = value('process_start_time_seconds');
  assert.ok(started > Date.now() / 1000 - 3600 && started <= Date.now() / 1000 + 1, `start time ${started}`);
  const build = samples(text).find((s) => s.name === 'tenantd_build_info');
  assert.match(build.labels.version, /^\d+\.\d+\.\d+/);
});

test('every tenantd_* / process_* series named in README.md and docs/ is in a real scrape, and every scraped one is in OPERATIONS.md', async () => {
  // Names in backticks that are not metrics: the session cookie.
  const NOT_METRICS = new Set(['tenantd_session']);
  const docs = ['README.md', ...readdirSync(path.join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const named = new Map();
  for (const file of docs) {
    const text = readFileSync(path.join(repo, file), 'utf8');
    for (const m of text.matchAll(/`((?:tenantd|process)_[a-z0-9_]+)(?:\{[^`]*\})?`/g)) {
      if (!NOT_METRICS.has(m[1])) named.set(m[1], file);
    }
  }
  assert.ok(named.size >= 30, `found ${named.size} documented series`);
  const fam = families((await call(server, 'GET', '/metrics')).text);
  const missing = [];
  for (const [name, file] of named) {
    const family = fam.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    if (!fam.has(family)) missing.push(`${name} (${file})`);
  }
  assert.deepEqual(missing, [], 'documented but not emitted');
  // And the other way: every family the server declares is in docs/OPERATIONS.md.
  const operations = readFileSync(path.join(repo, 'docs/OPERATIONS.md'), 'utf8');
  const undocumented = [...fam.keys()].filter((name) => !operations.includes(`\`${name}\``));
  assert.deepEqual(undocumented, [], 'emitted but not in docs/OPERATIONS.md');
});
