// bench/warm-apps.mjs — one client_credentials token request per line of a headers
// file (each line "Basic base64(client_id:secret)"), so that every app has been
// looked up once by the server's token-path cache. Used by bench/many-apps.sh.
//
//   node bench/warm-apps.mjs TOKEN_URL HEADERS_FILE [concurrency=16]
//
// Prints "warm: requests=N ok=N failed=N secs=S rate=R/s statuses=200:N,...";
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
const loop = async () => {
  while (next < lines.length) {
    const auth = lines[next++];
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const body = await res.text();
    statuses.set(res.status, (statuses.get(res.status) || 0) + 1);
    if (res.status === 200 && body.includes('"access_token"')) ok++;
  }
};
await Promise.all(Array.from({ length: Number(conc) }, loop));
const secs = (performance.now() - t0) / 1000;
const hist = [...statuses].sort().map(([s, n]) => `${s}:${n}`).join(',');
console.log(`warm: requests=${lines.length} ok=${ok} failed=${lines.length - ok} secs=${secs.toFixed(1)} ` +
  `rate=${(lines.length / secs).toFixed(0)}/s statuses=${hist}`);
process.exit(ok === lines.length ? 0 : 1);
