// views_auth.js — signing in, signing up (ending in the "pending activation"
// page), accepting an invitation, and the sign-in bookkeeping shared by them.

import { api, setSignedIn } from './api.js';
import { field, h, onSubmit, toast } from './dom.js';
import { go, homePath, takeNext } from './nav.js';

/** After a successful login: keep the CSRF token, load who we are, go on. */
async function completeSignIn(csrf) {
  setSignedIn(csrf, null);
  const me = await api('GET', '/me');
  setSignedIn(csrf, me);
  go(takeNext() || homePath());
  return me;
}

export function signIn(ctx) {
  const email = field({ label: 'Email', name: 'email', type: 'email', field: 'email', autocomplete: 'username', required: true });
  const password = field({ label: 'Password', name: 'password', type: 'password', field: 'password', autocomplete: 'current-password', required: true });
  const form = h('form', { 'aria-labelledby': 'signin-title' }, email, password,
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  onSubmit(form, async () => {
    const res = await api('POST', '/auth/login', { email: email.control.value, password: password.control.value });
    password.control.value = '';
    await completeSignIn(res.csrf_token);
  });
  return h('section', { class: 'panel narrow' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    ctx.notice ? h('p', { class: 'notice', role: 'status' }, ctx.notice) : null,
    form,
    h('p', { class: 'muted' }, 'New organisation? ', h('a', { href: '#/signup' }, 'Create an account')));
}

/** What the pending page shows right after a sign-up (kept in memory only). */
let lastSignup = null;

export function signUp() {
  const email = field({ label: 'Work email', name: 'email', type: 'email', field: 'email', autocomplete: 'email', required: true });
  const password = field({
    label: 'Password', name: 'password', type: 'password', field: 'password', autocomplete: 'new-password',
    required: true, minlength: 10, hint: 'At least 10 characters. A long passphrase is best.',
  });
  const name = field({ label: 'Your name', name: 'display_name', field: 'display_name', autocomplete: 'name', required: true, maxlength: 100 });
  const org = field({ label: 'Organisation name', name: 'tenant_name', field: 'tenant_name', autocomplete: 'organization', required: true, maxlength: 100 });
  const form = h('form', { 'aria-labelledby': 'signup-title' }, email, password, name, org,
    h('button', { type: 'submit', class: 'primary' }, 'Create account'));
  onSubmit(form, async () => {
    const res = await api('POST', '/auth/signup', {
      email: email.control.value,
      password: password.control.value,
      display_name: name.control.value,
      tenant_name: org.control.value,
    });
    password.control.value = '';
    lastSignup = { email: res.user.email, name: res.user.display_name, tenant: res.tenant.name, status: res.tenant.status };
    go('/pending');
  });
  return h('section', { class: 'panel narrow' },
    h('h1', { id: 'signup-title' }, 'Create an account'),
    h('p', { class: 'muted' }, 'This registers your organisation. The platform operator activates it before its apps can obtain tokens.'),
    form,
    h('p', { class: 'muted' }, 'Already registered? ', h('a', { href: '#/signin' }, 'Sign in')));
}

export function pending() {
  const info = lastSignup;
  return h('section', { class: 'panel narrow', 'data-page': 'pending' },
    h('h1', {}, 'Pending activation'),
    h('p', { class: 'notice', role: 'status' },
      info ? ['Your organisation ', h('strong', {}, info.tenant), ' is registered and ', h('strong', {}, 'waiting for activation'), ' by the platform operator.']
        : ['Your organisation is registered and ', h('strong', {}, 'waiting for activation'), ' by the platform operator.']),
    h('p', {}, info ? `We sent a welcome email to ${info.email}. ` : '',
      'You can sign in now and prepare your apps; they obtain tokens once the organisation is active. You will get an email when that happens.'),
    h('p', {}, h('a', { class: 'button primary', href: '#/signin' }, 'Sign in')));
}

export function accept(ctx) {
  const token = ctx.query.get('token') || '';
  if (!token) {
    return h('section', { class: 'panel narrow' },
      h('h1', {}, 'Accept invitation'),
      h('p', { class: 'alert', role: 'alert' }, 'This link has no invitation token. Open the link from your invitation email again.'));
  }
  const name = field({ label: 'Your name', name: 'display_name', field: 'display_name', autocomplete: 'name', required: true, maxlength: 100 });
  const password = field({
    label: 'Choose a password', name: 'password', type: 'password', field: 'password', autocomplete: 'new-password',
    required: true, minlength: 10, hint: 'At least 10 characters.',
  });
  const form = h('form', { 'aria-labelledby': 'accept-title' }, name, password,
    h('button', { type: 'submit', class: 'primary' }, 'Join organisation'));
  onSubmit(form, async () => {
    const secret = password.control.value;
    const res = await api('POST', '/invitations/accept', { token, password: secret, display_name: name.control.value });
    const login = await api('POST', '/auth/login', { email: res.user.email, password: secret });
    password.control.value = '';
    await completeSignIn(login.csrf_token);
    toast(`Welcome to ${res.tenant.name}. You joined as ${res.role}.`);
  });
  return h('section', { class: 'panel narrow' },
    h('h1', { id: 'accept-title' }, 'Accept invitation'),
    h('p', { class: 'muted' }, 'Create your account to join the organisation that invited you. The link works once.'),
    form);
}
