// A database outage longer than every retry tier (here 200ms/400ms/600ms) is not poison: the
// consumer holds what it cannot handle until MongoDB is back, and nothing reaches the DLQ.
// Needs a way to stop the database: INFRA_CTL with AMQP_URL/MONGODB_URI (the pipeline sets
// it), or containers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createEvent } from '@eventshop/events-contracts';
import type { Connection } from 'mongoose';
import { deadLetterQueueName } from '../../src';
import { testInfra, type TestScope } from '../../src/testing';
import { EXAMPLE_QUEUE } from '../example/example.module';
import { connectDb, fileScope, publishRaw, queueDepth, startExample, waitFor } from '../helpers';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('dboutage');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

function orderCreated() {
  const orderId = randomUUID();
  return createEvent('order.created.v1', {
    source: '/test',
    subject: orderId,
    data: {
      orderId,
      userId: 'outage',
      email: 'user@example.com',
      currency: 'EUR',
      totalMinor: 500,
      lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 }],
      createdAt: new Date().toISOString(),
    },
  });
}

test(
  'events consumed while MongoDB is down are handled once it is back, none dead-lettered',
  { timeout: 240_000 },
  async () => {
    const infra = await testInfra();
    const app = await startExample(
      scope,
      {},
      { LOG_LEVEL: 'fatal', MONGODB_WATCHDOG_INTERVAL_MS: '1s' },
    );
    const events = Array.from({ length: 5 }, orderCreated);
    try {
      await infra.stop('mongodb');
      try {
        for (const e of events) await publishRaw(scope, e.type, JSON.stringify(e), e.id);
        // Far longer than the three tiers together (1.2 s).
        await new Promise((r) => setTimeout(r, 15_000));
      } finally {
        await infra.start('mongodb');
      }
      await waitFor(
        'every order recorded',
        async () => {
          const ids = events.map((e) => e.data.orderId);
          const n = await db
            .collection('example_ledger')
            .countDocuments({ _id: { $in: ids } } as never);
          return n === events.length;
        },
        90_000,
        500,
      );
      assert.equal(await queueDepth(scope, deadLetterQueueName(EXAMPLE_QUEUE)), 0, 'DLQ empty');
    } finally {
      await infra.start('mongodb').catch(() => undefined);
      await app.close();
    }
  },
);
