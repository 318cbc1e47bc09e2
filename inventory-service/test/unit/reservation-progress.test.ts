import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  canTransition,
  cancelledBeforeReservation,
  holdsAreOwedBackAfterLostRace,
  isFinal,
  markRefused,
  markReleased,
  markReserved,
  markCommitted,
  markSettled,
  nextOnOrderCancelled,
  nextOnOrderCreated,
  ownsNoStock,
  owesStockBack,
  startReserving,
  type ReservationRecord,
  type ReservationStatus,
} from '../../src/domain/reservation-progress';
import {
  eventLines,
  outcomeEventId,
  releasedData,
  reservationFailedData,
  reservedData,
} from '../../src/domain/outcome-events';

const orderId = '6c2f3d1e-2f7a-4d84-b1b5-5d7e2f8a9c01';
const lines = [
  { sku: 'A', quantity: 1 },
  { sku: 'B', quantity: 2 },
];
const short = {
  reason: 'insufficient_stock' as const,
  shortLines: [{ sku: 'B', requested: 2, available: 1 }],
};

const reserving = startReserving(orderId, lines);
const reserved = markReserved(reserving);
const refused = markRefused(reserving, short);
const released = markReleased(reserved);
const early = cancelledBeforeReservation(orderId);

describe('reservation progress: transitions', () => {
  const all: ReservationStatus[] = ['reserving', 'reserved', 'refused', 'released', 'cancelled'];
  const allowed = new Set([
    'reserving>reserved',
    'reserving>refused',
    'reserved>released',
    'cancelled>refused',
  ]);

  it('allows exactly the drawn transitions and refuses every other pair', () => {
    for (const from of all) {
      for (const to of all) {
        assert.equal(canTransition(from, to), allowed.has(`${from}>${to}`), `${from} -> ${to}`);
      }
    }
  });

  it('has refused and released as final states', () => {
    assert.deepEqual(
      all.filter((s) => isFinal(s)),
      ['refused', 'released'],
    );
  });

  it('refuses illegal moves loudly', () => {
    assert.throws(() => markReserved(reserved), /reserved -> reserved/);
    assert.throws(() => markReleased(reserving), /reserving -> released/);
    assert.throws(() => markReleased(refused), /refused -> released/);
    assert.throws(() => markReserved(early), /cancelled -> reserved/);
    assert.throws(() => markRefused(released, short), /released -> refused/);
    assert.throws(() => startReserving(orderId, []), RangeError);
  });

  it('owes stock back after refusal or release until settled, and never otherwise', () => {
    assert.equal(owesStockBack(reserving), false);
    assert.equal(owesStockBack(reserved), false);
    assert.equal(owesStockBack(early), false);
    assert.equal(owesStockBack(refused), true);
    assert.equal(owesStockBack(released), true);
    assert.equal(owesStockBack(markSettled(refused)), false);
    assert.equal(owesStockBack(markSettled(released)), false);
    assert.throws(() => markSettled(reserved), /owes no stock back/);
    assert.throws(() => markSettled(markSettled(released)), /owes no stock back/);
  });

  it('keeps the order lines when a cancellation-first record is refused; nothing is owed', () => {
    const after = markRefused(early, { reason: 'order_cancelled', shortLines: [] }, { lines });
    assert.deepEqual(after.lines, lines);
    assert.equal(after.status, 'refused');
    assert.equal(after.settled, true);
  });

  it('owes stock after a refusal unless the refusing run saw no hold of the order', () => {
    assert.equal(markRefused(reserving, short).settled, false);
    assert.equal(markRefused(reserving, short, { holdsSeen: true }).settled, false);
    assert.equal(markRefused(reserving, short, { holdsSeen: false }).settled, true);
  });
});

describe('reservation progress: what an event makes a run do', () => {
  const settledRefused = markSettled(refused);
  const settledReleased = markSettled(released);
  const cases: [string, ReservationRecord | undefined, string, string][] = [
    ['no record', undefined, 'start', 'remember'],
    ['reserving', reserving, 'take-holds', 'refuse-cancelled'],
    ['reserved', reserved, 'done', 'release'],
    ['refused, unsettled', refused, 'settle', 'settle'],
    ['refused, settled', settledRefused, 'settle', 'settle'],
    ['released, unsettled', released, 'settle', 'settle'],
    ['released, settled', settledReleased, 'settle', 'settle'],
    ['cancelled first', early, 'refuse-cancelled', 'done'],
  ];
  for (const [name, record, onCreated, onCancelled] of cases) {
    it(`${name}: order.created -> ${onCreated}, order.cancelled -> ${onCancelled}`, () => {
      assert.equal(nextOnOrderCreated(record).kind, onCreated);
      assert.equal(nextOnOrderCancelled(record).kind, onCancelled);
    });
  }

  it('treats holds as legitimate after a lost race only under reserved', () => {
    assert.equal(holdsAreOwedBackAfterLostRace(reserved), false);
    assert.equal(holdsAreOwedBackAfterLostRace(refused), true);
    assert.equal(holdsAreOwedBackAfterLostRace(released), true);
    assert.equal(holdsAreOwedBackAfterLostRace(markSettled(released)), true);
  });

  it('says a settled refused, released or committed order owns nothing on any SKU', () => {
    assert.equal(ownsNoStock(reserving), false);
    assert.equal(ownsNoStock(reserved), false, 'reserved holds are the order’s own');
    assert.equal(ownsNoStock(refused), false, 'a run is still returning its holds');
    assert.equal(ownsNoStock(released), false);
    assert.equal(ownsNoStock(early), false, 'never held anything');
    assert.equal(ownsNoStock(markSettled(refused)), true);
    assert.equal(ownsNoStock(markSettled(released)), true);
    const committed = markCommitted(reserved);
    assert.equal(ownsNoStock(committed), false, 'holds are being committed');
    assert.equal(ownsNoStock(markSettled(committed)), true);
  });
});

describe('outcome events', () => {
  it('carry the lines, or the refusal with its short lines', () => {
    assert.deepEqual(reservedData(reserved), { orderId, lines });
    assert.deepEqual(releasedData(released), { orderId, lines });
    assert.deepEqual(reservationFailedData(refused), {
      orderId,
      reason: 'insufficient_stock',
      shortLines: [{ sku: 'B', requested: 2, available: 1 }],
    });
    assert.throws(() => reservedData(reserving));
    assert.throws(() => releasedData(reserved));
    assert.throws(() => reservationFailedData(reserved));
  });

  it('get one stable UUID per order and type', () => {
    const id = outcomeEventId(orderId, 'inventory.reserved.v1');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(outcomeEventId(orderId, 'inventory.reserved.v1'), id);
    assert.notEqual(outcomeEventId(orderId, 'inventory.released.v1'), id);
    assert.notEqual(
      outcomeEventId('6c2f3d1e-2f7a-4d84-b1b5-5d7e2f8a9c02', 'inventory.reserved.v1'),
      id,
    );
  });
});

describe('event lines', () => {
  it('split a merged SKU above the per-line maximum into lines that add up to it', () => {
    assert.deepEqual(
      eventLines([
        { sku: 'A', quantity: 2500 },
        { sku: 'B', quantity: 1000 },
        { sku: 'C', quantity: 1 },
      ]),
      [
        { sku: 'A', quantity: 1000 },
        { sku: 'A', quantity: 1000 },
        { sku: 'A', quantity: 500 },
        { sku: 'B', quantity: 1000 },
        { sku: 'C', quantity: 1 },
      ],
    );
  });
});
