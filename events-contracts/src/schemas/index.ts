import type { Static, TSchema } from '@sinclair/typebox';
import type { EventType } from '../types';
import {
  InventoryReleasedV1Schema,
  InventoryReservedV1Schema,
  ProductUpdatedV1Schema,
  ReservationFailedV1Schema,
} from './inventory';
import {
  OrderCancelledV1Schema,
  OrderConfirmedV1Schema,
  OrderCreatedV1Schema,
  OrderRejectedV1Schema,
} from './order';

export * from './common';
export * from './inventory';
export * from './order';

/** A JSON Schema object. TypeBox schemas are plain JSON Schema (plus symbol-keyed metadata). */
export type JSONSchema = TSchema;

/** The data schema of every event type: the single source of types, validators and documents. */
export const eventSchemas = {
  'order.created.v1': OrderCreatedV1Schema,
  'order.confirmed.v1': OrderConfirmedV1Schema,
  'order.rejected.v1': OrderRejectedV1Schema,
  'order.cancelled.v1': OrderCancelledV1Schema,
  'inventory.product-updated.v1': ProductUpdatedV1Schema,
  'inventory.reserved.v1': InventoryReservedV1Schema,
  'inventory.reservation-failed.v1': ReservationFailedV1Schema,
  'inventory.released.v1': InventoryReleasedV1Schema,
} as const satisfies Record<EventType, JSONSchema>;

export type EventSchemaMap = typeof eventSchemas;

/** Event type → the type of its `data`. */
export type EventDataMap = { [K in EventType]: Static<EventSchemaMap[K]> };
