// dialogs.js — modal <dialog>s: confirmation, typed confirmation (type the name to
// delete), the one-time display of a new secret with Copy buttons, and the Copy
// helper they use (copyText, also used by the workspace page's token box).
//
// Every dialog: showModal() (the page behind is inert), Tab and Shift+Tab cycle
// inside it, Escape closes it, focus returns to the control that opened it, and
// the element is removed from the document on close — a secret shown once leaves
// no trace in the page afterwards.

import { h, uid } from './dom.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Opens a modal. opts: {title, body: nodes, actions(close) → buttons, onClose,
 * initialFocus (element)}. Returns {dialog, close}.
 */
export function openDialog({ title, body, actions, onClose, initialFocus, role }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  const dialog = h('dialog', { 'aria-labelledby': titleId, role: role || null });
  const close = () => { if (dialog.open) dialog.close(); };
  dialog.append(
    h('h2', { id: titleId }, title),
    ...[].concat(body),
    h('div', { class: 'dialog-actions' }, actions(close)));
  dialog.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'Tab') return;
    const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.closest('[hidden]'));
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  });
  dialog.addEventListener('close', () => {
    for (const input of dialog.querySelectorAll('input')) input.value = '';
    dialog.remove();
    if (onClose) onClose();
    if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  (initialFocus || dialog.querySelector(FOCUSABLE) || dialog).focus();
  return { dialog, close };
}

/** Asks a yes/no question. Resolves true only when the confirm button is pressed. */
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    const cancel = h('button', { type: 'button' }, 'Cancel');
    openDialog({
      title,
      role: 'alertdialog',
      body: [].concat(message).map((m) => (typeof m === 'string' ? h('p', {}, m) : m)),
      initialFocus: cancel,
      actions: (close) => {
        cancel.addEventListener('click', close);
        return [cancel, h('button', {
          type: 'button', class: danger ? 'danger primary' : 'primary',
          onclick: () => { answer = true; close(); },
        }, confirmLabel)];
      },
      onClose: () => resolve(answer),
    });
  });
}

/**
 * Destructive confirmation: the confirm button stays disabled until the user types
 * `expected` exactly (e.g. the app's name).
 */
export function typedConfirm({ title, message, expected, confirmLabel = 'Delete' }) {
  return new Promise((resolve) => {
    let answer = false;
    const id = uid('typed');
    const input = h('input', { type: 'text', id, autocomplete: 'off', spellcheck: 'false' });
    const confirm = h('button', { type: 'button', class: 'danger primary', disabled: true }, confirmLabel);
    input.addEventListener('input', () => { confirm.disabled = input.value !== expected; });
    const form = h('form', { method: 'dialog' },
      ...[].concat(message).map((m) => h('p', {}, m)),
      h('div', { class: 'field' },
        h('label', { for: id }, 'Type ', h('strong', {}, expected), ' to confirm'),
        input));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (input.value !== expected) return;
      answer = true;
      form.closest('dialog').close();
    });
    openDialog({
      title,
      role: 'alertdialog',
      body: form,
      initialFocus: input,
      actions: (close) => {
        confirm.addEventListener('click', () => form.requestSubmit());
        return [h('button', { type: 'button', onclick: close }, 'Cancel'), confirm];
      },
      onClose: () => resolve(answer),
    });
  });
}

/**
 * Copies value to the clipboard and says so in status; without clipboard access it
 * selects the text in input (a text input or textarea) and asks for Ctrl+C.
 */
export async function copyText(value, input, status) {
  try {
    await navigator.clipboard.writeText(value);
    status.textContent = 'Copied to the clipboard.';
  } catch {
    input.focus();
    input.select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch { copied = false; }
    status.textContent = copied ? 'Copied to the clipboard.' : 'Selected: press Ctrl+C (or ⌘C) to copy.';
  }
}

/**
 * Shows freshly minted credentials once. fields: [{label, value}]; warning: what
 * happens if the secret is lost. Resolves when the dialog is closed; nothing of the
 * values is kept anywhere afterwards.
 */
export function secretDialog({ title, intro, fields, warning }) {
  return new Promise((resolve) => {
    const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const rows = fields.map(({ label, value }) => {
      const id = uid('secret');
      const input = h('input', {
        type: 'text', id, readonly: true, value, autocomplete: 'off', spellcheck: 'false',
        'data-secret-field': label,
      });
      const copy = h('button', { type: 'button', 'aria-label': `Copy ${label}` }, 'Copy');
      copy.addEventListener('click', () => copyText(value, input, status));
      return h('div', { class: 'field' }, h('label', { for: id }, label), h('div', { class: 'secret-box' }, input, copy));
    });
    const done = h('button', { type: 'button', class: 'primary' }, 'I have stored it');
    openDialog({
      title,
      role: 'alertdialog',
      body: [
        intro ? h('p', {}, intro) : null,
        h('p', { class: 'notice', role: 'note' }, h('strong', {}, 'Shown only once. '),
          warning || 'Copy it now and keep it in a secret manager: it cannot be shown again.'),
        ...rows,
        status,
      ].filter(Boolean),
      initialFocus: rows[rows.length - 1].querySelector('button'),
      actions: (close) => {
        done.addEventListener('click', close);
        return [done];
      },
      onClose: () => resolve(),
    });
  });
}

/** Grace periods offered for the old secret (seconds; SPEC §3.7 allows 1–86400). */
export const GRACE_CHOICES = [
  [900, '15 minutes'], [3600, '1 hour'], [6 * 3600, '6 hours'], [86400, '24 hours'],
];

/**
 * Asks how to regenerate a client secret: stop the old one now (the default, and
 * what Enter or a bare confirm does) or keep it working for one of GRACE_CHOICES
 * while the new one is rolled out. Resolves null when cancelled, otherwise
 * {keepSeconds} (0 = stop now).
 */
export function rotationDialog({ title, confirmLabel = 'Regenerate' }) {
  return new Promise((resolve) => {
    let answer = null;
    const name = uid('rotation');
    const nowId = uid('rotation-now');
    const keepId = uid('rotation-keep');
    const durationId = uid('rotation-duration');
    const now = h('input', { type: 'radio', name, id: nowId, value: 'now', checked: true });
    const keep = h('input', { type: 'radio', name, id: keepId, value: 'keep' });
    const duration = h('select', { id: durationId },
      GRACE_CHOICES.map(([seconds, label]) => h('option', { value: String(seconds) }, label)));
    duration.value = '3600';
    duration.addEventListener('change', () => { keep.checked = true; });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const body = h('fieldset', {},
      h('legend', {}, 'The old secret'),
      h('div', { class: 'check' }, now, h('label', { for: nowId }, h('strong', {}, 'Stop the old secret now. '),
        'Every service still using it fails to get tokens until it is given the new one.')),
      h('div', { class: 'check' }, keep, h('label', { for: keepId }, h('strong', {}, 'Keep it working for '),
        'a while, so each replica can switch to the new secret without an outage.')),
      h('div', { class: 'field' }, h('label', { for: durationId }, 'Keep the old secret for'), duration));
    openDialog({
      title,
      role: 'alertdialog',
      body: [h('p', {}, 'A new secret is generated and shown once.'), body],
      initialFocus: cancel,
      actions: (close) => {
        cancel.addEventListener('click', close);
        return [cancel, h('button', {
          type: 'button', class: 'danger primary',
          onclick: () => {
            answer = { keepSeconds: keep.checked ? Number(duration.value) : 0 };
            close();
          },
        }, confirmLabel)];
      },
      onClose: () => resolve(answer),
    });
  });
}
