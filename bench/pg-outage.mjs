// bench/pg-outage.mjs — token availability on a node while PostgreSQL is down (SPEC
// §3.2a). Run by bench/pg-outage.sh, which starts the nodes; see there for usage.
//
// Open-loop load on node B: one token request for the warm app every 1000/RATE ms
// (not waiting for earlier answers, each with a TIMEOUT_MS limit, so a stalled node
// shows as timeouts rather than as a lower request rate). At OUTAGE_AT seconds the
// cluster is stopped (`$PG_CTL stop -m fast`), OUTAGE_S seconds after it is down it
// is started again; the load runs for DURATION seconds in all. Once a second a cold
// client (an app B has never seen) asks for a token — SPEC: a prompt 503
// temporarily_unavailable while the database is down — and /readyz is read.
//
// Environment: B_URL AUTH (warm app) COLD_FILE (Authorization headers of apps B has
//   never seen, one per line) PG_CTL
//   RATE=200  DURATION=25  OUTAGE_AT=5  OUTAGE_S=15  TIMEOUT_MS=2000
// Output: a per-second timeline, per-phase results, and
//   outage-result: warm_ok_pct=… (all requests) outage_ok_pct=… (while down) …
// Exit 0 whatever the figures (this measures; it does not judge).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { histogram, pct, requireEnv, requireLoopback, sleep, tokenRequest } from './lib/common.mjs';

const WHO = 'pg-outage';
requireEnv(['B_URL', 'AUTH', 'COLD_FILE', 'PG_CTL'], WHO);
const { B_URL, AUTH, COLD_FILE, PG_CTL } = process.env;
requireLoopback(B_URL, WHO);
const RATE = Number(process.env.RATE || 200);
const DURATION = Number(process.env.DURATION || 25);
const OUTAGE_AT = Number(process.env.OUTAGE_AT || 5);
const OUTAGE_S = Number(process.env.OUTAGE_S || 15);
const TIMEOUT_MS = Number(process.env.TIMEOUT_MS || 2000);
const cold = readFileSync(COLD_FILE, 'utf8').split('\n').filter(Boolean);
const run = promisify(execFile);

const warm = await tokenRequest(B_URL, AUTH, TIMEOUT_MS);
if (warm.status !== 200) {
  console.error(`${WHO}: node B does not issue for the warm app: ${warm.status} ${warm.error}`);
  process.exit(1);
}

const t0 = performance.now();
const now = () => (performance.now() - t0) / 1000; // seconds since the load began
const events = { stopBegin: null, down: null, startBegin: null, up: null };
const results = []; // {t, status, error, ms} of warm requests (t = send time, s)
const coldResults = []; // same, for cold clients
const ready = []; // {t, status, state}
const pending = [];

// The outage, on its own timeline.
const outage = (async () => {
  await sleep(OUTAGE_AT * 1000);
  events.stopBegin = now();
  await run(PG_CTL, ['stop', '-m', 'fast']);
  events.down = now();
  await sleep(OUTAGE_S * 1000);
  events.startBegin = now();
  await run(PG_CTL, ['start']);
  events.up = now();
})();

// Cold clients and /readyz, once a second.
const probes = (async () => {
  for (let i = 0; now() < DURATION; i++) {
    const t = now();
    if (i < cold.length) {
      pending.push(tokenRequest(B_URL, cold[i], TIMEOUT_MS).then((r) => coldResults.push({ t, ...r })));
    }
    pending.push((async () => {
      try {
        const res = await fetch(`${B_URL}/readyz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
        const body = await res.json().catch(() => ({}));
        // {"status":"ready"|"degraded"|...}, or a problem+json body (its error code)
        const state = typeof body.status === 'string' ? body.status : (body.error ?? body.title ?? '?');
        ready.push({ t, status: res.status, state });
      } catch (e) {
        ready.push({ t, status: e.name === 'TimeoutError' ? 'timeout' : 'socket', state: '-' });
      }
    })());
    await sleep(1000);
  }
})();

// Open-loop warm load.
const interval = 1000 / RATE;
for (let i = 0; ; i++) {
  const due = i * interval;
  const lag = due - (performance.now() - t0);
  if (lag > 0) await sleep(lag);
  const t = now();
  if (t >= DURATION) break;
  pending.push(tokenRequest(B_URL, AUTH, TIMEOUT_MS).then((r) => results.push({ t, ...r })));
}
await probes;
await Promise.all(pending);
await outage;

// ---- report ----
const ok = (r) => r.status === 200 && !r.error;
const fmt = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'na');
console.log(`outage: pg stop begun ${fmt(events.stopBegin)} s, down ${fmt(events.down)} s, ` +
  `start begun ${fmt(events.startBegin)} s, up ${fmt(events.up)} s (since the load began)`);
console.log(' sec  sent   ok  ok%  p99_ms  max_ms  other answers              readyz         cold client');
for (let s = 0; s < Math.ceil(DURATION); s++) {
  const b = results.filter((r) => r.t >= s && r.t < s + 1);
  const lat = b.map((r) => r.ms).sort((x, y) => x - y);
  const good = b.filter(ok).length;
  const other = histogram(b.filter((r) => !ok(r)).map((r) => `${r.status}${r.error ? '/' + r.error : ''}`));
  const rz = ready.find((r) => r.t >= s && r.t < s + 1);
  const c = coldResults.find((r) => r.t >= s && r.t < s + 1);
  const mark = events.down !== null && s + 1 > events.stopBegin && (events.up === null || s < events.up) ? '*' : ' ';
  console.log(`${String(s).padStart(3)}${mark} ${String(b.length).padStart(5)} ${String(good).padStart(4)} ` +
    `${(b.length ? (100 * good) / b.length : 0).toFixed(0).padStart(4)} ${fmt(pct(lat, 99)).padStart(7)} ` +
    `${fmt(lat[lat.length - 1]).padStart(7)}  ${(other === 'none' ? '' : other).padEnd(26)} ` +
    `${rz ? `${rz.status}/${rz.state}` : '-'}`.padEnd(14) +
    `   ${c ? `${c.status}${c.error ? '/' + c.error : ''} ${c.ms.toFixed(0)} ms` : ''}`);
}
console.log('(* = the database was being stopped, down, or starting during that second)');

const phase = (from, to) => results.filter((r) => r.t >= from && r.t < to);
const line = (name, rs) => {
  const lat = rs.map((r) => r.ms).sort((a, b) => a - b);
  const good = rs.filter(ok).length;
  return `${name}: requests=${rs.length} ok=${good} ok_pct=${rs.length ? ((100 * good) / rs.length).toFixed(2) : 'na'} ` +
    `p50_ms=${fmt(pct(lat, 50))} p99_ms=${fmt(pct(lat, 99))} max_ms=${fmt(lat[lat.length - 1])} ` +
    `answers=${histogram(rs.map((r) => `${r.status}${r.error ? '/' + r.error : ''}`))}`;
};
const down0 = events.stopBegin ?? DURATION, up1 = events.up ?? DURATION;
console.log(line('before', phase(0, down0)));
console.log(line('outage', phase(down0, up1)));
console.log(line('after ', phase(up1, DURATION)));
console.log(line('all   ', results));
const coldDown = coldResults.filter((r) => r.t >= down0 && r.t < up1);
console.log(`cold clients while down: ${coldDown.length ? histogram(coldDown.map((r) => `${r.status}${r.error ? '/' + r.error : ''}`)) : 'none'} ` +
  `max_ms=${fmt(Math.max(...coldDown.map((r) => r.ms)))}; after: ` +
  `${histogram(coldResults.filter((r) => r.t >= up1).map((r) => `${r.status}${r.error ? '/' + r.error : ''}`))}`);
console.log(`readyz while down: ${histogram(ready.filter((r) => r.t >= down0 && r.t < up1).map((r) => `${r.status}/${r.state}`))}; ` +
  `after: ${histogram(ready.filter((r) => r.t >= up1).map((r) => `${r.status}/${r.state}`))}`);
const all = results, down = phase(down0, up1);
console.log(`outage-result: rate=${RATE}/s duration_s=${DURATION} outage_s=${fmt(up1 - down0)} ` +
  `warm_ok_pct=${((100 * all.filter(ok).length) / all.length).toFixed(2)} ` +
  `outage_ok_pct=${down.length ? ((100 * down.filter(ok).length) / down.length).toFixed(2) : 'na'} ` +
  `timeouts=${all.filter((r) => r.status === 'timeout').length}`);
