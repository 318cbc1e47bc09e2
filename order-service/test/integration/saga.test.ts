// The saga driven by real events published to the exchange, as inventory publishes them: the
// catalog copy, confirmation, rejection, duplicates and out-of-order deliveries, late
// reservations, dead letters. Every event the service emits is checked against the contracts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import amqp from 'amqplib';
import type { EventDataMap } from '@eventshop/events-contracts';
import { waitFor } from '@eventshop/service-kit/testing';
import { CatalogRepository } from '../../src/persistence/catalog.repository';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderApp, type TestApp } from '../support/order-app';

interface OrderBody {
  id: string;
  status: string;
  totalMinor: number;
  lines: { sku: string; quantity: number; unitPriceMinor: number }[];
  rejection?: { reason: string; shortLines: unknown[] };
  cancellation?: { reason: string };
}

type Product = EventDataMap['inventory.product-updated.v1'];

describe('the order saga over the real broker', () => {
  let t: TestApp;
  let broker: Broker;

  before(async () => {
    t = await startOrderApp('order-saga');
    broker = await connectBroker(t.scope.env.AMQP_URL);
  });
  after(async () => {
    assert.deepEqual(broker?.invalid(), [], 'every emitted event is valid against the contracts');
    await broker?.close();
    await t?.close();
  });

  const product = (sku: string, version: number, over: Partial<Product> = {}): Product => ({
    sku,
    name: `Product ${sku}`,
    priceMinor: 1000,
    currency: 'EUR',
    active: true,
    version,
    ...over,
  });

  async function catalogHas(sku: string, version: number) {
    const repo = t.app.get(CatalogRepository);
    await waitFor(
      `${sku} v${version} in the catalog copy`,
      async () => (await repo.findBySku(sku))?.version === version,
    );
  }

  async function order(sku: string, user = 'alice'): Promise<OrderBody> {
    const res = await t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: user },
      body: { items: [{ sku, quantity: 2 }] },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = json<OrderBody>(res);
    await broker.waitForEvents('order.created.v1', created.id);
    return created;
  }

  async function statusOf(id: string, user = 'alice'): Promise<OrderBody> {
    return json<OrderBody>(
      await t.request({ method: 'GET', url: `/orders/${id}`, user: { sub: user } }),
    );
  }

  async function untilStatus(id: string, status: string): Promise<OrderBody> {
    return waitFor(`order ${id} ${status}`, async () => {
      const o = await statusOf(id);
      return o.status === status ? o : undefined;
    });
  }

  /** Waits until the queues are idle, then says how many events of `type` the order emitted. */
  async function settledCount(type: string, id: string): Promise<number> {
    await sleep(400);
    return broker.captured().filter((e) => e.type === type && e.subject === id).length;
  }

  describe('catalog copy from inventory.product-updated.v1', () => {
    it('prices new orders from the latest version, whatever the arrival order', async () => {
      await broker.publish(
        'inventory.product-updated.v1',
        product('LAMP-1', 2, { priceMinor: 2500 }),
      );
      await catalogHas('LAMP-1', 2);
      // Older and duplicate versions arrive late: ignored.
      await broker.publish(
        'inventory.product-updated.v1',
        product('LAMP-1', 1, { priceMinor: 100 }),
      );
      await broker.publish('inventory.product-updated.v1', product('LAMP-1', 2, { priceMinor: 9 }));
      await broker.publish(
        'inventory.product-updated.v1',
        product('LAMP-1', 3, { priceMinor: 3000 }),
      );
      await catalogHas('LAMP-1', 3);
      const o = await order('LAMP-1');
      assert.deepEqual(o.lines, [{ sku: 'LAMP-1', quantity: 2, unitPriceMinor: 3000 }]);
      assert.equal(o.totalMinor, 6000);
    });

    it('a product made inactive can no longer be ordered; an older active version does not revive it', async () => {
      await broker.publish('inventory.product-updated.v1', product('DESK-1', 1));
      await broker.publish('inventory.product-updated.v1', product('DESK-1', 2, { active: false }));
      await catalogHas('DESK-1', 2);
      await broker.publish('inventory.product-updated.v1', product('DESK-1', 1));
      await sleep(300);
      const res = await t.request({
        method: 'POST',
        url: '/orders',
        user: {},
        body: { items: [{ sku: 'DESK-1', quantity: 1 }] },
      });
      assert.equal(res.statusCode, 422);
      assert.deepEqual(json(res)['skus'], [{ sku: 'DESK-1', reason: 'inactive' }]);
    });
  });

  describe('reservation outcomes', () => {
    before(async () => {
      await broker.publish(
        'inventory.product-updated.v1',
        product('BOOK-1', 1, { priceMinor: 1500 }),
      );
      await catalogHas('BOOK-1', 1);
    });

    it('inventory.reserved.v1 → CONFIRMED with order.confirmed.v1, correlated with the order', async () => {
      const o = await order('BOOK-1');
      const [created] = await broker.waitForEvents('order.created.v1', o.id);
      const reserved = await broker.publish(
        'inventory.reserved.v1',
        { orderId: o.id, lines: [{ sku: 'BOOK-1', quantity: 2 }] },
        { correlationid: created!.correlationid },
      );
      await untilStatus(o.id, 'CONFIRMED');
      const [confirmed] = await broker.waitForEvents('order.confirmed.v1', o.id);
      assert.equal(confirmed?.correlationid, created?.correlationid);
      assert.equal(confirmed?.causationid, reserved.id);
      assert.equal(confirmed?.type === 'order.confirmed.v1' && confirmed.data.totalMinor, 3000);
    });

    it('inventory.reservation-failed.v1 → REJECTED with order.rejected.v1 carrying the short lines', async () => {
      const o = await order('BOOK-1');
      const shortLines = [{ sku: 'BOOK-1', requested: 2, available: 1 }];
      await broker.publish('inventory.reservation-failed.v1', {
        orderId: o.id,
        reason: 'insufficient_stock',
        shortLines,
      });
      const rejected = await untilStatus(o.id, 'REJECTED');
      assert.deepEqual(rejected.rejection, { reason: 'insufficient_stock', shortLines });
      const [event] = await broker.waitForEvents('order.rejected.v1', o.id);
      assert.ok(event?.type === 'order.rejected.v1');
      assert.equal(event.data.reason, 'insufficient_stock');
      assert.deepEqual(event.data.shortLines, shortLines);
    });

    it('a duplicate delivery (same event id) confirms once and emits once', async () => {
      const o = await order('BOOK-1');
      const id = randomUUID();
      const data = { orderId: o.id, lines: [{ sku: 'BOOK-1', quantity: 2 }] };
      await broker.publish('inventory.reserved.v1', data, { id });
      await broker.publish('inventory.reserved.v1', data, { id });
      await broker.publish('inventory.reserved.v1', data, { id });
      await untilStatus(o.id, 'CONFIRMED');
      assert.equal(await settledCount('order.confirmed.v1', o.id), 1);
    });

    it('a second answer with another id (reserved twice, or failed after reserved) changes nothing', async () => {
      const o = await order('BOOK-1');
      const data = { orderId: o.id, lines: [{ sku: 'BOOK-1', quantity: 2 }] };
      await broker.publish('inventory.reserved.v1', data);
      await untilStatus(o.id, 'CONFIRMED');
      await broker.publish('inventory.reserved.v1', data);
      await broker.publish('inventory.reservation-failed.v1', {
        orderId: o.id,
        reason: 'insufficient_stock',
        shortLines: [],
      });
      assert.equal(await settledCount('order.confirmed.v1', o.id), 1);
      assert.equal(await settledCount('order.rejected.v1', o.id), 0);
      assert.equal((await statusOf(o.id)).status, 'CONFIRMED');
    });

    it('a reservation after the customer cancelled → order.cancelled.v1 (late_reservation), once', async () => {
      const o = await order('BOOK-1');
      const cancel = await t.request({
        method: 'POST',
        url: `/orders/${o.id}/cancel`,
        user: { sub: 'alice' },
      });
      assert.equal(cancel.statusCode, 200);
      const data = { orderId: o.id, lines: [{ sku: 'BOOK-1', quantity: 2 }] };
      await broker.publish('inventory.reserved.v1', data);
      const events = await broker.waitForEvents('order.cancelled.v1', o.id, 2);
      assert.deepEqual(
        events.map((e) => e.type === 'order.cancelled.v1' && e.data.reason),
        ['customer', 'late_reservation'],
      );
      await broker.publish('inventory.reserved.v1', data);
      assert.equal(
        await settledCount('order.cancelled.v1', o.id),
        2,
        'compensation is emitted once',
      );
      assert.equal((await statusOf(o.id)).status, 'CANCELLED');
      assert.equal(await settledCount('order.confirmed.v1', o.id), 0);
    });

    it('a reservation after a rejection → order.cancelled.v1 (late_reservation)', async () => {
      const o = await order('BOOK-1');
      await broker.publish('inventory.reservation-failed.v1', {
        orderId: o.id,
        reason: 'unknown_product',
        shortLines: [],
      });
      await untilStatus(o.id, 'REJECTED');
      await broker.publish('inventory.reserved.v1', {
        orderId: o.id,
        lines: [{ sku: 'BOOK-1', quantity: 2 }],
      });
      const [late] = await broker.waitForEvents('order.cancelled.v1', o.id);
      assert.equal(late?.type === 'order.cancelled.v1' && late.data.reason, 'late_reservation');
      assert.equal((await statusOf(o.id)).status, 'REJECTED');
    });

    it('a refusal after the customer cancelled changes nothing and emits nothing', async () => {
      const o = await order('BOOK-1');
      await t.request({ method: 'POST', url: `/orders/${o.id}/cancel`, user: { sub: 'alice' } });
      await broker.publish('inventory.reservation-failed.v1', {
        orderId: o.id,
        reason: 'order_cancelled',
        shortLines: [],
      });
      assert.equal(await settledCount('order.rejected.v1', o.id), 0);
      assert.equal(await settledCount('order.cancelled.v1', o.id), 1);
      assert.equal((await statusOf(o.id)).status, 'CANCELLED');
    });

    it('a CONFIRMED order can be cancelled by its owner', async () => {
      const o = await order('BOOK-1');
      await broker.publish('inventory.reserved.v1', {
        orderId: o.id,
        lines: [{ sku: 'BOOK-1', quantity: 2 }],
      });
      await untilStatus(o.id, 'CONFIRMED');
      const res = await t.request({
        method: 'POST',
        url: `/orders/${o.id}/cancel`,
        user: { sub: 'alice' },
      });
      assert.equal(res.statusCode, 200);
      const [cancelled] = await broker.waitForEvents('order.cancelled.v1', o.id);
      assert.equal(cancelled?.type === 'order.cancelled.v1' && cancelled.data.reason, 'customer');
    });
  });

  describe('races between the customer and inventory', () => {
    it('cancel and reservation at the same moment: one consistent outcome per order, and inventory is always told to release', async () => {
      // Both writers go through the revision guard: whichever lands second re-reads and decides
      // again, so no write is lost (each conditional write is atomic on the server).
      const orders = await Promise.all(Array.from({ length: 8 }, () => order('BOOK-1', 'racer')));
      await Promise.all(
        orders.flatMap((o) => [
          t.request({ method: 'POST', url: `/orders/${o.id}/cancel`, user: { sub: 'racer' } }),
          broker.publish('inventory.reserved.v1', {
            orderId: o.id,
            lines: [{ sku: 'BOOK-1', quantity: 2 }],
          }),
        ]),
      );
      for (const o of orders) {
        const final = await waitFor(`order ${o.id} settled`, async () => {
          const s = await statusOf(o.id, 'racer');
          const events = broker.captured().filter((e) => e.subject === o.id);
          const confirmed = events.some((e) => e.type === 'order.confirmed.v1');
          const late = events.some(
            (e) => e.type === 'order.cancelled.v1' && e.data.reason === 'late_reservation',
          );
          // The customer's cancellation is published by the relay, possibly after the outcome.
          const cancelled = events.some(
            (e) => e.type === 'order.cancelled.v1' && e.data.reason === 'customer',
          );
          return s.status === 'CANCELLED' && cancelled && (confirmed || late)
            ? { confirmed, late }
            : undefined;
        });
        // Cancelled by the customer either after confirmation, or before the reservation (then
        // the reservation is compensated). Never both, never neither.
        assert.notEqual(final.confirmed, final.late, `order ${o.id}`);
        const customer = broker
          .captured()
          .filter(
            (e) =>
              e.subject === o.id && e.type === 'order.cancelled.v1' && e.data.reason === 'customer',
          );
        // At least once: a relay may publish an entry again (same event id) before removing it.
        const ids = new Set(customer.map((e) => e.id));
        assert.equal(
          ids.size,
          1,
          `order ${o.id}: one customer cancellation (event ids ${[...ids].join(', ')})`,
        );
      }
    });
  });

  describe('dead letters', () => {
    it('an answer for an unknown order and a malformed message are parked in the DLQ; the consumer goes on', async () => {
      const connection = await amqp.connect(t.scope.env.AMQP_URL);
      const channel = await connection.createChannel();
      try {
        const dlq = 'order.inventory-events.dlq';
        const before = (await channel.checkQueue(dlq)).messageCount;
        await broker.publish('inventory.reserved.v1', {
          orderId: randomUUID(),
          lines: [{ sku: 'BOOK-1', quantity: 1 }],
        });
        await broker.publishRaw('inventory.reserved.v1', '{"not": "a cloud event"');
        await waitFor(
          'two parked messages',
          async () => (await channel.checkQueue(dlq)).messageCount === before + 2,
        );
        // Still consuming:
        const o = await order('BOOK-1');
        await broker.publish('inventory.reserved.v1', {
          orderId: o.id,
          lines: [{ sku: 'BOOK-1', quantity: 2 }],
        });
        await untilStatus(o.id, 'CONFIRMED');
      } finally {
        await channel.close();
        await connection.close();
      }
    });
  });

  describe('metrics', () => {
    it('counts orders per status and observes the saga duration per outcome', async () => {
      const res = await t.request({ method: 'GET', url: '/metrics', user: null });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /eventshop_orders_total\{status="PENDING"\} \d+/);
      assert.match(res.body, /eventshop_orders_total\{status="CONFIRMED"\} \d+/);
      assert.match(res.body, /eventshop_orders_total\{status="REJECTED"\} \d+/);
      assert.match(res.body, /eventshop_orders_total\{status="CANCELLED"\} \d+/);
      assert.match(res.body, /eventshop_saga_duration_seconds_count\{outcome="confirmed"\} [1-9]/);
      assert.match(res.body, /eventshop_saga_duration_seconds_count\{outcome="rejected"\} [1-9]/);
    });
  });
});
