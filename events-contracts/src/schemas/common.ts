import { Type, type Static } from '@sinclair/typebox';

/** Value rules shared by every event; each field schema is written once, here. */

export const Uuid = Type.String({ format: 'uuid' });

export const OrderId = Type.String({ format: 'uuid', description: 'Order id (UUID)' });

export const Sku = Type.String({
  pattern: '^[A-Z0-9]+(?:-[A-Z0-9]+)*$',
  minLength: 1,
  maxLength: 64,
  description: 'Stock keeping unit: upper-case letters and digits in dash-separated groups',
});

export const Quantity = Type.Integer({ minimum: 1, maximum: 1000 });

/** Money is an integer amount of the currency's minor unit (cents). */
export const MoneyMinor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });

export const UserId = Type.String({ minLength: 1, maxLength: 200 });

export const Email = Type.String({ format: 'email', maxLength: 320 });

export const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 timestamp' });

export const OrderLineSchema = Type.Object(
  { sku: Sku, quantity: Quantity, unitPriceMinor: MoneyMinor },
  { title: 'OrderLine' },
);
export type OrderLine = Static<typeof OrderLineSchema>;

/** A line that could not be reserved: how many were asked for and how many were there. */
export const ShortLineSchema = Type.Object(
  {
    sku: Sku,
    requested: Type.Integer({ minimum: 0 }),
    available: Type.Integer({ minimum: 0 }),
  },
  { title: 'ShortLine' },
);
export type ShortLine = Static<typeof ShortLineSchema>;

/** A line of stock held or returned for an order. */
export const StockLineSchema = Type.Object(
  { sku: Sku, quantity: Quantity },
  { title: 'StockLine' },
);
export type StockLine = Static<typeof StockLineSchema>;

/** An order has 1..100 lines in every event that carries them. */
export const OrderLines = Type.Array(OrderLineSchema, { minItems: 1, maxItems: 100 });

/** The order fields repeated by every order.* event after creation. */
export const OrderSummaryFields = {
  orderId: OrderId,
  userId: UserId,
  email: Email,
  currency: Currency,
  totalMinor: MoneyMinor,
  lines: OrderLines,
};
