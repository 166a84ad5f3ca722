// bench/make-assertions.mjs — pre-signed private_key_jwt token requests for
// bench/run.sh assertion (each assertion is single-use, so wrk needs one per request).
//
//   node bench/make-assertions.mjs keygen DIR [ES256|EdDSA|RS256]
//       writes DIR/key.pem (PKCS#8) and DIR/jwks.json (the public set to register)
//   node bench/make-assertions.mjs sign DIR CLIENT_ID AUDIENCE COUNT > bodies.txt
//       one form body per line: grant_type, client_assertion_type, client_assertion
//       (iss = sub = CLIENT_ID, aud = AUDIENCE, exp = now + 300, unique jti)
//   node bench/make-assertions.mjs dpop DIR CLIENT_ID CLIENT_SECRET HTU COUNT > bodies.txt
//       client_secret_post bodies, each followed by a TAB and a fresh DPoP proof
//       (ES256, htm POST, htu HTU, iat now + 25 s: fresh for ~85 s) for the DPoP header
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';

const [cmd, dir, ...rest] = process.argv.slice(2);
const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');

if (cmd === 'keygen') {
  const alg = rest[0] || 'ES256';
  const { publicKey, privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(`${dir}/key.pem`, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(`${dir}/alg`, alg);
  writeFileSync(`${dir}/jwks.json`, JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench' }] }));
} else if (cmd === 'sign') {
  const [clientId, aud, count] = rest;
  const alg = readFileSync(`${dir}/alg`, 'utf8');
  const key = createPrivateKey(readFileSync(`${dir}/key.pem`));
  const header = b64({ alg, kid: 'bench' });
  const now = Math.floor(Date.now() / 1000);
  const out = [];
  for (let i = 0; i < Number(count); i++) {
    const claims = b64({ iss: clientId, sub: clientId, aud, iat: now, exp: now + 300, jti: randomBytes(12).toString('base64url') });
    const input = `${header}.${claims}`;
    const sig = alg === 'ES256' ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input), key);
    out.push(`grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=${input}.${sig.toString('base64url')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
} else if (cmd === 'dpop') {
  const [clientId, secret, htu, count] = rest;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = b64({ typ: 'dpop+jwt', alg: 'ES256', jwk: publicKey.export({ format: 'jwk' }) });
  const body = `grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}&client_secret=${encodeURIComponent(secret)}`;
  const now = Math.floor(Date.now() / 1000);
  const out = [];
  for (let i = 0; i < Number(count); i++) {
    // iat 25 s ahead (tenantd tolerates 30 s of skew): the proofs then stay fresh for
    // ~85 s after signing started, which covers signing them all on a busy box.
    const input = `${header}.${b64({ htm: 'POST', htu, iat: now + 25, jti: randomBytes(12).toString('base64url') })}`;
    const sig = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    out.push(`${body}\t${input}.${sig.toString('base64url')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
} else {
  console.error('usage: make-assertions.mjs keygen DIR [alg] | sign DIR CLIENT_ID AUDIENCE COUNT | dpop DIR CLIENT_ID CLIENT_SECRET HTU COUNT');
  process.exit(2);
}
