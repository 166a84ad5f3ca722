// bench/seed-apps.mjs — creates N apps through the real admin API with W concurrent
// writers and reports the create rate per chunk, so that a create path whose cost
// grows with the table shows up as falling rates. Used by bench/many-apps.sh.
//
//   node bench/seed-apps.mjs            (everything from the environment)
//
// Environment:
//   URL        server base URL (http://127.0.0.1:PORT, loopback only)
//   KEY        a host admin's API key (Bearer)
//   TENANTS    comma-separated tenant ids; app i goes to tenant i mod T
//   N=2000     apps to create           WRITERS=8   concurrent callers (keep-alive)
//   CHUNKS=10  report lines per phase   REGION=bench-eu
//   PLAN=bench-pro  plan assigned to every app in a second phase ('' = none)
//   OUT        file to write, one line per app: "Basic base64(client_id:secret)"
//   APPS_OUT   optional TSV: tenant_id app_id client_id
//
// Phase 1 only creates (POST /api/v1/tenants/{tid}/apps), so its rates are the
// create path's alone; phase 2 assigns the plan (PUT .../plan) so the tokens carry
// entitlements. A 503 (database_busy) is retried after a short pause and counted,
// as is a connection closed without a reply; any other failure stops the run. Output: one line per chunk,
//   create  apps 1-200     200 apps  0.31 s   645 apps/s  p50 11.8 ms  p99 32.0 ms
// then a summary line per phase ("create-summary: ...").
import { writeFileSync } from 'node:fs';

const env = process.env;
const URL_ = env.URL;
const KEY = env.KEY;
const TENANTS = (env.TENANTS || '').split(',').filter(Boolean);
const N = Number(env.N || 2000);
const WRITERS = Number(env.WRITERS || 8);
const CHUNKS = Math.max(1, Math.min(Number(env.CHUNKS || 10), N));
const REGION = env.REGION || 'bench-eu';
const PLAN = env.PLAN ?? 'bench-pro';
if (!URL_ || !KEY || TENANTS.length === 0 || !env.OUT) {
  console.error('seed-apps: URL, KEY, TENANTS and OUT are required');
  process.exit(2);
}
if (!/^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?$/.test(URL_)) {
  console.error(`seed-apps: refusing a non-loopback URL: ${URL_}`);
  process.exit(2);
}

const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let retries503 = 0;

let socketErrors = 0;
/*
 * One admin call. A connection closed without a reply is retried (a create with a
 * fresh name: the first attempt may have committed, and its secret is lost then) and
 * counted; a 503 is retried after a short pause and counted.
 */
async function call(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    let res, text;
    try {
      res = await fetch(URL_ + path, { method, headers, body: body && JSON.stringify(body) });
      text = await res.text();
    } catch (e) {
      socketErrors++;
      if (attempt >= 5) throw e;
      if (method === 'POST' && body?.name) body = { ...body, name: `${body.name} retry ${attempt + 1}` };
      continue;
    }
    if (res.status === 503 && attempt < 20) {
      retries503++;
      await sleep(20 + Math.random() * 30);
      continue;
    }
    if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

const pct = (sorted, p) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0;

/**
 * Runs work(i) for i in [0, n) on WRITERS concurrent loops; prints one line per
 * chunk of n / CHUNKS completions (rate over the chunk's wall time, latency
 * percentiles of the calls completed in it).
 */
async function phase(label, n, work) {
  const chunk = Math.ceil(n / CHUNKS);
  let next = 0, done = 0;
  let chunkStart = performance.now(), chunkLat = [];
  const t0 = chunkStart, all = [];
  const rates = [];
  const loop = async () => {
    while (next < n) {
      const i = next++;
      const s = performance.now();
      await work(i);
      const lat = performance.now() - s;
      chunkLat.push(lat);
      all.push(lat);
      done++;
      if (done % chunk === 0 || done === n) {
        const now = performance.now();
        const secs = (now - chunkStart) / 1000;
        const count = chunkLat.length;
        chunkLat.sort((a, b) => a - b);
        const rate = count / secs;
        rates.push(rate);
        console.log(`${label.padEnd(7)} apps ${String(done - count + 1).padStart(6)}-${String(done).padEnd(6)} ` +
          `${String(count).padStart(6)} apps ${secs.toFixed(2).padStart(7)} s ${rate.toFixed(0).padStart(6)} apps/s ` +
          `p50 ${pct(chunkLat, 50).toFixed(1)} ms  p99 ${pct(chunkLat, 99).toFixed(1)} ms`);
        chunkStart = now;
        chunkLat = [];
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, loop));
  const secs = (performance.now() - t0) / 1000;
  all.sort((a, b) => a - b);
  const first = rates[0], last = rates[rates.length - 1];
  console.log(`${label}-summary: n=${n} writers=${WRITERS} secs=${secs.toFixed(1)} rate=${(n / secs).toFixed(0)}/s ` +
    `first_chunk=${first.toFixed(0)}/s last_chunk=${last.toFixed(0)}/s last_over_first=${(last / first).toFixed(2)} ` +
    `p50_ms=${pct(all, 50).toFixed(1)} p99_ms=${pct(all, 99).toFixed(1)} max_ms=${all[all.length - 1].toFixed(1)} ` +
    `retried_503=${retries503} socket_errors_retried=${socketErrors}`);
}

const apps = new Array(N);
const stamp = Date.now().toString(36);
await phase('create', N, async (i) => {
  const tenant = TENANTS[i % TENANTS.length];
  const r = await call('POST', `/api/v1/tenants/${tenant}/apps`, {
    name: `bench app ${stamp} ${i}`,
    region_code: REGION,
    allowed_domains: ['https://app.example.com', 'localhost:3000'],
  });
  apps[i] = { tenant, id: r.app.id, clientId: r.client_id, secret: r.client_secret };
});
retries503 = 0;
socketErrors = 0;
if (PLAN) {
  await phase('plan', N, async (i) => {
    const a = apps[i];
    await call('PUT', `/api/v1/tenants/${a.tenant}/apps/${a.id}/plan`, { plan_code: PLAN });
  });
}
writeFileSync(env.OUT, apps.map((a) => `Basic ${Buffer.from(`${a.clientId}:${a.secret}`).toString('base64')}\n`).join(''), { mode: 0o600 });
if (env.APPS_OUT) writeFileSync(env.APPS_OUT, apps.map((a) => `${a.tenant}\t${a.id}\t${a.clientId}\n`).join(''));
