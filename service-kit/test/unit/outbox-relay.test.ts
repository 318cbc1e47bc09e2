// The relay's bookkeeping with a fake broker and a fake collection: what is published, when it
// is removed, and how failures are retried (never in a hot loop).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent } from '@eventshop/events-contracts';
import { Schema, type Collection, type Connection } from 'mongoose';
import {
  MetricsService,
  OutboxRelay,
  safetySweepIntervalMs,
  toOutboxEntries,
  withOutbox,
  type OutboxEntry,
} from '../../src';
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
  let reads = 0;
  const collection = {
    collectionName: 'orders',
    bulkWrite: async (ops: unknown[]) => {
      if (removalFailures-- > 0) throw new Error('connection closed');
      removals.push(ops);
    },
    find: () => {
      reads++;
      return { toArray: async () => [] };
    },
  } as unknown as Collection;
  const relay = new OutboxRelay(
    { models: {} } as unknown as Connection,
    publisher,
    new MessagingMetrics(new MetricsService(), { service: 'svc' }),
    { service: 'svc', outbox: { window: 3 } },
  );
  return { relay, published, removals, collection, reads: () => reads };
}

type UpdateOp = {
  updateOne: { filter: { _id: string }; update: { $pullAll: { outbox: OutboxEntry[] } } };
};

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

test('removals go out in commands of at most 25 documents (FerretDB deadlocks at 100)', async () => {
  const { relay, removals, collection } = setup();
  const ids: string[] = [];
  for (let i = 0; i < 130; i++) {
    const entries = toOutboxEntries(events(1));
    ids.push(entries[0]!.id);
    relay.kick({ collection }, { _id: `order-${i}`, outbox: entries });
  }
  assert.equal(await relay.flush(5_000), true);
  assert.ok(removals.length >= 6);
  assert.ok(
    removals.every((ops) => ops.length <= 25),
    'no command over 25 statements',
  );
  const pulled = removals.flatMap((ops) =>
    (ops as UpdateOp[]).flatMap((o) => o.updateOne.update.$pullAll.outbox.map((e) => e.id)),
  );
  assert.deepEqual(pulled.sort(), ids.sort());
});

test('a refused publish is offered again from memory, with back-off, without reading the database', async () => {
  const { relay, published, collection, reads } = setup({ failPublishes: 3 });
  const [entry] = toOutboxEntries(events(1));
  const started = Date.now();
  relay.kick({ collection }, { _id: orderId, outbox: [entry] });
  assert.equal(await relay.flush(5_000), true);
  assert.deepEqual(published, [entry!.id]);
  // 250 + 500 + 1000 ms of back-off before the fourth try.
  assert.ok(Date.now() - started >= 1_700, 'backed off between the tries');
  assert.equal(reads(), 0, 'no sweep involved');
});

test('the start sweep publishes what a crash left, and looks once more when a young entry is due', async () => {
  const published: string[] = [];
  const publisher = {
    connected: true,
    publishEvent: async (e: { id: string }) => void published.push(e.id),
  } as unknown as Publisher;
  const [old] = toOutboxEntries(events(1), new Date(Date.now() - 60_000));
  const [young] = toOutboxEntries(events(1));
  const stored = new Map<string, OutboxEntry[]>([
    ['a', [old!]],
    ['b', [young!]],
  ]);
  let reads = 0;
  const collection = {
    collectionName: 'orders',
    find: () => {
      reads++;
      const docs = [...stored].filter(([, o]) => o.length > 0);
      return { toArray: async () => docs.map(([_id, outbox]) => ({ _id, outbox: [...outbox] })) };
    },
    bulkWrite: async (ops: UpdateOp[]) => {
      for (const { updateOne: u } of ops) {
        const gone = new Set(u.update.$pullAll.outbox.map((e) => e.id));
        stored.set(
          u.filter._id,
          stored.get(u.filter._id)!.filter((e) => !gone.has(e.id)),
        );
      }
    },
  } as unknown as Collection;
  const schema = withOutbox(new Schema({ _id: String }));
  const relay = new OutboxRelay(
    { models: { Order: { schema, collection } } } as unknown as Connection,
    publisher,
    new MessagingMetrics(new MetricsService(), { service: 'svc' }),
    { service: 'svc', outbox: { sweepAfterMs: 400 } },
  );
  try {
    relay.onApplicationBootstrap();
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(published, [old!.id], 'the old entry at once; the young one is left');
    assert.equal(reads, 1);
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(published, [old!.id, young!.id], 'the young one once it was due');
    assert.equal(reads, 2, 'one more read, then none until the safety interval');
    assert.equal(await relay.flush(2_000), true);
    assert.deepEqual([...stored.values()].flat(), [], 'both removed');
  } finally {
    relay.onApplicationShutdown();
  }
});

test('the safety-net sweep runs every minute on MongoDB, every 5 minutes on FerretDB (a scan there)', () => {
  assert.equal(safetySweepIntervalMs(undefined, {}), 60_000);
  assert.equal(safetySweepIntervalMs({}, { ferretdbVersion: 'v1.24.2+atomic-writes' }), 300_000);
  assert.equal(
    safetySweepIntervalMs({ sweepIntervalMs: 10_000 }, { ferretdbVersion: 'v1.24.2' }),
    10_000,
    'a configured interval applies on every server',
  );
});
