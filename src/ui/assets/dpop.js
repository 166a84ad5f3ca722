// dpop.js — DPoP proofs made in the browser (RFC 9449), for the Demo UI.
//
// One ECDSA P-256 key pair per page load, made with WebCrypto and non-extractable:
// the private key never leaves the browser's crypto implementation, and it is gone
// when the page is. A proof is a compact JWS (ES256) whose header carries the public
// key; WebCrypto's ECDSA signature is already the r‖s form JWS wants.
//
// The proof's iat uses the server's clock as seen in the Date header of the
// metadata response, so a browser whose clock is off still gets a proof the server
// accepts (the server allows only a short window around its own time).

let keyPair = null; // Promise of { privateKey, publicJwk, thumbprint }

const encoder = new TextEncoder();

function base64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const base64urlJson = (value) => base64url(encoder.encode(JSON.stringify(value)));

/** Is DPoP possible here? (WebCrypto needs a secure context: https or localhost.) */
export function dpopSupported() {
  return Boolean(globalThis.crypto?.subtle);
}

async function makeKey() {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  // RFC 7638: the required members in lexicographic order, no blanks.
  const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  const thumbprint = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)));
  return { privateKey: pair.privateKey, publicJwk, thumbprint };
}

/** This page's key: { publicJwk, thumbprint } (made on first use). */
export async function dpopKey() {
  if (!keyPair) keyPair = makeKey().catch((err) => { keyPair = null; throw err; });
  return keyPair;
}

/** The token endpoint and the server's clock offset (ms), from the metadata. */
async function tokenEndpoint() {
  const res = await fetch('/.well-known/openid-configuration', { cache: 'no-store', credentials: 'omit' });
  if (!res.ok) throw new Error(`the server metadata answered ${res.status}`);
  const meta = await res.json();
  const serverDate = Date.parse(res.headers.get('date') || '');
  return { url: meta.token_endpoint, offsetMs: Number.isFinite(serverDate) ? serverDate - Date.now() : 0 };
}

/** A fresh proof for POST to the token endpoint: { proof, thumbprint }. */
export async function dpopProofForToken() {
  const [{ privateKey, publicJwk, thumbprint }, { url, offsetMs }] = await Promise.all([dpopKey(), tokenEndpoint()]);
  const header = { typ: 'dpop+jwt', alg: 'ES256', jwk: publicJwk };
  const payload = {
    jti: crypto.randomUUID(),
    htm: 'POST',
    htu: url,
    iat: Math.floor((Date.now() + offsetMs) / 1000),
  };
  const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, encoder.encode(signingInput));
  return { proof: `${signingInput}.${base64url(signature)}`, thumbprint };
}
