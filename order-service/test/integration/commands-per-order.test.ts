// The database commands one order costs this service, counted on its own connection against
// the real database and broker: POST /orders with an Idempotency-Key for two lines, the relay's
// removal of order.created.v1 after its confirm, inventory.reserved.v1 handled, and the relay's
// removal of order.confirmed.v1. The timers that read on their own (the relay's sweep, the
// pending-timeout sweep) are stopped first, so the count is the order's alone. Upper bounds:
// a change that adds a command per order fails here.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { Connection, Model } from 'mongoose';
import { MetricsService, OutboxRelay } from '@eventshop/service-kit';
import {
  CommandCounter,
  type CommandCounts,
  describeCounts,
  testInfra,
  type TestScope,
  total,
  waitFor,
  withCommandMonitoring,
} from '@eventshop/service-kit/testing';
import { Sweepers } from '../../src/orders/sweepers';
import { CATALOG_MODEL, type CatalogDocument } from '../../src/persistence/catalog.schema';
import { connectBroker, type Broker } from '../support/broker';
import { json, startOrderReplica, type TestApp } from '../support/order-app';

const LINES = [
  { sku: 'CMD-1', quantity: 1 },
  { sku: 'CMD-2', quantity: 2 },
];

describe('database commands per order', () => {
  let scope: TestScope;
  let t: TestApp;
  let broker: Broker;
  let counter: CommandCounter;
  let relay: OutboxRelay;

  before(async () => {
    scope = await (await testInfra()).scope('commands-per-order');
    t = await startOrderReplica(scope, {
      MONGODB_URI: withCommandMonitoring(scope.env.MONGODB_URI),
    });
    broker = await connectBroker(scope.env.AMQP_URL);
    relay = t.app.get(OutboxRelay);
    // No background reads in the counted windows: the relay's start sweep is awaited and its
    // timers stopped (publishing after a write goes on), the pending-timeout timer stopped.
    assert.ok(await relay.flush(10_000));
    await t.app.get(Sweepers).beforeApplicationShutdown();
    // Straight into the collection, as another replica would have applied the updates: the
    // first order reads the catalog copy, it is not held from the seeding.
    await t.app.get<Model<CatalogDocument>>(getModelToken(CATALOG_MODEL)).collection.insertMany(
      LINES.map(({ sku }) => ({
        _id: sku,
        name: `Product ${sku}`,
        priceMinor: 700,
        currency: 'EUR',
        active: true,
        version: 1,
        updatedAt: new Date(),
      })) as never,
    );
    counter = new CommandCounter(t.app.get<Connection>(getConnectionToken()));
  });
  after(async () => {
    await broker?.close();
    await t?.close();
    await scope?.dispose();
  });

  async function acks(type: string): Promise<number> {
    const metric = t.app
      .get(MetricsService)
      .registry.getSingleMetric('eventshop_events_consumed_total');
    const values = metric ? (await metric.get()).values : [];
    return values
      .filter((v) => v.labels['type'] === type && v.labels['outcome'] === 'ack')
      .reduce((sum, v) => sum + v.value, 0);
  }

  /** Publishes an event as inventory does and waits until this service acknowledged it. */
  async function handled(publish: () => Promise<unknown>, type: string): Promise<void> {
    const before = await acks(type);
    await publish();
    await waitFor(`${type} acknowledged`, async () => (await acks(type)) > before);
  }

  /** One order from POST to CONFIRMED, counted; returns the order, its reservation and the counts. */
  async function countedOrder(
    customer: string,
  ): Promise<{ id: string; reserved: AnyCloudEvent; counts: CommandCounts }> {
    counter.start();
    const res = await t.request({
      method: 'POST',
      url: '/orders',
      user: { sub: customer },
      headers: { 'idempotency-key': randomUUID() },
      body: { items: LINES },
    });
    assert.equal(res.statusCode, 201, res.body);
    const { id } = json<{ id: string }>(res);
    await broker.waitForEvents('order.created.v1', id);
    assert.ok(await relay.flush(10_000), 'order.created.v1 removed from the outbox');
    let reserved!: AnyCloudEvent;
    await handled(async () => {
      reserved = await broker.publish('inventory.reserved.v1', { orderId: id, lines: LINES });
    }, 'inventory.reserved.v1');
    await broker.waitForEvents('order.confirmed.v1', id);
    assert.ok(await relay.flush(10_000), 'order.confirmed.v1 removed from the outbox');
    return { id, reserved, counts: counter.stop() };
  }

  function report(c: TestContext, title: string, counts: CommandCounts): void {
    c.diagnostic(`${title}:\n${describeCounts(counts)}`);
  }

  it("a customer's first order, then their next one: POST with an Idempotency-Key to CONFIRMED", async (c) => {
    const customer = `commands-${randomUUID()}`;
    const first = await countedOrder(customer);
    report(c, 'first order of a customer', first.counts);
    const next = await countedOrder(customer);
    report(c, 'next order of the same customer', next.counts);
    assert.ok(total(first.counts) <= 8, `first order: ${total(first.counts)} commands`);
    assert.ok(total(next.counts) <= 6, `next order: ${total(next.counts)} commands`);
  });

  it('the reservation delivered again (same event id) changes nothing', async (c) => {
    const { id, reserved } = await countedOrder(`commands-${randomUUID()}`);
    const before = await t.orders.findById(id).lean().exec();
    counter.start();
    await handled(
      () => broker.publish('inventory.reserved.v1', reserved.data as never, { id: reserved.id }),
      'inventory.reserved.v1',
    );
    assert.ok(await relay.flush(10_000));
    const counts = counter.stop();
    report(c, 'inventory.reserved.v1 delivered again', counts);
    const after = await t.orders.findById(id).lean().exec();
    assert.equal(after?.status, 'CONFIRMED');
    assert.equal(after?.revision, before?.revision, 'the order was not written');
    const confirmed = broker
      .captured()
      .filter((e) => e.type === 'order.confirmed.v1' && e.subject === id);
    assert.equal(new Set(confirmed.map((e) => e.id)).size, 1, 'confirmed once');
    assert.ok(total(counts) <= 1, `duplicate: ${total(counts)} commands`);
  });
});
