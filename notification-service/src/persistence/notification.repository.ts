// The notifications of each order in one document (`order_notifications`, `_id` = order id): the
// highest stage seen, the send lease that lets one outcome of the order be mailed at a time
// (decision 0023), and one record per outcome event under `events.<eventId>`. Every step of a
// delivery is one single-document write by `_id` through the kit's GuardedWrites (`{ _id,
// ...guard }`, evaluated and written atomically by the server: MongoDB; the project's FerretDB
// build, decisions 0013 and 0014), whatever the number of connections and processes. Writes use
// the portable subset: conditional updates with $set, $unset, $inc, $max, dotted paths, upserts.

import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { type Guard, GuardedWrites } from '@eventshop/service-kit';

import type { OrderMailState } from '../domain/delivery-step';
import {
  type NotificationRecord,
  ORDER_NOTIFICATIONS_MODEL,
  type OrderNotificationsDocument,
  type StoredNotification,
} from './order-notifications.schema';

export interface NotificationDraft {
  readonly eventId: string;
  readonly eventType: string;
  readonly kind: StoredNotification['kind'];
  readonly orderId: string;
  readonly recipient: string;
  readonly subject: string;
  readonly messageId: string;
}

export interface SendFailureInfo {
  readonly answer: string;
  readonly responseCode?: number;
}

const DUPLICATE_KEY = 11000;

export function isDuplicateKeyError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === DUPLICATE_KEY
  );
}

/** No live send lease on the order: none, or one that ran out. */
const leaseFree = (now: Date): Guard => ({
  $or: [{ sendLeaseUntil: { $exists: false } }, { sendLeaseUntil: { $lte: now } }],
});

@Injectable()
export class NotificationRepository {
  private readonly orders: mongo.Collection<OrderNotificationsDocument>;

  constructor(
    @InjectModel(ORDER_NOTIFICATIONS_MODEL) model: Model<OrderNotificationsDocument>,
    private readonly guarded: GuardedWrites,
  ) {
    this.orders = model.collection as unknown as mongo.Collection<OrderNotificationsDocument>;
  }

  /**
   * The common path's one write: records the event `sending` (its first claim), raises the
   * order's stage and takes the order's send lease — only while no later stage is known, the
   * event has no record yet and no live lease is held. False when refused: read the state
   * (`mailState`) and decide (domain/delivery-step).
   */
  async claimFirst(
    draft: NotificationDraft,
    stage: number,
    now: Date,
    leaseMs: number,
  ): Promise<boolean> {
    const record: StoredNotification = {
      ...recordFields(draft),
      status: 'sending',
      attempts: 1,
      createdAt: now,
      updatedAt: now,
    };
    return this.upsertUnless(
      draft.orderId,
      {
        stage: { $lte: stage },
        [recordPath(draft.eventId)]: { $exists: false },
        ...leaseFree(now),
      },
      {
        $max: { stage },
        $set: {
          updatedAt: now,
          sendLeaseUntil: new Date(now.getTime() + leaseMs),
          sendLeaseBy: draft.eventId,
          [recordPath(draft.eventId)]: record,
        },
      },
    );
  }

  /**
   * Takes over an event claimed before that no delivery is sending (a crash, a transient
   * failure): with the order's send lease, only while no later stage is known. Returns the
   * number of attempts counting this one, or undefined when refused.
   */
  async takeOver(
    orderId: string,
    eventId: string,
    stage: number,
    now: Date,
    leaseMs: number,
  ): Promise<number | undefined> {
    const path = recordPath(eventId);
    const after = await this.guarded.findOneAndUpdate<OrderNotificationsDocument>(
      this.orders,
      orderId,
      { stage: { $lte: stage }, [`${path}.status`]: 'sending', ...leaseFree(now) },
      {
        $max: { stage },
        $set: {
          updatedAt: now,
          sendLeaseUntil: new Date(now.getTime() + leaseMs),
          sendLeaseBy: eventId,
          [`${path}.updatedAt`]: now,
        },
        $inc: { [`${path}.attempts`]: 1 },
      },
    );
    return after?.events[eventId]?.attempts;
  }

  /** Records an event that is not mailed, raising the order's stage; false if it has a record. */
  async recordSkipped(
    draft: NotificationDraft,
    stage: number,
    why: string,
    now: Date,
  ): Promise<boolean> {
    const record: StoredNotification = {
      ...recordFields(draft),
      status: 'skipped',
      attempts: 0,
      skipReason: why,
      createdAt: now,
      updatedAt: now,
    };
    return this.upsertUnless(
      draft.orderId,
      { [recordPath(draft.eventId)]: { $exists: false } },
      { $max: { stage }, $set: { updatedAt: now, [recordPath(draft.eventId)]: record } },
    );
  }

  /**
   * Marks skipped an event claimed before whose send is not in progress: this event does not
   * hold a live send lease (its delivery died or gave up). False while it may be sending.
   */
  async skipAbandoned(orderId: string, eventId: string, why: string, now: Date): Promise<boolean> {
    const path = recordPath(eventId);
    const result = await this.guarded.updateOne(
      this.orders,
      orderId,
      {
        [`${path}.status`]: 'sending',
        $or: [
          { sendLeaseBy: { $nin: [eventId] } },
          { sendLeaseUntil: { $exists: false } },
          { sendLeaseUntil: { $lte: now } },
        ],
      },
      {
        $set: {
          updatedAt: now,
          [`${path}.status`]: 'skipped',
          [`${path}.skipReason`]: why,
          [`${path}.updatedAt`]: now,
        },
        $unset: { [`${path}.lastError`]: '' },
      },
    );
    return result.matchedCount === 1;
  }

  /** Records that the order reached `stage` (only ever raised). */
  async raiseStage(orderId: string, stage: number, now: Date): Promise<void> {
    await this.guarded.updateOne(
      this.orders,
      orderId,
      { stage: { $lt: stage } },
      { $max: { stage }, $set: { updatedAt: now } },
    );
  }

  /** The send was accepted: final, and the order's send lease is given back in the same write. */
  async markSent(
    orderId: string,
    eventId: string,
    serverResponse: string,
    now: Date,
  ): Promise<void> {
    await this.finish(
      orderId,
      eventId,
      { status: 'sent', serverResponse, sentAt: now, updatedAt: now },
      ['lastError', 'responseCode'],
    );
  }

  /** The send was refused for good: final, and the order's send lease is given back. */
  async markFailed(
    orderId: string,
    eventId: string,
    failure: SendFailureInfo,
    now: Date,
  ): Promise<void> {
    await this.finish(
      orderId,
      eventId,
      {
        status: 'failed',
        serverResponse: failure.answer,
        ...(failure.responseCode !== undefined ? { responseCode: failure.responseCode } : {}),
        failedAt: now,
        updatedAt: now,
      },
      ['lastError'],
    );
  }

  /** A transient failure: the record stays `sending` with the answer, the lease is given back
   * so the retry (or another outcome of the order) may go at once. */
  async releaseForRetry(
    orderId: string,
    eventId: string,
    failure: SendFailureInfo,
    now: Date,
  ): Promise<void> {
    await this.finish(orderId, eventId, {
      lastError: failure.answer,
      ...(failure.responseCode !== undefined ? { responseCode: failure.responseCode } : {}),
      updatedAt: now,
    });
  }

  /** Gives the order's send lease back, if this event still holds it. */
  async releaseOrderSendLease(orderId: string, eventId: string): Promise<void> {
    await this.guarded.updateOne(
      this.orders,
      orderId,
      { sendLeaseBy: eventId },
      { $unset: { sendLeaseUntil: '', sendLeaseBy: '' } },
    );
  }

  /** What a delivery of `eventId` decides on, or undefined when nothing is stored for the order. */
  async mailState(orderId: string, eventId: string): Promise<OrderMailState | undefined> {
    const doc = await this.read(orderId);
    if (!doc) return undefined;
    const status = doc.events?.[eventId]?.status;
    return {
      stage: doc.stage,
      ...(doc.sendLeaseUntil !== undefined && doc.sendLeaseBy !== undefined
        ? { sendLease: { until: new Date(doc.sendLeaseUntil), by: doc.sendLeaseBy } }
        : {}),
      ...(status !== undefined ? { status } : {}),
    };
  }

  async orderStage(orderId: string): Promise<number> {
    return (await this.read(orderId))?.stage ?? 0;
  }

  async get(orderId: string, eventId: string): Promise<NotificationRecord | null> {
    const stored = (await this.read(orderId))?.events?.[eventId];
    return stored ? { ...stored, _id: eventId, orderId } : null;
  }

  /** Operators' listing: the order's records, oldest first. One read by `_id`. */
  async listByOrder(orderId: string, limit: number): Promise<NotificationRecord[]> {
    const events = (await this.read(orderId))?.events ?? {};
    return Object.entries(events)
      .map(([eventId, stored]) => ({ ...stored, _id: eventId, orderId }))
      .sort(
        (a, b) =>
          new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime() ||
          a._id.localeCompare(b._id),
      )
      .slice(0, limit);
  }

  private read(orderId: string): Promise<OrderNotificationsDocument | null> {
    return this.orders.findOne({ _id: orderId });
  }

  /** A guarded upsert: false when the order's document exists and the guard refuses. */
  private async upsertUnless(
    orderId: string,
    guard: Guard,
    update: Record<string, unknown>,
  ): Promise<boolean> {
    try {
      await this.guarded.updateOne(this.orders, orderId, guard, update, { upsert: true });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  /**
   * Changes a record still `sending` (a final one is never rewritten) and gives the order's send
   * lease back in the same write when this event holds it; when it does not (it ran out and
   * another event took it), the record alone.
   */
  private async finish(
    orderId: string,
    eventId: string,
    fields: Partial<StoredNotification>,
    unsetFields: readonly (keyof StoredNotification)[] = [],
  ): Promise<void> {
    const path = recordPath(eventId);
    const set: Record<string, unknown> = { updatedAt: fields.updatedAt };
    for (const [key, value] of Object.entries(fields)) set[`${path}.${key}`] = value;
    const unset: Record<string, ''> = {};
    for (const key of unsetFields) unset[`${path}.${key}`] = '';
    const sending = { [`${path}.status`]: 'sending' };
    const released = await this.guarded.updateOne(
      this.orders,
      orderId,
      { ...sending, sendLeaseBy: eventId },
      { $set: set, $unset: { ...unset, sendLeaseUntil: '', sendLeaseBy: '' } },
    );
    if (released.matchedCount === 1) return;
    const update = Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
    await this.guarded.updateOne(this.orders, orderId, sending, update);
  }
}

/** `events.<eventId>`: event ids are UUIDs, checked here so none can name another path. */
function recordPath(eventId: string): string {
  if (eventId.length === 0 || eventId.includes('.') || eventId.startsWith('$')) {
    throw new RangeError(`event id is not usable as a field name: ${JSON.stringify(eventId)}`);
  }
  return `events.${eventId}`;
}

function recordFields(draft: NotificationDraft) {
  return {
    eventType: draft.eventType,
    kind: draft.kind,
    recipient: draft.recipient,
    subject: draft.subject,
    messageId: draft.messageId,
  };
}
