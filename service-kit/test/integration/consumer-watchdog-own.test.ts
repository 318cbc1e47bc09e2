// The watchdog checks this process's own consumer, not the queue's consumer count: with two
// replicas the other pod's consumer kept the count at 1, so a pod whose consumer was gone
// without a cancel notification (golevelup issue 526: one subscriber silently losing its
// consumer) looked healthy and never re-attached.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp, { type ChannelModel } from 'amqplib';
import type { TestScope } from '../../src/testing';
import { EXAMPLE_QUEUE } from '../example/example.module';
import { fileScope, startExample, waitFor } from '../helpers';

let scope: TestScope;
let app: NestFastifyApplication;
let other: ChannelModel;

before(async () => {
  scope = await fileScope('watchdog-own');
  app = await startExample(scope);
  other = await amqp.connect(scope.env.AMQP_URL);
  other.on('error', () => undefined);
});
after(async () => {
  await other?.close().catch(() => undefined);
  await app?.close();
  await scope?.dispose();
});

async function consumerCount(): Promise<number> {
  const ch = await other.createChannel();
  try {
    return (await ch.checkQueue(EXAMPLE_QUEUE)).consumerCount;
  } finally {
    await ch.close();
  }
}

test("a pod whose own consumer is gone re-attaches although another pod's consumes", async () => {
  // The other replica: a consumer of its own on the same queue (it takes nothing here).
  const ch = await other.createChannel();
  await ch.prefetch(1);
  await ch.consume(EXAMPLE_QUEUE, () => undefined, { noAck: false });
  assert.equal(await consumerCount(), 2);

  // This pod loses its consumer without a cancel notification.
  const connection = app.get(AmqpConnection);
  const [tag] = connection.consumerTags;
  assert.ok(tag, 'the example consumes');
  await connection.cancelConsumer(tag);
  assert.equal(await consumerCount(), 1, 'only the other pod consumes now');

  await waitFor('this pod consumes again', async () => (await consumerCount()) === 2, 20_000);
  await waitFor(
    'its broker health is good again',
    async () => (await app.inject({ method: 'GET', url: '/health/broker' })).statusCode === 200,
    10_000,
  );
});
