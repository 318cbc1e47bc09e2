// Orders: inserted with their first event, changed by guarded single-document writes that carry
// the events they cause (the kit's OutboxWriter hands them to the relay).
//
// The latest copy of each order this process wrote or read is held with its revision
// (`heldCopy`), so a transition of an order this replica created or changed skips the read
// before its write: the write's revision guard refuses an out-of-date copy (docs/decisions/0025).
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { OutboxWriter } from '@eventshop/service-kit';
import type { Order, OrderStatus } from '../domain/order';
import { HeldCopies } from './held-copies';
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

/** Orders held at most (about 1 kB each). */
const MAX_HELD_ORDERS = 10_000;

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
  private readonly held = new HeldCopies<StoredOrder>(MAX_HELD_ORDERS);

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
      this.hold({
        order,
        revision: 1,
        ...(correlationId !== undefined ? { correlationId } : {}),
      });
      return 'inserted';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'exists';
      throw err;
    }
  }

  async findById(id: string): Promise<StoredOrder | undefined> {
    const doc = await this.orders.findOne({ _id: id }).lean<OrderDocument>().exec();
    if (!doc) return undefined;
    const read = stored(doc);
    this.hold(read);
    return read;
  }

  /**
   * The latest copy of the order this process wrote or read, if it holds one; possibly out of
   * date (another replica, or an operator, may have changed the order since). Only a write
   * guarded by its revision may rely on it.
   */
  heldCopy(id: string): StoredOrder | undefined {
    const held = this.held.get(id);
    return held && structuredClone(held);
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
    if (after === null) {
      this.held.delete(before.order.id);
      return false;
    }
    this.hold({ ...before, order: next, revision: before.revision + 1 });
    return true;
  }

  /** Holds a copy unless a later revision is held (a read may end after a later write). */
  private hold(copy: StoredOrder): void {
    const held = this.held.get(copy.order.id);
    if (held === undefined || held.revision < copy.revision) {
      this.held.set(copy.order.id, structuredClone(copy));
    }
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
