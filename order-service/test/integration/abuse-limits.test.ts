// Abuse limits of POST /orders: the rate limit per customer (429 with Retry-After) and the cap
// of open (PENDING) orders per customer, which frees a slot when an order is confirmed,
// rejected or cancelled, and is not exceeded by concurrent requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { problemType } from '@eventshop/service-kit';
import { waitFor } from '@eventshop/service-kit/testing';
import { applyReserved } from '../../src/domain/order';
import { OrderTransitions } from '../../src/orders/order-transitions';
import type { OpenOrdersDocument } from '../../src/persistence/open-orders.schema';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, startOrderReplica, type TestApp } from '../support/order-app';

interface Problem {
  type: string;
  status: number;
  detail?: string;
}

const RATE_LIMIT = 10;
const MAX_OPEN = 2;

describe('abuse limits', () => {
  let t: TestApp;
  let broker: Broker;
  before(async () => {
    t = await startOrderApp('order-abuse-limits', {
      ORDER_RATE_LIMIT: String(RATE_LIMIT),
      ORDER_RATE_WINDOW: '1m',
      ORDER_MAX_OPEN_PER_USER: String(MAX_OPEN),
    });
    broker = await connectBroker(t.scope.env.AMQP_URL);
    await t.seedCatalog([{ sku: 'LAMP-1', priceMinor: 3000 }]);
  });
  after(async () => {
    assert.deepEqual(broker?.invalid(), [], 'every emitted event is valid against the contracts');
    await broker?.close();
    await t?.close();
  });

  const create = (user: string | null) =>
    t.request({
      method: 'POST',
      url: '/orders',
      user: user === null ? null : { sub: user },
      body: { items: [{ sku: 'LAMP-1', quantity: 1 }] },
    });
  const status = async (user: string, id: string) =>
    json<{ status: string }>(
      await t.request({ method: 'GET', url: `/orders/${id}`, user: { sub: user } }),
    ).status;
  const created = async (user: string): Promise<string> => {
    const res = await create(user);
    assert.equal(res.statusCode, 201, res.body);
    return json<{ id: string }>(res).id;
  };
  const slotsOf = async (user: string) => {
    const doc = await t.orders.db
      .collection<OpenOrdersDocument>('open_orders')
      .findOne({ _id: user });
    return { count: doc?.count ?? 0, orders: Object.keys(doc?.slots ?? {}).sort() };
  };
  const refusedAsFull = async (user: string) => {
    const res = await create(user);
    assert.equal(res.statusCode, 422, res.body);
    assert.equal(json<Problem>(res).type, problemType('too-many-open-orders'), res.body);
  };

  it(`answers 429 problem+json with Retry-After after ${RATE_LIMIT} orders of one customer, and only to that customer`, async () => {
    const answers: number[] = [];
    for (let i = 0; i < RATE_LIMIT; i++) answers.push((await create('rl-flood')).statusCode);
    // Every one was admitted by the rate limit (the open-order cap refuses most with 422).
    assert.equal(answers.includes(429), false, answers.join());
    const limited = await create('rl-flood');
    assert.equal(limited.statusCode, 429, limited.body);
    assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    const problem = json<Problem>(limited);
    assert.equal(problem.status, 429);
    assert.equal(problem.type, problemType('too-many-requests'), limited.body);
    // Another customer is not limited by the first one's requests.
    await created('rl-other');
  });

  it('counts requests without a valid token by client address', async () => {
    for (let i = 0; i < RATE_LIMIT; i++) assert.equal((await create(null)).statusCode, 401);
    const limited = await create(null);
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  });

  it(`refuses a customer's order beyond ${MAX_OPEN} PENDING ones with 422, also under concurrent requests`, async () => {
    const answers = await Promise.all([create('cap-race'), create('cap-race'), create('cap-race')]);
    const codes = answers.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 201, 422], answers.map((r) => r.body).join('\n'));
    const { items: orders } = json<{ items: { status: string }[] }>(
      await t.request({ method: 'GET', url: '/orders?status=PENDING', user: { sub: 'cap-race' } }),
    );
    assert.equal(orders.length, MAX_OPEN);
    await refusedAsFull('cap-race');
    // Another customer has slots of their own.
    await created('cap-race-other');
  });

  it('counts one slot for concurrent retries of one Idempotency-Key', async () => {
    const user = 'cap-retry';
    const retries = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.request({
          method: 'POST',
          url: '/orders',
          user: { sub: user },
          headers: { 'idempotency-key': 'one-order' },
          body: { items: [{ sku: 'LAMP-1', quantity: 1 }] },
        }),
      ),
    );
    assert.deepEqual(
      retries.map((r) => r.statusCode),
      [201, 201, 201, 201, 201],
      retries.map((r) => r.body).join('\n'),
    );
    assert.equal(new Set(retries.map((r) => json<{ id: string }>(r).id)).size, 1);
    // One of the two slots is taken: one more order fits, the next does not.
    await created(user);
    await refusedAsFull(user);
  });

  it('frees the slot when an order is confirmed, rejected or cancelled', async () => {
    const user = 'cap-cycle';
    const [a, b] = [await created(user), await created(user)];
    await refusedAsFull(user);

    await broker.publish('inventory.reserved.v1', {
      orderId: a,
      lines: [{ sku: 'LAMP-1', quantity: 1 }],
    });
    await waitFor('confirmed', async () => (await status(user, a)) === 'CONFIRMED');
    const c = await created(user);
    await refusedAsFull(user);

    await broker.publish('inventory.reservation-failed.v1', {
      orderId: b,
      reason: 'insufficient_stock',
      shortLines: [{ sku: 'LAMP-1', requested: 1, available: 0 }],
    });
    await waitFor('rejected', async () => (await status(user, b)) === 'REJECTED');
    // A redelivered outcome frees nothing twice: still exactly one slot free.
    await broker.publish('inventory.reservation-failed.v1', {
      orderId: b,
      reason: 'insufficient_stock',
      shortLines: [{ sku: 'LAMP-1', requested: 1, available: 0 }],
    });
    const d = await created(user);
    await refusedAsFull(user);

    const cancelled = await t.request({
      method: 'POST',
      url: `/orders/${c}/cancel`,
      user: { sub: user },
    });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    await created(user);
    await refusedAsFull(user);
    assert.equal(await status(user, d), 'PENDING');
  });

  it('frees a slot whose order was never stored or left PENDING without freeing it (a crash between the writes)', async () => {
    const user = 'cap-repair';
    const a = await created(user);
    // A crash after the transition's write and before the release: the order is CONFIRMED, its
    // slot still taken. And a crash after taking a slot, before the insert, a while ago.
    await t.orders.updateOne(
      { _id: a },
      { $set: { status: 'CONFIRMED', reservation: 'reserved' } },
    );
    const openOrders = t.orders.db.collection('open_orders');
    await openOrders.updateOne(
      { _id: user as never },
      {
        $inc: { count: 1 },
        $set: { 'slots.00000000-0000-4000-8000-000000000000': new Date(Date.now() - 3_600_000) },
      },
    );
    const doc = await openOrders.findOne({ _id: user as never });
    assert.equal(doc?.['count'], MAX_OPEN);
    // At the cap, both stale slots are found by `_id` reads and freed.
    await created(user);
    await created(user);
    await refusedAsFull(user);
  });

  it("frees the slots of orders that left PENDING with the customer's next order, also when one was freed elsewhere", async () => {
    const user = 'cap-held-back';
    const [a, b] = [await created(user), await created(user)];
    for (const id of [a, b]) {
      await broker.publish('inventory.reserved.v1', {
        orderId: id,
        lines: [{ sku: 'LAMP-1', quantity: 1 }],
      });
      await waitFor('confirmed', async () => (await status(user, id)) === 'CONFIRMED');
    }
    // Another replica's repair at the cap freed one of the two meanwhile.
    await t.orders.db.collection<OpenOrdersDocument>('open_orders').updateOne(
      { _id: user, [`slots.${b}`]: { $exists: true } },
      {
        $inc: { count: -1 },
        $unset: { [`slots.${b}`]: '' },
      },
    );
    const c = await created(user);
    assert.deepEqual(await slotsOf(user), { count: 1, orders: [c] });
    const d = await created(user);
    assert.deepEqual(await slotsOf(user), { count: 2, orders: [c, d].sort() });
    await refusedAsFull(user);
  });

  it('a replica that stops frees the slots it held back for the next order', async () => {
    const user = 'cap-stopping';
    const replica = await startOrderReplica(t.scope, {
      ORDER_RATE_LIMIT: String(RATE_LIMIT),
      ORDER_MAX_OPEN_PER_USER: String(MAX_OPEN),
    });
    try {
      const res = await replica.request({
        method: 'POST',
        url: '/orders',
        user: { sub: user },
        body: { items: [{ sku: 'LAMP-1', quantity: 1 }] },
      });
      assert.equal(res.statusCode, 201, res.body);
      const id = json<{ id: string }>(res).id;
      const confirmed = await replica.app.get(OrderTransitions).apply(id, applyReserved);
      assert.equal(confirmed.kind, 'changed');
    } finally {
      await replica.close();
    }
    assert.deepEqual(await slotsOf(user), { count: 0, orders: [] });
  });
});
