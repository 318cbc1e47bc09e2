// The relay's bookkeeping with a fake broker and a fake collection: what is published, when it
// is removed, and how failures are retried (never in a hot loop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent } from '@eventshop/events-contracts';
import type { Collection, Connection } from 'mongoose';
import { MetricsService, OutboxRelay, toOutboxEntries } from '../../src';
import { MessagingMetrics } from '../../src/metrics/messaging-metrics';
import type { Publisher } from '../../src/messaging/publisher';

const orderId = '3c9d0b7e-1f2a-4e5b-9c8d-7a6b5c4d3e2f';
const events = (n: number) =>
  Array.from({ length: n }, () =>
    createEvent('order.cancelled.v1', {
      source: '/order-service',
      subject: orderId,
      data: {
        orderId,
        userId: 'u',
        email: 'u@example.com',
        currency: 'EUR',
        totalMinor: 1,
        lines: [{ sku: 'A', quantity: 1, unitPriceMinor: 1 }],
        reason: 'customer',
      },
    }),
  );

function setup(opts: { failRemovals?: number; failPublishes?: number } = {}) {
  const published: string[] = [];
  let publishFailures = opts.failPublishes ?? 0;
  const publisher = {
    connected: true,
    publishEvent: async (e: { id: string }) => {
      await new Promise((r) => setTimeout(r, 1));
      if (publishFailures-- > 0) throw new Error('message nacked');
      published.push(e.id);
    },
  } as unknown as Publisher;
  const removals: unknown[][] = [];
  let removalFailures = opts.failRemovals ?? 0;
  const collection = {
    collectionName: 'orders',
    bulkWrite: async (ops: unknown[]) => {
      if (removalFailures-- > 0) throw new Error('connection closed');
      removals.push(ops);
    },
  } as unknown as Collection;
  const relay = new OutboxRelay(
    { models: {} } as unknown as Connection,
    publisher,
    new MessagingMetrics(new MetricsService(), { service: 'svc' }),
    { service: 'svc', outbox: { window: 3 } },
  );
  return { relay, published, removals, collection };
}

test('a kick publishes every entry once and removes them with one $pullAll of the exact entries', async () => {
  const { relay, published, removals, collection } = setup();
  const entries = toOutboxEntries(events(5));
  relay.kick({ collection }, { _id: orderId, outbox: entries });
  relay.kick({ collection }, { _id: orderId, outbox: entries }); // a second kick: nothing twice
  assert.equal(await relay.flush(2_000), true);
  assert.deepEqual(published.sort(), entries.map((e) => e.id).sort());
  const pulled = removals.flatMap((ops) =>
    (
      ops as {
        updateOne: { filter: { _id: string }; update: { $pullAll: { outbox: unknown[] } } };
      }[]
    ).flatMap((o) => o.updateOne.update.$pullAll.outbox),
  );
  assert.deepEqual(
    (pulled as { id: string }[]).map((e) => e.id).sort(),
    entries.map((e) => e.id).sort(),
  );
  assert.deepEqual(Object.keys(pulled[0] as object), ['id', 'type', 'payload', 'createdAt']);
});

test('a failed removal is retried after a pause, not in a loop, and nothing is re-published', async () => {
  const { relay, published, removals, collection } = setup({ failRemovals: 2 });
  const entries = toOutboxEntries(events(2));
  relay.kick({ collection }, { _id: orderId, outbox: entries });
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(removals.length, 0, 'still failing after one retry');
  assert.equal(await relay.flush(3_000), true);
  assert.equal(removals.length, 1);
  assert.equal(published.length, 2, 'confirmed entries are not published again');
});

test('a refused publish leaves the entry pending; after shutdown nothing more happens', async () => {
  const { relay, published, removals, collection } = setup({ failPublishes: 1 });
  const [entry] = toOutboxEntries(events(1));
  relay.kick({ collection }, { _id: orderId, outbox: [entry] });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(published.length, 0);
  assert.equal(removals.length, 0, 'not removed without a confirm');
  relay.kick({ collection }, { _id: orderId, outbox: [entry] }); // the sweeper would offer it again
  assert.equal(await relay.flush(3_000), true);
  assert.deepEqual(published, [entry!.id]);
  relay.onApplicationShutdown();
  relay.kick({ collection }, { _id: orderId, outbox: toOutboxEntries(events(1)) });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(published.length, 1, 'a closed relay publishes nothing');
});
