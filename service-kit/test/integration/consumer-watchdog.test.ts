// golevelup does not re-attach a consumer whose queue was deleted (and maybe re-created): the
// kit's watchdog must, and readiness must say so until it has.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Connection } from 'mongoose';
import type { TestScope } from '../../src/testing';
import { workQueue } from '../../src/messaging/topology';
import { EXAMPLE_QUEUE } from '../example/example.module';
import { connectDb, fileScope, startExample, waitFor } from '../helpers';

let scope: TestScope;
let db: Connection;
let app: NestFastifyApplication;
let conn: ChannelModel;

before(async () => {
  scope = await fileScope('watchdog');
  db = await connectDb(scope);
  app = await startExample(scope, {}, { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' });
  conn = await amqp.connect(scope.env.AMQP_URL);
  conn.on('error', () => undefined);
});
after(async () => {
  await conn?.close().catch(() => undefined);
  await app?.close();
  await db?.close();
  await scope?.dispose();
});

/** Each broker call on a channel of its own: a 404 closes only that one. */
async function onChannel<R>(fn: (c: Channel) => Promise<R>): Promise<R> {
  const c = await conn.createChannel();
  c.on('error', () => undefined);
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => undefined);
  }
}

async function consumers(): Promise<number> {
  return onChannel(async (c) => (await c.checkQueue(EXAMPLE_QUEUE)).consumerCount);
}

async function placeAndAwait(): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
  assert.equal(res.statusCode, 201);
  const { id } = res.json<{ id: string }>();
  await waitFor(
    'order handled',
    () => db.collection('example_ledger').findOne({ _id: id } as never),
    15_000,
  );
}

/** The broker's health (not readiness: a pod serves HTTP whatever its consumers do). */
async function brokerHealth(): Promise<number> {
  return (await app.inject({ method: 'GET', url: '/health/broker' })).statusCode;
}

describe('consumer watchdog', () => {
  test('a queue deleted and re-declared under its consumer gets it back', async () => {
    assert.equal(await consumers(), 1);
    await onChannel((c) => c.deleteQueue(EXAMPLE_QUEUE));
    // Someone (an operator, a topology reconcile) declares it again a moment later, without
    // bindings. (Re-declared in the same instant, RabbitMQ 3.10 may instead keep a consumer
    // registered on the new queue that never receives anything; see the kit's README.)
    await new Promise((r) => setTimeout(r, 300));
    await onChannel((c) =>
      c.assertQueue(EXAMPLE_QUEUE, {
        durable: true,
        arguments: workQueue(EXAMPLE_QUEUE).arguments,
      }),
    );
    await waitFor('consumer re-attached', async () => (await consumers()) === 1, 15_000);
    await waitFor('healthy again', async () => (await brokerHealth()) === 200, 15_000);
    await placeAndAwait(); // the binding is back too: events reach the queue and are handled
  });

  test('a queue deleted and not re-declared is declared again by the watchdog', async () => {
    await onChannel((c) => c.deleteQueue(EXAMPLE_QUEUE));
    await waitFor(
      'queue and consumer back',
      async () => (await consumers().catch(() => 0)) === 1,
      15_000,
    );
    await placeAndAwait();
  });

  test('the consumer comes back each time, not only the first', async () => {
    for (let i = 0; i < 2; i++) {
      await onChannel((c) => c.deleteQueue(EXAMPLE_QUEUE));
      await waitFor(
        `consumer back (${i + 1})`,
        async () => (await consumers().catch(() => 0)) === 1,
        15_000,
      );
    }
    await placeAndAwait();
    assert.equal(await brokerHealth(), 200);
  });

  test('/health/broker reports a topology that cannot be declared as needed, and recovers', async () => {
    // Someone replaces the DLQ with a queue of other arguments: the watchdog's periodic
    // reconcile cannot declare it; the broker's health says so until the queue is fixed, while
    // the pod stays ready (it still serves HTTP).
    const dlq = `${EXAMPLE_QUEUE}.dlq`;
    await onChannel((c) => c.deleteQueue(dlq));
    await onChannel((c) => c.assertQueue(dlq, { durable: true })); // classic instead of quorum
    await waitFor('unhealthy', async () => (await brokerHealth()) === 503, 15_000, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
    const body = (await app.inject({ method: 'GET', url: '/health/broker' })).json<{
      error: Record<string, { status: string; queues?: string[] }>;
    }>();
    assert.equal(body.error.rabbitmq?.status, 'down');
    assert.match(body.error.rabbitmq?.queues?.join(' ') ?? '', /other arguments/);
    await onChannel((c) => c.deleteQueue(dlq)); // the fix
    await waitFor('healthy again', async () => (await brokerHealth()) === 200, 20_000, 200);
    await placeAndAwait();
  });
});
