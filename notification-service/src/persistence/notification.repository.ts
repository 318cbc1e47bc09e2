// Notification records: the claim that lets exactly one delivery of an event send its e-mail,
// and the final state; and the order's stage with its send lease, which orders the e-mails of
// one order across pods (decision 0023). Every write is a single-document operation on `_id`
// (portable subset: inserts, conditional findOneAndUpdate/updateOne without projection). The
// conditional ones go through the kit's GuardedWrites: one operation with `{ _id, ...guard }`,
// evaluated and written atomically by the server (MongoDB; the project's FerretDB build,
// decisions 0013 and 0014), whatever the number of connections and processes.

import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import { type Guard, GuardedWrites } from '@eventshop/service-kit';

import { NOTIFICATION_MODEL, type NotificationRecord } from './notification.schema';

export interface NotificationDraft {
  readonly eventId: string;
  readonly eventType: string;
  readonly kind: NotificationRecord['kind'];
  readonly orderId: string;
  readonly recipient: string;
  readonly subject: string;
  readonly messageId: string;
}

export type ClaimResult =
  /** This delivery holds the lease and must send. `record.attempts` counts this attempt. */
  | { readonly outcome: 'claimed'; readonly record: NotificationRecord }
  /** The event was handled before (sent, failed or skipped): nothing to do. */
  | { readonly outcome: 'done'; readonly record: NotificationRecord }
  /** Another delivery is sending right now: try later, do not send. */
  | { readonly outcome: 'busy'; readonly record: NotificationRecord };

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

/**
 * The highest stage (domain/notification-policy: OUTCOME_STAGE) seen per order, `_id` = order
 * id. Only ever raised (`$max`), so the order in which events arrive does not matter. The send
 * lease on it lets one outcome of the order at a time be mailed, and only while no later stage
 * is known (decision 0023).
 */
export const ORDER_STAGES_COLLECTION = 'order_stages';

interface OrderStageDocument {
  _id: string;
  stage: number;
  updatedAt: Date;
  /** While an outcome of the order is being mailed: until when, and the event mailed. */
  sendLeaseUntil?: Date;
  sendLeaseBy?: string;
}

export type OrderSendLease =
  /** This event may be mailed now; release the lease when its send has ended. */
  | 'taken'
  /** The order reached a later stage: this outcome must not be mailed. */
  | 'superseded'
  /** Another outcome of the order is being mailed: try later. */
  | 'busy';

@Injectable()
export class NotificationRepository {
  private readonly stages: mongo.Collection<OrderStageDocument>;

  constructor(
    @InjectModel(NOTIFICATION_MODEL) private readonly model: Model<NotificationRecord>,
    private readonly guarded: GuardedWrites,
  ) {
    this.stages = model.db.collection<OrderStageDocument>(ORDER_STAGES_COLLECTION);
  }

  /** Records that the order reached `stage`; returns the highest stage known for it now. */
  async raiseOrderStage(orderId: string, stage: number, now: Date): Promise<number> {
    const after = await this.stages.findOneAndUpdate(
      { _id: orderId },
      { $max: { stage }, $set: { updatedAt: now } },
      { upsert: true, returnDocument: 'after' },
    );
    return after?.stage ?? stage;
  }

  async orderStage(orderId: string): Promise<number> {
    return (await this.stages.findOne({ _id: orderId }))?.stage ?? 0;
  }

  /**
   * Takes the order's send lease for an outcome of `stage`, in one guarded update: only while
   * the order's stage is not higher, and no other event holds a live lease (this event may take
   * its own back, after a crash). The stage document exists: `raiseOrderStage` came first.
   */
  async takeOrderSendLease(
    orderId: string,
    eventId: string,
    stage: number,
    now: Date,
    leaseMs: number,
  ): Promise<OrderSendLease> {
    const taken = await this.guarded.findOneAndUpdate(
      this.stages,
      orderId,
      {
        stage: { $lte: stage },
        $or: [
          { sendLeaseUntil: { $exists: false } },
          { sendLeaseUntil: { $lte: now } },
          { sendLeaseBy: eventId },
        ],
      },
      { $set: { sendLeaseUntil: new Date(now.getTime() + leaseMs), sendLeaseBy: eventId } },
    );
    if (taken) return 'taken';
    return (await this.orderStage(orderId)) > stage ? 'superseded' : 'busy';
  }

  /** Gives the order's send lease back, if this event still holds it. */
  async releaseOrderSendLease(orderId: string, eventId: string): Promise<void> {
    await this.guarded.updateOne(
      this.stages,
      orderId,
      { sendLeaseBy: eventId },
      { $unset: { sendLeaseUntil: 1, sendLeaseBy: 1 } },
    );
  }

  /** A record this delivery claimed whose e-mail must not leave after all: skipped, final. */
  async markSkipped(eventId: string, why: string, now: Date): Promise<void> {
    await this.finish(eventId, { status: 'skipped', skipReason: why, updatedAt: now });
  }

  /**
   * Marks skipped a record another delivery claimed, only once that claim's lease has run out
   * (the delivery died or gave up, so no send of it is in progress); false while it is live.
   */
  async skipAbandoned(eventId: string, why: string, now: Date): Promise<boolean> {
    return this.finish(eventId, { status: 'skipped', skipReason: why, updatedAt: now }, [], {
      leaseUntil: { $lte: now },
    });
  }

  /**
   * Claims the right to send the e-mail of an event. The first delivery inserts the record; a
   * later one takes over a record still `sending` only once its lease has run out (the earlier
   * attempt crashed or gave up), so two deliveries never send at the same time.
   */
  async claim(draft: NotificationDraft, now: Date, leaseMs: number): Promise<ClaimResult> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const fresh: NotificationRecord = {
      ...recordFields(draft),
      status: 'sending',
      attempts: 1,
      leaseUntil,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.model.create(fresh);
      return { outcome: 'claimed', record: fresh };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const taken = await this.guarded.findOneAndUpdate<NotificationRecord>(
      this.model,
      draft.eventId,
      { status: 'sending', leaseUntil: { $lte: now } },
      { $inc: { attempts: 1 }, $set: { leaseUntil, updatedAt: now } },
    );
    if (taken) return { outcome: 'claimed', record: taken };
    const existing = await this.get(draft.eventId);
    if (!existing) {
      throw new Error(`notification ${draft.eventId} vanished while being claimed`);
    }
    return { outcome: existing.status === 'sending' ? 'busy' : 'done', record: existing };
  }

  /** Records a skipped event; a duplicate finds the record already there. */
  async recordSkipped(draft: NotificationDraft, why: string, now: Date): Promise<ClaimResult> {
    const record: NotificationRecord = {
      ...recordFields(draft),
      status: 'skipped',
      attempts: 0,
      skipReason: why,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.model.create(record);
      return { outcome: 'claimed', record };
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await this.get(draft.eventId);
    if (!existing) throw new Error(`notification ${draft.eventId} vanished`);
    return { outcome: 'done', record: existing };
  }

  async markSent(eventId: string, serverResponse: string, now: Date): Promise<void> {
    await this.finish(eventId, { status: 'sent', serverResponse, sentAt: now, updatedAt: now }, [
      'responseCode',
    ]);
  }

  async markFailed(eventId: string, failure: SendFailureInfo, now: Date): Promise<void> {
    await this.finish(eventId, {
      status: 'failed',
      serverResponse: failure.answer,
      ...(failure.responseCode !== undefined ? { responseCode: failure.responseCode } : {}),
      failedAt: now,
      updatedAt: now,
    });
  }

  /** Gives the lease back after a transient failure so the retried delivery can claim at once. */
  async releaseForRetry(eventId: string, failure: SendFailureInfo, now: Date): Promise<void> {
    await this.guarded.updateOne(
      this.model,
      eventId,
      { status: 'sending' },
      {
        $set: {
          leaseUntil: now,
          lastError: failure.answer,
          updatedAt: now,
          ...(failure.responseCode !== undefined ? { responseCode: failure.responseCode } : {}),
        },
      },
    );
  }

  async get(eventId: string): Promise<NotificationRecord | null> {
    return this.model.findOne({ _id: eventId }).lean<NotificationRecord>().exec();
  }

  /** Operators' listing; a scan on FerretDB, bounded by `limit`. */
  async listByOrder(orderId: string, limit: number): Promise<NotificationRecord[]> {
    return this.model
      .find({ orderId })
      .sort({ createdAt: 1, _id: 1 })
      .limit(limit)
      .lean<NotificationRecord[]>()
      .exec();
  }

  private async finish(
    eventId: string,
    fields: Partial<NotificationRecord>,
    alsoUnset: readonly (keyof NotificationRecord)[] = [],
    alsoGuard: Guard = {},
  ): Promise<boolean> {
    // Only a record still `sending` moves to a final state; a final record is never rewritten.
    const unset: Record<string, 1> = { leaseUntil: 1, lastError: 1 };
    for (const key of alsoUnset) unset[key] = 1;
    const result = await this.guarded.updateOne(
      this.model,
      eventId,
      { status: 'sending', ...alsoGuard },
      { $set: fields, $unset: unset },
    );
    return result.matchedCount === 1;
  }
}

function recordFields(draft: NotificationDraft) {
  return {
    _id: draft.eventId,
    eventType: draft.eventType,
    kind: draft.kind,
    orderId: draft.orderId,
    recipient: draft.recipient,
    subject: draft.subject,
    messageId: draft.messageId,
  };
}
