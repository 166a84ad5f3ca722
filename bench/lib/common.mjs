// bench/lib/common.mjs — small helpers shared by the two-node measurements
// (bench/pg-invalidation.mjs, bench/pg-outage.mjs).

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Exits unless url points at the loopback interface. */
export function requireLoopback(url, who) {
  if (!/^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?(\/|$)/.test(url)) {
    console.error(`${who}: refusing a non-loopback URL: ${url}`);
    process.exit(2);
  }
}

export function requireEnv(names, who) {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length) {
    console.error(`${who}: missing environment: ${missing.join(' ')}`);
    process.exit(2);
  }
}

/**
 * One client_credentials request with a precomputed Authorization header. Returns
 * {status, error, ms}: status is the HTTP status, or 'timeout' / 'socket' when no
 * answer came; error is the OAuth error code of a refusal.
 */
export async function tokenRequest(baseUrl, auth, timeoutMs = 5000) {
  const start = performance.now();
  try {
    const res = await fetch(`${baseUrl}/connect/token`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let error = null;
    if (res.status !== 200) {
      try { error = JSON.parse(text).error ?? null; } catch { error = null; }
    } else if (!text.includes('"access_token"')) {
      error = 'no_access_token';
    }
    return { status: res.status, error, ms: performance.now() - start };
  } catch (e) {
    const timeout = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { status: timeout ? 'timeout' : 'socket', error: e.cause?.code || e.message, ms: performance.now() - start };
  }
}

/** Nearest-rank percentile of an ascending array. */
export function pct(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const f = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'na');
  return `n=${s.length} p50_ms=${f(pct(s, 50))} p90_ms=${f(pct(s, 90))} p99_ms=${f(pct(s, 99))} max_ms=${f(s[s.length - 1])} min_ms=${f(s[0])}`;
}

export function histogram(items) {
  const h = new Map();
  for (const k of items) h.set(k, (h.get(k) || 0) + 1);
  return [...h].map(([k, n]) => `${k}:${n}`).sort().join(',') || 'none';
}
