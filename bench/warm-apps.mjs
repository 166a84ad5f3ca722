// bench/warm-apps.mjs — one client_credentials token request per line of a headers
// file (each line "Basic base64(client_id:secret)"), so that every app has been
// looked up once by the server's token-path cache. Used by bench/many-apps.sh.
//
//   node bench/warm-apps.mjs TOKEN_URL HEADERS_FILE [concurrency=16]
//
// Prints "warm: requests=N ok=N failed=N secs=S rate=R/s statuses=200:N,...
// socket_errors_retried=N" (connections closed by the server without a reply);
// exits 1 if any request did not get a token.
import { readFileSync } from 'node:fs';

const [url, file, conc = '16'] = process.argv.slice(2);
if (!url || !file) {
  console.error('usage: node bench/warm-apps.mjs TOKEN_URL HEADERS_FILE [concurrency]');
  process.exit(2);
}
if (!/^http:\/\/(127\.[0-9.]+|localhost|\[::1\])(:\d+)?\//.test(url)) {
  console.error(`warm-apps: refusing a non-loopback URL: ${url}`);
  process.exit(2);
}
const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const statuses = new Map();
let next = 0, ok = 0;
const t0 = performance.now();
let socketErrors = 0;
const errorKinds = new Map();
// A connection the server closes without a reply is retried (up to 3 times) and
// counted: it is a finding, not a reason to lose the warm-up.
async function once(auth) {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      socketErrors++;
      const kind = e.cause?.code || e.cause?.message || e.message;
      errorKinds.set(kind, (errorKinds.get(kind) || 0) + 1);
      if (attempt >= 3) return { status: 'socket-error', body: '' };
    }
  }
}
const loop = async () => {
  while (next < lines.length) {
    const r = await once(lines[next++]);
    statuses.set(r.status, (statuses.get(r.status) || 0) + 1);
    if (r.status === 200 && r.body.includes('"access_token"')) ok++;
  }
};
await Promise.all(Array.from({ length: Number(conc) }, loop));
const secs = (performance.now() - t0) / 1000;
const hist = [...statuses].sort().map(([s, n]) => `${s}:${n}`).join(',');
console.log(`warm: requests=${lines.length} ok=${ok} failed=${lines.length - ok} secs=${secs.toFixed(1)} ` +
  `rate=${(lines.length / secs).toFixed(0)}/s statuses=${hist} socket_errors_retried=${socketErrors}` +
  (socketErrors ? ` (${[...errorKinds].map(([k, n]) => `${k}:${n}`).join(',')})` : ''));
process.exit(ok === lines.length ? 0 : 1);
