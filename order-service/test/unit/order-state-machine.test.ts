import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyReservationFailed,
  applyReserved,
  cancelByCustomer,
  createOrder,
  expirePending,
  isPendingExpired,
  ORDER_STATUSES,
  OrderStatus,
  sagaOutcome,
  type Order,
  type OrderStatus as Status,
  type Transition,
} from '../../src/domain/order';

const t0 = new Date('2026-01-01T00:00:00.000Z');
const t1 = new Date('2026-01-01T00:01:00.000Z');
const TIMEOUT = 15 * 60 * 1000;

function pending(): Order {
  return createOrder({
    id: '6f1c1a52-5b0e-4a43-9d0c-1a4f3e1d2c3b',
    userId: 'alice',
    email: 'alice@example.com',
    currency: 'EUR',
    totalMinor: 2500,
    lines: [
      { sku: 'A-1', quantity: 2, unitPriceMinor: 1000 },
      { sku: 'B-2', quantity: 1, unitPriceMinor: 500 },
    ],
    now: t0,
  }).order;
}

function inStatus(status: Status, extra: Partial<Order> = {}): Order {
  return { ...pending(), status, ...extra };
}

function changed(t: Transition): Extract<Transition, { kind: 'changed' }> {
  assert.equal(t.kind, 'changed', `expected a change, got ${JSON.stringify(t)}`);
  return t as Extract<Transition, { kind: 'changed' }>;
}

describe('createOrder', () => {
  it('starts PENDING and emits order.created.v1 with the priced snapshot', () => {
    const { order, events } = createOrder({
      id: 'id-1',
      userId: 'u',
      email: 'u@example.com',
      currency: 'USD',
      totalMinor: 300,
      lines: [{ sku: 'X', quantity: 3, unitPriceMinor: 100 }],
      now: t0,
    });
    assert.equal(order.status, OrderStatus.Pending);
    assert.equal(order.reservation, undefined);
    assert.deepEqual(events, [
      {
        type: 'order.created.v1',
        data: {
          orderId: 'id-1',
          userId: 'u',
          email: 'u@example.com',
          currency: 'USD',
          totalMinor: 300,
          lines: [{ sku: 'X', quantity: 3, unitPriceMinor: 100 }],
          createdAt: t0.toISOString(),
        },
      },
    ]);
  });
});

describe('inventory.reserved', () => {
  it('PENDING → CONFIRMED with order.confirmed.v1', () => {
    const before = pending();
    const t = changed(applyReserved(before, t1));
    assert.equal(t.order.status, OrderStatus.Confirmed);
    assert.equal(t.order.reservation, 'reserved');
    assert.deepEqual(t.order.updatedAt, t1);
    assert.equal(t.events.length, 1);
    assert.equal(t.events[0]?.type, 'order.confirmed.v1');
    assert.equal(t.events[0]?.data.orderId, before.id);
    assert.equal(sagaOutcome(before, t.order), 'confirmed');
    assert.equal(before.status, OrderStatus.Pending, 'input is not mutated');
  });

  it('a duplicate after confirmation changes nothing', () => {
    const confirmed = changed(applyReserved(pending(), t1)).order;
    assert.equal(applyReserved(confirmed, t1).kind, 'unchanged');
  });

  for (const status of [OrderStatus.Cancelled, OrderStatus.Rejected]) {
    it(`late reservation on ${status} keeps the status and emits order.cancelled.v1 (late_reservation)`, () => {
      const t = changed(applyReserved(inStatus(status), t1));
      assert.equal(t.order.status, status);
      assert.equal(t.order.reservation, 'reserved');
      assert.equal(t.events.length, 1);
      const [event] = t.events;
      assert.equal(event?.type, 'order.cancelled.v1');
      assert.equal(event?.type === 'order.cancelled.v1' && event.data.reason, 'late_reservation');
      assert.equal(applyReserved(t.order, t1).kind, 'unchanged', 'compensation is emitted once');
    });
  }

  it('a reservation after a recorded refusal is compensated once (late_reservation)', () => {
    const rejected = changed(
      applyReservationFailed(pending(), { reason: 'insufficient_stock', shortLines: [] }, t1),
    ).order;
    const t = changed(applyReserved(rejected, t1));
    assert.equal(t.order.status, OrderStatus.Rejected);
    assert.equal(t.events[0]?.type, 'order.cancelled.v1');
    assert.equal(applyReserved(t.order, t1).kind, 'unchanged');
  });
});

describe('inventory.reservation-failed', () => {
  const shortLines = [{ sku: 'A-1', requested: 2, available: 1 }];

  for (const reason of ['insufficient_stock', 'unknown_product'] as const) {
    it(`PENDING → REJECTED (${reason}) with order.rejected.v1 carrying the short lines`, () => {
      const before = pending();
      const t = changed(applyReservationFailed(before, { reason, shortLines }, t1));
      assert.equal(t.order.status, OrderStatus.Rejected);
      assert.equal(t.order.reservation, 'failed');
      assert.deepEqual(t.order.rejection, { reason, shortLines });
      assert.equal(t.events.length, 1);
      const [event] = t.events;
      assert.equal(event?.type, 'order.rejected.v1');
      if (event?.type === 'order.rejected.v1') {
        assert.equal(event.data.reason, reason);
        assert.deepEqual(event.data.shortLines, shortLines);
      }
      assert.equal(sagaOutcome(before, t.order), 'rejected');
    });
  }

  it('a duplicate after rejection changes nothing', () => {
    const rejected = changed(
      applyReservationFailed(pending(), { reason: 'insufficient_stock', shortLines }, t1),
    ).order;
    assert.equal(
      applyReservationFailed(rejected, { reason: 'insufficient_stock', shortLines }, t1).kind,
      'unchanged',
    );
  });

  it('a failure after a confirmation changes nothing', () => {
    const confirmed = changed(applyReserved(pending(), t1)).order;
    const t = applyReservationFailed(confirmed, { reason: 'insufficient_stock', shortLines }, t1);
    assert.equal(t.kind, 'unchanged');
  });

  for (const status of [OrderStatus.Cancelled, OrderStatus.Rejected]) {
    it(`on ${status} it is recorded without an event or a status change`, () => {
      const t = changed(
        applyReservationFailed(inStatus(status), { reason: 'order_cancelled', shortLines: [] }, t1),
      );
      assert.equal(t.order.status, status);
      assert.equal(t.order.reservation, 'failed');
      assert.deepEqual(t.events, []);
      assert.equal(
        applyReservationFailed(t.order, { reason: 'insufficient_stock', shortLines: [] }, t1).kind,
        'unchanged',
        'a second refusal is ignored',
      );
    });
  }

  it('order_cancelled on a PENDING order is left to the timeout', () => {
    const t = applyReservationFailed(pending(), { reason: 'order_cancelled', shortLines: [] }, t1);
    assert.equal(t.kind, 'unchanged');
  });
});

describe('cancel by customer', () => {
  for (const status of [OrderStatus.Pending, OrderStatus.Confirmed]) {
    it(`${status} → CANCELLED with order.cancelled.v1 (customer)`, () => {
      const t = changed(cancelByCustomer(inStatus(status), t1));
      assert.equal(t.order.status, OrderStatus.Cancelled);
      assert.deepEqual(t.order.cancellation, { reason: 'customer' });
      assert.equal(t.events.length, 1);
      const [event] = t.events;
      assert.equal(event?.type, 'order.cancelled.v1');
      assert.equal(event?.type === 'order.cancelled.v1' && event.data.reason, 'customer');
    });
  }

  for (const status of [OrderStatus.Cancelled, OrderStatus.Rejected]) {
    it(`refused from ${status}`, () => {
      const t = cancelByCustomer(inStatus(status), t1);
      assert.equal(t.kind, 'refused');
    });
  }

  it('a cancelled order is no longer confirmed by a reservation', () => {
    const cancelled = changed(cancelByCustomer(pending(), t1)).order;
    const t = changed(applyReserved(cancelled, t1));
    assert.equal(t.order.status, OrderStatus.Cancelled);
    assert.equal(sagaOutcome(cancelled, t.order), undefined);
  });
});

describe('pending timeout', () => {
  const due = new Date(t0.getTime() + TIMEOUT);
  const early = new Date(t0.getTime() + TIMEOUT - 1);

  it('is due exactly at createdAt + timeout, not before', () => {
    assert.equal(isPendingExpired(pending(), early, TIMEOUT), false);
    assert.equal(isPendingExpired(pending(), due, TIMEOUT), true);
  });

  it('PENDING past the timeout → REJECTED (timeout) with order.rejected.v1 and order.cancelled.v1', () => {
    const before = pending();
    const t = changed(expirePending(before, due, TIMEOUT));
    assert.equal(t.order.status, OrderStatus.Rejected);
    assert.deepEqual(t.order.rejection, { reason: 'timeout', shortLines: [] });
    assert.deepEqual(t.order.cancellation, { reason: 'timeout' });
    assert.deepEqual(
      t.events.map((e) => [e.type, 'reason' in e.data ? e.data.reason : undefined]),
      [
        ['order.rejected.v1', 'timeout'],
        ['order.cancelled.v1', 'timeout'],
      ],
    );
    assert.equal(sagaOutcome(before, t.order), 'rejected');
  });

  it('refused before the timeout', () => {
    assert.equal(expirePending(pending(), early, TIMEOUT).kind, 'refused');
  });

  for (const status of [OrderStatus.Confirmed, OrderStatus.Rejected, OrderStatus.Cancelled]) {
    it(`does nothing to ${status}`, () => {
      assert.equal(expirePending(inStatus(status), due, TIMEOUT).kind, 'unchanged');
    });
  }

  it('a reservation after the timeout emits the late_reservation cancellation', () => {
    const expired = changed(expirePending(pending(), due, TIMEOUT)).order;
    const t = changed(applyReserved(expired, due));
    assert.equal(t.order.status, OrderStatus.Rejected);
    assert.equal(t.events[0]?.type, 'order.cancelled.v1');
  });
});

describe('the transition table', () => {
  // Every (status, trigger) pair, so a new status or trigger cannot slip in untested.
  const expected: Record<Status, Record<string, Status | 'refused' | 'unchanged'>> = {
    PENDING: {
      reserved: 'CONFIRMED',
      failed: 'REJECTED',
      cancel: 'CANCELLED',
      timeout: 'REJECTED',
    },
    CONFIRMED: {
      reserved: 'unchanged',
      failed: 'unchanged',
      cancel: 'CANCELLED',
      timeout: 'unchanged',
    },
    REJECTED: { reserved: 'REJECTED', failed: 'REJECTED', cancel: 'refused', timeout: 'unchanged' },
    CANCELLED: {
      reserved: 'CANCELLED',
      failed: 'CANCELLED',
      cancel: 'refused',
      timeout: 'unchanged',
    },
  };
  const late = new Date(t0.getTime() + TIMEOUT);
  const triggers: Record<string, (o: Order) => Transition> = {
    reserved: (o) => applyReserved(o, late),
    failed: (o) =>
      applyReservationFailed(o, { reason: 'insufficient_stock', shortLines: [] }, late),
    cancel: (o) => cancelByCustomer(o, late),
    timeout: (o) => expirePending(o, late, TIMEOUT),
  };
  for (const status of ORDER_STATUSES) {
    for (const [name, trigger] of Object.entries(triggers)) {
      const want = expected[status][name];
      it(`${status} + ${name} → ${want}`, () => {
        // A CONFIRMED order always has its reservation recorded.
        const order = inStatus(status, status === 'CONFIRMED' ? { reservation: 'reserved' } : {});
        const t = trigger(order);
        if (want === 'refused' || want === 'unchanged') assert.equal(t.kind, want);
        else assert.equal(changed(t).order.status, want);
      });
    }
  }
});
