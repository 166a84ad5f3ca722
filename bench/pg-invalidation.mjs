// bench/pg-invalidation.mjs — cross-node invalidation latency (SPEC §3.2: other
// nodes within 250 ms, aim 100 ms). Run by bench/pg-invalidation.sh, which starts the
// two nodes; see there for usage.
//
// Each trial: make sure node B issues for the app (its cache holds it), disable the
// app on node A, and poll B's /connect/token back to back (one request at a time,
// keep-alive) until B refuses with 400 unauthorized_client; the latency is from A's
// 200 (the change is committed when A answers) to B's first refusing answer. Then
// re-enable on A and measure the same way until B issues again. A random pause of up
// to JITTER_MS between trials keeps them from locking into step with any timer on B.
//
// Environment: A_URL B_URL KEY TENANT APP_ID AUTH (Authorization header of the app)
//   TRIALS=50  JITTER_MS=300  GIVE_UP_MS=10000 (a trial that does not converge counts
//   as GIVE_UP_MS and is reported)
// Output: one line per trial, then
//   disable->refused: n=50 p50_ms=… p90_ms=… p99_ms=… max_ms=…
//   enable->issued:   n=50 …
//   polls: … requests to B, mean … ms each (the measurement's resolution)
//   first poll already reflected the change in K of 2×TRIALS measurements (those
//   figures are one request's latency: an upper bound)
import { histogram, requireEnv, requireLoopback, sleep, summary, tokenRequest } from './lib/common.mjs';

const WHO = 'pg-invalidation';
requireEnv(['A_URL', 'B_URL', 'KEY', 'TENANT', 'APP_ID', 'AUTH'], WHO);
const { A_URL, B_URL, KEY, TENANT, APP_ID, AUTH } = process.env;
requireLoopback(A_URL, WHO);
requireLoopback(B_URL, WHO);
const TRIALS = Number(process.env.TRIALS || 50);
const JITTER_MS = Number(process.env.JITTER_MS || 300);
const GIVE_UP_MS = Number(process.env.GIVE_UP_MS || 10000);

async function onA(action) {
  const res = await fetch(`${A_URL}/api/v1/tenants/${TENANT}/apps/${APP_ID}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}` },
  });
  await res.text();
  if (res.status !== 200) throw new Error(`${action} on A -> ${res.status}`);
  return performance.now();
}

let polls = 0, pollMs = 0, firstPoll = 0;
const seen = [];
/** Polls B until accept(result) is true; returns the time of that answer, or null. */
async function pollB(accept) {
  const start = performance.now();
  for (let n = 0; performance.now() - start < GIVE_UP_MS; n++) {
    const r = await tokenRequest(B_URL, AUTH, 2000);
    polls++;
    pollMs += r.ms;
    if (accept(r)) {
      if (n === 0) firstPoll++;
      return performance.now();
    }
    seen.push(r.status === 200 ? '200' : `${r.status}/${r.error}`);
  }
  return null;
}

const refused = (r) => r.status === 400 && r.error === 'unauthorized_client';
const issued = (r) => r.status === 200 && !r.error;

// B must issue before the first trial (warm entry).
if ((await pollB(issued)) === null) {
  console.error(`${WHO}: node B never issued for the app`);
  process.exit(1);
}
firstPoll = 0;
const disableMs = [], enableMs = [];
let gaveUp = 0;
for (let t = 1; t <= TRIALS; t++) {
  await sleep(Math.random() * JITTER_MS);
  const acked = await onA('disable');
  const off = await pollB(refused);
  const d = off === null ? GIVE_UP_MS : off - acked;
  if (off === null) gaveUp++;
  disableMs.push(d);
  const acked2 = await onA('enable');
  const on = await pollB(issued);
  const e = on === null ? GIVE_UP_MS : on - acked2;
  if (on === null) gaveUp++;
  enableMs.push(e);
  console.log(`trial ${String(t).padStart(3)}: disable->refused ${d.toFixed(1).padStart(7)} ms   enable->issued ${e.toFixed(1).padStart(7)} ms`);
}
console.log(`disable->refused: ${summary(disableMs)}`);
console.log(`enable->issued:   ${summary(enableMs)}`);
console.log(`polls: ${polls} requests to B, mean ${(pollMs / polls).toFixed(2)} ms each (resolution); ` +
  `answers before convergence: ${histogram(seen)}; trials that gave up after ${GIVE_UP_MS} ms: ${gaveUp}`);
console.log(`first poll already reflected the change in ${firstPoll} of ${2 * TRIALS} measurements ` +
  '(for those the figure is one request to B, an upper bound: the change arrived sooner)');
