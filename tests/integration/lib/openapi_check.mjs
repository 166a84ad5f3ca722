// Every response a test receives from a tenantd it started is checked against the
// OpenAPI document (src/api/openapi.json, the file the binary embeds and serves):
// the route must be documented, the status must have a response (or a `default`),
// the content type must be one the response lists, and a JSON body must validate
// against that schema (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). harness.mjs
// installs it (startServer registers each server's URL); a mismatch makes call() throw
// at once and fails the test file (exit code 1, see installFetchCheck) for any other fetch (raw
// fetch, openid-client, oauth4webapi). TENANTD_OPENAPI_CHECK=0 turns it off (debugging
// only). docs/OPERATIONS.md "API description".
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
export const OPENAPI_PATH = path.resolve(here, '../../../src/api/openapi.json');
const ENABLED = process.env.TENANTD_OPENAPI_CHECK !== '0';

let doc = null;
let defs = null;
let ajv = null;
let templates = null;
const validators = new Map();
const servers = new Set();
const pending = new Set();
export const drift = [];
/** "METHOD /template STATUS" for every response validated, for coverage reports. */
export const validated = new Set();

/** Rewrites '#/components/schemas/X' refs to '#/$defs/X' so one schema carries its defs. */
function rewriteRefs(value) {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function load() {
  if (doc) return;
  doc = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  defs = rewriteRefs(doc.components?.schemas || {});
  ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // Literal paths before templated ones, fewer parameters first.
  templates = Object.keys(doc.paths).map((t) => ({
    template: t,
    params: (t.match(/\{/g) || []).length,
    re: new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
  })).sort((a, b) => a.params - b.params);
}

function resolve(node) {
  let n = node;
  for (let i = 0; n && n.$ref && i < 10; i++) {
    const parts = n.$ref.replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    n = parts.reduce((o, p) => o?.[p], doc);
  }
  return n;
}

function validatorFor(key, schema) {
  let v = validators.get(key);
  if (!v) {
    v = ajv.compile({ ...rewriteRefs(schema), $defs: defs });
    validators.set(key, v);
  }
  return v;
}

/** Which documented operation a request hit: {template, item} or null. */
function findPath(urlPath) {
  for (const t of templates) if (t.re.test(urlPath)) return { template: t.template, item: doc.paths[t.template] };
  return null;
}

/**
 * Checks one response. Returns null when it conforms, else a one-line description.
 * method: upper-case; urlPath: the path without the query; bodyText: the raw body.
 */
export function checkResponse(method, urlPath, status, contentType, bodyText) {
  load();
  const found = findPath(urlPath);
  const m = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
  let operation = found?.item?.[m];
  let where = found ? `${method} ${found.template}` : `${method} ${urlPath}`;
  if (!operation) {
    // A path or method no route takes: the server answers 404 / 405 problem+json,
    // which the document describes once (components.responses.Problem).
    if (status !== 404 && status !== 405) return `${where}: undocumented route answered ${status}`;
    operation = { responses: { default: { $ref: '#/components/responses/Problem' } } };
    where = `${method} ${urlPath} (no route)`;
  }
  const statusKey = String(status);
  const response = resolve(operation.responses[statusKey] || operation.responses[`${statusKey[0]}XX`] || operation.responses.default);
  if (!response) return `${where}: status ${status} is not documented`;
  validated.add(`${where} ${status}`);
  const content = response.content;
  if (!content) {
    if (bodyText && method !== 'HEAD') return `${where} ${status}: documented without a body, got ${bodyText.slice(0, 80)}`;
    return null;
  }
  if (method === 'HEAD') return null;
  const mediaType = (contentType || '').split(';')[0].trim().toLowerCase();
  const entry = content[mediaType] || content['*/*'];
  if (!entry) return `${where} ${status}: content type "${mediaType}" not documented (${Object.keys(content).join(', ')})`;
  if (!/json$/.test(mediaType)) return null;
  let body;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return `${where} ${status}: body is not JSON: ${bodyText.slice(0, 80)}`;
  }
  const validate = validatorFor(`${where} ${statusKey} ${mediaType}`, entry.schema || {});
  if (validate(body)) return null;
  const errors = validate.errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`);
  return `${where} ${status}: ${errors.join('; ')} — body ${bodyText.slice(0, 300)}`;
}

/** A server whose responses are checked (its base URL, e.g. http://127.0.0.1:41234). */
export function watchServer(url) {
  if (ENABLED) servers.add(url);
}

function record(problem) {
  if (problem) drift.push(problem);
  return problem;
}

/** Checks a fetch Response (cloned, so the caller still reads the body). Resolves to the problem or null. */
export function checkFetchResponse(method, url, res) {
  const u = new URL(url);
  if (!ENABLED || !servers.has(u.origin)) return Promise.resolve(null);
  const p = res.clone().text().then(
    (text) => record(checkResponse(method, u.pathname, res.status, res.headers.get('content-type'), text)),
    () => null,
  );
  pending.add(p);
  p.finally(() => pending.delete(p));
  return p;
}

/**
 * Wraps globalThis.fetch once so every response from a watched server is checked,
 * whoever made the request; the test file fails at the end when any did not conform.
 */
export function installFetchCheck() {
  if (!ENABLED || globalThis.fetch.__openapiChecked) return;
  const original = globalThis.fetch;
  const checked = async (input, init) => {
    const res = await original(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = (init?.method || (typeof input === 'object' && !(input instanceof URL) ? input.method : null) || 'GET').toUpperCase();
    res.__openapi = checkFetchResponse(method, url, res);
    return res;
  };
  checked.__openapiChecked = true;
  globalThis.fetch = checked;
  // Not a throwing hook: a failed after() hook makes node:test skip the hooks after it
  // (the test file's own, which stop its servers), and the file would hang. A non-zero
  // exit code fails the file just the same ("not ok <file>", counted in # fail).
  after(async () => {
    await Promise.all([...pending]);
    // TENANTD_OPENAPI_COVERAGE=FILE appends "METHOD /template STATUS" lines: which
    // documented responses the suite exercised (docs/OPERATIONS.md).
    if (process.env.TENANTD_OPENAPI_COVERAGE && validated.size) {
      appendFileSync(process.env.TENANTD_OPENAPI_COVERAGE, `${[...validated].join('\n')}\n`);
    }
    if (drift.length) {
      console.error(`responses that do not match src/api/openapi.json (${drift.length}):\n${[...new Set(drift)].join('\n')}`);
      process.exitCode = 1;
    }
  });
}
