import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  availableOf,
  decideAdjustment,
  isConsistent,
  MAX_ADJUSTMENT,
  requiredFreeFor,
  withAvailable,
} from '../../src/domain/stock';

describe('stock figures', () => {
  it('available is on hand minus reserved', () => {
    assert.equal(availableOf({ onHand: 10, reserved: 3 }), 7);
    assert.deepEqual(withAvailable({ onHand: 5, reserved: 5 }), {
      onHand: 5,
      reserved: 5,
      available: 0,
    });
  });

  it('is consistent only when on hand = available + reserved and nothing is negative', () => {
    assert.equal(isConsistent({ onHand: 10, reserved: 4, available: 6 }), true);
    assert.equal(isConsistent({ onHand: 10, reserved: 4, available: 5 }), false);
    assert.equal(isConsistent({ onHand: 3, reserved: 4, available: -1 }), false);
    assert.equal(isConsistent({ onHand: -1, reserved: -1, available: 0 }), false);
  });
});

describe('stock adjustments', () => {
  it('restocks by any positive delta', () => {
    const decision = decideAdjustment({ onHand: 2, reserved: 2 }, 8);
    assert.deepEqual(decision, { ok: true, after: { onHand: 10, reserved: 2, available: 8 } });
  });

  it('writes off at most what is free', () => {
    assert.deepEqual(decideAdjustment({ onHand: 10, reserved: 4 }, -6), {
      ok: true,
      after: { onHand: 4, reserved: 4, available: 0 },
    });
    assert.deepEqual(decideAdjustment({ onHand: 10, reserved: 4 }, -7), {
      ok: false,
      reason: 'below_free_stock',
      available: 6,
    });
  });

  it('refuses zero, fractions, unsafe and oversized deltas', () => {
    for (const delta of [0, 1.5, Number.NaN, Infinity, MAX_ADJUSTMENT + 1, -MAX_ADJUSTMENT - 1]) {
      const decision = decideAdjustment({ onHand: 10, reserved: 0 }, delta);
      assert.equal(decision.ok, false, `delta ${delta}`);
      assert.equal(!decision.ok && decision.reason, 'invalid_delta');
    }
  });

  it('asks the store to find the written-off units free, and nothing for a restock', () => {
    assert.equal(requiredFreeFor(-5), 5);
    assert.equal(requiredFreeFor(5), 0);
  });
});
