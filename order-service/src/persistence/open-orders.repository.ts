// Open-order slots per customer, each change one guarded write by `_id` (the user id). Taking a
// slot is guarded by `count < max` and by the order not holding one already; releasing is
// guarded by the order holding one, so a repeated release (a redelivered event, a retried
// cancel, the repair) changes nothing. A take may free other slots of the customer in the same
// write, guarded by each of them being held.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { GuardedWrites } from '@eventshop/service-kit';
import { isDuplicateKeyError } from './mongo-errors';
import { OPEN_ORDERS_MODEL, type OpenOrdersDocument } from './open-orders.schema';

export type TakeResult =
  | { kind: 'taken' }
  /** The customer holds `max` slots already: these (order id → taken at). */
  | { kind: 'full'; slots: Map<string, Date> };

@Injectable()
export class OpenOrdersRepository {
  constructor(
    @InjectModel(OPEN_ORDERS_MODEL) private readonly model: Model<OpenOrdersDocument>,
    private readonly guarded: GuardedWrites,
  ) {}

  /**
   * Takes a slot for the order, freeing the slots of `freeing` (orders that left PENDING) in
   * the same write when all of them are still held; otherwise they are freed one by one first.
   */
  async take(
    userId: string,
    orderId: string,
    max: number,
    now: Date,
    freeing: readonly string[] = [],
  ): Promise<TakeResult> {
    const slot = slotPath(orderId);
    if (freeing.length > 0) {
      const held = Object.fromEntries(freeing.map((id) => [slotPath(id), { $exists: true }]));
      const unset = Object.fromEntries(freeing.map((id) => [slotPath(id), '']));
      const taken = await this.guarded.updateOne(
        this.model.collection,
        userId,
        { count: { $lt: max + freeing.length }, [slot]: { $exists: false }, ...held },
        { $inc: { count: 1 - freeing.length }, $set: { [slot]: now }, $unset: unset },
      );
      if (taken.matchedCount === 1) return { kind: 'taken' };
      // One of them was freed already (the repair at the cap), or the cap is reached.
      for (const id of freeing) await this.release(userId, id);
    }
    // Two rounds at most: the second only when the document changed between refusal and read.
    for (let round = 0; round < 2; round++) {
      try {
        // One write: a slot below the cap, or the customer's first document (the upsert).
        await this.guarded.updateOne(
          this.model.collection,
          userId,
          { count: { $lt: max }, [slot]: { $exists: false } },
          { $inc: { count: 1 }, $set: { [slot]: now } },
          { upsert: true },
        );
        return { kind: 'taken' };
      } catch (err) {
        // The customer's document refused: at the cap, or this order holds a slot already.
        if (!isDuplicateKeyError(err)) throw err;
      }
      const doc = await this.find(userId);
      if (doc === null) continue;
      // A creation retried under the same order id holds its slot already.
      if (doc.slots[orderId] !== undefined) return { kind: 'taken' };
      if (doc.count < max) continue;
      return {
        kind: 'full',
        slots: new Map(Object.entries(doc.slots).map(([id, at]) => [id, new Date(at)])),
      };
    }
    // The document changed under both rounds: the cap was reached meanwhile, or nearly so.
    return { kind: 'full', slots: new Map() };
  }

  /** Frees the order's slot; false when it held none (released before, or never taken). */
  async release(userId: string, orderId: string): Promise<boolean> {
    const slot = slotPath(orderId);
    const released = await this.guarded.updateOne(
      this.model.collection,
      userId,
      { [slot]: { $exists: true } },
      { $inc: { count: -1 }, $unset: { [slot]: '' } },
    );
    return released.matchedCount === 1;
  }

  async find(userId: string): Promise<OpenOrdersDocument | null> {
    return this.model.collection.findOne({
      _id: userId,
    } as never) as Promise<OpenOrdersDocument | null>;
  }
}

/** Order ids are UUIDs (no `.` or leading `$`), so they are safe as field names. */
function slotPath(orderId: string): string {
  return `slots.${orderId}`;
}
