// Orders: inserted with their first event, changed by guarded single-document writes that carry
// the events they cause (the kit's OutboxWriter hands them to the relay).
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { OutboxWriter } from '@eventshop/service-kit';
import type { Order, OrderStatus } from '../domain/order';
import { isDuplicateKeyError } from './mongo-errors';
import {
  changedFields,
  listKeyOf,
  ORDER_MODEL,
  toDomain,
  type OrderDocument,
} from './order.schema';

export interface StoredOrder {
  order: Order;
  revision: number;
  correlationId?: string;
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

function stored(doc: OrderDocument): StoredOrder {
  return {
    order: toDomain(doc),
    revision: doc.revision,
    ...(doc.correlationId !== undefined ? { correlationId: doc.correlationId } : {}),
  };
}

@Injectable()
export class OrdersRepository {
  constructor(
    @InjectModel(ORDER_MODEL) private readonly orders: Model<OrderDocument>,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Stores a new order with its events; 'exists' when an order with that id is already there. */
  async insert(
    order: Order,
    events: readonly AnyCloudEvent[],
    correlationId: string | undefined,
  ): Promise<'inserted' | 'exists'> {
    const { id, ...rest } = order;
    try {
      await this.outbox.insert(
        this.orders,
        {
          _id: id,
          ...rest,
          revision: 1,
          listKey: listKeyOf(order),
          ...(correlationId !== undefined ? { correlationId } : {}),
        },
        events,
      );
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'exists';
      throw err;
    }
  }

  async findById(id: string): Promise<StoredOrder | undefined> {
    const doc = await this.orders.findOne({ _id: id }).lean<OrderDocument>().exec();
    return doc ? stored(doc) : undefined;
  }

  /**
   * Writes a transition and its events in one update, only if nobody wrote the order since it
   * was read (same revision). False means: read again and decide again.
   */
  async saveTransition(
    before: StoredOrder,
    next: Order,
    events: readonly AnyCloudEvent[],
  ): Promise<boolean> {
    const after = await this.outbox.update(
      this.orders,
      { _id: before.order.id, revision: before.revision },
      { $set: changedFields(next), $inc: { revision: 1 } },
      events,
    );
    return after !== null;
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

  /** Every PENDING order's id and creation time: one scan, when the due list is first loaded. */
  async findAllPending(): Promise<{ id: string; createdAt: Date }[]> {
    const docs = await this.orders
      .find({ status: 'PENDING' })
      .lean<{ _id: string; createdAt: Date }[]>()
      .exec();
    return docs.map((d) => ({ id: d._id, createdAt: new Date(d.createdAt) }));
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
