import { resolve } from 'node:path';
import type { EventDataMap, EventType } from '../src';

/** The package folder (tests run from build/test). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

export const ORDER_ID = '3f0c8a4e-5b7d-4c1e-9a2f-6d8e0b1c2a3f';
export const OTHER_ID = 'b2a1c3d4-e5f6-4789-8abc-def012345678';

const line = { sku: 'TSHIRT-RED-M', quantity: 2, unitPriceMinor: 1999 };
const summary = {
  orderId: ORDER_ID,
  userId: 'auth0|user-42',
  email: 'ada@example.com',
  currency: 'EUR',
  totalMinor: 3998,
  lines: [line],
};

/** One valid data value per event type. */
export const validData: { [K in EventType]: EventDataMap[K] } = {
  'order.created.v1': { ...summary, createdAt: '2025-01-31T12:00:00.000Z' },
  'order.confirmed.v1': { ...summary },
  'order.rejected.v1': {
    ...summary,
    reason: 'insufficient_stock',
    shortLines: [{ sku: 'TSHIRT-RED-M', requested: 2, available: 1 }],
  },
  'order.cancelled.v1': { ...summary, reason: 'customer' },
  'inventory.product-updated.v1': {
    sku: 'TSHIRT-RED-M',
    name: 'T-shirt, red, M',
    priceMinor: 1999,
    currency: 'EUR',
    active: true,
    version: 3,
  },
  'inventory.reserved.v1': { orderId: ORDER_ID, lines: [{ sku: 'TSHIRT-RED-M', quantity: 2 }] },
  'inventory.reservation-failed.v1': {
    orderId: ORDER_ID,
    reason: 'unknown_product',
    shortLines: [{ sku: 'NOPE-1', requested: 1, available: 0 }],
  },
  'inventory.released.v1': { orderId: ORDER_ID, lines: [{ sku: 'TSHIRT-RED-M', quantity: 2 }] },
};

/** A deep copy, so a test may mutate it. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
