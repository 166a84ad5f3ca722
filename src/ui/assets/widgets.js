// widgets.js — form parts used by more than one view: URI lists, the three
// allowed-domain inputs with a live normalised preview, the storage settings and
// the entitlements JSON editor. Each returns {element, ...accessors}; controls carry
// data-field with the API's field name so server errors land next to them.

import { ApiError } from './api.js';
import { checkbox, field, h, selectField, uid } from './dom.js';
import { DOMAIN_LIST_MAX, DOMAIN_MESSAGES, normalizeDomain, validateEntitlements } from './rules.js';

const isBlank = (s) => /^[ \t\n\v\f\r]*$/.test(s);

/** A client-side validation failure shaped like the server's problem+json. */
export function clientProblem(code, fieldName, message) {
  return new ApiError(400, {
    status: 400, title: 'Bad Request', code, detail: message,
    errors: [{ field: fieldName, code, message }],
  });
}

/** A textarea holding one URI per line (redirect_uris, post_logout_redirect_uris). */
export function uriList({ label, name, values = [], hint }) {
  const f = field({
    label, name, type: 'textarea', field: name, rows: 3, spellcheck: 'false', autocomplete: 'off',
    hint: hint || 'One absolute URI per line, at most 10. No fragments (#).',
  });
  f.control.value = values.join('\n');
  return {
    element: f,
    values: () => f.control.value.split('\n').map((s) => s.trim()).filter(Boolean),
  };
}

/**
 * The allowed domains: three inputs, each showing what the server will store
 * ("→ app.example.com") or the error code it will answer, as the user types.
 * values() returns the non-blank inputs as typed; remapField maps the server's
 * allowed_domains[i] (index in the sent list) back to the input it came from.
 */
export function domainInputs(values = []) {
  const rows = [];
  const fieldset = h('fieldset', {},
    h('legend', {}, 'Allowed domains'),
    h('p', { class: 'hint' }, 'Up to 3 browser origins that may use this app: a host name, localhost or an IPv4 address, each with an optional :port. A leading https:// and trailing / are removed.'));
  for (let i = 0; i < DOMAIN_LIST_MAX; i++) {
    const id = uid('domain');
    const previewId = `${id}-preview`;
    const input = h('input', {
      type: 'text', id, name: `allowed_domain_${i + 1}`, value: values[i] || '', autocomplete: 'off',
      spellcheck: 'false', inputmode: 'url', 'aria-describedby': previewId,
      'data-field': `allowed_domains[${i}]`,
    });
    const preview = h('p', { class: 'preview', id: previewId });
    rows.push({ input, preview });
    fieldset.append(h('div', { class: 'field' }, h('label', { for: id }, `Allowed domain ${i + 1}`), input, preview));
  }
  const refresh = () => {
    const seen = [];
    for (const { input, preview } of rows) {
      preview.className = 'preview';
      if (isBlank(input.value)) {
        preview.textContent = '';
        continue;
      }
      const r = normalizeDomain(input.value);
      let code = r.ok ? null : r.code;
      if (r.ok && seen.includes(r.value)) code = 'duplicate_domain';
      if (r.ok) seen.push(r.value);
      if (code) {
        preview.classList.add('bad');
        preview.textContent = `✗ ${code}: ${DOMAIN_MESSAGES[code]}`;
      } else {
        preview.classList.add('ok');
        preview.textContent = `→ stored as ${r.value}`;
      }
    }
  };
  for (const { input } of rows) input.addEventListener('input', refresh);
  refresh();
  const included = () => rows.map((r, i) => (isBlank(r.input.value) ? -1 : i)).filter((i) => i >= 0);
  return {
    element: fieldset,
    values: () => rows.filter((r) => !isBlank(r.input.value)).map((r) => r.input.value),
    remapField: (name) => {
      const m = /^allowed_domains\[(\d+)\]$/.exec(name);
      if (!m) return name;
      const idx = included()[Number(m[1])];
      return `allowed_domains[${idx === undefined ? DOMAIN_LIST_MAX - 1 : idx}]`;
    },
  };
}

export const PROVIDERS = [
  ['aws_s3', 'Amazon S3'],
  ['tigris', 'Tigris'],
  ['cloudflare_r2', 'Cloudflare R2'],
  ['minio', 'MinIO'],
  ['backblaze_b2', 'Backblaze B2'],
];
const PROVIDER_HINTS = {
  aws_s3: 'Region defaults to us-east-1; the endpoint is optional.',
  tigris: 'Region defaults to auto; the endpoint is optional.',
  cloudflare_r2: 'Needs the endpoint (https://<account>.r2.cloudflarestorage.com); region defaults to auto.',
  minio: 'Needs the endpoint of your MinIO server.',
  backblaze_b2: 'Needs the endpoint or the region.',
};

/**
 * Custom storage settings. prefix is the API field prefix ("storage." inside app
 * creation, "" for PUT .../storage). current: the app's storage representation
 * (the secret is never known; it must be entered again to change anything).
 */
export function storageFields(prefix, current = null) {
  const cur = current && current.mode === 'custom' ? current : {};
  const provider = selectField({ label: 'Provider', name: 'provider', field: `${prefix}provider`, options: PROVIDERS, value: cur.provider || 'aws_s3' });
  const hint = h('p', { class: 'hint', 'aria-live': 'polite' });
  const updateHint = () => { hint.textContent = PROVIDER_HINTS[provider.control.value] || ''; };
  provider.control.addEventListener('change', updateHint);
  updateHint();
  const bucket = field({ label: 'Bucket', name: 'bucket', field: `${prefix}bucket`, value: cur.bucket || '', autocomplete: 'off', spellcheck: 'false', hint: '3–63 characters: a-z, 0-9, dots and hyphens.' });
  const keyId = field({ label: 'Access key ID', name: 'access_key_id', field: `${prefix}access_key_id`, value: cur.access_key_id || '', autocomplete: 'off', spellcheck: 'false' });
  const secret = field({
    label: 'Secret access key', name: 'secret_access_key', type: 'password', field: `${prefix}secret_access_key`,
    autocomplete: 'new-password', spellcheck: 'false',
    hint: cur.secret_access_key_last4 ? `Stored key ends in ${cur.secret_access_key_last4}; enter it again to save changes. It is encrypted at rest and never shown.` : 'Encrypted at rest and never shown again.',
  });
  const endpoint = field({ label: 'Endpoint (optional)', name: 'endpoint', field: `${prefix}endpoint`, value: cur.endpoint || '', autocomplete: 'off', spellcheck: 'false', inputmode: 'url', hint: 'https://host[:port]; http:// only for localhost.' });
  const region = field({ label: 'Region (optional)', name: 'region', field: `${prefix}region`, value: cur.region || '', autocomplete: 'off', spellcheck: 'false' });
  const element = h('div', {}, provider, hint, h('div', { class: 'grid2' }, bucket, keyId), secret, h('div', { class: 'grid2' }, endpoint, region));
  return {
    element,
    value: () => {
      const v = {
        provider: provider.control.value,
        bucket: bucket.control.value.trim(),
        access_key_id: keyId.control.value.trim(),
        secret_access_key: secret.control.value,
      };
      if (endpoint.control.value.trim()) v.endpoint = endpoint.control.value.trim();
      if (region.control.value.trim()) v.region = region.control.value.trim();
      return v;
    },
    clearSecret: () => { secret.control.value = ''; },
  };
}

/** "Use custom storage" checkbox that reveals storageFields (for app creation). */
export function optionalStorage() {
  const fields = storageFields('storage.');
  const box = h('div', { hidden: true }, fields.element);
  const toggle = checkbox({ label: 'Use my own S3-compatible bucket', name: 'custom_storage', hint: 'Otherwise the app uses the platform’s managed storage.' });
  toggle.control.addEventListener('change', () => { box.hidden = !toggle.control.checked; });
  return {
    element: h('fieldset', {}, h('legend', {}, 'Storage'), toggle, box),
    value: () => (toggle.control.checked ? fields.value() : undefined),
  };
}

/**
 * A JSON editor for plan entitlements with live validation against the same schema
 * and codes as the server. withEntitlements(fields) returns the JSON request body
 * text: fields plus "entitlements" exactly as typed (so the server judges the
 * operator's own document, e.g. refuses 1.0 that JavaScript would read as 1), or
 * throws a problem that showProblem displays next to the editor.
 */
export function entitlementsEditor(initial = {}) {
  const f = field({
    label: 'Entitlements (JSON)', name: 'entitlements', type: 'textarea', field: 'entitlements',
    class: 'code', spellcheck: 'false', autocomplete: 'off', rows: 10,
    hint: 'Known keys: maxApiRequestsPerMinute, maxDocumentUnitsPerDocument/Hour/Day/Week/Month, maxUploadBytesPerDocument (whole numbers ≥ 0), allowedFormats (array of strings), features (object of true/false).',
  });
  f.control.value = JSON.stringify(initial, null, 2);
  const statusId = uid('ent-status');
  const status = h('p', { class: 'preview', id: statusId });
  f.control.setAttribute('aria-describedby', `${f.control.getAttribute('aria-describedby')} ${statusId}`);
  f.append(status);
  const refresh = () => {
    const r = validateEntitlements(f.control.value);
    status.className = `preview ${r.ok ? 'ok' : 'bad'}`;
    status.textContent = r.ok ? '✓ Valid entitlements' : `✗ ${r.field}: ${r.message} (${r.code})`;
  };
  f.control.addEventListener('input', refresh);
  refresh();
  return {
    element: f,
    withEntitlements: (fields) => {
      const text = f.control.value;
      const r = validateEntitlements(text);
      if (!r.ok) throw clientProblem(r.code, r.field, `${r.field}: ${r.message}`);
      // text is exactly one JSON value (JSON.parse accepted it), so it splices safely.
      const head = JSON.stringify(fields);
      return `${head.slice(0, -1)}${head === '{}' ? '' : ','}"entitlements":${text.trim()}}`;
    },
  };
}
