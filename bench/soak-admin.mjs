// Admin and introspection traffic for bench/soak.sh: a steady mix of reads and
// writes through the real API, plus token introspection, for SECONDS seconds.
//   node bench/soak-admin.mjs BASE_URL SECONDS CLIENT_ID CLIENT_SECRET ADMIN_EMAIL ADMIN_PASSWORD
// Every cycle (about 10 per second): list tenants and apps, create an app, rename
// it, regenerate its secret, get a token with it, disable/enable it, introspect a
// token of the benchmark app, delete the app. Any unexpected status is an error.
// Prints one line: "soak-admin: requests=N errors=N" (+ the first errors).
const [base, secondsArg, clientId, clientSecret, email, password] = process.argv.slice(2);
const seconds = Number(secondsArg);
let requests = 0;
const errors = [];
let cookie = '';
let csrf = '';

async function call(method, path, body, { form = false, auth = true } = {}) {
  requests++;
  const headers = {};
  if (auth) Object.assign(headers, { cookie, 'x-csrf-token': csrf });
  let payload;
  if (body !== undefined) {
    headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
    payload = form ? new URLSearchParams(body) : JSON.stringify(body);
  }
  const res = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

function expect(what, res, status) {
  if (res.status !== status && errors.length < 1000) errors.push(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.status === status;
}

const login = await call('POST', '/api/v1/auth/login', { email, password }, { auth: false });
cookie = (login.headers.get('set-cookie') || '').split(';')[0];
csrf = login.body.csrf_token;
const tenants = await call('GET', '/api/v1/tenants');
const tenant = tenants.body.items.find((t) => t.status === 'active');
const regions = await call('GET', '/api/v1/regions');
const region = regions.body.items.find((r) => r.active).code;
await call('PATCH', `/api/v1/tenants/${tenant.id}`, { app_limit: 100000 });
const basic = 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64');

const deadline = Date.now() + seconds * 1000;
let n = 0;
while (Date.now() < deadline) {
  const started = Date.now();
  n++;
  const apps = `/api/v1/tenants/${tenant.id}/apps`;
  expect('list tenants', await call('GET', '/api/v1/tenants?limit=20'), 200);
  expect('list apps', await call('GET', `${apps}?limit=20`), 200);
  const made = await call('POST', apps, { name: `soak-${process.pid}-${n}`, region_code: region });
  if (expect('create app', made, 201)) {
    const app = made.body.app;
    expect('rename', await call('PATCH', `${apps}/${app.id}`, { name: `soak-${process.pid}-${n}-r` }), 200);
    const regen = await call('POST', `${apps}/${app.id}/secret`);
    if (expect('regenerate', regen, 200)) {
      const tok = await call('POST', '/connect/token', { grant_type: 'client_credentials', client_id: made.body.client_id, client_secret: regen.body.client_secret }, { form: true, auth: false });
      expect('token for the new app', tok, 200);
    }
    expect('disable', await call('POST', `${apps}/${app.id}/disable`), 200);
    expect('enable', await call('POST', `${apps}/${app.id}/enable`), 200);
    expect('delete', await call('DELETE', `${apps}/${app.id}`), 204);
  }
  requests++;
  const tokRes = await fetch(`${base}/connect/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  const tok = await tokRes.json();
  if (tokRes.status !== 200) errors.push(`bench token: ${tokRes.status}`);
  else {
    requests++;
    const intro = await fetch(`${base}/connect/introspect`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: tok.access_token }) });
    const body = await intro.json();
    if (intro.status !== 200 || body.active !== true) errors.push(`introspect: ${intro.status} ${JSON.stringify(body)}`);
  }
  const spent = Date.now() - started;
  if (spent < 100) await new Promise((r) => setTimeout(r, 100 - spent));
}
console.log(`soak-admin: requests=${requests} errors=${errors.length}`);
for (const e of errors.slice(0, 10)) console.log(`  ${e}`);
process.exit(errors.length ? 1 : 0);
