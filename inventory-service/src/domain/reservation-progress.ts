import type { StockLine } from './order-lines';
import type { RefusalReason, ShortLine } from './reservation-decision';

/**
 * The reservation of one order, stored as one document whose `_id` is the order id. It records
 * how far the steps got, so that any prefix of them can be re-run and converge:
 *
 *   (none) ──order.created──▶ reserving ──all holds taken──▶ reserved ──order.cancelled──▶ released
 *     │                          │  └──a line short / SKU unknown──▶ refused       │
 *     │                          └──order.cancelled──▶ refused (order_cancelled)  order.confirmed
 *     └──order.cancelled──▶ cancelled ──order.created──▶ refused (order_cancelled)  ▼
 *                                                        released ◀──order.cancelled── committed
 *
 * `refused` and `released` are stored together with their outcome event first; the stock they
 * give back (holds of the order) is returned afterwards, and `settled` records that it was.
 * `committed` (docs/decisions/0015) is stored first too; its holds then become committed units
 * (taken off the SKU with their units off on-hand), and `settled` records that they were. A
 * committed order's release puts its units back on hand instead of returning holds.
 */
export type ReservationStatus =
  'reserving' | 'reserved' | 'committed' | 'refused' | 'released' | 'cancelled';

export interface Refusal {
  readonly reason: RefusalReason;
  readonly shortLines: readonly ShortLine[];
}

export interface ReservationRecord {
  readonly orderId: string;
  readonly status: ReservationStatus;
  /** Normalized lines (see normalizeLines); empty only for `cancelled`. */
  readonly lines: readonly StockLine[];
  readonly refusal?: Refusal;
  /**
   * The stock work that follows the status is done: holds owed back returned (`refused`,
   * `released`), holds turned into committed units (`committed`), committed units put back on
   * hand (`released` after `committed`).
   */
  readonly settled: boolean;
  /** The order was confirmed and its units committed; kept when it is released afterwards. */
  readonly committed?: boolean;
  /** A committed order's release: the tokens of the restocks that count (one per line). */
  readonly restocks?: readonly string[];
}

const TRANSITIONS: Readonly<Record<ReservationStatus, readonly ReservationStatus[]>> = {
  reserving: ['reserved', 'refused'],
  reserved: ['committed', 'released'],
  committed: ['released'],
  cancelled: ['refused'],
  refused: [],
  released: [],
};

export function canTransition(from: ReservationStatus, to: ReservationStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: ReservationStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** Statuses whose stock work (see `settled`) is still to be done. */
export function owesStockBack(record: ReservationRecord): boolean {
  return (
    (record.status === 'refused' ||
      record.status === 'released' ||
      record.status === 'committed') &&
    !record.settled
  );
}

export type ReserveAction =
  /** No record: create it as `reserving` with the order's lines. */
  | { readonly kind: 'start' }
  /** `reserving`: take (or re-take) the holds, then store the outcome. */
  | { readonly kind: 'take-holds' }
  /** The order was cancelled before it arrived: store the refusal. */
  | { readonly kind: 'refuse-cancelled' }
  /**
   * The outcome is stored: return any hold of the order still there (guarded, so a no-op when
   * none is), then mark the record settled. Done on every later delivery, not only while
   * `settled` is false: a concurrent copy of the run may have pushed a hold after the record was
   * settled and died before returning it.
   */
  | { readonly kind: 'settle' }
  /** Nothing left to do: a duplicate or a late redelivery. */
  | { readonly kind: 'done' };

export function nextOnOrderCreated(record: ReservationRecord | undefined): ReserveAction {
  if (!record) return { kind: 'start' };
  switch (record.status) {
    case 'reserving':
      return { kind: 'take-holds' };
    case 'cancelled':
      return { kind: 'refuse-cancelled' };
    case 'reserved':
      return { kind: 'done' };
    case 'committed':
    case 'refused':
    case 'released':
      return { kind: 'settle' };
  }
}

export type CancelAction =
  /** No record: remember the cancellation so the reservation, when it comes, is refused. */
  | { readonly kind: 'remember' }
  /** Still `reserving`: refuse it (order_cancelled); the holds taken so far are returned. */
  | { readonly kind: 'refuse-cancelled' }
  /**
   * `reserved`: store `released` with its event, then return the holds. `committed`: finish
   * turning its holds into committed units first, then store `released` and put them back.
   */
  | { readonly kind: 'release' }
  | { readonly kind: 'settle' }
  | { readonly kind: 'done' };

export function nextOnOrderCancelled(record: ReservationRecord | undefined): CancelAction {
  if (!record) return { kind: 'remember' };
  switch (record.status) {
    case 'reserving':
      return { kind: 'refuse-cancelled' };
    case 'reserved':
    case 'committed':
      return { kind: 'release' };
    case 'cancelled':
      return { kind: 'done' };
    case 'refused':
    case 'released':
      return { kind: 'settle' };
  }
}

export type ConfirmAction =
  /** `reserved`: store `committed`, then turn the holds into committed units. */
  | { readonly kind: 'commit' }
  /** Committed before, or released or refused: finish (or re-check) the stock work. */
  | { readonly kind: 'settle' }
  /**
   * Nothing to commit: no record or one that never held stock. order-service confirms only after
   * inventory.reserved.v1, which is emitted only once `reserved` is stored.
   */
  | { readonly kind: 'done' };

/**
 * order.confirmed.v1. A cancellation processed before the confirmation (both are on one queue,
 * and retries reorder them) has released the holds already: the record is `released` and the
 * confirmation commits nothing.
 */
export function nextOnOrderConfirmed(record: ReservationRecord | undefined): ConfirmAction {
  if (!record) return { kind: 'done' };
  switch (record.status) {
    case 'reserved':
      return { kind: 'commit' };
    case 'committed':
    case 'refused':
    case 'released':
      return { kind: 'settle' };
    case 'reserving':
    case 'cancelled':
      return { kind: 'done' };
  }
}

/** The record a cancellation leaves when it arrives first. */
export function cancelledBeforeReservation(orderId: string): ReservationRecord {
  return { orderId, status: 'cancelled', lines: [], settled: true };
}

export function startReserving(orderId: string, lines: readonly StockLine[]): ReservationRecord {
  if (lines.length === 0) throw new RangeError('a reservation needs at least one line');
  return { orderId, status: 'reserving', lines, settled: false };
}

function moved(record: ReservationRecord, to: ReservationStatus): void {
  if (!canTransition(record.status, to)) {
    throw new Error(`reservation ${record.orderId}: ${record.status} -> ${to} is not allowed`);
  }
}

export function markReserved(record: ReservationRecord): ReservationRecord {
  moved(record, 'reserved');
  return { ...record, status: 'reserved', settled: true };
}

/**
 * Refusal keeps the lines (from the record, or from the order when it arrives after a
 * cancellation). It owes back the holds taken so far; when the refusing run saw none (no earlier
 * run left any, this run took none), it is settled at once. A concurrent run that pushes a hold
 * later returns it itself (see holdsAreOwedBackAfterLostRace). A record that was `cancelled`
 * never held anything.
 */
export function markRefused(
  record: ReservationRecord,
  refusal: Refusal,
  options: { lines?: readonly StockLine[]; holdsSeen?: boolean } = {},
): ReservationRecord {
  moved(record, 'refused');
  const owes = record.status === 'reserving' && (options.holdsSeen ?? true);
  return {
    ...record,
    status: 'refused',
    lines: options.lines ?? record.lines,
    refusal,
    settled: !owes,
  };
}

/** What confirmation changes on a `reserved` record (one write, guarded by that status). */
export const COMMITMENT = { status: 'committed', committed: true, settled: false } as const;

export function markCommitted(record: ReservationRecord): ReservationRecord {
  moved(record, 'committed');
  return { ...record, ...COMMITMENT };
}

/** A committed order is released only once all its holds became committed units. */
export function markReleased(record: ReservationRecord): ReservationRecord {
  moved(record, 'released');
  if (record.status === 'committed' && !record.settled) {
    throw new Error(`reservation ${record.orderId}: commit not settled, cannot release yet`);
  }
  return { ...record, status: 'released', settled: false };
}

export function markSettled(record: ReservationRecord): ReservationRecord {
  if (!owesStockBack(record)) {
    throw new Error(`reservation ${record.orderId} (${record.status}) owes no stock back`);
  }
  return { ...record, settled: true };
}

/**
 * After a reserve run took its holds it stores the outcome only if the record is still
 * `reserving`. When that fails, the record now says what happened meanwhile: holds are
 * legitimate only under `reserved`; under any other status every hold of the order is owed back,
 * including one this run may have pushed after the stock was already returned.
 */
export function holdsAreOwedBackAfterLostRace(record: ReservationRecord): boolean {
  // Under `committed` the holds are being turned into committed units until it is settled; a
  // hold found after that was pushed late and is owed back like any other.
  if (record.status === 'committed') return record.settled;
  return record.status === 'refused' || record.status === 'released';
}

/**
 * A settled `refused`, `released` or `committed` order has nothing left on any SKU but restock
 * markers its settle counted (cleared right after). A hold of it, or a restock it does not count,
 * was left by a late concurrent run that was interrupted before it took it back itself
 * (holdsAreOwedBackAfterLostRace, the restock undo of decision 0015).
 */
export function ownsNoStock(record: ReservationRecord): boolean {
  if (!record.settled) return false;
  return (
    record.status === 'refused' || record.status === 'released' || record.status === 'committed'
  );
}
