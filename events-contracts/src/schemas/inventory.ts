import { Type, type Static } from '@sinclair/typebox';
import { Currency, MoneyMinor, OrderId, ShortLineSchema, Sku, StockLineSchema } from './common';

export const ProductUpdatedV1Schema = Type.Object(
  {
    sku: Sku,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    priceMinor: MoneyMinor,
    currency: Currency,
    active: Type.Boolean(),
    version: Type.Integer({
      minimum: 1,
      description: 'Increases by one on every change of the product; readers keep the highest',
    }),
  },
  { title: 'ProductUpdatedV1Data', description: 'data of inventory.product-updated.v1' },
);
export type ProductUpdatedV1Data = Static<typeof ProductUpdatedV1Schema>;

export const InventoryReservedV1Schema = Type.Object(
  { orderId: OrderId, lines: Type.Array(StockLineSchema, { minItems: 1, maxItems: 100 }) },
  { title: 'InventoryReservedV1Data', description: 'data of inventory.reserved.v1' },
);
export type InventoryReservedV1Data = Static<typeof InventoryReservedV1Schema>;

export const ReservationFailedReason = Type.Union([
  Type.Literal('insufficient_stock'),
  Type.Literal('unknown_product'),
  Type.Literal('order_cancelled'),
]);
export type ReservationFailedReason = Static<typeof ReservationFailedReason>;

export const ReservationFailedV1Schema = Type.Object(
  {
    orderId: OrderId,
    reason: ReservationFailedReason,
    shortLines: Type.Array(ShortLineSchema, { maxItems: 100 }),
  },
  { title: 'ReservationFailedV1Data', description: 'data of inventory.reservation-failed.v1' },
);
export type ReservationFailedV1Data = Static<typeof ReservationFailedV1Schema>;

/** Released lines may be empty: a cancellation can find nothing held. */
export const InventoryReleasedV1Schema = Type.Object(
  { orderId: OrderId, lines: Type.Array(StockLineSchema, { maxItems: 100 }) },
  { title: 'InventoryReleasedV1Data', description: 'data of inventory.released.v1' },
);
export type InventoryReleasedV1Data = Static<typeof InventoryReleasedV1Schema>;
