// The relay's sweep reads only entries older than its lease (`sweepAfterMs`). Younger ones are
// their writer's (with two replicas, the other pod is publishing them); reading them anyway
// filled the sweep's one batch of documents with another pod's fresh work, so an entry left
// behind by a crash, stored after them, was never reached while fresh writes kept coming.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEvent } from '@eventshop/events-contracts';
import type { Connection } from 'mongoose';
import { toOutboxEntries } from '../../src';
import { OutboxRelay } from '../../src/messaging/outbox/outbox-relay';
import type { TestScope } from '../../src/testing';
import { connectDb, fileScope, Observer, startExample, waitFor } from '../helpers';

const ORDERS = 'example_orders';
/** One more than the documents a sweep reads in one batch. */
const FRESH_DOCS = 1_000;

let scope: TestScope;
let db: Connection;
let app: NestFastifyApplication | undefined;
let observer: Observer | undefined;

before(async () => {
  scope = await fileScope('outbox-sweep-lease');
  db = await connectDb(scope);
});
after(async () => {
  await app?.close();
  await observer?.close();
  await db?.close();
  await scope?.dispose();
});

function orderDoc(createdAt: Date): {
  _id: string;
  status: string;
  totalMinor: number;
  outbox: unknown[];
} {
  const id = randomUUID();
  const event = createEvent('order.created.v1', {
    source: '/example-service',
    subject: id,
    data: {
      orderId: id,
      userId: 'u-1',
      email: 'a@example.com',
      currency: 'EUR',
      totalMinor: 100,
      lines: [{ sku: 'A-1', quantity: 1, unitPriceMinor: 100 }],
      createdAt: createdAt.toISOString(),
    },
  });
  return {
    _id: id,
    status: 'PENDING',
    totalMinor: 100,
    outbox: toOutboxEntries([event], createdAt),
  };
}

test('a sweep reaches an old entry behind a full batch of fresh ones another writer holds', async () => {
  // Another pod's fresh entries first (its own relay publishes them), then one a crash left.
  const now = new Date();
  const fresh = Array.from({ length: FRESH_DOCS }, () => orderDoc(now));
  await db.collection(ORDERS).insertMany(fresh as never[]);
  const old = orderDoc(new Date(now.getTime() - 10 * 60_000));
  await db.collection(ORDERS).insertOne(old as never);

  observer = await Observer.start(scope, ['order.created.v1'], 'test.sweep-lease');
  // A lease of a minute: the fresh entries stay the other writer's for this whole test.
  app = await startExample(scope, {
    consumers: [],
    outbox: { sweepAfterMs: 60_000, sweepIntervalMs: 600_000 },
  });
  await app.get(OutboxRelay).sweep();
  await waitFor('the old entry published', () => observer!.distinct >= 1, 15_000);
  await app.get(OutboxRelay).flush(5_000);
  const seen = [...observer.copies.keys()];
  assert.deepEqual(seen, [(old.outbox[0] as { id: string }).id], 'only the old entry');
});
