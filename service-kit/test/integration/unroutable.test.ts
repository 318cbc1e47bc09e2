// An event no queue is bound to: the broker returns the mandatory publish and the kit parks it
// in eventshop.unroutable (counted), instead of the broker confirming it into nowhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp from 'amqplib';
import { createEvent } from '@eventshop/events-contracts';
import { UNROUTABLE_QUEUE } from '../../src';
import { MessagingMetrics } from '../../src/metrics/messaging-metrics';
import { Publisher } from '../../src/messaging/publisher';
import type { TestScope } from '../../src/testing';
import { fileScope, queueDepth, startExample, waitFor } from '../helpers';

let scope: TestScope;
let app: NestFastifyApplication;

before(async () => {
  scope = await fileScope('unroutable');
  app = await startExample(scope);
});
after(async () => {
  await app?.close();
  await scope?.dispose();
});

function released() {
  const orderId = randomUUID();
  return createEvent('inventory.released.v1', {
    source: '/example-service',
    subject: orderId,
    data: { orderId, lines: [{ sku: 'A-1', quantity: 1 }] },
  });
}

test('an event nobody is bound to is parked in eventshop.unroutable and counted', async () => {
  const publisher = app.get(Publisher);
  const event = released();
  await publisher.publishEvent(
    { id: event.id, type: event.type, payload: JSON.stringify(event) },
    5_000,
  );
  await waitFor('the event in the unroutable queue', async () => {
    return (await queueDepth(scope, UNROUTABLE_QUEUE)) === 1;
  });
  const connection = await amqp.connect(scope.env.AMQP_URL);
  try {
    const ch = await connection.createChannel();
    const msg = await ch.get(UNROUTABLE_QUEUE, { noAck: false });
    assert.ok(msg, 'a message');
    assert.equal(msg.properties.messageId, event.id);
    assert.deepEqual(JSON.parse(msg.content.toString()), event);
    assert.equal(msg.properties.headers?.['x-eventshop-dead-reason'], 'unroutable');
    assert.equal(msg.properties.headers?.['x-eventshop-original-routing-key'], event.type);
    ch.nack(msg, false, true);
  } finally {
    await connection.close();
  }
  const counted = await app.get(MessagingMetrics).unroutable.get();
  assert.deepEqual(
    counted.values.map((v) => [v.labels.type, v.value]),
    [['inventory.released.v1', 1]],
  );

  // A bound type (the example consumes order.created.v1) is not returned; the order.confirmed.v1
  // its handler emits is bound nowhere in this test's vhost, so it is parked as well.
  const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
  assert.equal(res.statusCode, 201);
  await waitFor('the confirmation in the unroutable queue', async () => {
    return (await queueDepth(scope, UNROUTABLE_QUEUE)) === 2;
  });
  const after = await app.get(MessagingMetrics).unroutable.get();
  assert.deepEqual(after.values.map((v) => [v.labels.type, v.value]).sort(), [
    ['inventory.released.v1', 1],
    ['order.confirmed.v1', 1],
  ]);
});
