// make cluster-check, step `disruption`: orders through the ingress while one order-service pod
// is deleted and the broker's pod is restarted; every order accepted around it must end
// CONFIRMED with its e-mail in Mailpit, and no message may sit in a DLQ (checked by check.sh).
// Runs on the node (cluster IPs are reachable from it) with the project's Node; no dependencies.
//
// Environment: PUBLIC_URL, PUBLIC_HOST (Traefik's Service and the Ingress host), INVENTORY_URL,
// MAIL_URL (Mailpit's API), AUTH_HS256_SECRET, AUTH_ISSUER, AUTH_AUDIENCE, NAMESPACE, RELEASE,
// KUBECONFIG; ORDERS (default 60), RATE (orders/s, default 2), SETTLE_SECONDS (default 300).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { call as request, hs256Token } from '../../helm/eventshop/files/api-client.mjs';

const env = process.env;
const ORDERS = Number(env.ORDERS ?? 60);
const RATE = Number(env.RATE ?? 2);
const SETTLE_MS = Number(env.SETTLE_SECONDS ?? 300) * 1000;
const SKU = 'CLUSTER-DISRUPTION';
const run = `${Date.now().toString(36)}`;
const started = Date.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const at = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s`;
const log = (line) => console.log(`[disruption ${at()}] ${line}`);
const kubectl = (...args) => promisify(execFile)('kubectl', ['-n', env.NAMESPACE, ...args]);
const auth = {
  secret: env.AUTH_HS256_SECRET,
  issuer: env.AUTH_ISSUER,
  audience: env.AUTH_AUDIENCE,
  ttlSeconds: 3600,
};
const token = (claims) => hs256Token(auth, claims);

/** A request; a network error is answered as status 0 (retried like a 503). */
const call = (method, url, options) =>
  request(method, url, options).catch((error) => ({ status: 0, body: error.message }));

const publicCall = (method, path, options) =>
  call(method, `${env.PUBLIC_URL}${path}`, { ...options, host: env.PUBLIC_HOST });

const admin = token({ sub: `cluster-disruption-admin-${run}`, roles: ['admin'] });

async function seed() {
  const product = `${env.INVENTORY_URL}/products/${SKU}`;
  let res = await call('PUT', product, {
    token: admin,
    body: { name: 'cluster disruption product', priceMinor: 100, currency: 'EUR', active: true },
  });
  if (![200, 201].includes(res.status))
    throw new Error(`PUT product: ${res.status} ${JSON.stringify(res.body)}`);
  res = await call('POST', `${product}/stock-adjustments`, {
    token: admin,
    body: { delta: ORDERS, reason: 'cluster disruption' },
  });
  if (![200, 201].includes(res.status))
    throw new Error(`stock: ${res.status} ${JSON.stringify(res.body)}`);
}

/** One customer per order (no per-customer limit in play); retried with its Idempotency-Key
 * until the API answers 201, as a careful client does through a restart. */
async function placeOrder(n, stats) {
  const user = `cluster-disruption-${run}-${n}`;
  const bearer = token({ sub: user, email: `${user}@eventshop.invalid` });
  const key = `${run}-${n}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await publicCall('POST', '/orders', {
      token: bearer,
      body: { items: [{ sku: SKU, quantity: 1 }] },
      headers: { 'idempotency-key': key },
    });
    if (res.status === 201) return { n, id: res.body.id, bearer };
    stats.retries.set(res.status, (stats.retries.get(res.status) ?? 0) + 1);
    // 422: the order service does not know the SKU yet (it learns it from an event).
    if (![0, 422, 429, 502, 503, 504].includes(res.status) || Date.now() > deadline) {
      throw new Error(`order ${n}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await sleep(res.retryAfter ? Number(res.retryAfter) * 1000 : 1000);
  }
}

async function disrupt(timeline) {
  const pods = await kubectl(
    'get',
    'pods',
    '-l',
    'app.kubernetes.io/component=order-service',
    '-o',
    'name',
  );
  const victim = pods.stdout.trim().split('\n')[0];
  await sleep(5_000);
  timeline.push(`${at()} delete ${victim}`);
  log(`deleting ${victim}`);
  await kubectl('delete', victim, '--wait=false');
  await sleep(10_000);
  const broker = `pod/${env.RELEASE}-rabbitmq-server-0`;
  timeline.push(`${at()} delete ${broker} (broker restart)`);
  log(`deleting ${broker}`);
  await kubectl('delete', broker, '--wait=false');
}

async function finalStatus(order) {
  const res = await publicCall('GET', `/orders/${order.id}`, { token: order.bearer });
  return res.status === 200 ? res.body.status : `HTTP ${res.status}`;
}

async function mailedOrders() {
  const res = await call('GET', `${env.MAIL_URL}/api/v1/messages?limit=1000`, {});
  if (res.status !== 200) return new Set();
  return new Set(res.body.messages.map((m) => m.Subject));
}

async function main() {
  await seed();
  log(
    `${SKU}: ${ORDERS} units; ${ORDERS} orders at ${RATE}/s through ${env.PUBLIC_URL} (Host: ${env.PUBLIC_HOST})`,
  );
  const stats = { retries: new Map() };
  const timeline = [];
  const disruption = disrupt(timeline);
  const placed = [];
  for (let n = 1; n <= ORDERS; n++) {
    // Settled later, together; a failure is reported, not thrown while others are in flight.
    placed.push(placeOrder(n, stats).catch((error) => ({ n, error: error.message })));
    await sleep(1000 / RATE);
  }
  const results = await Promise.all(placed);
  await disruption;
  const refused = results.filter((r) => r.error);
  for (const r of refused) console.log(`NOT ACCEPTED: order ${r.n}: ${r.error}`);
  const orders = results.filter((r) => !r.error);
  log(
    `${orders.length} orders accepted; retries by status: ${JSON.stringify(Object.fromEntries(stats.retries))}`,
  );

  const deadline = Date.now() + SETTLE_MS;
  let statuses = [];
  for (;;) {
    statuses = await Promise.all(orders.map(finalStatus));
    const confirmed = statuses.filter((s) => s === 'CONFIRMED').length;
    if (confirmed === orders.length || Date.now() > deadline) break;
    log(`${confirmed}/${orders.length} CONFIRMED`);
    await sleep(5_000);
  }
  const subjects = await mailedOrders();
  const short = (id) => id.slice(0, 8).toUpperCase();
  const unmailed = orders.filter(
    (o) => ![...subjects].some((s) => s.includes(short(o.id)) && s.includes('confirmed')),
  );
  const notConfirmed = orders.filter((_, i) => statuses[i] !== 'CONFIRMED');
  console.log('\ntimeline:');
  for (const line of timeline) console.log(`  ${line}`);
  console.log(`\norders accepted     ${orders.length} of ${ORDERS}`);
  console.log(`orders CONFIRMED    ${orders.length - notConfirmed.length}`);
  console.log(`confirmation mails  ${orders.length - unmailed.length}`);
  console.log(`settled after       ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const o of notConfirmed)
    console.log(`NOT CONFIRMED: order ${o.n} ${o.id} ${statuses[orders.indexOf(o)]}`);
  for (const o of unmailed) console.log(`NO E-MAIL: order ${o.n} ${o.id}`);
  console.log(
    `RESULT ${orders.length} orders, ${orders.length - notConfirmed.length} confirmed, ${orders.length - unmailed.length} mailed`,
  );
  return refused.length === 0 && notConfirmed.length === 0 && unmailed.length === 0;
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error) => {
    console.error(`FAILED: ${error.stack ?? error}`);
    process.exit(1);
  },
);
