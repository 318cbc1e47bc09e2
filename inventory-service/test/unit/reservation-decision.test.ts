import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeLines } from '../../src/domain/order-lines';
import { decideReservation, type SkuAvailability } from '../../src/domain/reservation-decision';
import { explainMissedHold, findHold, heldUnits, holdOf } from '../../src/domain/holds';

const catalog = (entries: Record<string, SkuAvailability>) => (sku: string) => entries[sku];

describe('order lines', () => {
  it('merges lines of the same SKU and sorts by SKU', () => {
    assert.deepEqual(
      normalizeLines([
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 3 },
      ]),
      [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 4 },
      ],
    );
  });

  it('rejects non-positive or fractional quantities', () => {
    assert.throws(() => normalizeLines([{ sku: 'A', quantity: 0 }]), RangeError);
    assert.throws(() => normalizeLines([{ sku: 'A', quantity: 1.5 }]), RangeError);
  });
});

describe('reservation decision: every line or none', () => {
  const lines = [
    { sku: 'A', quantity: 2 },
    { sku: 'B', quantity: 5 },
  ];

  it('reserves when every line is free', () => {
    const decision = decideReservation(
      lines,
      catalog({ A: { active: true, available: 2 }, B: { active: true, available: 9 } }),
    );
    assert.deepEqual(decision, { ok: true });
  });

  it('refuses the whole order and reports each short line with requested and available', () => {
    const decision = decideReservation(
      [...lines, { sku: 'C', quantity: 1 }],
      catalog({
        A: { active: true, available: 1 },
        B: { active: true, available: 9 },
        C: { active: true, available: 0 },
      }),
    );
    assert.deepEqual(decision, {
      ok: false,
      reason: 'insufficient_stock',
      shortLines: [
        { sku: 'A', requested: 2, available: 1 },
        { sku: 'C', requested: 1, available: 0 },
      ],
    });
  });

  it('calls a missing or inactive SKU unknown, with available 0, and lists the short ones too', () => {
    const decision = decideReservation(
      [...lines, { sku: 'Z', quantity: 1 }],
      catalog({ A: { active: false, available: 50 }, B: { active: true, available: 1 } }),
    );
    assert.deepEqual(decision, {
      ok: false,
      reason: 'unknown_product',
      shortLines: [
        { sku: 'A', requested: 2, available: 0 },
        { sku: 'B', requested: 5, available: 1 },
        { sku: 'Z', requested: 1, available: 0 },
      ],
    });
  });

  it('counts a line the order already holds as satisfied, whatever is free now', () => {
    const decision = decideReservation(
      lines,
      catalog({ A: { active: true, available: 0 }, B: { active: false, available: 0 } }),
      new Set(['A', 'B']),
    );
    assert.deepEqual(decision, { ok: true });
  });
});

describe('holds', () => {
  const order = '0b7d4a40-1111-4e2e-9a55-000000000001';
  const other = '0b7d4a40-1111-4e2e-9a55-000000000002';

  it('are exact {orderId, quantity} values in that key order', () => {
    const hold = holdOf(order, { sku: 'A', quantity: 3 });
    assert.deepEqual(Object.keys(hold), ['orderId', 'quantity']);
    assert.deepEqual(hold, { orderId: order, quantity: 3 });
  });

  it('find the hold of one order and sum the units held', () => {
    const holds = [
      { orderId: other, quantity: 1 },
      { orderId: order, quantity: 2 },
    ];
    assert.deepEqual(findHold(holds, order), { orderId: order, quantity: 2 });
    assert.equal(findHold(holds, 'nobody'), undefined);
    assert.equal(heldUnits(holds), 3);
  });

  it('explain a hold update that matched nothing', () => {
    const held = { active: true, available: 0, holds: [{ orderId: order, quantity: 1 }] };
    assert.deepEqual(explainMissedHold(held, order), { kind: 'already-held' });
    assert.deepEqual(explainMissedHold(held, other), { kind: 'short', available: 0 });
    assert.deepEqual(explainMissedHold(undefined, order), { kind: 'unknown' });
    assert.deepEqual(explainMissedHold({ active: false, available: 9, holds: [] }, order), {
      kind: 'unknown',
    });
    // already held wins over a deactivated SKU: the units are this order's
    assert.deepEqual(explainMissedHold({ ...held, active: false }, order), {
      kind: 'already-held',
    });
  });
});
