// The removal of a published outbox entry waits a moment in the relay; the aggregate's next write
// without events takes it along (`$pullAll` in the same update), so it costs no command of its
// own (decision 0030). Counted with the driver's command monitoring on the app's own connection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getConnectionToken, getModelToken } from '@nestjs/mongoose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Connection, Model } from 'mongoose';
import { OutboxWriter } from '../../src';
import {
  CommandCounter,
  describeCounts,
  withCommandMonitoring,
  type TestScope,
} from '../../src/testing';
import { ExampleOrder } from '../example/example.schemas';
import { connectDb, fileScope, Observer, placeOrders, waitFor, startExample } from '../helpers';

const ORDERS = 'example_orders';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('outbox-removals-folded');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

interface Running {
  app: NestFastifyApplication;
  writer: OutboxWriter;
  orders: Model<ExampleOrder>;
  counter: CommandCounter;
  observer: Observer;
}

async function start(name: string, removalDelayMs: number): Promise<Running> {
  const observer = await Observer.start(scope, ['order.created.v1'], `test.${name}`);
  const app = await startExample(
    scope,
    { consumers: [], outbox: { sweepAfterMs: 10_000, removalDelayMs } },
    { MONGODB_URI: withCommandMonitoring(scope.env.MONGODB_URI) },
  );
  return {
    app,
    observer,
    writer: app.get(OutboxWriter),
    orders: app.get<Model<ExampleOrder>>(getModelToken(ExampleOrder.name)),
    counter: new CommandCounter(app.get<Connection>(getConnectionToken())),
  };
}

const storedOutbox = async (id: string): Promise<unknown[]> =>
  ((await db.collection(ORDERS).findOne({ _id: id } as never))?.outbox as unknown[]) ?? [];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('removals of published entries', () => {
  test('the next write without events takes them along: no removal command of its own', async () => {
    const run = await start('folded', 4_000);
    try {
      const [id] = await placeOrders(run.app, 1, 'folded');
      await waitFor('published', () => run.observer.distinct === 1, 15_000);
      assert.equal((await storedOutbox(id!)).length, 1, 'published, its removal still waiting');

      run.counter.start();
      const after = await run.writer.update(
        run.orders,
        { _id: id, status: 'PENDING' },
        { $set: { status: 'CONFIRMED' } },
        [],
      );
      assert.equal((after as { status?: string } | null)?.status, 'CONFIRMED');
      assert.deepEqual(await storedOutbox(id!), [], 'the entry went with the write');
      await sleep(4_500); // past the removal delay: nothing is left for the relay to send
      const counts = run.counter.stop();
      assert.equal(counts.get(`findAndModify ${ORDERS}`), 1, describeCounts(counts));
      assert.equal(counts.get(`update ${ORDERS}`), undefined, describeCounts(counts));
      assert.deepEqual([...run.observer.copies.values()], [1], 'published once');
    } finally {
      await run.app.close();
      await run.observer.close();
    }
  });

  test('a write its guard refuses leaves them to the relay, which removes them', async () => {
    const run = await start('refused', 1_000);
    try {
      const [id] = await placeOrders(run.app, 1, 'refused');
      await waitFor('published', () => run.observer.distinct === 1, 15_000);
      run.counter.start();
      const after = await run.writer.update(
        run.orders,
        { _id: id, status: 'SHIPPED' },
        { $set: { status: 'CONFIRMED' } },
        [],
      );
      assert.equal(after, null, 'the guard refused');
      await waitFor(
        'removed by the relay',
        async () => (await storedOutbox(id!)).length === 0,
        10_000,
      );
      const counts = run.counter.stop();
      assert.equal(counts.get(`update ${ORDERS}`), 1, describeCounts(counts));
      const doc = await db.collection(ORDERS).findOne({ _id: id } as never);
      assert.equal(doc?.status, 'PENDING');
    } finally {
      await run.app.close();
      await run.observer.close();
    }
  });

  test('removals waiting together go out in one command; a shutdown sends them at once', async () => {
    const run = await start('batched', 8_000);
    try {
      const ids = await placeOrders(run.app, 20, 'batched');
      await waitFor('published', () => run.observer.distinct === 20, 15_000);
      run.counter.start();
      const closing = Date.now();
      await run.app.close(); // flushes the relay
      assert.ok(Date.now() - closing < 4_000, 'the removals did not wait out their delay');
      const counts = run.counter.stop();
      assert.equal(counts.get(`update ${ORDERS}`), 1, describeCounts(counts));
      for (const id of ids) assert.deepEqual(await storedOutbox(id), []);
    } finally {
      await run.app.close().catch(() => undefined);
      await run.observer.close();
    }
  });
});
