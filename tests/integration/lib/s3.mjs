// S3 for the integration tests: an s3rver 3.7.1 child process (the object store) behind
// an in-process proxy that verifies every request's AWS Signature Version 4 the way S3
// does, because s3rver itself does not (it checks only the access key id, presigned
// URL expiry and clock skew; see docs/STORAGE.md "Testing against s3rver").
//
// The proxy recomputes each signature with the AWS SDK's own signer
// (@smithy/signature-v4), an implementation independent of tenantd's src/s3/, from the
// request exactly as it arrived (raw path, decoded query, the headers the client says
// it signed), and answers like AWS:
//   403 InvalidAccessKeyId        unknown access key id
//   403 SignatureDoesNotMatch     the signature (or, for presigned URLs, any X-Amz-*
//                                 parameter) differs from what the SDK computes
//   400 AuthorizationHeaderMalformed  the credential scope names another region than
//                                 the store's, or the header cannot be parsed
//   400 XAmzContentSHA256Mismatch the x-amz-content-sha256 header is not the body's hash
//   400 InvalidRequest            a header-signed request without x-amz-content-sha256
//   403 AccessDenied              an anonymous request (buckets are private)
// Verified requests are forwarded unchanged to s3rver, which still enforces presigned
// URL expiry and the 15-minute clock skew. Every decision is appended to `log`.
//
// s3rver needs OpenSSL's legacy provider on Node >= 17 (its ListObjectsV2 continuation
// tokens use DES; without it truncated listings answer 500), which can only be enabled
// at process start, hence the child process.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Hash } from '@smithy/hash-node';

const here = path.dirname(fileURLToPath(import.meta.url));
const testsDir = path.resolve(here, '..');

/** s3rver's built-in key pair. */
export const S3RVER_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// Runs inside the child (CommonJS, cwd = tests/integration so `s3rver` resolves).
// Extra key pairs are registered on s3rver's dummy account so it accepts them.
const CHILD_SCRIPT = `
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const cfg = JSON.parse(process.env.S3_CHILD_CONFIG);
for (const [id, secret] of Object.entries(cfg.keys)) AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);
const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: cfg.directory,
  serviceEndpoint: 'localhost', configureBuckets: cfg.buckets.map((name) => ({ name })) });
server.run().then((addr) => process.stdout.write(JSON.stringify({ port: addr.port }) + '\\n'),
  (err) => { process.stderr.write(String(err && err.stack || err)); process.exitCode = 1; });
// The parent holds our stdin open; when it goes away (even killed), so do we. No
// graceful close: keep-alive connections would hold it open for seconds.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
`;

function startS3rverChild({ directory, buckets, keys }) {
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD_SCRIPT], {
    cwd: testsDir,
    env: { ...process.env, NODE_OPTIONS: '', S3_CHILD_CONFIG: JSON.stringify({ directory, buckets, keys }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`s3rver did not start: ${stderr}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(JSON.parse(out.slice(0, nl)).port); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`s3rver exited ${code}: ${stderr}`)); });
  });
  return { child, ready, stderr: () => stderr };
}

const xmlEscape = (s) => String(s).replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function answerError(res, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** "20240102T030405Z" -> Date, or null when malformed. */
function parseAmzDate(s) {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(s || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** Splits a raw query string into [name, value] pairs, percent-decoded ('+' stays '+'). */
function parseQuery(raw) {
  const pairs = [];
  if (!raw) return pairs;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([decodeURIComponent(name), decodeURIComponent(value)]);
  }
  return pairs;
}

class VerifyError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/**
 * Verifies one request; returns a description of how it was signed, throws VerifyError.
 * raw = {method, rawPath, rawQuery, headers (lower-case), body (Buffer)}.
 */
async function verifyRequest(raw, { keys, region }) {
  let pairs;
  try { pairs = parseQuery(raw.rawQuery); } catch { throw new VerifyError(400, 'InvalidArgument', 'malformed query string'); }
  const query = {};
  for (const [k, v] of pairs) {
    if (Object.hasOwn(query, k)) throw new VerifyError(400, 'InvalidArgument', `repeated query parameter ${k}`);
    query[k] = v;
  }
  const auth = raw.headers.authorization;
  const presigned = Object.hasOwn(query, 'X-Amz-Signature');
  if (auth && presigned) throw new VerifyError(400, 'InvalidArgument', 'only one auth mechanism allowed');
  if (!auth && !presigned) throw new VerifyError(403, 'AccessDenied', 'Access Denied');

  let accessKeyId, date8, credRegion, service, signedHeaders, provided, signingDate, expiresIn;
  if (auth) {
    const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new VerifyError(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
    [, accessKeyId, date8, credRegion, service, signedHeaders, provided] = m;
    signingDate = parseAmzDate(raw.headers['x-amz-date']);
    if (!signingDate) throw new VerifyError(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
  } else {
    if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256') throw new VerifyError(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
    const cred = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(query['X-Amz-Credential'] || '');
    if (!cred) throw new VerifyError(400, 'AuthorizationQueryParametersError', 'malformed X-Amz-Credential');
    [, accessKeyId, date8, credRegion, service] = cred;
    signedHeaders = query['X-Amz-SignedHeaders'] || '';
    provided = query['X-Amz-Signature'];
    signingDate = parseAmzDate(query['X-Amz-Date']);
    if (!signingDate) throw new VerifyError(400, 'AuthorizationQueryParametersError', 'X-Amz-Date must be in the ISO8601 Long Format');
    if (!/^\d{1,6}$/.test(query['X-Amz-Expires'] || '')) throw new VerifyError(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be a number of seconds');
    expiresIn = Number(query['X-Amz-Expires']);
    if (expiresIn > 604800) throw new VerifyError(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be less than a week (in seconds)');
  }
  if (!Object.hasOwn(keys, accessKeyId)) throw new VerifyError(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (service !== 's3') throw new VerifyError(400, 'AuthorizationHeaderMalformed', `service ${service} is not s3`);
  if (region && credRegion !== region) throw new VerifyError(400, 'AuthorizationHeaderMalformed', `the region '${credRegion}' is wrong; expecting '${region}'`);

  const names = signedHeaders.split(';');
  if (!names.includes('host')) throw new VerifyError(403, 'AccessDenied', 'host must be a signed header');
  const headers = {};
  for (const name of names) {
    if (raw.headers[name] === undefined) throw new VerifyError(403, 'SignatureDoesNotMatch', `signed header ${name} is missing`);
    headers[name] = Array.isArray(raw.headers[name]) ? raw.headers[name].join(',') : raw.headers[name];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: keys[accessKeyId] },
    region: credRegion,
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false, // S3: the path as sent is the canonical URI (encoded once, not normalised)
    applyChecksum: false,
  });

  if (auth) {
    const contentSha = raw.headers['x-amz-content-sha256'];
    if (!contentSha) throw new VerifyError(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    if (contentSha !== 'UNSIGNED-PAYLOAD' && contentSha !== createHash('sha256').update(raw.body).digest('hex')) {
      throw new VerifyError(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
    const request = new HttpRequest({ method: raw.method, protocol: 'http:', hostname: 'unused', path: raw.rawPath, query, headers });
    const signed = await signer.sign(request, { signingDate });
    const expected = signed.headers.authorization;
    const got = `AWS4-HMAC-SHA256 Credential=${accessKeyId}/${date8}/${credRegion}/${service}/aws4_request, SignedHeaders=${signedHeaders}, Signature=${provided}`;
    if (expected !== got) throw new VerifyError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
    return { kind: 'header', accessKeyId, region: credRegion };
  }

  // Presigned: the SDK presigns the same request (same time, lifetime and signed
  // headers); every parameter of its URL must be present with the same value, and no
  // other X-Amz-* parameter may be.
  const { 'X-Amz-Signature': _sig, ...unsigned } = query;
  const base = {};
  for (const [k, v] of Object.entries(unsigned)) if (!k.startsWith('X-Amz-')) base[k] = v;
  const request = new HttpRequest({
    method: raw.method, protocol: 'http:', hostname: 'unused', path: raw.rawPath, query: base,
    headers: { ...headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  const presignedBySdk = await signer.presign(request, {
    signingDate,
    expiresIn,
    unsignableHeaders: new Set(['x-amz-content-sha256']),
    unhoistableHeaders: new Set(['x-amz-content-sha256']),
  });
  const want = presignedBySdk.query;
  const wantKeys = Object.keys(want).sort();
  const gotKeys = Object.keys(query).sort();
  const same = wantKeys.length === gotKeys.length && wantKeys.every((k, i) => k === gotKeys[i] && want[k] === query[k]);
  if (!same) throw new VerifyError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  return { kind: 'presigned', accessKeyId, region: credRegion };
}

/**
 * Starts s3rver and the verifying proxy. opts: {buckets: [names], keys: {id: secret}
 * (s3rver's S3RVER/S3RVER is always known), region: the only region accepted in
 * credential scopes (default 'us-east-1'; null accepts any)}. Returns
 * {endpoint (the proxy, what tenantd is given), direct (s3rver itself, unverified),
 * port, log: [{method, path, kind, outcome}], stop()}.
 */
export async function startS3({ buckets = [], keys = {}, region = 'us-east-1' } = {}) {
  const directory = mkdtempSync(path.join(tmpdir(), 'tenantd-s3-'));
  const allKeys = { [S3RVER_KEY.accessKeyId]: S3RVER_KEY.secretAccessKey, ...keys };
  const s3rver = startS3rverChild({ directory, buckets, keys: allKeys });
  let upstreamPort;
  try {
    upstreamPort = await s3rver.ready;
  } catch (err) {
    s3rver.child.kill('SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    throw err;
  }
  const log = [];

  const proxy = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const q = req.url.indexOf('?');
      const rawPath = q < 0 ? req.url : req.url.slice(0, q);
      const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
      const entry = { method: req.method, path: rawPath, kind: null, outcome: null };
      log.push(entry);
      try {
        const how = await verifyRequest({ method: req.method, rawPath, rawQuery, headers: req.headers, body }, { keys: allKeys, region });
        entry.kind = how.kind;
        entry.outcome = 'verified';
      } catch (err) {
        const e = err instanceof VerifyError ? err : new VerifyError(500, 'InternalError', String(err?.message || err));
        entry.outcome = e.code;
        answerError(res, e.status, e.code, e.message);
        return;
      }
      const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (r) => {
        entry.status = r.statusCode;
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', (e) => {
        const dead = s3rver.child.exitCode !== null ? ` (s3rver exited ${s3rver.child.exitCode}: ${s3rver.stderr().slice(-500)})` : '';
        answerError(res, 502, 'BadGateway', e.message + dead);
      });
      up.end(body);
    });
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const port = proxy.address().port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    direct: `http://127.0.0.1:${upstreamPort}`,
    port,
    log,
    /** Objects in bucket (anonymous listing straight from s3rver): [{key, size}]. */
    async list(bucket, prefix = '') {
      const res = await fetch(`http://127.0.0.1:${upstreamPort}/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
      const xml = await res.text();
      if (res.status !== 200) throw new Error(`listing ${bucket}: ${res.status} ${xml}`);
      return [...xml.matchAll(/<Contents>.*?<Key>(.*?)<\/Key>.*?<Size>(\d+)<\/Size>.*?<\/Contents>/gs)]
        .map((m) => ({ key: m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'"), size: Number(m[2]) }));
    },
    /** An object's bytes straight from s3rver (anonymous), or null on 404. */
    async getDirect(bucket, key) {
      const res = await fetch(`http://127.0.0.1:${upstreamPort}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
      if (res.status === 404) return null;
      if (res.status !== 200) throw new Error(`get ${bucket}/${key}: ${res.status} ${await res.text()}`);
      return Buffer.from(await res.arrayBuffer());
    },
    async stop() {
      proxy.closeAllConnections?.();
      await new Promise((resolve) => proxy.close(resolve));
      if (s3rver.child.exitCode === null) {
        const exited = new Promise((r) => s3rver.child.on('exit', r));
        s3rver.child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort() {
  const srv = http.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}
