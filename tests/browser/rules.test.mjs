// The dashboard's client-side rules (src/ui/assets/rules.js) give the same answers
// as the server: each vector is checked against its expected result AND sent to the
// running server (PATCH an app's allowed_domains, PATCH a plan's entitlements), so
// the live preview can never drift from what the API stores or refuses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, loginAdmin, seedTenant, startServer, uniq } from '../integration/lib/harness.mjs';
import { normalizeDomain, normalizeDomainList, validateEntitlements } from '../../src/ui/assets/rules.js';

// [input, expected normalised value | error code]
const DOMAINS = [
  ['https://app.example.com/', 'app.example.com'],
  ['http://localhost:3000/', 'localhost:3000'],
  ['*.example.com', 'wildcard_domain'],
  ['localhost:70000', 'invalid_port'],
  ['  HTTPS://App.Example.COM//  ', 'app.example.com'],
  ['\texample.com\n', 'example.com'],
  ['HTTP://EXAMPLE.com', 'example.com'],
  ['example.com:8080/', 'example.com:8080'],
  ['Example.com:1', 'example.com:1'],
  ['example.com:65535', 'example.com:65535'],
  ['example.com:65536', 'invalid_port'],
  ['example.com:080', 'invalid_port'],
  ['example.com:0', 'invalid_port'],
  ['example.com:', 'invalid_port'],
  ['example.com:+80', 'invalid_port'],
  ['example.com:abc', 'invalid_port'],
  ['example.com/path', 'invalid_domain'],
  ['example.com?x=1', 'invalid_domain'],
  ['example.com#top', 'invalid_domain'],
  ['user@example.com', 'invalid_domain'],
  ['exa mple.com', 'invalid_domain'],
  ['*.example.com/x', 'invalid_domain'],
  ['ex*ample.com:99999', 'wildcard_domain'],
  ['intranet', 'invalid_domain'],
  ['intranet:70000', 'invalid_domain'],
  ['app.localhost', 'app.localhost'],
  ['localhost', 'localhost'],
  ['LOCALHOST:8443', 'localhost:8443'],
  ['127.0.0.1:8080', '127.0.0.1:8080'],
  ['10.0.0.1', '10.0.0.1'],
  ['010.0.0.1', 'invalid_domain'],
  ['256.1.1.1', 'invalid_domain'],
  ['1.2.3', 'invalid_domain'],
  ['example.123', 'invalid_domain'],
  ['0x7f.0.0.1', 'invalid_domain'],
  ['2130706433', 'invalid_domain'],
  ['foo.0x', 'invalid_domain'],
  ['[::1]', 'invalid_domain'],
  ['::1', 'invalid_domain'],
  ['a:1:2', 'invalid_domain'],
  [':80', 'invalid_domain'],
  ['example.com.', 'invalid_domain'],
  ['https://https://x.com', 'invalid_domain'],
  ['-a.example.com', 'invalid_domain'],
  ['a-.example.com', 'invalid_domain'],
  ['a_b.example.com', 'invalid_domain'],
  ['a--b.example.com', 'a--b.example.com'],
  [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  [`${'a'.repeat(64)}.com`, 'invalid_domain'],
  [`${'abcdefghi.'.repeat(25)}com`, `${'abcdefghi.'.repeat(25)}com`], // 253 bytes
  [`${'abcdefghi.'.repeat(25)}comx`, 'invalid_domain'], // 254 bytes
  ['bücher.de', 'invalid_domain'],
  ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
  ['\u00a0example.com', 'invalid_domain'],
  ['', 'invalid_domain'],
  ['/', 'invalid_domain'],
  ['https://', 'invalid_domain'],
];

// [list, {code, index}]
const LISTS = [
  [['a.example.com', 'https://A.example.com/'], { code: 'duplicate_domain', index: 1 }],
  [['a.com', 'b.com', 'c.com', 'd.com'], { code: 'too_many_domains', index: 3 }],
  [['a.com', 'bad dom', 'a.com'], { code: 'invalid_domain', index: 1 }],
  [['a.com', 'b.com', 'a.com', 'x.com'], { code: 'duplicate_domain', index: 2 }],
  [['a.com', 'localhost:1', '127.0.0.1'], null],
];

// [JSON text, expected null (valid) | {code, field}]
const ENTITLEMENTS = [
  ['{}', null],
  ['{"maxApiRequestsPerMinute":60,"maxUploadBytesPerDocument":0,"allowedFormats":["pdf","application/pdf","tar.gz"],"features":{"advancedExtraction":true,"ocr":false}}', null],
  ['{"maxDocumentUnitsPerMonth":9007199254740991}', null],
  ['{"maxFoo":1}', { code: 'unknown_field', field: 'entitlements.maxFoo' }],
  ['{"maxApiRequestsPerMinute":1,"plan":"x"}', { code: 'unknown_field', field: 'entitlements.plan' }],
  ['{"maxApiRequestsPerMinute":-1}', { code: 'invalid_value', field: 'entitlements.maxApiRequestsPerMinute' }],
  ['{"maxApiRequestsPerMinute":"60"}', { code: 'invalid_value', field: 'entitlements.maxApiRequestsPerMinute' }],
  ['{"maxApiRequestsPerMinute":null}', { code: 'invalid_value', field: 'entitlements.maxApiRequestsPerMinute' }],
  ['{"maxApiRequestsPerMinute":1.5}', { code: 'invalid_value', field: 'entitlements.maxApiRequestsPerMinute' }],
  ['{"maxDocumentUnitsPerDay":9007199254740992}', { code: 'invalid_value', field: 'entitlements.maxDocumentUnitsPerDay' }],
  ['{"allowedFormats":"pdf"}', { code: 'invalid_value', field: 'entitlements.allowedFormats' }],
  ['{"allowedFormats":["pdf","pdf"]}', { code: 'invalid_value', field: 'entitlements.allowedFormats[1]' }],
  ['{"allowedFormats":["p df"]}', { code: 'invalid_value', field: 'entitlements.allowedFormats[0]' }],
  ['{"allowedFormats":[""]}', { code: 'invalid_value', field: 'entitlements.allowedFormats[0]' }],
  ['{"allowedFormats":["pdf",1]}', { code: 'invalid_value', field: 'entitlements.allowedFormats[1]' }],
  ['{"features":{"x":1}}', { code: 'invalid_value', field: 'entitlements.features.x' }],
  ['{"features":{"bad-name":true}}', { code: 'invalid_value', field: 'entitlements.features.bad-name' }],
  ['{"features":[]}', { code: 'invalid_value', field: 'entitlements.features' }],
  ['[]', { code: 'invalid_type', field: 'entitlements' }],
  ['"x"', { code: 'invalid_type', field: 'entitlements' }],
  ['null', { code: 'invalid_type', field: 'entitlements' }],
];

describe('rules.js alone', () => {
  test('allowed domains: every vector', () => {
    for (const [input, want] of DOMAINS) {
      const r = normalizeDomain(input);
      assert.equal(r.ok ? r.value : r.code, want, JSON.stringify(input));
    }
    assert.deepEqual(normalizeDomain(undefined), { ok: false, code: 'invalid_domain' });
  });

  test('allowed domain lists: items, then duplicates, then the count', () => {
    for (const [list, want] of LISTS) {
      const r = normalizeDomainList(list);
      if (want) assert.deepEqual({ code: r.code, index: r.index }, want, JSON.stringify(list));
      else assert.equal(r.ok, true, JSON.stringify(list));
    }
    assert.deepEqual(normalizeDomainList(['HTTPS://A.com/', 'b.com:80']).values, ['a.com', 'b.com:80']);
  });

  test('entitlements: every vector, and text that is not JSON', () => {
    for (const [text, want] of ENTITLEMENTS) {
      const r = validateEntitlements(text);
      if (want) assert.deepEqual({ code: r.code, field: r.field }, want, text);
      else assert.equal(r.ok, true, `${text}: ${r.message}`);
    }
    const bad = validateEntitlements('{"maxApiRequestsPerMinute": ');
    assert.equal(bad.ok, false);
    assert.equal(bad.code, 'invalid_json');
    assert.equal(bad.field, 'entitlements');
  });
});

describe('rules.js agrees with the server', () => {
  let server, owner, appPath, planPath;
  before(async () => {
    server = await startServer();
    const admin = await loginAdmin(server);
    const seed = await seedTenant(server, admin);
    owner = seed.owner;
    const app = await call(server, 'POST', `/api/v1/tenants/${seed.tenantId}/apps`, { auth: owner, body: { name: 'rules', region_code: seed.regionCode } });
    assert.equal(app.status, 201, app.text);
    appPath = `/api/v1/tenants/${seed.tenantId}/apps/${app.body.app.id}`;
    const code = uniq('plan').toLowerCase();
    const plan = await call(server, 'POST', '/api/v1/plans', { auth: admin, body: { code, name: 'Rules', tier: 'free', entitlements: {} } });
    assert.equal(plan.status, 201, plan.text);
    planPath = `/api/v1/plans/${code}`;
    owner.admin = admin;
  });
  after(async () => { await server.stop(); });

  test('allowed domains: same normalised value or same error code', async () => {
    for (const [input] of DOMAINS) {
      const mine = normalizeDomain(input);
      const res = await call(server, 'PATCH', appPath, { auth: owner, body: { allowed_domains: [input] } });
      if (mine.ok) {
        assert.equal(res.status, 200, `${JSON.stringify(input)}: ${res.text}`);
        assert.deepEqual(res.body.allowed_domains, [mine.value], JSON.stringify(input));
      } else {
        assert.equal(res.status, 400, `${JSON.stringify(input)}: ${res.text}`);
        assert.equal(res.body.code, mine.code, JSON.stringify(input));
        assert.equal(res.body.errors[0].field, 'allowed_domains[0]');
      }
    }
  });

  test('allowed domain lists: same error code at the same index', async () => {
    for (const [list] of LISTS) {
      const mine = normalizeDomainList(list);
      const res = await call(server, 'PATCH', appPath, { auth: owner, body: { allowed_domains: list } });
      if (mine.ok) {
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.allowed_domains, mine.values);
      } else {
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.code, mine.code, JSON.stringify(list));
        assert.equal(res.body.errors[0].field, `allowed_domains[${mine.index}]`, JSON.stringify(list));
      }
    }
  });

  test('entitlements: same verdict, code and field', async () => {
    for (const [text] of ENTITLEMENTS) {
      const mine = validateEntitlements(text);
      const res = await call(server, 'PATCH', planPath, { auth: owner.admin, body: `{"entitlements":${text}}` });
      if (mine.ok) {
        assert.equal(res.status, 200, `${text}: ${res.text}`);
        assert.deepEqual(res.body.entitlements, mine.value);
      } else {
        assert.equal(res.status, 400, `${text}: ${res.text}`);
        assert.equal(res.body.code, mine.code, text);
        assert.equal(res.body.errors[0].field, mine.field, text);
      }
    }
  });

  test('the server stays the authority where JSON.parse cannot tell (1.0, 1e3)', async () => {
    for (const text of ['{"maxApiRequestsPerMinute":1.0}', '{"maxApiRequestsPerMinute":1e3}']) {
      assert.equal(validateEntitlements(text).ok, true, text);
      const res = await call(server, 'PATCH', planPath, { auth: owner.admin, body: `{"entitlements":${text}}` });
      assert.equal(res.status, 400, text);
      assert.equal(res.body.code, 'invalid_value');
      assert.equal(res.body.errors[0].field, 'entitlements.maxApiRequestsPerMinute');
    }
  });
});
