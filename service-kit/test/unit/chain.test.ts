// The consumer chain with a fake broker side: which middleware does what, in which order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEvent, type EventType } from '@eventshop/events-contracts';
import type { ConsumeMessage } from 'amqplib';
import { MetricsService, PermanentError, type EventHandler } from '../../src';
import { MessagingMetrics } from '../../src/metrics/messaging-metrics';
import { consumerChain, compose } from '../../src/messaging/consumer/chain';
import type { Delivery, Middleware } from '../../src/messaging/consumer/delivery';
import type { Publisher, RawMessage } from '../../src/messaging/publisher';

const QUEUE = 'order.inventory-events';

function fakePublisher(fail = false) {
  const sent: Array<{ queue: string; message: RawMessage }> = [];
  const publisher = {
    sendToQueue: async (queue: string, message: RawMessage) => {
      if (fail) throw new Error('channel closed');
      sent.push({ queue, message });
    },
  } as unknown as Publisher;
  return { publisher, sent };
}

function fakeMarkers() {
  const docs = new Map<string, unknown>();
  return {
    docs,
    collection: {
      findOne: async (q: { _id: string }) => docs.get(q._id) ?? null,
      insertOne: async (d: { _id: string }) => void docs.set(d._id, d),
    } as never,
  };
}

const orderId = '9d2b6c1e-3f4a-4b5c-8d7e-1a2b3c4d5e6f';
const reserved = () =>
  createEvent('inventory.reserved.v1', {
    source: '/inventory-service',
    subject: orderId,
    data: { orderId, lines: [{ sku: 'A', quantity: 1 }] },
  });

function delivery(
  body: string,
  headers: Record<string, unknown> = {},
  redelivered = false,
): Delivery {
  const message = {
    content: Buffer.from(body),
    fields: {
      routingKey: 'inventory.reserved.v1',
      redelivered,
      deliveryTag: 1,
      consumerTag: 't',
      exchange: 'eventshop.events',
    },
    properties: { headers, messageId: 'm-1', contentType: 'application/cloudevents+json' },
  } as unknown as ConsumeMessage;
  const attempts = Number(headers['x-eventshop-attempts'] ?? 0);
  return { queue: QUEUE, message, routingKey: 'inventory.reserved.v1', attempt: attempts + 1 };
}

function chainWith(
  handle: EventHandler['handle'],
  opts: { failPublish?: boolean; deduplicate?: boolean } = {},
) {
  const { publisher, sent } = fakePublisher(opts.failPublish);
  const markers = fakeMarkers();
  const metrics = new MessagingMetrics(new MetricsService(), { service: 'svc' });
  const handlers = new Map<EventType, EventHandler>([['inventory.reserved.v1', { handle }]]);
  const run = consumerChain({
    handlers,
    publisher,
    metrics,
    markers: markers.collection,
    deduplicate: opts.deduplicate,
    retryDelaysMs: [100, 200, 300],
    publishTimeoutMs: 1_000,
  });
  return { run, sent, markers, metrics };
}

test('compose: the first middleware listed is the outermost', async () => {
  const order: string[] = [];
  const mw =
    (name: string): Middleware =>
    (next) =>
    async (d) => {
      order.push(`>${name}`);
      const r = await next(d);
      order.push(`<${name}`);
      return r;
    };
  await compose(async () => 'ack', mw('a'), mw('b'), mw('c'))(delivery('{}'));
  assert.deepEqual(order, ['>a', '>b', '>c', '<c', '<b', '<a']);
});

test('a handled event is acked once and marked; a duplicate is skipped', async () => {
  let calls = 0;
  const { run, markers } = chainWith(async () => void calls++);
  const e = reserved();
  assert.equal(await run(delivery(JSON.stringify(e))), 'ack');
  assert.ok(markers.docs.has(`${QUEUE}:${e.id}`));
  assert.equal(await run(delivery(JSON.stringify(e))), 'ack');
  assert.equal(calls, 1);
});

test('a marker skips only a first delivery: a redelivery or a retry tier copy runs again', async () => {
  let calls = 0;
  const { run } = chainWith(async () => void calls++);
  const e = JSON.stringify(reserved());
  assert.equal(await run(delivery(e)), 'ack');
  assert.equal(await run(delivery(e, {}, true)), 'ack');
  assert.equal(calls, 2, 'a broker redelivery runs the handler although a marker exists');
  assert.equal(await run(delivery(e, { 'x-eventshop-attempts': 1 })), 'ack');
  assert.equal(calls, 3, 'a retry tier copy runs the handler although a marker exists');
  assert.equal(await run(delivery(e)), 'ack');
  assert.equal(calls, 3, 'a first-delivery duplicate is still skipped');
});

test('deduplicate: false keeps no marker and leaves duplicates to the handler', async () => {
  let calls = 0;
  const { run, markers } = chainWith(async () => void calls++, { deduplicate: false });
  const e = JSON.stringify(reserved());
  assert.equal(await run(delivery(e)), 'ack');
  assert.equal(await run(delivery(e)), 'ack');
  assert.equal(calls, 2);
  assert.equal(markers.docs.size, 0, 'no marker written');
});

test('a failure goes to the next tier with its attempt count, then to the DLQ', async () => {
  const { run, sent, markers } = chainWith(async () => {
    throw new Error('db down');
  });
  const e = JSON.stringify(reserved());
  assert.equal(await run(delivery(e)), 'retry');
  assert.equal(sent[0]!.queue, `${QUEUE}.retry.100ms`);
  const h = sent[0]!.message.properties.headers!;
  assert.equal(h['x-eventshop-attempts'], 1);
  assert.equal(h['x-eventshop-original-routing-key'], 'inventory.reserved.v1');
  assert.equal(await run(delivery(e, { 'x-eventshop-attempts': 2, 'x-death': [{}] })), 'retry');
  assert.equal(sent[1]!.queue, `${QUEUE}.retry.300ms`);
  assert.equal(
    sent[1]!.message.properties.headers!['x-death'],
    undefined,
    'broker headers not copied',
  );
  assert.equal(await run(delivery(e, { 'x-eventshop-attempts': 3 })), 'dead');
  const parked = sent[2]!;
  assert.equal(parked.queue, `${QUEUE}.dlq`);
  const ph = parked.message.properties.headers!;
  assert.equal(ph['x-eventshop-dead-reason'], 'exhausted');
  assert.equal(ph['x-eventshop-attempts'], 4);
  assert.match(String(ph['x-eventshop-last-error']), /db down/);
  assert.equal(ph['x-eventshop-queue'], QUEUE);
  assert.equal(markers.docs.size, 0, 'no marker for an event that was not handled');
});

test('invalid, unhandled and permanently failing messages are parked at once', async () => {
  const { run, sent } = chainWith(async () => {
    throw new PermanentError('no such order');
  });
  assert.equal(await run(delivery('{oops')), 'dead');
  assert.equal(sent.at(-1)!.message.properties.headers!['x-eventshop-dead-reason'], 'invalid');
  const other = createEvent('inventory.released.v1', {
    source: '/x',
    subject: orderId,
    data: { orderId, lines: [{ sku: 'A', quantity: 1 }] },
  });
  assert.equal(await run(delivery(JSON.stringify(other))), 'dead');
  assert.equal(
    sent.at(-1)!.message.properties.headers!['x-eventshop-dead-reason'],
    'unhandled-type',
  );
  assert.equal(await run(delivery(JSON.stringify(reserved()))), 'dead');
  const h = sent.at(-1)!.message.properties.headers!;
  assert.equal(h['x-eventshop-dead-reason'], 'rejected');
  assert.equal(h['x-eventshop-attempts'], 1);
  assert.equal(sent.length, 3);
});

test('an event whose source is not the producer the contract names is parked, never handled', async () => {
  let handled = 0;
  const { run, sent } = chainWith(async () => {
    handled++;
  });
  const forged = { ...reserved(), source: '/order-service' };
  assert.equal(await run(delivery(JSON.stringify(forged))), 'dead');
  const h = sent.at(-1)!.message.properties.headers!;
  assert.equal(h['x-eventshop-dead-reason'], 'unexpected-source');
  assert.match(String(h['x-eventshop-last-error']), /accepted only from \/inventory-service/);
  assert.equal(handled, 0);
  assert.equal(await run(delivery(JSON.stringify(reserved()))), 'ack');
  assert.equal(handled, 1);
});

test('a consumer may name the producers of a type itself', async () => {
  const { publisher, sent } = fakePublisher();
  const run = consumerChain({
    handlers: new Map<EventType, EventHandler>([
      ['inventory.reserved.v1', { handle: async () => undefined }],
    ]),
    producers: { 'inventory.reserved.v1': ['stock-service'] },
    publisher,
    metrics: new MessagingMetrics(new MetricsService(), { service: 'svc' }),
    markers: fakeMarkers().collection,
    retryDelaysMs: [100],
    publishTimeoutMs: 1_000,
  });
  assert.equal(await run(delivery(JSON.stringify(reserved()))), 'dead');
  assert.equal(
    sent.at(-1)!.message.properties.headers!['x-eventshop-dead-reason'],
    'unexpected-source',
  );
  assert.equal(
    await run(delivery(JSON.stringify({ ...reserved(), source: '/stock-service' }))),
    'ack',
  );
});

test('a handler failing for want of the database is held until it is back, spending no tier', async () => {
  const { publisher, sent } = fakePublisher();
  let up = false;
  let calls = 0;
  const run = consumerChain({
    handlers: new Map<EventType, EventHandler>([
      [
        'inventory.reserved.v1',
        {
          handle: async () => {
            calls++;
            if (!up) {
              const err = new Error('Server selection timed out after 10000 ms');
              err.name = 'MongoServerSelectionError';
              throw err;
            }
          },
        },
      ],
    ]),
    publisher,
    metrics: new MessagingMetrics(new MetricsService(), { service: 'svc' }),
    markers: fakeMarkers().collection,
    retryDelaysMs: [10],
    publishTimeoutMs: 1_000,
    database: { available: () => up, stopping: () => false, pollMs: 20 },
  });
  const outcome = run(delivery(JSON.stringify(reserved())));
  // Longer than every retry tier (one of 10 ms) put together.
  await new Promise((r) => setTimeout(r, 300));
  up = true;
  assert.equal(await outcome, 'ack');
  assert.equal(sent.length, 0, 'nothing sent to a tier or the DLQ');
  assert.equal(calls, 2, 'run once before the outage was seen and once after');

  // Any other failure still goes through the tiers.
  const { run: plain, sent: plainSent } = chainWith(async () => {
    throw new Error('a bug');
  });
  assert.equal(await plain(delivery(JSON.stringify(reserved()))), 'retry');
  assert.equal(plainSent.length, 1);
});

test('when even the tier publish fails, the message is requeued (after a pause), not lost', async () => {
  const { run, metrics } = chainWith(
    async () => {
      throw new Error('transient');
    },
    { failPublish: true },
  );
  assert.equal(await run(delivery(JSON.stringify(reserved()))), 'requeue');
  const counted = await metrics.consumed.get();
  assert.deepEqual(
    counted.values.map((v) => v.labels),
    [{ type: 'inventory.reserved.v1', outcome: 'retry' }],
  );
});
