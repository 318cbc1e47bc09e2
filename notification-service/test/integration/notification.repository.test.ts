// Runs against the real MongoDB-compatible server (FerretDB 1.24 locally, MongoDB in production).
// Each step is one guarded write on the order's document and relies on single-document
// atomicity: MongoDB's, and the project's FerretDB build's (decision 0013), whatever the pool
// size.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import mongoose, { type Connection } from 'mongoose';

import {
  type NotificationDraft,
  NotificationRepository,
} from '../../src/persistence/notification.repository';
import {
  ORDER_NOTIFICATIONS_MODEL,
  type OrderNotificationsDocument,
  OrderNotificationsSchema,
} from '../../src/persistence/order-notifications.schema';
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

const cancellation = (orderId: string) =>
  draft({ orderId, kind: 'cancelled', eventType: 'order.cancelled.v1' });

const LEASE_MS = 60_000;
const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe('notification records', () => {
  let connection: Connection;
  let repository: NotificationRepository;
  let scope: TestScope;

  before(async () => {
    scope = await testScope('notification-records');
    connection = await mongoose.createConnection(scope.env.MONGODB_URI).asPromise();
    const model = connection.model<OrderNotificationsDocument>(
      ORDER_NOTIFICATIONS_MODEL,
      OrderNotificationsSchema,
    );
    await model.init();
    repository = new NotificationRepository(model, new GuardedWrites(connection));
  });

  after(async () => {
    await connection?.close();
    await scope?.dispose();
  });

  it("claims a first send in one write: the record, the order's stage and its send lease", async () => {
    const c = draft();
    assert.equal(await repository.claimFirst(c, 1, T0, LEASE_MS), true);
    const record = await repository.get(c.orderId, c.eventId);
    assert.equal(record?.status, 'sending');
    assert.equal(record?.attempts, 1);
    assert.equal(record?.messageId, c.messageId);
    assert.deepEqual(await repository.mailState(c.orderId, c.eventId), {
      stage: 1,
      sendLease: { until: at(LEASE_MS), by: c.eventId },
      status: 'sending',
    });
    // A second delivery of the event does not claim it again, during the lease or after it.
    assert.equal(await repository.claimFirst(c, 1, at(10), LEASE_MS), false);
    assert.equal(await repository.claimFirst(c, 1, at(2 * LEASE_MS), LEASE_MS), false);
  });

  it('refuses a first claim while another outcome holds a live lease, and once a later stage is known', async () => {
    const c = draft();
    const x = cancellation(c.orderId);
    assert.equal(await repository.claimFirst(c, 1, T0, LEASE_MS), true);
    assert.equal(await repository.claimFirst(x, 2, at(10), LEASE_MS), false, 'C is mailing');
    await repository.markSent(c.orderId, c.eventId, '250 OK', at(20));
    assert.equal(await repository.claimFirst(x, 2, at(30), LEASE_MS), true);
    // Another confirmation of the order: the order ended, whether the lease is held or not.
    assert.equal(
      await repository.claimFirst(draft({ orderId: c.orderId }), 1, at(40), LEASE_MS),
      false,
    );
    await repository.markSent(x.orderId, x.eventId, '250 OK', at(50));
    assert.equal(
      await repository.claimFirst(draft({ orderId: c.orderId }), 1, at(60), LEASE_MS),
      false,
    );
    assert.equal(await repository.orderStage(c.orderId), 2);
  });

  it("lets another outcome claim once the holder's lease has run out", async () => {
    const c = draft();
    const x = cancellation(c.orderId);
    assert.equal(await repository.claimFirst(c, 1, T0, LEASE_MS), true);
    assert.equal(await repository.claimFirst(x, 2, at(LEASE_MS), LEASE_MS), true);
    // The dead delivery's late mark changes its record, not the lease the other one holds.
    await repository.markSent(c.orderId, c.eventId, '250 OK', at(LEASE_MS + 10));
    assert.equal((await repository.get(c.orderId, c.eventId))?.status, 'sent');
    assert.equal((await repository.mailState(x.orderId, x.eventId))?.sendLease?.by, x.eventId);
  });

  it('marks a send once, giving the lease back in the same write; a final record is never rewritten', async () => {
    const c = draft();
    await repository.claimFirst(c, 1, T0, LEASE_MS);
    await repository.markSent(c.orderId, c.eventId, '250 OK: queued as abc', at(10));
    const record = await repository.get(c.orderId, c.eventId);
    assert.equal(record?.status, 'sent');
    assert.equal(record?.serverResponse, '250 OK: queued as abc');
    assert.deepEqual(record?.sentAt, at(10));
    assert.deepEqual(await repository.mailState(c.orderId, c.eventId), {
      stage: 1,
      status: 'sent',
    });
    await repository.markFailed(
      c.orderId,
      c.eventId,
      { answer: '550 nope', responseCode: 550 },
      at(20),
    );
    assert.equal((await repository.get(c.orderId, c.eventId))?.status, 'sent');
  });

  it('records a permanent failure with the server answer', async () => {
    const c = draft();
    await repository.claimFirst(c, 1, T0, LEASE_MS);
    await repository.markFailed(
      c.orderId,
      c.eventId,
      { answer: '550 5.1.1 No such user', responseCode: 550 },
      at(10),
    );
    const record = await repository.get(c.orderId, c.eventId);
    assert.equal(record?.status, 'failed');
    assert.equal(record?.serverResponse, '550 5.1.1 No such user');
    assert.equal(record?.responseCode, 550);
    assert.equal((await repository.mailState(c.orderId, c.eventId))?.sendLease, undefined);
  });

  it('gives the lease back after a transient failure; a take-over counts the attempt', async () => {
    const c = draft();
    await repository.claimFirst(c, 1, T0, LEASE_MS);
    await repository.releaseForRetry(
      c.orderId,
      c.eventId,
      { answer: '421 try later', responseCode: 421 },
      at(10),
    );
    assert.deepEqual(await repository.mailState(c.orderId, c.eventId), {
      stage: 1,
      status: 'sending',
    });
    assert.equal(await repository.takeOver(c.orderId, c.eventId, 1, at(20), LEASE_MS), 2);
    assert.equal(
      await repository.takeOver(c.orderId, c.eventId, 1, at(30), LEASE_MS),
      undefined,
      'held',
    );
    assert.equal(
      await repository.takeOver(c.orderId, c.eventId, 1, at(20 + LEASE_MS), LEASE_MS),
      3,
    );
    const record = await repository.get(c.orderId, c.eventId);
    assert.equal(record?.lastError, '421 try later');
    await repository.markSent(c.orderId, c.eventId, '250 OK', at(40 + LEASE_MS));
    assert.equal((await repository.get(c.orderId, c.eventId))?.lastError, undefined);
  });

  it('does not take over a claim once a later stage is known', async () => {
    const c = draft();
    await repository.claimFirst(c, 1, T0, LEASE_MS);
    await repository.releaseForRetry(c.orderId, c.eventId, { answer: '421' }, at(10));
    await repository.raiseStage(c.orderId, 2, at(20));
    assert.equal(await repository.takeOver(c.orderId, c.eventId, 1, at(30), LEASE_MS), undefined);
  });

  it('records a skipped event once, raising the stage', async () => {
    const x = cancellation(randomUUID());
    assert.equal(await repository.recordSkipped(x, 2, 'compensation', T0), true);
    assert.equal(await repository.recordSkipped(x, 2, 'compensation', at(10)), false);
    const record = await repository.get(x.orderId, x.eventId);
    assert.equal(record?.status, 'skipped');
    assert.equal(record?.skipReason, 'compensation');
    assert.equal(await repository.orderStage(x.orderId), 2);
    assert.equal(
      await repository.claimFirst(draft({ orderId: x.orderId }), 1, at(20), LEASE_MS),
      false,
    );
  });

  it('marks skipped an abandoned claim only when its event holds no live lease', async () => {
    const c = draft();
    await repository.claimFirst(c, 1, T0, LEASE_MS);
    await repository.raiseStage(c.orderId, 2, at(10));
    assert.equal(await repository.skipAbandoned(c.orderId, c.eventId, 'ended', at(1000)), false);
    assert.equal((await repository.get(c.orderId, c.eventId))?.status, 'sending');
    assert.equal(await repository.skipAbandoned(c.orderId, c.eventId, 'ended', at(LEASE_MS)), true);
    const record = await repository.get(c.orderId, c.eventId);
    assert.equal(record?.status, 'skipped');
    assert.equal(record?.skipReason, 'ended');
    assert.equal(
      await repository.skipAbandoned(c.orderId, c.eventId, 'ended', at(2 * LEASE_MS)),
      false,
    );
  });

  it('raises the stage only upward', async () => {
    const x = cancellation(randomUUID());
    await repository.recordSkipped(x, 2, 'compensation', T0);
    await repository.raiseStage(x.orderId, 1, at(10));
    assert.equal(await repository.orderStage(x.orderId), 2);
  });

  it('lists the notifications of one order in order of creation', async () => {
    const orderId = randomUUID();
    const a = draft({ orderId });
    const b = cancellation(orderId);
    await repository.claimFirst(a, 1, new Date('2026-01-01T00:00:00Z'), LEASE_MS);
    await repository.markSent(orderId, a.eventId, '250 OK', new Date('2026-01-01T00:00:01Z'));
    await repository.claimFirst(b, 2, new Date('2026-01-01T00:01:00Z'), LEASE_MS);
    await repository.claimFirst(draft(), 1, new Date('2026-01-01T00:00:30Z'), LEASE_MS);
    const listed = await repository.listByOrder(orderId, 10);
    assert.deepEqual(
      listed.map((r) => [r._id, r.orderId]),
      [
        [a.eventId, orderId],
        [b.eventId, orderId],
      ],
    );
    assert.equal((await repository.listByOrder(orderId, 1)).length, 1);
    assert.deepEqual(await repository.listByOrder(randomUUID(), 10), []);
  });
});
