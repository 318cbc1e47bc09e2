// Events of a type the contracts name consumers for are published `mandatory`: one no queue is
// bound to comes back from the broker and the kit parks it in the bounded unroutable queue
// (counted), instead of the broker confirming it into nowhere. A type without consumers
// (inventory.released.v1, a fact for future consumers and audit) is confirmed and not parked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp from 'amqplib';
import { createEvent, type AnyCloudEvent } from '@eventshop/events-contracts';
import { UNROUTABLE_MAX_LENGTH, UNROUTABLE_QUEUE } from '../../src';
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

const orderLine = { sku: 'A-1', quantity: 1, unitPriceMinor: 100 };

function released(): AnyCloudEvent {
  const orderId = randomUUID();
  return createEvent('inventory.released.v1', {
    source: '/inventory-service',
    subject: orderId,
    data: { orderId, lines: [{ sku: 'A-1', quantity: 1 }] },
  });
}

/** A type the catalog names consumers for (inventory, notification); nothing binds it here. */
function cancelled(): AnyCloudEvent {
  const orderId = randomUUID();
  return createEvent('order.cancelled.v1', {
    source: '/order-service',
    subject: orderId,
    data: {
      orderId,
      userId: 'u-1',
      email: 'a@example.com',
      currency: 'EUR',
      totalMinor: 100,
      lines: [orderLine],
      reason: 'customer',
    },
  });
}

function publish(event: AnyCloudEvent): Promise<void> {
  return app
    .get(Publisher)
    .publishEvent({ id: event.id, type: event.type, payload: JSON.stringify(event) }, 5_000);
}

async function counted(): Promise<[string, number][]> {
  const metric = await app.get(MessagingMetrics).unroutable.get();
  return metric.values.map((v): [string, number] => [String(v.labels.type), v.value]).sort();
}

test('a type without consumers is confirmed and not parked', async () => {
  await publish(released());
  await publish(released());
  // The broker returns a mandatory publish before confirming it, so a resolved publish has
  // parked whatever it was going to park.
  assert.equal(await queueDepth(scope, UNROUTABLE_QUEUE), 0);
  assert.deepEqual(await counted(), []);
});

test('a consumed type nobody is bound to is parked in the unroutable queue and counted', async () => {
  const event = cancelled();
  await publish(event);
  assert.equal(await queueDepth(scope, UNROUTABLE_QUEUE), 1);
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
  assert.deepEqual(await counted(), [['order.cancelled.v1', 1]]);

  // A bound type (the example consumes order.created.v1) is not returned; the order.confirmed.v1
  // its handler emits is bound nowhere in this test's vhost, so it is parked as well.
  const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
  assert.equal(res.statusCode, 201);
  await waitFor('the confirmation in the unroutable queue', async () => {
    return (await queueDepth(scope, UNROUTABLE_QUEUE)) === 2;
  });
  assert.deepEqual(await counted(), [
    ['order.cancelled.v1', 1],
    ['order.confirmed.v1', 1],
  ]);
});

test('the unroutable queue is bounded: full, it drops its oldest and a park still succeeds', async () => {
  // Fill it to the bound with fillers (a window of publishes in flight), then park one more.
  const connection = await amqp.connect(scope.env.AMQP_URL);
  try {
    const ch = await connection.createConfirmChannel();
    const present = await queueDepth(scope, UNROUTABLE_QUEUE);
    for (let i = present; i < UNROUTABLE_MAX_LENGTH; i++) {
      ch.sendToQueue(UNROUTABLE_QUEUE, Buffer.from('{}'), { messageId: `filler-${i}` });
      if (i % 500 === 0) await ch.waitForConfirms();
    }
    await ch.waitForConfirms();
    assert.equal(await queueDepth(scope, UNROUTABLE_QUEUE), UNROUTABLE_MAX_LENGTH);

    const last = cancelled();
    await publish(last); // resolves: a full queue does not fail the publish (nor wedge a relay)
    assert.equal(await queueDepth(scope, UNROUTABLE_QUEUE), UNROUTABLE_MAX_LENGTH);
    // The oldest (the event parked by the previous test) was dropped, not the newest.
    const head = await ch.get(UNROUTABLE_QUEUE, { noAck: false });
    assert.ok(head, 'a message');
    assert.equal(
      head.properties.headers?.['x-eventshop-original-routing-key'],
      'order.confirmed.v1',
    );
    ch.nack(head, false, true);
  } finally {
    await connection.close();
  }
});
