import assert from 'node:assert/strict';
import { test } from 'node:test';
import mongoose, { Schema } from 'mongoose';
import { createEvent } from '@eventshop/events-contracts';
import { InvalidEventError, outboxPush, toOutboxEntries, withOutbox } from '../../src';
import { hasOutbox } from '../../src/messaging/outbox/outbox.schema';
import {
  declareTopology,
  queueTopology,
  retryQueue,
  workQueue,
  type DeclaringChannel,
} from '../../src/messaging/topology';

test('a delay tier returns messages to its own work queue only', () => {
  const tier = retryQueue('inventory.order-events', 10_000);
  assert.equal(tier.name, 'inventory.order-events.retry.10s');
  assert.equal(tier.arguments['x-message-ttl'], 10_000);
  assert.equal(
    tier.arguments['x-dead-letter-exchange'],
    '',
    'the default exchange: no re-broadcast',
  );
  assert.equal(tier.arguments['x-dead-letter-routing-key'], 'inventory.order-events');
  assert.equal(tier.arguments['x-queue-type'], 'quorum');
});

test('a consumer queue comes with its DLQ and one tier per delay', () => {
  const names = queueTopology('order.inventory-events', [1_000, 10_000, 60_000, 300_000]).map(
    (q) => q.name,
  );
  assert.deepEqual(names, [
    'order.inventory-events.dlq',
    'order.inventory-events.retry.1s',
    'order.inventory-events.retry.10s',
    'order.inventory-events.retry.1m',
    'order.inventory-events.retry.5m',
    'order.inventory-events',
  ]);
  const work = workQueue('order.inventory-events');
  assert.equal(work.arguments['x-queue-type'], 'quorum');
  assert.equal(work.arguments['x-dead-letter-routing-key'], 'order.inventory-events.dlq');
});

test('the publishing channel declares the exchange, then every queue with its bindings', async () => {
  const calls: string[] = [];
  const channel: DeclaringChannel = {
    assertExchange: async (name) => calls.push(`exchange ${name}`),
    assertQueue: async (name) => calls.push(`queue ${name}`),
    bindQueue: async (queue, exchange, key) => calls.push(`bind ${queue} ${exchange} ${key}`),
  };
  await declareTopology(
    channel,
    [{ queue: 'inventory.order-events', routingKeys: ['order.created.v1', 'order.cancelled.v1'] }],
    [1_000],
  );
  assert.deepEqual(calls, [
    'exchange eventshop.events',
    'queue eventshop.unroutable.bounded',
    'queue inventory.order-events.dlq',
    'queue inventory.order-events.retry.1s',
    'queue inventory.order-events',
    'bind inventory.order-events eventshop.events order.created.v1',
    'bind inventory.order-events eventshop.events order.cancelled.v1',
  ]);
});

const event = () =>
  createEvent('inventory.released.v1', {
    source: '/inventory-service',
    subject: '0f9a3e4c-8f6b-4f0e-9a57-0d2f4b7c6e11',
    data: { orderId: '0f9a3e4c-8f6b-4f0e-9a57-0d2f4b7c6e11', lines: [{ sku: 'A-1', quantity: 2 }] },
  });

test('outbox entries hold the serialized event in a fixed shape', () => {
  const e = event();
  const now = new Date('2030-01-01T00:00:00Z');
  const [entry] = toOutboxEntries([e], now);
  assert.deepEqual(Object.keys(entry!), ['id', 'type', 'payload', 'createdAt']);
  assert.equal(entry!.id, e.id);
  assert.equal(entry!.type, 'inventory.released.v1');
  assert.deepEqual(JSON.parse(entry!.payload), e);
  assert.deepEqual(outboxPush([e], now), { $push: { outbox: { $each: [entry] } } });
});

test('an event its contract refuses is never turned into an outbox entry', () => {
  const bad = { ...event(), data: { orderId: 'not-a-uuid', lines: [] } } as never;
  assert.throws(
    () => toOutboxEntries([event(), bad]),
    (err: unknown) =>
      err instanceof InvalidEventError &&
      err.eventType === 'inventory.released.v1' &&
      /\/data\/orderId/.test(err.message),
  );
  assert.throws(() => outboxPush([{ ...event(), source: '' }]), InvalidEventError);
});

test('withOutbox adds the array and its index; the relay recognises the model', () => {
  const schema = withOutbox(new Schema({ _id: String, status: String }));
  assert.ok(schema.path('outbox'));
  assert.deepEqual(
    schema.indexes().map(([keys]) => keys),
    [{ 'outbox.createdAt': 1 }],
  );
  assert.throws(() => withOutbox(schema), /already has an "outbox" path/);
  const conn = mongoose.createConnection();
  assert.equal(hasOutbox(conn.model('WithOutbox', schema) as never), true);
  assert.equal(hasOutbox(conn.model('Plain', new Schema({ _id: String })) as never), false);
});
