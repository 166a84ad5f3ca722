// Operations endpoints (SPEC §4.5): /healthz (process up), /readyz (database reachable
// and migrated; "ok" here, the degraded cases are in database_failures.test.mjs),
// /metrics (Prometheus text with the named series), optionally guarded by
// TENANTD_METRICS_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, loginAdmin, seedTenant, uniq } from './lib/harness.mjs';

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
  assert.match(text, /tenantd_http_requests_total\{route="\/connect\/token",status="200"\} \d+/);
  assert.match(text, /tenantd_http_requests_total\{route="\/connect\/token",status="401"\} \d+/);
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
