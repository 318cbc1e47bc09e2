// Runs against the real MongoDB-compatible server (FerretDB 1.24 locally, MongoDB in production).
// Claims rely on single-document atomicity: MongoDB's, and the project's FerretDB build's
// (decision 0013), whatever the pool size.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import mongoose, { type Connection, type Model } from 'mongoose';

import {
  type NotificationDraft,
  NotificationRepository,
} from '../../src/persistence/notification.repository';
import {
  NOTIFICATION_MODEL,
  type NotificationRecord,
  NotificationSchema,
} from '../../src/persistence/notification.schema';
import { GuardedWrites } from '@eventshop/service-kit';
import type { TestScope } from '@eventshop/service-kit/testing';

import { testScope } from '../support/env';

function draft(overrides: Partial<NotificationDraft> = {}): NotificationDraft {
  const eventId = randomUUID();
  return {
    eventId,
    eventType: 'order.confirmed.v1',
    kind: 'confirmed',
    orderId: randomUUID(),
    recipient: 'alice@example.com',
    subject: 'Your EventShop order is confirmed',
    messageId: `<${eventId}@eventshop>`,
    ...overrides,
  };
}

const LEASE_MS = 60_000;

describe('notification records', () => {
  let connection: Connection;
  let model: Model<NotificationRecord>;
  let repository: NotificationRepository;
  let scope: TestScope;

  before(async () => {
    scope = await testScope('notification-records');
    connection = await mongoose.createConnection(scope.env.MONGODB_URI).asPromise();
    model = connection.model<NotificationRecord>(NOTIFICATION_MODEL, NotificationSchema);
    await model.init();
    repository = new NotificationRepository(model, new GuardedWrites(connection));
  });

  after(async () => {
    await connection?.close();
    await scope?.dispose();
  });

  it('lets the first delivery claim, a concurrent one wait, and a late one take over', async () => {
    const d = draft();
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await repository.claim(d, t0, LEASE_MS);
    assert.equal(first.outcome, 'claimed');
    assert.equal(first.record.attempts, 1);

    const during = await repository.claim(d, new Date(t0.getTime() + 1000), LEASE_MS);
    assert.equal(during.outcome, 'busy');

    const afterLease = await repository.claim(d, new Date(t0.getTime() + LEASE_MS), LEASE_MS);
    assert.equal(afterLease.outcome, 'claimed');
    assert.equal(afterLease.record.attempts, 2);
    assert.equal(afterLease.record.status, 'sending');
  });

  it('finishes a send once; later deliveries find it done and change nothing', async () => {
    const d = draft();
    const now = new Date();
    await repository.claim(d, now, LEASE_MS);
    await repository.markSent(d.eventId, '250 OK: queued as abc', now);
    const again = await repository.claim(d, new Date(now.getTime() + 2 * LEASE_MS), LEASE_MS);
    assert.equal(again.outcome, 'done');
    assert.equal(again.record.status, 'sent');
    assert.equal(again.record.attempts, 1);
    assert.equal(again.record.serverResponse, '250 OK: queued as abc');
    assert.equal(again.record.leaseUntil, undefined);

    // A final record is never rewritten.
    await repository.markFailed(d.eventId, { answer: '550 nope', responseCode: 550 }, now);
    assert.equal((await repository.get(d.eventId))?.status, 'sent');
  });

  it('records a permanent failure with the server answer', async () => {
    const d = draft();
    const now = new Date();
    await repository.claim(d, now, LEASE_MS);
    await repository.markFailed(
      d.eventId,
      { answer: '550 5.1.1 No such user', responseCode: 550 },
      now,
    );
    const record = await repository.get(d.eventId);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.serverResponse, '550 5.1.1 No such user');
    assert.equal(record?.responseCode, 550);
    assert.equal((await repository.claim(d, now, LEASE_MS)).outcome, 'done');
  });

  it('gives the lease back after a transient failure so a retry claims at once', async () => {
    const d = draft();
    const now = new Date();
    await repository.claim(d, now, LEASE_MS);
    await repository.releaseForRetry(
      d.eventId,
      { answer: '421 try later', responseCode: 421 },
      now,
    );
    const retried = await repository.claim(d, new Date(now.getTime() + 10), LEASE_MS);
    assert.equal(retried.outcome, 'claimed');
    assert.equal(retried.record.attempts, 2);
    assert.equal(retried.record.lastError, '421 try later');
  });

  it('records a skipped event once', async () => {
    const d = draft({ kind: 'cancelled', eventType: 'order.cancelled.v1' });
    const now = new Date();
    assert.equal((await repository.recordSkipped(d, 'compensation', now)).outcome, 'claimed');
    const second = await repository.recordSkipped(d, 'compensation', now);
    assert.equal(second.outcome, 'done');
    assert.equal(second.record.status, 'skipped');
    assert.equal((await repository.claim(d, now, LEASE_MS)).outcome, 'done');
  });

  it('marks skipped a record claimed by another delivery only once its lease has run out', async () => {
    const d = draft();
    const t0 = new Date('2026-01-01T00:00:00Z');
    await repository.claim(d, t0, LEASE_MS);
    assert.equal(
      await repository.skipAbandoned(d.eventId, 'ended', new Date(t0.getTime() + 1000)),
      false,
    );
    assert.equal((await repository.get(d.eventId))?.status, 'sending');
    assert.equal(
      await repository.skipAbandoned(d.eventId, 'ended', new Date(t0.getTime() + LEASE_MS)),
      true,
    );
    const record = await repository.get(d.eventId);
    assert.equal(record?.status, 'skipped');
    assert.equal(record?.leaseUntil, undefined);
    assert.equal(
      await repository.skipAbandoned(d.eventId, 'ended', new Date(t0.getTime() + 2 * LEASE_MS)),
      false,
    );
  });

  it("lends an order's send lease to one event at a time, and none once a later stage is known", async () => {
    const orderId = randomUUID();
    const [confirmation, cancellation] = [randomUUID(), randomUUID()];
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    await repository.raiseOrderStage(orderId, 1, t0);
    assert.equal(
      await repository.takeOrderSendLease(orderId, confirmation, 1, t0, LEASE_MS),
      'taken',
    );
    // The holder may take it again (its redelivery after a crash); nobody else while it runs.
    assert.equal(
      await repository.takeOrderSendLease(orderId, confirmation, 1, at(10), LEASE_MS),
      'taken',
    );
    await repository.raiseOrderStage(orderId, 2, at(20));
    assert.equal(
      await repository.takeOrderSendLease(orderId, cancellation, 2, at(30), LEASE_MS),
      'busy',
    );
    // Only the holder releases it.
    await repository.releaseOrderSendLease(orderId, cancellation);
    assert.equal(
      await repository.takeOrderSendLease(orderId, cancellation, 2, at(40), LEASE_MS),
      'busy',
    );
    await repository.releaseOrderSendLease(orderId, confirmation);
    assert.equal(
      await repository.takeOrderSendLease(orderId, cancellation, 2, at(50), LEASE_MS),
      'taken',
    );
    // The order ended: a confirmation is refused, whether the lease is held or has run out.
    assert.equal(
      await repository.takeOrderSendLease(orderId, confirmation, 1, at(60), LEASE_MS),
      'superseded',
    );
    assert.equal(
      await repository.takeOrderSendLease(orderId, confirmation, 1, at(2 * LEASE_MS), LEASE_MS),
      'superseded',
    );
  });

  it("lets another event take an order's send lease once it has run out", async () => {
    const orderId = randomUUID();
    const t0 = new Date('2026-01-01T00:00:00Z');
    await repository.raiseOrderStage(orderId, 2, t0);
    assert.equal(
      await repository.takeOrderSendLease(orderId, 'dead-pod-event', 2, t0, LEASE_MS),
      'taken',
    );
    const later = new Date(t0.getTime() + LEASE_MS);
    assert.equal(
      await repository.takeOrderSendLease(orderId, randomUUID(), 2, later, LEASE_MS),
      'taken',
    );
  });

  it('lists the notifications of one order in order of creation', async () => {
    const orderId = randomUUID();
    const a = draft({ orderId });
    const b = draft({ orderId, kind: 'cancelled', eventType: 'order.cancelled.v1' });
    await repository.claim(a, new Date('2026-01-01T00:00:00Z'), LEASE_MS);
    await repository.claim(b, new Date('2026-01-01T00:01:00Z'), LEASE_MS);
    await repository.claim(draft(), new Date('2026-01-01T00:00:30Z'), LEASE_MS);
    const listed = await repository.listByOrder(orderId, 10);
    assert.deepEqual(
      listed.map((r) => r._id),
      [a.eventId, b.eventId],
    );
    assert.deepEqual(await repository.listByOrder(orderId, 1).then((r) => r.length), 1);
  });
});
