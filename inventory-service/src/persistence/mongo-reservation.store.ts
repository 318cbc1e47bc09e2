import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, mongo } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { EventFactory, GuardedWrites, OutboxWriter } from '@eventshop/service-kit';
import type { Hold } from '../domain/holds';
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
 * document found by `_id`. The conditional writes go through the kit's GuardedWrites: on MongoDB
 * one update with `{ _id, ...guard }`; on FerretDB (which scans the collection for any filter but
 * exactly `{ _id }`) a read by `_id`, the guard checked in process under the document's lock, and
 * an `_id`-only write. Every write of `products` and `reservations` in this process that can
 * change a guarded field goes through it (or the OutboxWriter, which uses it).
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
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { active: true, available: { $gte: hold.quantity }, holders: { $ne: hold.orderId } },
      {
        $inc: { available: -hold.quantity, reserved: hold.quantity },
        $push: { holds: exactHold(hold), holders: hold.orderId },
        $set: { updatedAt: new Date() },
      },
    );
    return result.modifiedCount === 1;
  }

  async storeCommitment(orderId: string): Promise<ReservationRecord | undefined> {
    const after = await this.guarded.findOneAndUpdate<Reservation>(
      this.reservations,
      orderId,
      { status: 'reserved' },
      { $set: { ...COMMITMENT, updatedAt: new Date() } },
    );
    return after ? toRecord(after) : undefined;
  }

  async commitHold(sku: string, hold: Hold): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { holders: hold.orderId, holds: { $all: [exactHold(hold)] } },
      {
        $pullAll: { holds: [exactHold(hold)], holders: [hold.orderId] },
        $inc: { onHand: -hold.quantity, reserved: -hold.quantity },
        $set: { updatedAt: new Date() },
      },
    );
    return result.modifiedCount === 1;
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

  async returnHold(sku: string, hold: Hold): Promise<boolean> {
    const result = await this.guarded.updateOne(
      this.skus,
      sku,
      { holders: hold.orderId, holds: { $all: [exactHold(hold)] } },
      {
        $pullAll: { holds: [exactHold(hold)], holders: [hold.orderId] },
        $inc: { available: hold.quantity, reserved: -hold.quantity },
        $set: { updatedAt: new Date() },
      },
    );
    return result.modifiedCount === 1;
  }
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
