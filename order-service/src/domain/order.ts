// The order aggregate and its state machine. Pure: no I/O, no framework. Every transition returns
// the next state plus the events it causes, so persistence can write both in one document update.
//
//   PENDING ──reserved──▶ CONFIRMED ──cancel──▶ CANCELLED
//      │ ──failed / timeout──▶ REJECTED
//      └──cancel──▶ CANCELLED
//
// A reservation outcome is recorded once per order: a second outcome (duplicate or contradicting)
// changes nothing, except that a reservation landing on a CANCELLED or REJECTED order is
// compensated, once, with `order.cancelled.v1` (reason late_reservation) so inventory releases
// what it holds.

export const OrderStatus = {
  Pending: 'PENDING',
  Confirmed: 'CONFIRMED',
  Rejected: 'REJECTED',
  Cancelled: 'CANCELLED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];
export const ORDER_STATUSES: readonly OrderStatus[] = Object.values(OrderStatus);

export interface OrderLine {
  sku: string;
  quantity: number;
  unitPriceMinor: number;
}

export interface ShortLine {
  sku: string;
  requested: number;
  available: number;
}

export type RejectionReason = 'insufficient_stock' | 'unknown_product' | 'timeout';
export type CancellationReason = 'customer' | 'timeout' | 'late_reservation';
/** Why inventory refused, as it says in `inventory.reservation-failed.v1`. */
export type ReservationFailureReason = 'insufficient_stock' | 'unknown_product' | 'order_cancelled';
export type ReservationOutcome = 'reserved' | 'failed';

export interface Order {
  id: string;
  userId: string;
  email: string;
  currency: string;
  totalMinor: number;
  lines: OrderLine[];
  status: OrderStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Inventory's answer, recorded once; later answers are duplicates or contradictions. */
  reservation?: ReservationOutcome;
  rejection?: { reason: RejectionReason; shortLines: ShortLine[] };
  cancellation?: { reason: CancellationReason };
}

interface OrderSnapshot {
  orderId: string;
  userId: string;
  email: string;
  currency: string;
  totalMinor: number;
  lines: OrderLine[];
}

export type OrderEvent =
  | { type: 'order.created.v1'; data: OrderSnapshot & { createdAt: string } }
  | { type: 'order.confirmed.v1'; data: OrderSnapshot }
  | {
      type: 'order.rejected.v1';
      data: OrderSnapshot & { reason: RejectionReason; shortLines: ShortLine[] };
    }
  | { type: 'order.cancelled.v1'; data: OrderSnapshot & { reason: CancellationReason } };
export type OrderEventType = OrderEvent['type'];

/** The outcome of applying a command or an incoming event to an order. */
export type Transition =
  | { kind: 'changed'; order: Order; events: OrderEvent[] }
  /** Nothing to do: a duplicate or an answer that no longer matters. Acknowledge and move on. */
  | { kind: 'unchanged'; why: string }
  /** The command is not allowed in this state (HTTP 409 for a customer's cancel). */
  | { kind: 'refused'; why: string };

export interface NewOrder {
  id: string;
  userId: string;
  email: string;
  currency: string;
  totalMinor: number;
  lines: OrderLine[];
  now: Date;
}

function snapshot(order: Order): OrderSnapshot {
  return {
    orderId: order.id,
    userId: order.userId,
    email: order.email,
    currency: order.currency,
    totalMinor: order.totalMinor,
    lines: order.lines.map((l) => ({ ...l })),
  };
}

export function createOrder(input: NewOrder): { order: Order; events: OrderEvent[] } {
  const order: Order = {
    id: input.id,
    userId: input.userId,
    email: input.email,
    currency: input.currency,
    totalMinor: input.totalMinor,
    lines: input.lines.map((l) => ({ ...l })),
    status: OrderStatus.Pending,
    createdAt: input.now,
    updatedAt: input.now,
  };
  return {
    order,
    events: [
      {
        type: 'order.created.v1',
        data: { ...snapshot(order), createdAt: input.now.toISOString() },
      },
    ],
  };
}

/** `inventory.reserved.v1` arrived. */
export function applyReserved(order: Order, now: Date): Transition {
  if (order.reservation === 'reserved') {
    return { kind: 'unchanged', why: 'reservation already recorded' };
  }
  switch (order.status) {
    case OrderStatus.Pending: {
      const next: Order = {
        ...order,
        status: OrderStatus.Confirmed,
        reservation: 'reserved',
        updatedAt: now,
      };
      return {
        kind: 'changed',
        order: next,
        events: [{ type: 'order.confirmed.v1', data: snapshot(next) }],
      };
    }
    case OrderStatus.Cancelled:
    case OrderStatus.Rejected: {
      // Inventory holds stock for an order that will never complete: ask it to release. This
      // holds even after a recorded refusal: a contradicting answer costs one idempotent
      // release, ignoring it could leave stock held forever.
      const next: Order = { ...order, reservation: 'reserved', updatedAt: now };
      return {
        kind: 'changed',
        order: next,
        events: [
          { type: 'order.cancelled.v1', data: { ...snapshot(next), reason: 'late_reservation' } },
        ],
      };
    }
    case OrderStatus.Confirmed:
      // Only a reservation confirms, so this cannot be reached with reservation unset.
      return { kind: 'unchanged', why: 'order already confirmed' };
  }
}

/** `inventory.reservation-failed.v1` arrived. */
export function applyReservationFailed(
  order: Order,
  failure: { reason: ReservationFailureReason; shortLines: ShortLine[] },
  now: Date,
): Transition {
  if (order.reservation !== undefined) {
    return { kind: 'unchanged', why: `reservation already recorded as ${order.reservation}` };
  }
  if (order.status !== OrderStatus.Pending) {
    // Nothing is held by inventory; remember the answer so a later one changes nothing.
    return {
      kind: 'changed',
      order: { ...order, reservation: 'failed', updatedAt: now },
      events: [],
    };
  }
  if (failure.reason === 'order_cancelled') {
    // Inventory saw a cancellation this order never emitted while PENDING: not ours to act on.
    // Leave the order to the pending timeout rather than invent a rejection reason.
    return { kind: 'unchanged', why: 'refusal for a cancellation this order did not emit' };
  }
  const rejection = {
    reason: failure.reason,
    shortLines: failure.shortLines.map((s) => ({ ...s })),
  };
  const next: Order = {
    ...order,
    status: OrderStatus.Rejected,
    reservation: 'failed',
    rejection,
    updatedAt: now,
  };
  return {
    kind: 'changed',
    order: next,
    events: [{ type: 'order.rejected.v1', data: { ...snapshot(next), ...rejection } }],
  };
}

/** The customer cancels (POST /orders/:id/cancel). */
export function cancelByCustomer(order: Order, now: Date): Transition {
  if (order.status !== OrderStatus.Pending && order.status !== OrderStatus.Confirmed) {
    return { kind: 'refused', why: `an order in status ${order.status} cannot be cancelled` };
  }
  const next: Order = {
    ...order,
    status: OrderStatus.Cancelled,
    cancellation: { reason: 'customer' },
    updatedAt: now,
  };
  return {
    kind: 'changed',
    order: next,
    events: [{ type: 'order.cancelled.v1', data: { ...snapshot(next), reason: 'customer' } }],
  };
}

/** True when a PENDING order has waited longer than the timeout. */
export function isPendingExpired(order: Order, now: Date, timeoutMs: number): boolean {
  return (
    order.status === OrderStatus.Pending && now.getTime() - order.createdAt.getTime() >= timeoutMs
  );
}

/**
 * The pending-timeout sweeper gives up on an order: REJECTED (reason timeout) plus a cancellation,
 * so a reservation inventory may still make is released.
 */
export function expirePending(order: Order, now: Date, timeoutMs: number): Transition {
  if (order.status !== OrderStatus.Pending) {
    return { kind: 'unchanged', why: `order is ${order.status}, not PENDING` };
  }
  if (!isPendingExpired(order, now, timeoutMs)) {
    return { kind: 'refused', why: 'order has not been pending long enough' };
  }
  const rejection = { reason: 'timeout' as const, shortLines: [] };
  const next: Order = {
    ...order,
    status: OrderStatus.Rejected,
    rejection,
    cancellation: { reason: 'timeout' },
    updatedAt: now,
  };
  const data = snapshot(next);
  return {
    kind: 'changed',
    order: next,
    events: [
      { type: 'order.rejected.v1', data: { ...data, reason: 'timeout', shortLines: [] } },
      { type: 'order.cancelled.v1', data: { ...data, reason: 'timeout' } },
    ],
  };
}

/** Saga outcome for `eventshop_saga_duration_seconds{outcome}`, when a transition ends it. */
export function sagaOutcome(before: Order, after: Order): 'confirmed' | 'rejected' | undefined {
  if (before.status !== OrderStatus.Pending) return undefined;
  if (after.status === OrderStatus.Confirmed) return 'confirmed';
  if (after.status === OrderStatus.Rejected) return 'rejected';
  return undefined;
}
