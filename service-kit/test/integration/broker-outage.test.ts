// A broker outage in the middle of a publish stream: RabbitMQ is stopped while orders keep being
// accepted, then started again; every entry must reach the exchange. Needs a way to stop the
// broker: INFRA_CTL with AMQP_URL/MONGODB_URI (the pipeline sets it), or containers.
// After the broker is back the relay removes hundreds of confirmed entries at once; FerretDB 1.x
// deadlocks on an `update` command of 100 or more statements (each holds a pooled connection
// until the command ends), so the relay sends at most 25 per command.
// Atomicity as in outbox-relay.test.ts: one connection per process.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import amqp from 'amqplib';
import type { Connection } from 'mongoose';
import { testInfra, type TestScope } from '../../src/testing';
import {
  connectDb,
  fileScope,
  Observer,
  pendingOutbox,
  placeOrders,
  startExample,
  waitFor,
} from '../helpers';

const ORDERS = 'example_orders';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('outage');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

describe('outbox relay under a broker outage', () => {
  test(
    'RabbitMQ stopped and started mid-stream: every entry is eventually published',
    { timeout: 240_000 },
    async () => {
      const infra = await testInfra();
      const queue = 'test.outage';
      await (await Observer.start(scope, ['order.created.v1'], queue)).close(); // durable, bound
      const app = await startExample(
        scope,
        { consumers: [] },
        { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
      );
      const ids: string[] = [];
      try {
        ids.push(...(await placeOrders(app, 50, 'before')));
        const stopping = infra.stop('rabbitmq');
        // Writes keep being accepted while the broker goes away and is gone.
        for (let i = 0; i < 100; i++) {
          ids.push(...(await placeOrders(app, 1, 'during')));
          await new Promise((r) => setTimeout(r, 20));
        }
        await stopping;
        // The fault really happened (INFRA_CTL stopped the broker this test talks to).
        await assert.rejects(amqp.connect(scope.env.AMQP_URL), 'the broker is down');
        ids.push(...(await placeOrders(app, 50, 'down')));
        assert.ok((await pendingOutbox(db, ORDERS)) > 0, 'some entries wait for the broker');
        await infra.start('rabbitmq');
        await waitFor(
          'all entries published',
          async () => (await pendingOutbox(db, ORDERS)) === 0,
          120_000,
          500,
        );
      } finally {
        await app.close();
      }
      // Count what reached the durable observer queue.
      const conn = await amqp.connect(scope.env.AMQP_URL);
      const ch = await conn.createChannel();
      const seen = new Set<string>();
      for (;;) {
        const m = await ch.get(queue, { noAck: true });
        if (!m) break;
        seen.add((JSON.parse(m.content.toString()) as { subject: string }).subject);
      }
      await conn.close();
      const missing = ids.filter((id) => !seen.has(id));
      assert.equal(ids.length, 200);
      assert.deepEqual(missing, [], 'no entry lost');
    },
  );
});
