// Sample order outcomes for tests.
import { randomUUID } from 'node:crypto';

import type { OrderCancelled, OrderConfirmed, OrderRejected } from '../../src/domain/order-outcome';

export function confirmedOutcome(overrides: Partial<OrderConfirmed> = {}): OrderConfirmed {
  return {
    kind: 'confirmed',
    eventId: randomUUID(),
    orderId: '3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f',
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
