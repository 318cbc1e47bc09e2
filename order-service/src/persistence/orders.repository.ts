// Orders: inserted with their first event, changed by guarded single-document writes.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { Order, OrderStatus } from '../domain/order';
import { isDuplicateKeyError } from './mongo-errors';
import {
  changedFields,
  listKeyOf,
  ORDER_MODEL,
  toDomain,
  type OrderDocument,
} from './order.schema';
import type { OutboxEntry } from './outbox';

export interface StoredOrder {
  order: Order;
  revision: number;
}

export interface OrderPage {
  orders: Order[];
  /** Opaque cursor for the next page, absent on the last one. */
  nextCursor?: string;
}

export class InvalidCursorError extends Error {}

const LIST_KEY_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\|[0-9a-f-]{36}$/;

export function encodeCursor(listKey: string): string {
  return Buffer.from(listKey, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string {
  const key = /^[A-Za-z0-9_-]{1,200}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('utf8')
    : '';
  if (!LIST_KEY_PATTERN.test(key)) throw new InvalidCursorError('cursor is not valid');
  return key;
}

@Injectable()
export class OrdersRepository {
  constructor(@InjectModel(ORDER_MODEL) private readonly orders: Model<OrderDocument>) {}

  /** Stores a new order with its events; 'exists' when an order with that id is already there. */
  async insert(order: Order, outbox: OutboxEntry[]): Promise<'inserted' | 'exists'> {
    const { id, ...rest } = order;
    try {
      await this.orders.collection.insertOne({
        _id: id,
        ...rest,
        revision: 1,
        listKey: listKeyOf(order),
        outbox,
      } as never);
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'exists';
      throw err;
    }
  }

  async findById(id: string): Promise<StoredOrder | undefined> {
    const doc = await this.orders.findOne({ _id: id }).lean<OrderDocument>().exec();
    return doc ? { order: toDomain(doc), revision: doc.revision } : undefined;
  }

  /**
   * Writes a transition and its events in one update, only if nobody wrote the order since it
   * was read (same revision). False means: read again and decide again.
   */
  async saveTransition(stored: StoredOrder, next: Order, outbox: OutboxEntry[]): Promise<boolean> {
    const update: Record<string, unknown> = {
      $set: changedFields(next),
      $inc: { revision: 1 },
    };
    if (outbox.length > 0) update['$push'] = { outbox: { $each: outbox } };
    const result = await this.orders
      .updateOne({ _id: stored.order.id, revision: stored.revision }, update)
      .exec();
    return result.modifiedCount === 1;
  }

  /** A user's orders, newest first (a scan, acceptable for a listing). */
  async listForUser(
    userId: string,
    options: { status?: OrderStatus; limit: number; cursor?: string },
  ): Promise<OrderPage> {
    const filter: Record<string, unknown> = { userId };
    if (options.status !== undefined) filter['status'] = options.status;
    if (options.cursor !== undefined) filter['listKey'] = { $lt: decodeCursor(options.cursor) };
    const docs = await this.orders
      .find(filter)
      .sort({ listKey: -1 })
      .limit(options.limit + 1)
      .lean<OrderDocument[]>()
      .exec();
    const page = docs.slice(0, options.limit);
    const last = page[page.length - 1];
    return {
      orders: page.map(toDomain),
      ...(docs.length > options.limit && last ? { nextCursor: encodeCursor(last.listKey) } : {}),
    };
  }

  /** Ids of PENDING orders created before the cutoff, oldest first (sweeper scan). */
  async findPendingCreatedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const docs = await this.orders
      .find({ status: 'PENDING', createdAt: { $lte: cutoff } })
      .sort({ createdAt: 1 })
      .limit(limit)
      .lean<{ _id: string }[]>()
      .exec();
    return docs.map((d) => d._id);
  }
}
