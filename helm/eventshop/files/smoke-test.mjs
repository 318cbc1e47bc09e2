// helm test: get tokens, give a product one unit of stock, order it through the public API, wait
// for CONFIRMED (the whole saga over the broker), then cancel the order so the unit is released.
// The public API is PUBLIC_URL (the ingress controller or gateway) with the Host header
// PUBLIC_HOST when set, order-service's Service otherwise. Runs with the order-service image's
// Node; no dependencies beyond api-client.mjs beside it.
import fs from 'node:fs';
import { call as request, hs256Token } from './api-client.mjs';

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
function tokens() {
  if (env.AUTH_HS256_SECRET) {
    const auth = {
      secret: env.AUTH_HS256_SECRET,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
    };
    return {
      admin: hs256Token(auth, { sub: 'helm-test-admin', roles: ['admin'] }),
      user: hs256Token(auth, { sub: 'helm-test', email: 'helm-test@eventshop.invalid' }),
    };
  }
  const read = (key) => fs.readFileSync(`/var/run/eventshop-test/${key}`, 'utf8').trim();
  return { admin: read('admin-token'), user: read('user-token') };
}

const call = (method, url, token, body, headers) => request(method, url, { token, body, headers });
const publicApi = env.PUBLIC_URL || env.ORDER_URL;
const publicHost = env.PUBLIC_URL ? env.PUBLIC_HOST : undefined;
const api = (method, path, token, body, headers = {}) =>
  request(method, `${publicApi}${path}`, { token, body, host: publicHost, headers });

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
  // Retried with one Idempotency-Key, as a careful client does: a network error or a 502/503/504
  // (a pod just replaced by an upgrade) is tried again until the deadline; it cannot order twice.
  // A 429 (the customer's rate limit, spent by the 422s above) waits as long as Retry-After says.
  const key = `helm-test-${Date.now()}`;
  for (;;) {
    res = await api(
      'POST',
      '/orders',
      user,
      { items: [{ sku, quantity: 1 }] },
      { 'idempotency-key': key },
    ).catch((error) => ({ status: 0, body: error.message }));
    if (res.status === 201) {
      order = res.body;
      break;
    }
    if (![0, 422, 429, 502, 503, 504].includes(res.status) || Date.now() > deadline)
      fail('POST /orders', res);
    if (res.status !== 422)
      console.log(`POST /orders: ${res.status} ${JSON.stringify(res.body)}; again`);
    await sleep(res.status === 429 ? Number(res.retryAfter ?? 1) * 1000 : 1000);
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
