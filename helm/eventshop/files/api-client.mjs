// What `helm test` (smoke-test.mjs, beside it in the test's ConfigMap) and the local cluster's
// disruption check (scripts/cluster/disruption.mjs) need to talk to EventShop's HTTP APIs, with
// Node alone: development tokens and requests that may name their Host header.
import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** A development token (HS256, as `auth.mode: hs256` accepts), valid `ttlSeconds`. */
export function hs256Token({ secret, issuer, audience, ttlSeconds = 600 }, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
    iss: issuer,
    aud: audience,
    iat: now,
    exp: now + ttlSeconds,
    ...claims,
  })}`;
  const signature = crypto.createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${signature}`;
}

/**
 * One request; resolves `{ status, body, retryAfter }` (body parsed as JSON when it is JSON).
 * node:http rather than fetch: fetch does not let a caller set the Host header an Ingress routes
 * on. Rejects on a network error or no answer within `timeoutMs`.
 */
export function call(method, url, { token, body, host, headers = {}, timeoutMs = 10_000 } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const all = { ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  if (payload !== undefined) all['content-type'] = 'application/json';
  if (host) all.host = host;
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers: all, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the caller's message
        }
        resolve({ status: res.statusCode, body: parsed, retryAfter: res.headers['retry-after'] });
      });
    });
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url}: no answer in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}
