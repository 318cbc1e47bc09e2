import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { EventFactory, GuardedWrites, OutboxWriter } from '@eventshop/service-kit';
import { holdOf, type Hold } from '../domain/holds';
import type { StockLine } from '../domain/order-lines';
import {
  COMMITMENT,
  type ReservationRecord,
  type ReservationStatus,
} from '../domain/reservation-progress';
import type { OutcomeEvent, ReservationStore, SkuState } from '../reservations/reservation-store';
import { isDuplicateKey } from './mongo-errors';
import { Product } from './product.schema';
import { Reservation } from './reservation.schema';

/**
 * The reservation steps on MongoDB / FerretDB: each method is one conditional operation on one
 * document found by `_id`, or (the `...Holds` methods) one such operation per line of an order
 * as the statements of one bulk write. The conditional writes go through the kit's GuardedWrites
 * or send the same filter `{ _id, ...guard }`: the server evaluates the guard and writes
 * atomically (MongoDB; the project's FerretDB, decisions 0013 and 0014), so every write of
 * `products` and `reservations` that can change a guarded field is atomic against every other.
 * Hold updates go through the driver's collection so the stored hold is exactly
 * `{ orderId, quantity }`, as `$all` and `$pullAll` compare it.
 */
@Injectable()
export class MongoReservationStore implements ReservationStore {
  private readonly skus: mongo.Collection<SkuDocument>;

  constructor(
    @InjectModel(Product.name) private readonly products: Model<Product>,
    @InjectModel(Reservation.name) private readonly reservations: Model<Reservation>,
    private readonly outbox: OutboxWriter,
    private readonly events: EventFactory,
    private readonly guarded: GuardedWrites,
  ) {
    this.skus = products.collection as unknown as mongo.Collection<SkuDocument>;
  }

  async loadReservation(orderId: string): Promise<ReservationRecord | undefined> {
    const doc = await this.reservations.findById(orderId).lean<Reservation>().exec();
    return doc ? toRecord(doc) : undefined;
  }

  async insertReservation(
    record: ReservationRecord,
  ): Promise<{ record: ReservationRecord; inserted: boolean }> {
    const now = new Date();
    try {
      await this.reservations.create({
        _id: record.orderId,
        status: record.status,
        lines: record.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
        settled: record.settled,
        createdAt: now,
        updatedAt: now,
      });
      return { record, inserted: true };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing = await this.loadReservation(record.orderId);
      if (!existing) throw error;
      return { record: existing, inserted: false };
    }
  }

  async storeOutcome(
    expected: ReservationStatus,
    next: ReservationRecord,
    event: OutcomeEvent,
  ): Promise<boolean> {
    const cloudEvent = this.cloudEventOf(event);
    const set: Record<string, unknown> = {
      status: next.status,
      lines: next.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })),
      settled: next.settled,
      updatedAt: new Date(),
    };
    if (next.refusal) {
      set['refusal'] = {
        reason: next.refusal.reason,
        shortLines: next.refusal.shortLines.map((s) => ({
          sku: s.sku,
          requested: s.requested,
          available: s.available,
        })),
      };
    }
    const after = await this.outbox.update(
      this.reservations,
      { _id: next.orderId, status: expected },
      { $set: set },
      [cloudEvent],
    );
    return after !== null;
  }

  /** Stamps source, time and the handled event's correlation; keeps the derived id. */
  private cloudEventOf(event: OutcomeEvent): AnyCloudEvent {
    const { id, subject } = event;
    switch (event.type) {
      case 'inventory.reserved.v1':
        return this.events.create(event.type, { id, subject, data: event.data });
      case 'inventory.reservation-failed.v1':
        return this.events.create(event.type, { id, subject, data: event.data });
      case 'inventory.released.v1':
        return this.events.create(event.type, { id, subject, data: event.data });
    }
  }

  async markSettled(orderId: string, status: ReservationStatus): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.reservations.collection,
      orderId,
      { status, settled: false },
      { $set: { settled: true, updatedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  async readSku(sku: string): Promise<SkuState | undefined> {
    const doc = await this.products.findById(sku).lean<Product>().exec();
    if (!doc) return undefined;
    return {
      sku: doc._id,
      active: doc.active,
      onHand: doc.onHand,
      reserved: doc.reserved,
      available: doc.available,
      holds: (doc.holds ?? []).map((h) => ({ orderId: h.orderId, quantity: h.quantity })),
      restocks: [...(doc.restocks ?? [])],
    };
  }

  async takeHold(sku: string, hold: Hold): Promise<boolean> {
    const { guard, update } = takeHoldWrite(hold);
    const result = await this.guarded.updateOne(this.skus, sku, guard, update);
    return result.modifiedCount === 1;
  }

  takeHolds(orderId: string, lines: readonly StockLine[]): Promise<number> {
    return this.eachLine(orderId, lines, takeHoldWrite);
  }

  returnHolds(orderId: string, lines: readonly StockLine[]): Promise<number> {
    return this.eachLine(orderId, lines, returnHoldWrite);
  }

  commitHolds(orderId: string, lines: readonly StockLine[]): Promise<number> {
    return this.eachLine(orderId, lines, commitHoldWrite);
  }

  /**
   * The guarded write of each line's hold as the statements of bulk writes, in line order: one
   * command per MAX_STATEMENTS lines. Each statement's filter is `{ _id, ...guard }`, as
   * GuardedWrites sends it (atomic, found through the `_id` index: decisions 0013, 0014).
   */
  private async eachLine(
    orderId: string,
    lines: readonly StockLine[],
    write: (hold: Hold) => GuardedWrite,
  ): Promise<number> {
    let modified = 0;
    for (let i = 0; i < lines.length; i += MAX_STATEMENTS) {
      const statements = lines.slice(i, i + MAX_STATEMENTS).map((line): Statement => {
        const { guard, update } = write(holdOf(orderId, line));
        return { updateOne: { filter: { _id: line.sku, ...guard }, update } };
      });
      const result = await this.skus.bulkWrite(statements, { ordered: true });
      modified += result.modifiedCount;
    }
    return modified;
  }

  async storeCommitment(orderId: string): Promise<ReservationRecord | undefined> {
    // Through the outbox writer although it writes no event: the removal of the reservation's
    // published outcome, waiting in the relay, goes along in this write (decision 0030).
    const after = await this.outbox.update<Reservation>(
      this.reservations,
      { _id: orderId, status: 'reserved' },
      { $set: { ...COMMITMENT, updatedAt: new Date() } },
      [],
    );
    return after ? toRecord(after) : undefined;
  }

  async restock(sku: string, hold: Hold, token: string): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { restockers: { $ne: hold.orderId } },
      {
        $inc: { onHand: hold.quantity, available: hold.quantity },
        $push: { restockers: hold.orderId, restocks: token },
        $set: { updatedAt: new Date() },
      },
    );
    return result.modifiedCount === 1;
  }

  async settleRestock(orderId: string, tokens: readonly string[]): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.reservations.collection,
      orderId,
      { status: 'released', settled: false },
      { $set: { settled: true, restocks: [...tokens], updatedAt: new Date() } },
    );
    return result.modifiedCount === 1;
  }

  async clearRestock(sku: string, orderId: string, token: string): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { restocks: token },
      { $pullAll: { restocks: [token], restockers: [orderId] } },
    );
    return result.modifiedCount === 1;
  }

  async undoRestock(sku: string, hold: Hold, token: string): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { restocks: token, available: { $gte: hold.quantity } },
      {
        $pullAll: { restocks: [token], restockers: [hold.orderId] },
        $inc: { onHand: -hold.quantity, available: -hold.quantity },
        $set: { updatedAt: new Date() },
      },
    );
    return result.modifiedCount === 1;
  }
}

/**
 * Statements per bulk write. FerretDB 1.x keeps the read of every statement of one `update`
 * command open until the command ends, each on a pooled SQLite connection (the kit's relay keeps
 * to 25 for the same reason); an order has up to 100 lines.
 */
const MAX_STATEMENTS = 25;

interface GuardedWrite {
  readonly guard: mongo.Filter<SkuDocument>;
  readonly update: mongo.UpdateFilter<SkuDocument>;
}

type Statement = mongo.AnyBulkWriteOperation<SkuDocument>;

/** Take a hold: the SKU is sellable, enough is free, and the order holds none of it yet. */
function takeHoldWrite(hold: Hold): GuardedWrite {
  return {
    guard: { active: true, available: { $gte: hold.quantity }, holders: { $ne: hold.orderId } },
    update: {
      $inc: { available: -hold.quantity, reserved: hold.quantity },
      $push: { holds: exactHold(hold), holders: hold.orderId },
      $set: { updatedAt: new Date() },
    },
  };
}

/** Return a hold: only this exact hold of the order, once. */
function returnHoldWrite(hold: Hold): GuardedWrite {
  return {
    guard: { holders: hold.orderId, holds: { $all: [exactHold(hold)] } },
    update: {
      $pullAll: { holds: [exactHold(hold)], holders: [hold.orderId] },
      $inc: { available: hold.quantity, reserved: -hold.quantity },
      $set: { updatedAt: new Date() },
    },
  };
}

/** Commit a hold: its units leave on-hand with it (decision 0015); available is unchanged. */
function commitHoldWrite(hold: Hold): GuardedWrite {
  return {
    guard: { holders: hold.orderId, holds: { $all: [exactHold(hold)] } },
    update: {
      $pullAll: { holds: [exactHold(hold)], holders: [hold.orderId] },
      $inc: { onHand: -hold.quantity, reserved: -hold.quantity },
      $set: { updatedAt: new Date() },
    },
  };
}

/** The fields of a product document the hold updates touch. */
interface SkuDocument {
  _id: string;
  active: boolean;
  onHand: number;
  available: number;
  reserved: number;
  restockers: string[];
  restocks: string[];
  holds: { orderId: string; quantity: number }[];
  holders: string[];
  updatedAt: Date;
}

function exactHold(hold: Hold): { orderId: string; quantity: number } {
  return { orderId: hold.orderId, quantity: hold.quantity };
}

function toRecord(doc: Reservation): ReservationRecord {
  return {
    orderId: doc._id,
    status: doc.status,
    lines: (doc.lines ?? []).map((l) => ({ sku: l.sku, quantity: l.quantity })),
    settled: doc.settled,
    ...(doc.committed ? { committed: true } : {}),
    ...(doc.restocks ? { restocks: [...doc.restocks] } : {}),
    ...(doc.refusal
      ? {
          refusal: {
            reason: doc.refusal.reason,
            shortLines: (doc.refusal.shortLines ?? []).map((s) => ({
              sku: s.sku,
              requested: s.requested,
              available: s.available,
            })),
          },
        }
      : {}),
  };
}
