// dom.js — small DOM helpers shared by every view: an element builder (text is
// always set as text, never parsed as HTML), form error display for problem+json
// answers, toasts, and formatting of times and statuses.

/**
 * h('button', {class: 'primary', onclick: fn, disabled: true}, 'Save') → element.
 * Attributes: on<event> functions become listeners; true → empty attribute;
 * false/null/undefined → omitted. Children: nodes, strings (as text), arrays, or
 * null/false (skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

let idCounter = 0;
/** A document-unique id with a readable prefix. */
export const uid = (prefix = 'id') => `${prefix}-${++idCounter}`;

/**
 * A labelled form field: {label, name, type, field (the API's field name for error
 * display), hint, ...input attributes}. Returns the wrapper; the control is .control.
 */
export function field(opts) {
  const { label, hint, field: apiField, type = 'text', control: given, ...rest } = opts;
  const id = rest.id || uid(rest.name || 'f');
  const hintId = hint ? `${id}-hint` : null;
  let control = given;
  if (!control) {
    const tag = type === 'textarea' ? 'textarea' : 'input';
    control = h(tag, { ...rest, id, type: tag === 'input' ? type : null });
  } else {
    control.id = id;
  }
  if (apiField) control.dataset.field = apiField;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('span', { class: 'hint', id: hintId }, hint) : null);
  wrap.control = control;
  return wrap;
}

/** A <select> field; options are [value, label] pairs. */
export function selectField(opts) {
  const { options, value, ...rest } = opts;
  const select = h('select', { name: rest.name, required: rest.required });
  for (const [v, text] of options) select.append(h('option', { value: v, selected: v === value }, text));
  return field({ ...rest, control: select });
}

/** A checkbox with its label to the right. */
export function checkbox({ label, name, checked, hint, field: apiField }) {
  const id = uid(name || 'c');
  const input = h('input', { type: 'checkbox', id, name, checked });
  if (apiField) input.dataset.field = apiField;
  const wrap = h('div', { class: 'check' }, input,
    h('label', { for: id }, label, hint ? h('span', { class: 'hint' }, hint) : null));
  wrap.control = input;
  return wrap;
}

// ---- problem+json display ---------------------------------------------------------

/** Removes every error shown by showProblem in form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error, .form-alert')) el.remove();
  for (const el of form.querySelectorAll('[aria-invalid="true"]')) {
    el.removeAttribute('aria-invalid');
    const described = (el.getAttribute('aria-describedby') || '').split(' ')
      .filter((id) => id && !id.startsWith('err-'));
    if (described.length) el.setAttribute('aria-describedby', described.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

/**
 * Finds the control for an API field name: exact data-field match, else the field
 * with its trailing [index] or .member removed, repeatedly ("redirect_uris[2]" →
 * "redirect_uris", "entitlements.features.x" → "entitlements").
 */
function controlFor(form, name) {
  let key = form.remapField ? form.remapField(name) : name;
  while (key) {
    const found = [...form.querySelectorAll('[data-field]')].find((el) => el.dataset.field === key);
    if (found) return found;
    const next = key.replace(/(\[\d+\]|\.[^.[\]]*)$/, '');
    if (next === key) break;
    key = next;
  }
  return null;
}

/** Marks one control invalid with a message under it. */
export function fieldError(control, message) {
  const id = `err-${uid('e')}`;
  const p = h('p', { class: 'field-error', id }, message);
  const anchor = control.closest('.field, .check, fieldset') || control;
  anchor.append(p);
  control.setAttribute('aria-invalid', 'true');
  const described = control.getAttribute('aria-describedby');
  control.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
}

/**
 * Shows an API error in form: the problem's detail at the top (role=alert), each
 * errors[] entry under its control, and focus on the first invalid control.
 */
export function showProblem(form, err) {
  clearErrors(form);
  const problem = err && err.problem ? err.problem : { detail: String(err && err.message || err) };
  const detail = problem.detail || problem.title || 'The request failed.';
  const alert = h('div', { class: 'alert form-alert', role: 'alert' }, detail,
    problem.code ? h('span', { class: 'muted' }, ` (${problem.code})`) : null);
  form.prepend(alert);
  let first = null;
  for (const e of Array.isArray(problem.errors) ? problem.errors : []) {
    const control = e && e.field ? controlFor(form, e.field) : null;
    if (!control) continue;
    fieldError(control, `${e.message || detail} (${e.code})`);
    first = first || control;
  }
  if (first) {
    first.focus();
  } else {
    alert.setAttribute('tabindex', '-1');
    alert.focus();
  }
}

/**
 * Wires a form's submit to an async action: clears errors, disables the submit
 * button while it runs, shows a failure with showProblem.
 */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = [...form.querySelectorAll('button[type="submit"]')];
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(event);
    } catch (err) {
      if (form.isConnected) showProblem(form, err);
      else toast(errorText(err));
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}

/** Runs an async action from a button, showing failures as a toast. */
export async function withButton(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (err) {
    toast(errorText(err), true);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

export function errorText(err) {
  const p = err && err.problem;
  if (p) return `${p.detail || p.title || 'Request failed'}${p.code ? ` (${p.code})` : ''}`;
  return String(err && err.message || err);
}

// ---- toasts -----------------------------------------------------------------------

/** Shows a short message in the polite live region for a few seconds (at most 3 at once). */
export function toast(message, isError = false) {
  const region = document.getElementById('toasts');
  if (!region) return;
  while (region.children.length >= 3) region.firstElementChild.remove();
  const el = h('div', { class: 'toast' }, isError ? `Error: ${message}` : message);
  region.append(el);
  setTimeout(() => el.remove(), isError ? 8000 : 4000);
}

// ---- formatting -------------------------------------------------------------------

/** <time> for an RFC 3339 timestamp, shown in the browser's locale. */
export function time(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  const text = Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
  return h('time', { datetime: iso }, text);
}

const BADGES = {
  active: 'good', enabled: 'good', accepted: 'good', custom: 'neutral', managed: 'neutral',
  pending_activation: 'warn', pending: 'warn', draft: 'neutral', archived: 'neutral',
  suspended: 'bad', disabled: 'bad', inactive: 'bad', retired: 'bad', expired: 'bad', cancelled: 'neutral',
};
const BADGE_TEXT = { pending_activation: 'pending activation' };

/** A status pill ("active", "suspended", ...). */
export function badge(status) {
  return h('span', { class: `badge ${BADGES[status] || 'neutral'}` }, BADGE_TEXT[status] || status);
}

/**
 * A table that becomes stacked cards under 40rem. columns: [{label, cell(item) →
 * node|string}]; empty: text when there are no items.
 */
export function table(caption, columns, items, empty) {
  if (!items.length) return h('p', { class: 'empty panel' }, empty);
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'cards' },
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
      h('tbody', {}, items.map((item) => h('tr', {},
        columns.map((c) => h('td', { 'data-label': c.label }, h('div', {}, c.cell(item)))))))));
}

/** A <code> element for ids, client ids and other literal values. */
export const code = (text) => h('code', {}, text ?? '');

/** Sets the page title from a view's heading. */
export function setTitle(text) {
  document.title = text ? `${text} · tenantd` : 'tenantd';
}
