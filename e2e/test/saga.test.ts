// The saga end to end: the three services as they ship (`node dist/main.js`), through their real
// HTTP APIs, on the real broker and database server, mailing to the real SMTP sink (Mailpit).
// The services run in a vhost and databases of this run's own, so a `make up` or another suite
// on the same infrastructure sees none of this traffic, and with a short ORDER_PENDING_TIMEOUT.
// Tests run in order and share one system; each uses its own users and stock.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  connectionUsers,
  MailSink,
  SERVICE_NAMES,
  Shop,
  show,
  sleep,
  startSystem,
  Tokens,
  repositoryRoot,
  waitFor,
  type Mail,
  type Order,
  type Problem,
  type System,
} from '../src';

const PENDING_TIMEOUT_MS = 8_000;
const SAGA_MS = 20_000;
const GRACE_MS = 15_000; // SHUTDOWN_GRACE_MS (10 s) plus the kit's margin

const WIDGET = { sku: 'E2E-WIDGET', name: 'Widget', priceMinor: 1250, stock: 20 };
const GADGET = { sku: 'E2E-GADGET', name: 'Gadget', priceMinor: 990, stock: 5 };
const LAST_ONE = { sku: 'E2E-LAST-ONE', name: 'The last one', priceMinor: 4900, stock: 1 };
const SLOW = {
  sku: 'E2E-SLOW',
  name: 'Ordered while inventory is down',
  priceMinor: 500,
  stock: 5,
};
const PRODUCTS = [WIDGET, GADGET, LAST_ONE, SLOW];
const NEVER_SOLD = 'E2E-NEVER-SOLD';

let system: System;
let shop: Shop;
let tokens: Tokens;
let mail: MailSink;

/** A customer of this run: its own id, e-mail address and token. */
async function customer(name: string) {
  const userId = `${name}-${system.runId}`;
  const email = `${userId}@e2e.eventshop.test`;
  return { userId, email, token: await tokens.forUser(userId, { email }) };
}

const reference = (order: Order) => order.id.slice(0, 8).toUpperCase();

function assertMail(m: Mail, to: string, order: Order, outcome: RegExp) {
  assert.deepEqual(m.to, [to]);
  assert.equal(m.from, 'orders@eventshop.localhost');
  assert.ok(m.subject.includes(reference(order)), `subject names the order: ${m.subject}`);
  assert.match(m.subject, outcome);
  assert.match(m.messageId, /@eventshop$/, 'Message-ID derived from the event id');
}

async function placed(token: string, items: { sku: string; quantity: number }[], key?: string) {
  const answer = await shop.placeOrder(token, items, key);
  assert.equal(answer.status, 201, show(answer));
  return answer;
}

before(
  async () => {
    system = await startSystem({
      pendingTimeout: `${PENDING_TIMEOUT_MS}ms`,
      logDir: join(__dirname, '..', 'logs'),
    });
    tokens = new Tokens(system.auth);
    mail = new MailSink(system.infra.mailUiUrl);
    const admin = await tokens.forUser(`operator-${system.runId}`, { roles: ['admin'] });
    shop = new Shop(
      system.services['order-service'].url,
      system.services['inventory-service'].url,
      admin,
    );
    for (const p of PRODUCTS) {
      await shop.putProduct(p.sku, {
        name: p.name,
        priceMinor: p.priceMinor,
        currency: 'EUR',
        active: true,
      });
      await shop.adjustStock(p.sku, p.stock, 'e2e initial stock');
    }
    // The order service prices from its own copy of the catalog: wait until it knows every SKU.
    const probe = await customer('probe');
    await shop.waitForCatalog(
      probe.token,
      PRODUCTS.map((p) => p.sku),
      NEVER_SOLD,
      SAGA_MS,
    );
  },
  { timeout: 240_000 },
);

after(async () => {
  await system?.dispose();
});

describe('the order saga through the real services', { timeout: 300_000 }, () => {
  test('each service connects to the broker as a user of its own, none as the admin', async () => {
    const own = SERVICE_NAMES.map((name) => system.brokerUsers[name]).sort();
    // The management API lists a connection once the broker has emitted its first statistics.
    let seen: string[] = [];
    const users = await waitFor(
      `connections as ${own.join(', ')}`,
      async () => {
        seen = [...new Set(await connectionUsers(system.infra.managementUrl, system.vhost))];
        return own.every((user) => seen.includes(user)) ? seen.sort() : undefined;
      },
      20_000,
      () => `connected as ${seen.join(', ') || 'nobody'}`,
    );
    assert.deepEqual(users, own);
  });

  test('an order for stock on hand is CONFIRMED, its units committed, and the customer gets one e-mail', async () => {
    const alice = await customer('alice');
    const before = await shop.product(WIDGET.sku);
    const created = await placed(alice.token, [{ sku: WIDGET.sku, quantity: 2 }]);
    const order = created.body;
    assert.equal(order.status, 'PENDING');
    assert.equal(order.userId, alice.userId);
    assert.deepEqual(order.lines, [
      { sku: WIDGET.sku, quantity: 2, unitPriceMinor: WIDGET.priceMinor },
    ]);
    assert.equal(order.totalMinor, 2 * WIDGET.priceMinor);
    assert.equal(order.currency, 'EUR');
    assert.equal(created.headers.get('location'), `/orders/${order.id}`);

    const confirmed = await shop.waitForOrder(alice.token, order.id, 'CONFIRMED', SAGA_MS);
    assert.equal(confirmed.rejection, undefined);
    // Confirmed, the order's hold becomes committed units: off on-hand, no longer reserved.
    const after = await shop.waitForStock(WIDGET.sku, {
      reserved: before.reserved,
      available: before.available - 2,
    });
    assert.equal(after.onHand, before.onHand - 2);

    const [message, ...more] = await mail.waitForMessages(alice.email, 1, SAGA_MS);
    assert.deepEqual(more, [], 'one e-mail per outcome');
    assertMail(message!, alice.email, order, /is confirmed/);
    const text = await mail.text(message!.id);
    assert.ok(text.includes(order.id), 'the body carries the full order id');
    assert.ok(text.includes('25.00'), `the body shows the total: ${text}`);
  });

  test('an order for more than is available is REJECTED with the short line, nothing held, one e-mail', async () => {
    const bob = await customer('bob');
    const widgetBefore = await shop.product(WIDGET.sku);
    const created = await placed(bob.token, [
      { sku: WIDGET.sku, quantity: 1 },
      { sku: LAST_ONE.sku, quantity: 3 },
    ]);
    const rejected = await shop.waitForOrder(bob.token, created.body.id, 'REJECTED', SAGA_MS);
    assert.equal(rejected.rejection?.reason, 'insufficient_stock');
    assert.deepEqual(rejected.rejection?.shortLines, [
      { sku: LAST_ONE.sku, requested: 3, available: 1 },
    ]);
    // All or nothing: the widget line that could have been reserved is not held either.
    await shop.waitForStock(LAST_ONE.sku, { reserved: 0, available: 1 });
    const widget = await shop.waitForStock(WIDGET.sku, {
      reserved: widgetBefore.reserved,
      available: widgetBefore.available,
    });
    assert.equal(widget.onHand, widgetBefore.onHand);

    const [message, ...more] = await mail.waitForMessages(bob.email, 1, SAGA_MS);
    assert.deepEqual(more, []);
    assertMail(message!, bob.email, rejected, /could not be accepted/);
    assert.match(await mail.text(message!.id), /not have enough stock/);
  });

  test('an unknown SKU is refused at creation with 422 naming it; nothing is stored or mailed', async () => {
    const carol = await customer('carol');
    const answer = await shop.orders.post<Problem>('/orders', {
      token: carol.token,
      body: { items: [{ sku: NEVER_SOLD, quantity: 1 }] },
    });
    assert.equal(answer.status, 422, show(answer));
    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(answer.body.detail?.includes(NEVER_SOLD), show(answer));

    const mine = await shop.orders.get<{ items: Order[] }>('/orders', { token: carol.token });
    assert.equal(mine.status, 200, show(mine));
    assert.deepEqual(mine.body.items, [], 'no order was stored');
    // The other outcomes arrive within a second or two; give this one as long before saying none.
    await sleep(3_000);
    assert.deepEqual(await mail.messagesTo(carol.email), []);
  });

  test('a confirmed order cancelled by its owner is CANCELLED, its stock returns, and both outcomes are mailed', async () => {
    const dave = await customer('dave');
    const initial = await shop.product(GADGET.sku);
    const order = (await placed(dave.token, [{ sku: GADGET.sku, quantity: 2 }])).body;
    await shop.waitForOrder(dave.token, order.id, 'CONFIRMED', SAGA_MS);
    const committed = await shop.waitForStock(GADGET.sku, {
      reserved: initial.reserved,
      available: initial.available - 2,
    });
    assert.equal(committed.onHand, initial.onHand - 2);

    const cancelled = await shop.cancelOrder(dave.token, order.id);
    assert.equal(cancelled.status, 200, show(cancelled));
    assert.equal(cancelled.body.status, 'CANCELLED');
    assert.equal(cancelled.body.cancellation?.reason, 'customer');
    const again = await shop.cancelOrder(dave.token, order.id);
    assert.equal(again.status, 409, `a second cancel is refused: ${show(again)}`);

    const restored = await shop.waitForStock(GADGET.sku, {
      reserved: initial.reserved,
      available: initial.available,
    });
    assert.equal(restored.onHand, initial.onHand);
    const messages = await mail.waitForMessages(dave.email, 2, SAGA_MS);
    assert.equal(messages.length, 2, JSON.stringify(messages.map((m) => m.subject)));
    assertMail(messages[0]!, dave.email, order, /is confirmed/);
    assertMail(messages[1]!, dave.email, order, /has been cancelled/);
  });

  test('the same Idempotency-Key and body return the same order once; another body with that key is refused', async () => {
    const erin = await customer('erin');
    const before = await shop.product(WIDGET.sku);
    const key = `checkout-${system.runId}`;
    const items = [{ sku: WIDGET.sku, quantity: 3 }];
    const first = await placed(erin.token, items, key);
    const replay = await placed(erin.token, items, key);
    assert.equal(replay.body.id, first.body.id);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(first.headers.get('idempotent-replayed'), null);

    const other = await shop.placeOrder(erin.token, [{ sku: WIDGET.sku, quantity: 4 }], key);
    assert.equal(other.status, 422, show(other));

    await shop.waitForOrder(erin.token, first.body.id, 'CONFIRMED', SAGA_MS);
    const mine = await shop.orders.get<{ items: Order[] }>('/orders', { token: erin.token });
    assert.deepEqual(
      mine.body.items.map((o) => o.id),
      [first.body.id],
      'one order for the three requests',
    );
    // Committed once: three units, not six.
    await shop.waitForStock(WIDGET.sku, {
      reserved: before.reserved,
      available: before.available - 3,
    });
    const messages = await mail.waitForMessages(erin.email, 1, SAGA_MS);
    await sleep(1_000);
    assert.equal((await mail.messagesTo(erin.email)).length, 1, 'one e-mail');
    assertMail(messages[0]!, erin.email, first.body, /is confirmed/);
  });

  test('an order inventory does not answer in time is REJECTED for timeout, and the late reservation is released', async () => {
    const frank = await customer('frank');
    const initial = await shop.product(SLOW.sku);
    const inventory = system.services['inventory-service'];
    const stopped = await inventory.stop();
    assert.equal(stopped.code, 0, `inventory exits 0 on SIGTERM: ${JSON.stringify(stopped)}`);

    // Accepted while inventory is down: the order service never waits for it.
    const order = (await placed(frank.token, [{ sku: SLOW.sku, quantity: 2 }])).body;
    assert.equal(order.status, 'PENDING');
    const rejected = await shop.waitForOrder(
      frank.token,
      order.id,
      'REJECTED',
      PENDING_TIMEOUT_MS + 15_000,
    );
    assert.equal(rejected.rejection?.reason, 'timeout');
    const [message] = await mail.waitForMessages(frank.email, 1, SAGA_MS);
    assertMail(message!, frank.email, order, /could not be accepted/);

    // Back up, inventory works through what waited in its queue: the reservation for the order,
    // then the cancellation that compensates it. The stock ends where it started.
    inventory.start();
    await inventory.waitReady();
    await shop.waitForStock(SLOW.sku, { reserved: initial.reserved, available: initial.available });
    assert.equal((await shop.getOrder(frank.token, order.id)).body.status, 'REJECTED');
    await sleep(1_000);
    const messages = await mail.messagesTo(frank.email);
    assert.equal(messages.length, 1, `the compensation is not mailed: ${JSON.stringify(messages)}`);
  });
});

describe('authentication and ownership', { timeout: 60_000 }, () => {
  let owner: Awaited<ReturnType<typeof customer>>;
  let order: Order;

  before(async () => {
    owner = await customer('grace');
    order = (await placed(owner.token, [{ sku: WIDGET.sku, quantity: 1 }])).body;
  });

  test('no token: 401 problem+json on every order route', async () => {
    for (const answer of [
      await shop.orders.post('/orders', { body: { items: [{ sku: WIDGET.sku, quantity: 1 }] } }),
      await shop.orders.get(`/orders/${order.id}`),
      await shop.orders.get('/orders'),
      await shop.orders.post(`/orders/${order.id}/cancel`),
    ]) {
      assert.equal(answer.status, 401, show(answer));
      assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  test('a token for another audience, from another issuer, signed with another key or expired: 401', async () => {
    const refused = [
      await tokens.forUser(owner.userId, { email: owner.email, audience: 'another-api' }),
      await tokens.forUser(owner.userId, {
        email: owner.email,
        issuer: 'https://elsewhere.example',
      }),
      await tokens.forUser(owner.userId, { email: owner.email, secret: 'x'.repeat(44) }),
      await tokens.forUser(owner.userId, { email: owner.email, expiresInSeconds: -120 }),
    ];
    for (const token of refused) {
      const read = await shop.getOrder(token, order.id);
      assert.equal(read.status, 401, show(read));
      const create = await shop.placeOrder(token, [{ sku: WIDGET.sku, quantity: 1 }]);
      assert.equal(create.status, 401, show(create));
    }
    // The inventory admin API verifies the same way.
    const admin = await tokens.forUser('operator', { roles: ['admin'], audience: 'another-api' });
    const put = await shop.inventory.get(`/products/${WIDGET.sku}`, { token: admin });
    assert.equal(put.status, 401, show(put));
  });

  test("another user's order is 404, to read and to cancel; an admin may read it", async () => {
    const mallory = await customer('mallory');
    const read = await shop.getOrder(mallory.token, order.id);
    assert.equal(read.status, 404, show(read));
    const cancel = await shop.cancelOrder(mallory.token, order.id);
    assert.equal(cancel.status, 404, show(cancel));
    const list = await shop.orders.get<{ items: Order[] }>('/orders', { token: mallory.token });
    assert.deepEqual(list.body.items, []);

    const admin = await tokens.forUser(`admin-${system.runId}`, { roles: ['admin'] });
    const asAdmin = await shop.getOrder(admin, order.id);
    assert.equal(asAdmin.status, 200, show(asAdmin));
    assert.equal(asAdmin.body.userId, owner.userId);
    assert.equal((await shop.getOrder(owner.token, order.id)).status, 200);
  });

  test('the inventory admin API refuses writes without the admin role (403)', async () => {
    const answer = await shop.inventory.put(`/products/${WIDGET.sku}`, {
      token: owner.token,
      body: { name: 'Hijacked', priceMinor: 1, currency: 'EUR', active: true },
    });
    assert.equal(answer.status, 403, show(answer));
    assert.equal((await shop.product(WIDGET.sku)).name, WIDGET.name);
  });

  test('a token from scripts/dev-token.mjs (`make token`) is accepted', async () => {
    const script = join(repositoryRoot(), 'scripts', 'dev-token.mjs');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [script, '--user', owner.userId, '--email', owner.email],
      {
        env: {
          PATH: process.env.PATH ?? '',
          AUTH_HS256_SECRET: system.auth.secret,
          AUTH_ISSUER: system.auth.issuer,
          AUTH_AUDIENCE: system.auth.audience,
        },
        timeout: 10_000,
      },
    );
    const read = await shop.getOrder(stdout.trim(), order.id);
    assert.equal(read.status, 200, show(read));
    assert.equal(read.body.id, order.id);
  });
});

describe('shutdown', { timeout: 120_000 }, () => {
  test('SIGTERM stops every service with exit code 0 within the grace period', async () => {
    const exits = await Promise.all(
      SERVICE_NAMES.map(async (name) => ({
        name,
        exit: await system.services[name].stop(GRACE_MS + 10_000),
      })),
    );
    for (const { name, exit } of exits) {
      assert.equal(exit.code, 0, `${name}: ${JSON.stringify(exit)}`);
      assert.ok(exit.ms < GRACE_MS, `${name} took ${exit.ms}ms`);
    }
  });
});
