// How the binary serves the dashboard (src/ui/serve.c, tools/embed_assets.sh):
// the shell with a strict CSP and no-cache, content-hashed assets cached forever,
// every reference pointing at a real hashed asset, conditional requests, 404 for
// anything else — and the embed script's failure modes. No browser needed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer } from '../integration/lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const EMBED = path.resolve(here, '../../tools/embed_assets.sh');
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const IMMUTABLE = 'public, max-age=31536000, immutable';
const sha16 = (buf) => createHash('sha256').update(buf).digest('hex').slice(0, 16);

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

const get = (p, headers = {}) => fetch(server.url + p, { headers, redirect: 'manual' });

describe('app shell', () => {
  for (const p of ['/', '/index.html']) {
    test(`GET ${p}: HTML with the strict CSP, no-cache and an ETag`, async () => {
      const res = await get(p);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('content-security-policy'), CSP);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(res.headers.get('etag'), /^"[0-9a-f]{16}"$/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      const html = await res.text();
      assert.match(html, /<!doctype html>/i);
      assert.match(html, /<html lang="en">/);
    });
  }

  test('has no inline script or style and nothing from another origin', async () => {
    const html = await (await get('/')).text();
    for (const tag of html.match(/<script\b[^>]*>/g)) assert.match(tag, /\bsrc="\/assets\//, tag);
    assert.doesNotMatch(html, /<script\b[^>]*>[^<]+<\/script>/, 'inline script body');
    assert.doesNotMatch(html, /<style\b/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i, 'inline event handler');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, 'external resource');
  });

  test('If-None-Match with the current ETag answers 304 without a body', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag');
    const again = await get('/', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(again.headers.get('cache-control'), 'no-cache');
    assert.equal(await again.text(), '');
    const weak = await get('/', { 'if-none-match': `"0000000000000000", W/${etag}` });
    assert.equal(weak.status, 304);
    const other = await get('/', { 'if-none-match': '"0000000000000000"' });
    assert.equal(other.status, 200);
  });

  test('HEAD / answers the headers; POST / is 405', async () => {
    const head = await fetch(`${server.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-security-policy'), CSP);
    const post = await fetch(`${server.url}/`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

describe('hashed assets', () => {
  test('every reference, from the shell through each module import, is a content-hashed asset cached forever', async () => {
    const html = await (await get('/')).text();
    const queue = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(queue.some((p) => /^\/assets\/app\.[0-9a-f]{16}\.js$/.test(p)), 'app.<hash>.js in the shell');
    assert.ok(queue.some((p) => /^\/assets\/app\.[0-9a-f]{16}\.css$/.test(p)), 'app.<hash>.css in the shell');
    const seen = new Set();
    while (queue.length) {
      const p = queue.shift();
      if (seen.has(p)) continue;
      seen.add(p);
      const m = /^\/assets\/[a-z_]+\.([0-9a-f]{16})\.(js|css|svg)$/.exec(p);
      assert.ok(m, `hashed name: ${p}`);
      const res = await get(p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('cache-control'), IMMUTABLE, p);
      assert.equal(res.headers.get('etag'), `"${m[1]}"`, p);
      const type = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' }[m[2]];
      assert.equal(res.headers.get('content-type'), type, p);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(sha16(body), m[1], `${p}: the name carries the hash of the served bytes`);
      if (m[2] === 'js') {
        const text = body.toString('utf8');
        for (const imp of text.matchAll(/from '\.\/([^']+)'/g)) {
          assert.match(imp[1], /^[a-z_]+\.[0-9a-f]{16}\.js$/, `${p} imports ${imp[1]}`);
          queue.push(`/assets/${imp[1]}`);
        }
        assert.doesNotMatch(text, /\beval\(|new Function\(|innerHTML|insertAdjacentHTML|document\.write/, `${p}: no string-to-code or HTML sinks`);
      }
    }
    assert.ok(seen.size >= 10, `crawled ${seen.size} assets`);
  });

  test('a hashed asset honours If-None-Match', async () => {
    const html = await (await get('/')).text();
    const css = /href="(\/assets\/app\.[0-9a-f]{16}\.css)"/.exec(html)[1];
    const etag = (await get(css)).headers.get('etag');
    const res = await get(css, { 'if-none-match': etag });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get('cache-control'), IMMUTABLE);
  });

  test('unknown, unhashed, stale and non-asset names are 404', async () => {
    const html = await (await get('/')).text();
    const js = /src="\/assets\/(app\.[0-9a-f]{16}\.js)"/.exec(html)[1];
    for (const p of ['/assets/app.js', '/assets/app.0000000000000000.js', `/assets/${js.toUpperCase()}`,
      '/assets/index.html', '/assets/', '/assets/x/y.js', '/app.js', '/favicon.ico', '/apps/123', `/assets/${js}/`]) {
      const res = await get(p);
      assert.equal(res.status, 404, p);
      assert.notEqual(res.headers.get('cache-control'), IMMUTABLE, p);
    }
  });
});

describe('tools/embed_assets.sh', () => {
  const runEmbed = (files) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embed-test-'));
    try {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), text);
      }
      return spawnSync('sh', [EMBED, dir], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const served = (out) => [...out.matchAll(/\{"(\/[^"]+)", "([^"]+)", asset_\d+, (\d+), "([0-9a-f]{16})"\}/g)]
    .map((m) => ({ path: m[1], type: m[2], size: Number(m[3]), hash: m[4] }));
  const shell = '<script type="module" src="/assets/a.js"></script>';

  test('hashes leaves first, so changing an imported module renames its importers', () => {
    const one = runEmbed({ 'index.html': shell, 'assets/a.js': "import { b } from './b.js';\n", 'assets/b.js': 'export const b = 1;\n' });
    const two = runEmbed({ 'index.html': shell, 'assets/a.js': "import { b } from './b.js';\n", 'assets/b.js': 'export const b = 2;\n' });
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.status, 0, two.stderr);
    const [p1, p2] = [served(one.stdout), served(two.stdout)];
    const nameOf = (list, stem) => list.find((a) => a.path.startsWith(`/assets/${stem}.`)).path;
    assert.match(nameOf(p1, 'a'), /^\/assets\/a\.[0-9a-f]{16}\.js$/);
    assert.notEqual(nameOf(p1, 'b'), nameOf(p2, 'b'));
    assert.notEqual(nameOf(p1, 'a'), nameOf(p2, 'a'), 'the importer hash covers the import');
    assert.ok(p1.some((a) => a.path === '/index.html' && a.type === 'text/html; charset=utf-8'));
    assert.ok(!p1.some((a) => a.path === '/assets/a.js'), 'no unhashed copy');
  });

  test('an import cycle fails the build', () => {
    const r = runEmbed({ 'index.html': shell, 'assets/a.js': "import './b.js';\n", 'assets/b.js': "import './a.js';\n" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /import cycle or missing module/);
  });

  test('a missing module fails the build', () => {
    const r = runEmbed({ 'index.html': shell, 'assets/a.js': "import './gone.js';\n" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /import cycle or missing module/);
  });

  test('an HTML reference to a file that does not exist fails the build', () => {
    const r = runEmbed({ 'index.html': '<link rel="stylesheet" href="/assets/missing.css">', 'assets/a.js': '' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /references \/assets\/missing\.css/);
  });
});
