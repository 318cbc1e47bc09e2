// Sample order outcomes for tests.
import { randomUUID } from 'node:crypto';

import type { OrderCancelled, OrderConfirmed, OrderRejected } from '../../src/domain/order-outcome';

/** Each sample is of a new order unless `orderId` is given: outcomes of one order interact. */
export function confirmedOutcome(overrides: Partial<OrderConfirmed> = {}): OrderConfirmed {
  return {
    kind: 'confirmed',
    eventId: randomUUID(),
    orderId: randomUUID(),
    userId: 'alice',
    email: 'alice@example.com',
    currency: 'EUR',
    totalMinor: 4997,
    lines: [
      { sku: 'MUG-RED', quantity: 2, unitPriceMinor: 1299 },
      { sku: 'TEE-L', quantity: 1, unitPriceMinor: 2399 },
    ],
    ...overrides,
  };
}

export function rejectedOutcome(overrides: Partial<OrderRejected> = {}): OrderRejected {
  return {
    ...confirmedOutcome(),
    kind: 'rejected',
    reason: 'insufficient_stock',
    shortLines: [{ sku: 'MUG-RED', requested: 2, available: 1 }],
    ...overrides,
  };
}

export function cancelledOutcome(overrides: Partial<OrderCancelled> = {}): OrderCancelled {
  return { ...confirmedOutcome(), kind: 'cancelled', reason: 'customer', ...overrides };
}
