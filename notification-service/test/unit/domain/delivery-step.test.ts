import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nextDeliveryStep, type OrderMailState } from '../../../src/domain/delivery-step';

const NOW = new Date('2026-01-01T00:00:10Z');
const LIVE = new Date('2026-01-01T00:01:00Z');
const EXPIRED = new Date('2026-01-01T00:00:00Z');

const step = (state: OrderMailState, kind: 'confirmed' | 'cancelled' = 'confirmed') =>
  nextDeliveryStep(state, 'event-c', kind, NOW).kind;

describe('the next step of a delivery whose claim was refused', () => {
  it('a final record: a duplicate, whatever the order shows', () => {
    for (const status of ['sent', 'failed', 'skipped'] as const) {
      assert.equal(step({ stage: 1, status }), 'duplicate');
      assert.equal(step({ stage: 2, status, sendLease: { until: LIVE, by: 'x' } }), 'duplicate');
    }
  });

  it('this event holds a live lease: busy, even once the order moved on (no skip mid-send)', () => {
    assert.equal(
      step({ stage: 1, status: 'sending', sendLease: { until: LIVE, by: 'event-c' } }),
      'busy',
    );
    assert.equal(
      step({ stage: 2, status: 'sending', sendLease: { until: LIVE, by: 'event-c' } }),
      'busy',
    );
  });

  it('the order moved past the outcome and nothing of it is being sent: skip', () => {
    assert.equal(step({ stage: 2 }), 'skip');
    assert.equal(step({ stage: 2, sendLease: { until: LIVE, by: 'event-x' } }), 'skip');
    assert.equal(
      step({ stage: 2, status: 'sending', sendLease: { until: EXPIRED, by: 'event-c' } }),
      'skip',
    );
    assert.equal(
      step({ stage: 2, status: 'sending', sendLease: { until: LIVE, by: 'event-x' } }),
      'skip',
    );
    assert.equal(step({ stage: 2, status: 'sending' }), 'skip');
  });

  it('another outcome of the order is being mailed: wait', () => {
    assert.equal(step({ stage: 1, sendLease: { until: LIVE, by: 'event-x' } }), 'wait');
    assert.equal(
      step({ stage: 1, sendLease: { until: LIVE, by: 'event-x' } }, 'cancelled'),
      'wait',
    );
    assert.equal(
      step({ stage: 1, status: 'sending', sendLease: { until: LIVE, by: 'event-x' } }),
      'wait',
    );
  });

  it('claimed before, no send in progress: take over; nothing recorded: claim again', () => {
    assert.equal(step({ stage: 1, status: 'sending' }), 'take-over');
    assert.equal(
      step({ stage: 1, status: 'sending', sendLease: { until: EXPIRED, by: 'event-c' } }),
      'take-over',
    );
    assert.equal(step({ stage: 1 }), 'claim');
    assert.equal(step({ stage: 1, sendLease: { until: EXPIRED, by: 'event-x' } }), 'claim');
    assert.equal(step({ stage: 1 }, 'cancelled'), 'claim');
  });
});
