// A customer's open (PENDING) orders: `_id` is the user id, `count` the number of orders in
// `slots` (order id → when the slot was taken). Both change in one guarded write by `_id`, so the
// per-customer cap holds across replicas without a scan of the orders collection.
import { Schema } from 'mongoose';

export const OPEN_ORDERS_MODEL = 'OpenOrders';
export const OPEN_ORDERS_COLLECTION = 'open_orders';

export interface OpenOrdersDocument {
  _id: string;
  count: number;
  slots: Record<string, Date>;
}

export const openOrdersSchema = new Schema<OpenOrdersDocument>(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    slots: { type: Schema.Types.Mixed, required: true },
  },
  {
    collection: OPEN_ORDERS_COLLECTION,
    versionKey: false,
    timestamps: false,
    minimize: false,
    // Looked up by `_id` only: no secondary index.
    autoIndex: false,
  },
);
