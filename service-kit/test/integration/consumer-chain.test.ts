// The consumer chain against the real broker and database: validation, retry tiers, dead
// letters, replay, deduplication and correlation. Tiers are 200ms/400ms/600ms (RETRY_DELAYS).
// The handler's guard and the marker rely on single-document writes being atomic (MongoDB, the
// project's FerretDB build), whatever the pool size in MONGODB_URI.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEvent } from '@eventshop/events-contracts';
import type { Connection } from 'mongoose';
import { DeadLetterQueue } from '../../src';
import { main as dlqCommand } from '../../src/messaging/dlq/cli';
import type { TestScope } from '../../src/testing';
import { EXAMPLE_QUEUE } from '../example/example.module';
import { Behaviour } from '../example/record-order.handler';
import { connectDb, fileScope, Observer, publishRaw, startExample, waitFor } from '../helpers';

let scope: TestScope;
let db: Connection;
let app: NestFastifyApplication;
let observer: Observer;
let dlq: DeadLetterQueue;

before(async () => {
  scope = await fileScope('consumer');
  db = await connectDb(scope);
  app = await startExample(scope);
  observer = await Observer.start(scope, ['order.confirmed.v1']);
  dlq = await DeadLetterQueue.connect(scope.env.AMQP_URL);
});
after(async () => {
  await dlq?.close();
  await observer?.close();
  await app?.close();
  await db?.close();
  await scope?.dispose();
});

function orderCreated(
  userId: string,
  extra: { correlationid?: string; traceparent?: string } = {},
) {
  const orderId = randomUUID();
  return createEvent('order.created.v1', {
    source: '/test',
    subject: orderId,
    data: {
      orderId,
      userId,
      email: 'user@example.com',
      currency: 'EUR',
      totalMinor: 500,
      lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 }],
      createdAt: new Date().toISOString(),
    },
    ...extra,
  });
}

async function send(event: ReturnType<typeof orderCreated>): Promise<void> {
  await publishRaw(scope, event.type, JSON.stringify(event), event.id);
}

const runs = (eventId: string) =>
  db.collection('example_handler_runs').find({ eventId }).sort({ at: 1 }).toArray();
const ledger = (orderId: string) =>
  db.collection('example_ledger').findOne({ _id: orderId } as never);

async function parked(eventId: string) {
  return waitFor(`event ${eventId} in the DLQ`, async () =>
    (await dlq.list(EXAMPLE_QUEUE)).find((m) => m.eventId === eventId),
  );
}

/** Runs the `eventshop-dlq` command against this file's vhost. */
async function dlqCli(args: string[], out: (s: string) => void = () => undefined): Promise<number> {
  const saved = process.env.AMQP_URL;
  process.env.AMQP_URL = scope.env.AMQP_URL;
  try {
    return await dlqCommand(args, out);
  } finally {
    process.env.AMQP_URL = saved;
  }
}

async function metric(pattern: RegExp): Promise<number> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const m = pattern.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('consumer chain', () => {
  test('a malformed message is parked with its reason and the consumer keeps going', async () => {
    const garbageId = randomUUID();
    await publishRaw(scope, 'order.created.v1', '{not json', garbageId);
    const bad = orderCreated('user-1');
    (bad.data as { lines: unknown[] }).lines = [{ sku: 'bad sku', quantity: 0 }];
    await send(bad);
    const good = orderCreated('user-1');
    await send(good);

    const entry = await waitFor('good event handled', () => ledger(good.data.orderId));
    assert.equal(entry.applied, 1);
    const garbage = await parked(garbageId);
    assert.equal(garbage.reason, 'invalid');
    assert.equal(garbage.attempts, 1);
    assert.equal(garbage.type, 'order.created.v1');
    assert.match(garbage.lastError ?? '', /invalid event/);
    const invalid = await parked(bad.id);
    assert.equal(invalid.reason, 'invalid');
    assert.match(invalid.lastError ?? '', /\/data\/lines\/0/);
    assert.equal(invalid.queue, EXAMPLE_QUEUE);
    assert.ok(invalid.deadAt && !Number.isNaN(Date.parse(invalid.deadAt)));
    assert.equal((await runs(bad.id)).length, 0, 'an invalid event never reaches the handler');
    assert.ok(
      (await metric(
        /eventshop_events_consumed_total\{type="order.created.v1",outcome="dead"\} (\d+)/,
      )) >= 2,
    );
    const out: string[] = [];
    assert.equal(await dlqCli(['purge', EXAMPLE_QUEUE], (l) => out.push(l)), 0);
    assert.deepEqual(out, [`purged 2 message(s) from ${EXAMPLE_QUEUE}.dlq`]);
    assert.equal(await dlq.count(EXAMPLE_QUEUE), 0);
  });

  test('a handler that fails twice goes through two delay tiers and then succeeds', async () => {
    const retriesBefore = await metric(
      /eventshop_events_consumed_total\{type="order.created.v1",outcome="retry"\} (\d+)/,
    );
    const event = orderCreated('fail-twice');
    await send(event);
    const entry = await waitFor('handled after retries', () => ledger(event.data.orderId), 10_000);
    assert.equal(entry.applied, 1);
    const r = await runs(event.id);
    assert.deepEqual(
      r.map((x) => x.attempt),
      [1, 2, 3],
    );
    // Each retry waited at least its tier's delay (200ms, then 400ms).
    const gaps = [r[1]!.at.getTime() - r[0]!.at.getTime(), r[2]!.at.getTime() - r[1]!.at.getTime()];
    assert.ok(gaps[0]! >= 180 && gaps[1]! >= 380, `tier delays respected: ${gaps.join(', ')}`);
    const retriesAfter = await metric(
      /eventshop_events_consumed_total\{type="order.created.v1",outcome="retry"\} (\d+)/,
    );
    assert.equal(retriesAfter - retriesBefore, 2);
    assert.equal(await dlq.count(EXAMPLE_QUEUE), 0);
  });

  test('a handler that always fails ends in the DLQ with its attempts; replay handles it', async () => {
    const event = orderCreated('user-1');
    Behaviour.failing.add(event.data.orderId);
    await send(event);
    const p = await parked(event.id);
    assert.equal(p.reason, 'exhausted');
    assert.equal(p.attempts, 4, 'first delivery + three tiers');
    assert.match(p.lastError ?? '', /still failing/);
    assert.equal((await runs(event.id)).length, 4);
    assert.equal(await ledger(event.data.orderId), null);

    // The cause is fixed; the operator replays it with the command.
    Behaviour.failing.delete(event.data.orderId);
    const out: string[] = [];
    assert.equal(await dlqCli(['list', EXAMPLE_QUEUE], (l) => out.push(l)), 0);
    assert.ok(
      out.some((l) => l.includes(event.id) && l.includes('exhausted') && l.includes('attempts=4')),
    );
    assert.equal(await dlqCli(['show', EXAMPLE_QUEUE, event.id], (l) => out.push(l)), 0);
    assert.match(out.at(-1)!, /"reason": "exhausted"/);
    assert.equal(await dlq.count(EXAMPLE_QUEUE), 1, 'list and show change nothing');
    assert.equal(await dlqCli(['replay', EXAMPLE_QUEUE, '--id', event.id], (l) => out.push(l)), 0);
    assert.equal(out.at(-1), `replayed 1 message(s) to ${EXAMPLE_QUEUE}`);
    const entry = await waitFor('handled after replay', () => ledger(event.data.orderId));
    assert.equal(entry.applied, 1);
    const r = await runs(event.id);
    assert.equal(r.length, 5);
    assert.equal(r.at(-1)!.attempt, 1, 'a replayed message starts its attempts again');
    assert.equal(await dlq.count(EXAMPLE_QUEUE), 0);
  });

  test('a PermanentError parks the message at once', async () => {
    const event = orderCreated('permanent');
    await send(event);
    const p = await parked(event.id);
    assert.equal(p.reason, 'rejected');
    assert.equal(p.attempts, 1);
    assert.match(p.lastError ?? '', /can never be recorded/);
    assert.equal((await runs(event.id)).length, 1);
    await dlq.purge(EXAMPLE_QUEUE);
  });

  test('a duplicate delivery changes nothing and emits nothing twice', async () => {
    const event = orderCreated('user-1');
    await send(event);
    await waitFor('first copy handled', () => ledger(event.data.orderId));
    await send(event);
    await send(event);
    await waitFor(
      'copies consumed',
      async () =>
        (await metric(
          /eventshop_events_consumed_total\{type="order.created.v1",outcome="ack"\} (\d+)/,
        )) > 0,
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal((await ledger(event.data.orderId))?.applied, 1);
    assert.equal((await runs(event.id)).length, 1, 'the marker skipped the copies');
    const marker = await db
      .collection('processed_events')
      .findOne({ _id: `${EXAMPLE_QUEUE}:${event.id}` } as never);
    assert.ok(marker, 'marker keyed <queue>:<eventId>');
    const confirmed = observer.messages.filter(
      (m) =>
        (JSON.parse(m.content.toString()) as { subject: string }).subject === event.data.orderId,
    );
    assert.equal(confirmed.length, 1);
  });

  test('events emitted by a handler carry its correlation, causation and trace', async () => {
    const correlationid = randomUUID();
    const traceId = 'a'.repeat(32);
    const event = orderCreated('user-1', {
      correlationid,
      traceparent: `00-${traceId}-${'b'.repeat(16)}-01`,
    });
    await send(event);
    const msg = await waitFor('order.confirmed.v1 observed', () =>
      observer.messages.find(
        (m) =>
          (JSON.parse(m.content.toString()) as { subject: string }).subject === event.data.orderId,
      ),
    );
    const emitted = JSON.parse(msg.content.toString()) as Record<string, string>;
    assert.equal(emitted.correlationid, correlationid);
    assert.equal(emitted.causationid, event.id);
    assert.match(emitted.traceparent!, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.equal(emitted.source, '/example-service');
  });
});
