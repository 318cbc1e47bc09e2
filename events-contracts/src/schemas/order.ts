import { Type, type Static } from '@sinclair/typebox';
import { DateTime, OrderSummaryFields, ShortLineSchema } from './common';

export const OrderCreatedV1Schema = Type.Object(
  { ...OrderSummaryFields, createdAt: DateTime },
  { title: 'OrderCreatedV1Data', description: 'data of order.created.v1' },
);
export type OrderCreatedV1Data = Static<typeof OrderCreatedV1Schema>;

export const OrderConfirmedV1Schema = Type.Object(
  { ...OrderSummaryFields },
  { title: 'OrderConfirmedV1Data', description: 'data of order.confirmed.v1' },
);
export type OrderConfirmedV1Data = Static<typeof OrderConfirmedV1Schema>;

export const OrderRejectedReason = Type.Union([
  Type.Literal('insufficient_stock'),
  Type.Literal('unknown_product'),
  Type.Literal('timeout'),
]);
export type OrderRejectedReason = Static<typeof OrderRejectedReason>;

export const OrderRejectedV1Schema = Type.Object(
  {
    ...OrderSummaryFields,
    reason: OrderRejectedReason,
    shortLines: Type.Array(ShortLineSchema, { maxItems: 100 }),
  },
  { title: 'OrderRejectedV1Data', description: 'data of order.rejected.v1' },
);
export type OrderRejectedV1Data = Static<typeof OrderRejectedV1Schema>;

export const OrderCancelledReason = Type.Union([
  Type.Literal('customer'),
  Type.Literal('timeout'),
  Type.Literal('late_reservation'),
]);
export type OrderCancelledReason = Static<typeof OrderCancelledReason>;

export const OrderCancelledV1Schema = Type.Object(
  { ...OrderSummaryFields, reason: OrderCancelledReason },
  { title: 'OrderCancelledV1Data', description: 'data of order.cancelled.v1' },
);
export type OrderCancelledV1Data = Static<typeof OrderCancelledV1Schema>;
