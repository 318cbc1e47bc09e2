// helm test: get tokens, give a product one unit of stock, order it through the public API, wait
// for CONFIRMED (the whole saga over the broker), then cancel the order so the unit is released.
// The public API is PUBLIC_URL (the ingress controller or gateway) with the Host header
// PUBLIC_HOST when set, order-service's Service otherwise. Runs with the order-service image's
// Node; no dependencies.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const env = process.env;
const deadline = Date.now() + Number(env.TEST_TIMEOUT_SECONDS) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(step, res) {
  console.error(`FAILED at ${step}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  process.exit(1);
}

function expect(res, statuses, step) {
  if (!statuses.includes(res.status)) fail(step, res);
}

// Development (hs256): sign tokens with the shared secret. Production: tokens from a Secret.
function hs256(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({
    iss: env.AUTH_ISSUER,
    aud: env.AUTH_AUDIENCE,
    iat: now,
    exp: now + 600,
    ...claims,
  })}`;
  const signature = crypto
    .createHmac('sha256', env.AUTH_HS256_SECRET)
    .update(body)
    .digest('base64url');
  return `${body}.${signature}`;
}

function tokens() {
  if (env.AUTH_HS256_SECRET) {
    return {
      admin: hs256({ sub: 'helm-test-admin', roles: ['admin'] }),
      user: hs256({ sub: 'helm-test', email: 'helm-test@eventshop.invalid' }),
    };
  }
  const read = (key) => fs.readFileSync(`/var/run/eventshop-test/${key}`, 'utf8').trim();
  return { admin: read('admin-token'), user: read('user-token') };
}

// node:http rather than fetch: fetch does not let a caller set the Host header.
function call(method, url, token, body, host) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = { authorization: `Bearer ${token}` };
  if (payload !== undefined) headers['content-type'] = 'application/json';
  if (host) headers.host = host;
  const client = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the failure message
        }
        resolve({ status: res.statusCode, body: parsed });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

const publicApi = env.PUBLIC_URL || env.ORDER_URL;
const publicHost = env.PUBLIC_URL ? env.PUBLIC_HOST : undefined;
const api = (method, path, token, body) =>
  call(method, `${publicApi}${path}`, token, body, publicHost);

async function main() {
  const { admin, user } = tokens();
  const sku = env.TEST_SKU;
  const product = `${env.INVENTORY_URL}/products/${sku}`;
  let res = await call('PUT', product, admin, {
    name: 'helm test product',
    priceMinor: 100,
    currency: 'EUR',
    active: true,
  });
  expect(res, [200, 201], 'PUT product');
  res = await call('POST', `${product}/stock-adjustments`, admin, {
    delta: 1,
    reason: 'helm test',
  });
  expect(res, [200, 201], 'stock adjustment');
  console.log(`product ${sku} has one more unit`);

  // order-service learns the product from inventory.product-updated.v1; until then it says 422.
  console.log(`public API: ${publicApi}${publicHost ? ` (Host: ${publicHost})` : ''}`);
  let order;
  for (;;) {
    res = await api('POST', '/orders', user, { items: [{ sku, quantity: 1 }] });
    if (res.status === 201) {
      order = res.body;
      break;
    }
    if (res.status !== 422 || Date.now() > deadline) fail('POST /orders', res);
    await sleep(1000);
  }
  console.log(`order ${order.id} created: ${order.status}`);

  for (;;) {
    res = await api('GET', `/orders/${order.id}`, user);
    expect(res, [200], 'GET order');
    if (res.body.status === 'CONFIRMED') break;
    if (res.body.status !== 'PENDING' || Date.now() > deadline) fail('waiting for CONFIRMED', res);
    await sleep(1000);
  }
  console.log(`order ${order.id} CONFIRMED`);

  res = await api('POST', `/orders/${order.id}/cancel`, user);
  expect(res, [200], 'cancel order');
  console.log(`order ${order.id} cancelled; inventory releases its unit`);
}

try {
  await main();
} catch (error) {
  console.error(`FAILED: ${error.stack ?? error}`);
  process.exit(1);
}
