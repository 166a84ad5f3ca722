// rules.js — the client-side copies of two server rules, for live feedback while
// typing: allowed-domain normalisation (SPEC §2, decisions in docs/RULES.md) and
// the plan entitlements schema (SPEC §1). They answer with the server's error codes
// and field paths; the server still decides (src/domain/allowed_domains.c,
// src/domain/entitlements.c) and tests/browser/rules.test.mjs checks that both agree.
// Pure functions: no DOM, so Node can import this file too.

export const DOMAIN_LIST_MAX = 3;

const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
const isDigit = (c) => c >= '0' && c <= '9';
const lowerAscii = (s) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Strict dotted quad: four 0–255 octets, no leading zeros. */
function ipv4IsValid(s) {
  if (s.length < 7 || s.length > 15) return false;
  let pos = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (s[pos] !== '.') return false;
      pos++;
    }
    const start = pos;
    let value = 0;
    while (pos < s.length && isDigit(s[pos]) && pos - start < 3) {
      value = value * 10 + (s.charCodeAt(pos) - 48);
      pos++;
    }
    const digits = pos - start;
    if (digits === 0 || value > 255) return false;
    if (digits > 1 && s[start] === '0') return false;
  }
  return pos === s.length;
}

/** WHATWG "ends in a number": the last label is all digits or 0x + hex digits. */
function endsInNumber(s) {
  const label = s.slice(s.lastIndexOf('.') + 1);
  if (!label) return false;
  if (label.length >= 2 && label[0] === '0' && (label[1] === 'x' || label[1] === 'X')) {
    return /^[0-9a-fA-F]*$/.test(label.slice(2));
  }
  return /^[0-9]+$/.test(label);
}

/** DNS name: labels 1–63 of [a-z0-9-], no leading/trailing '-', ≤ 253, ≥ 2 labels. */
function dnsNameIsValid(s) {
  if (!s.length || s.length > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2) return false;
  return labels.every((l) => l.length >= 1 && l.length <= 63 && /^[a-z0-9-]+$/.test(l) &&
    l[0] !== '-' && l[l.length - 1] !== '-');
}

/** 1–65535, ASCII digits, no sign, no leading zero; -1 otherwise. */
function portParse(s) {
  if (!s.length || s.length > 5 || s[0] === '0' || !/^[0-9]+$/.test(s)) return -1;
  const v = Number(s);
  return v >= 1 && v <= 65535 ? v : -1;
}

/**
 * Normalises one allowed domain. Returns {ok: true, value} or {ok: false, code} with
 * code one of invalid_domain, wildcard_domain, invalid_port.
 */
export function normalizeDomain(input) {
  const bad = (code) => ({ ok: false, code });
  if (typeof input !== 'string') return bad('invalid_domain');
  let start = 0;
  let end = input.length;
  while (start < end && isSpace(input[start])) start++;
  while (end > start && isSpace(input[end - 1])) end--;
  let s = input.slice(start, end);
  if (lowerAscii(s.slice(0, 8)) === 'https://') s = s.slice(8);
  else if (lowerAscii(s.slice(0, 7)) === 'http://') s = s.slice(7);
  while (s.endsWith('/')) s = s.slice(0, -1);
  for (const c of s) {
    if (c === '/' || c === '?' || c === '#' || c === '@' || isSpace(c)) return bad('invalid_domain');
  }
  if (s.includes('*')) return bad('wildcard_domain');
  const colon = s.indexOf(':');
  const hostPart = colon >= 0 ? s.slice(0, colon) : s;
  if (!hostPart.length || new TextEncoder().encode(hostPart).length > 253) return bad('invalid_domain');
  if (colon >= 0 && s.indexOf(':', colon + 1) >= 0) return bad('invalid_domain');
  const host = lowerAscii(hostPart);
  let hostOk;
  if (host === 'localhost') hostOk = true;
  else if (endsInNumber(host)) hostOk = ipv4IsValid(host);
  else hostOk = dnsNameIsValid(host);
  if (!hostOk) return bad('invalid_domain');
  if (colon < 0) return { ok: true, value: host };
  const port = portParse(s.slice(colon + 1));
  if (port < 0) return bad('invalid_port');
  return { ok: true, value: `${host}:${port}` };
}

/**
 * Normalises a list in the server's order: each item (first failure wins), then
 * duplicates after normalisation, then the count. Returns {ok: true, values} or
 * {ok: false, code, index}.
 */
export function normalizeDomainList(list) {
  const values = [];
  for (let i = 0; i < list.length; i++) {
    const r = normalizeDomain(list[i]);
    if (!r.ok) return { ok: false, code: r.code, index: i };
    values.push(r.value);
  }
  for (let i = 1; i < values.length; i++) {
    if (values.indexOf(values[i]) < i) return { ok: false, code: 'duplicate_domain', index: i };
  }
  if (values.length > DOMAIN_LIST_MAX) return { ok: false, code: 'too_many_domains', index: DOMAIN_LIST_MAX };
  return { ok: true, values };
}

export const DOMAIN_MESSAGES = {
  invalid_domain: 'not a valid domain: use a host name with a dot, localhost or an IPv4 address, with an optional :port',
  wildcard_domain: 'wildcards (*) are not allowed',
  invalid_port: 'the port must be a number from 1 to 65535',
  duplicate_domain: 'repeats an earlier domain',
  too_many_domains: 'at most 3 domains are allowed',
};

// ---- entitlements -------------------------------------------------------------------

export const ENTITLEMENT_INTEGER_KEYS = [
  'maxApiRequestsPerMinute', 'maxDocumentUnitsPerDocument', 'maxDocumentUnitsPerHour',
  'maxDocumentUnitsPerDay', 'maxDocumentUnitsPerWeek', 'maxDocumentUnitsPerMonth',
  'maxUploadBytesPerDocument',
];
const INT_MAX = 9007199254740991; // 2^53 - 1
const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks entitlements JSON text. Returns {ok: true, value} or {ok: false, code,
 * field, message}; codes and field paths as the server's (invalid_json,
 * invalid_type, unknown_field, invalid_value; "entitlements.allowedFormats[2]").
 * JSON numbers like 1.0 or 1e3 read as integers here; the server rejects them.
 */
export function validateEntitlements(text) {
  const fail = (code, field, message) => ({ ok: false, code, field, message });
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail('invalid_json', 'entitlements', `not valid JSON: ${e.message}`);
  }
  if (!isPlainObject(value)) return fail('invalid_type', 'entitlements', 'entitlements must be an object');
  for (const [key, v] of Object.entries(value)) {
    const field = `entitlements.${key}`;
    if (ENTITLEMENT_INTEGER_KEYS.includes(key)) {
      if (!Number.isInteger(v) || v < 0 || v > INT_MAX) {
        return fail('invalid_value', field, `${key} must be a whole number from 0 to ${INT_MAX}`);
      }
    } else if (key === 'allowedFormats') {
      if (!Array.isArray(v) || v.length > 50) return fail('invalid_value', field, 'allowedFormats must be an array of at most 50 strings');
      for (let i = 0; i < v.length; i++) {
        if (typeof v[i] !== 'string' || !/^[A-Za-z0-9._+/-]{1,100}$/.test(v[i])) {
          return fail('invalid_value', `${field}[${i}]`, 'each format is 1–100 characters of letters, digits and . _ + / -');
        }
        if (v.indexOf(v[i]) < i) return fail('invalid_value', `${field}[${i}]`, 'formats must not repeat');
      }
    } else if (key === 'features') {
      if (!isPlainObject(v) || Object.keys(v).length > 100) return fail('invalid_value', field, 'features must be an object of at most 100 booleans');
      for (const [name, flag] of Object.entries(v)) {
        if (!/^[A-Za-z0-9_]{1,64}$/.test(name) || typeof flag !== 'boolean') {
          return fail('invalid_value', `${field}.${name}`, 'each feature is a name of 1–64 letters, digits or _ set to true or false');
        }
      }
    } else {
      return fail('unknown_field', field, `${key} is not a known entitlement`);
    }
  }
  return { ok: true, value };
}
