import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';

import { createEvent, EventTypes, validateEvent } from '@eventshop/events-contracts';

import { outcomeFromEvent } from '../../../src/messaging/outcome-from-event';

const orderId = randomUUID();
const common = {
  orderId,
  userId: 'alice',
  email: 'alice@example.com',
  currency: 'EUR',
  totalMinor: 2598,
  lines: [{ sku: 'MUG-RED', quantity: 2, unitPriceMinor: 1299 }],
};

describe('reading outcome events', () => {
  it('reads a confirmation (and the sample is a valid contract event)', () => {
    const event = createEvent(EventTypes.OrderConfirmedV1, {
      source: '/order-service',
      subject: orderId,
      data: common,
    });
    assert.equal(validateEvent(event).ok, true);
    assert.deepEqual(outcomeFromEvent(event), { ...common, eventId: event.id, kind: 'confirmed' });
  });

  it('reads a rejection with its reason and short lines, ignoring extra fields', () => {
    const data = {
      ...common,
      reason: 'insufficient_stock' as const,
      shortLines: [{ sku: 'MUG-RED', requested: 2, available: 1, extra: 'x' }],
      addedLater: true,
    };
    const event = createEvent(EventTypes.OrderRejectedV1, {
      source: '/order-service',
      subject: orderId,
      data,
    });
    assert.equal(validateEvent(event).ok, true);
    const outcome = outcomeFromEvent(event);
    assert.equal(outcome.kind, 'rejected');
    assert.deepEqual(outcome.kind === 'rejected' && outcome.shortLines, [
      { sku: 'MUG-RED', requested: 2, available: 1 },
    ]);
    assert.equal(outcome.kind === 'rejected' && outcome.reason, 'insufficient_stock');
    assert.ok(!('addedLater' in outcome));
  });

  it('reads a cancellation with its reason', () => {
    const event = createEvent(EventTypes.OrderCancelledV1, {
      source: '/order-service',
      subject: orderId,
      data: { ...common, reason: 'customer' },
    });
    const outcome = outcomeFromEvent(event);
    assert.equal(outcome.kind, 'cancelled');
    assert.equal(outcome.kind === 'cancelled' && outcome.reason, 'customer');
    assert.equal(outcome.eventId, event.id);
  });
});
