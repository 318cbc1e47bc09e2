// The order document: `_id` is the order id, and the events a change causes are written into its
// own `outbox` array in the same single-document write (see the reliability model).
import { Schema } from 'mongoose';
import { ORDER_STATUSES, type Order } from '../domain/order';
import { withOutbox, type OutboxEntry } from '@eventshop/service-kit';

export const ORDER_MODEL = 'Order';
export const ORDERS_COLLECTION = 'orders';

export interface OrderDocument extends Omit<Order, 'id'> {
  _id: string;
  /** Bumped by every write: the compare-and-set guard of each transition. */
  revision: number;
  /** `<createdAt ISO>|<id>`: one sortable field for newest-first listing and its cursor. */
  listKey: string;
  /** The saga's correlation id, carried by every event of this order. */
  correlationId?: string;
  outbox: OutboxEntry[];
}

const lineSchema = new Schema(
  {
    sku: { type: String, required: true },
    quantity: { type: Number, required: true },
    unitPriceMinor: { type: Number, required: true },
  },
  { _id: false },
);

const shortLineSchema = new Schema(
  {
    sku: { type: String, required: true },
    requested: { type: Number, required: true },
    available: { type: Number, required: true },
  },
  { _id: false },
);

export const orderSchema = new Schema<OrderDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    email: { type: String, required: true },
    currency: { type: String, required: true },
    totalMinor: { type: Number, required: true },
    lines: { type: [lineSchema], required: true },
    status: { type: String, required: true, enum: ORDER_STATUSES },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    reservation: { type: String, enum: ['reserved', 'failed'] },
    rejection: {
      type: new Schema(
        { reason: { type: String, required: true }, shortLines: { type: [shortLineSchema] } },
        { _id: false },
      ),
    },
    cancellation: {
      type: new Schema({ reason: { type: String, required: true } }, { _id: false }),
    },
    revision: { type: Number, required: true },
    listKey: { type: String, required: true },
    correlationId: { type: String },
  },
  {
    collection: ORDERS_COLLECTION,
    versionKey: false,
    // Timestamps are domain data here, set by the state machine, not by Mongoose.
    timestamps: false,
    // Indexes are created at start (persistence/create-indexes.ts), not lazily by Mongoose.
    autoIndex: false,
  },
);

// The kit's embedded outbox: entries written with the state change, published by its relay.
withOutbox(orderSchema);

// Listing (a user's orders newest first) and the pending-timeout sweeper. Scans are acceptable
// there; the hot paths go by `_id`.
orderSchema.index({ userId: 1, listKey: -1 });
orderSchema.index({ status: 1, createdAt: 1 });

export function listKeyOf(order: Pick<Order, 'id' | 'createdAt'>): string {
  return `${order.createdAt.toISOString()}|${order.id}`;
}

export function toDomain(doc: OrderDocument): Order {
  const order: Order = {
    id: doc._id,
    userId: doc.userId,
    email: doc.email,
    currency: doc.currency,
    totalMinor: doc.totalMinor,
    lines: doc.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceMinor,
    })),
    status: doc.status,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
  if (doc.reservation) order.reservation = doc.reservation;
  if (doc.rejection) {
    order.rejection = {
      reason: doc.rejection.reason,
      shortLines: (doc.rejection.shortLines ?? []).map((s) => ({
        sku: s.sku,
        requested: s.requested,
        available: s.available,
      })),
    };
  }
  if (doc.cancellation) order.cancellation = { reason: doc.cancellation.reason };
  return order;
}

/** The fields a transition may change, for `$set`. */
export function changedFields(order: Order): Partial<OrderDocument> {
  const fields: Partial<OrderDocument> = { status: order.status, updatedAt: order.updatedAt };
  if (order.reservation !== undefined) fields.reservation = order.reservation;
  if (order.rejection !== undefined) fields.rejection = order.rejection;
  if (order.cancellation !== undefined) fields.cancellation = order.cancellation;
  return fields;
}
