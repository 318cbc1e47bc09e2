import type { Hold } from '../domain/holds';
import type { StockLine } from '../domain/order-lines';
import type { ReservationRecord, ReservationStatus } from '../domain/reservation-progress';
import type { ReleasedData, ReservationFailedData, ReservedData } from '../domain/outcome-events';

export type OutcomeEvent =
  | OutcomeOf<'inventory.reserved.v1', ReservedData>
  | OutcomeOf<'inventory.reservation-failed.v1', ReservationFailedData>
  | OutcomeOf<'inventory.released.v1', ReleasedData>;

interface OutcomeOf<T extends string, D> {
  readonly id: string;
  readonly type: T;
  readonly subject: string;
  readonly data: D;
}

/** What the reservation steps read of a SKU. */
export interface SkuState {
  readonly sku: string;
  readonly active: boolean;
  readonly onHand: number;
  readonly reserved: number;
  readonly available: number;
  readonly holds: readonly Hold[];
  /** Tokens `<orderId>:<run>` of committed units put back on hand, until cleared. */
  readonly restocks: readonly string[];
}

/**
 * The persistence steps of reservations (docs/decisions/0004). Every write is a single-document
 * operation found by `_id`, atomic on its own (MongoDB; FerretDB, decision 0013); nothing spans
 * two documents. The `...Holds` methods send one such operation per line of an order as the
 * statements of one bulk write (docs/decisions/0027): one command, each statement atomic on its
 * own, the whole not (a failure can leave a prefix done, which any re-run treats like a run
 * interrupted after those lines). Re-running any prefix of the steps converges because each
 * write is guarded:
 * - takeHold(s): `{_id: sku, active, available >= q, holders != order}` → `$inc` + `$push` the hold
 * - returnHolds: `{_id: sku, holders: order, holds: {$all: [hold]}}` → `$pullAll` + `$inc` back
 * - insertReservation: insert if absent, else the stored record unchanged
 * - storeOutcome: `{_id: orderId, status: expected}` → new status + outcome event in the outbox
 * - markSettled: `{_id: orderId, status, settled: false}` → settled
 * - storeCommitment: `{_id: orderId, status: 'reserved'}` → committed (no event), returning the
 *   record as stored
 * - commitHolds: `{_id: sku, holders: order, holds: {$all: [hold]}}` → `$pullAll` the hold,
 *   `$inc` reserved and onHand down (available unchanged)
 * - restock: `{_id: sku, restockers != order}` → `$push` the order to restockers and the run's
 *   token to restocks, `$inc` onHand and available up
 * - settleRestock: `{_id: orderId, status: 'released', settled: false}` → settled, with the
 *   tokens of the restocks that count
 * - clearRestock: `{_id: sku, restocks: token}` → `$pullAll` the token and the order
 * - undoRestock: `{_id: sku, restocks: token, available >= q}` → `$pullAll` both, `$inc` down
 */
export interface ReservationStore {
  loadReservation(orderId: string): Promise<ReservationRecord | undefined>;
  /** Inserts the record unless one exists; returns what is stored and whether it was inserted. */
  insertReservation(
    record: ReservationRecord,
  ): Promise<{ record: ReservationRecord; inserted: boolean }>;
  /** Moves the record from `expected` to `next` with the event in its outbox; false if not in `expected`. */
  storeOutcome(
    expected: ReservationStatus,
    next: ReservationRecord,
    event: OutcomeEvent,
  ): Promise<boolean>;
  /** Marks the stock owed back as returned; false if it already was. */
  markSettled(orderId: string, status: ReservationStatus): Promise<boolean>;
  readSku(sku: string): Promise<SkuState | undefined>;
  takeHold(sku: string, hold: Hold): Promise<boolean>;
  /** Takes the order's hold of every line, in line order; returns how many were taken. */
  takeHolds(orderId: string, lines: readonly StockLine[]): Promise<number>;
  /** Returns the order's hold of every line still there; returns how many were returned. */
  returnHolds(orderId: string, lines: readonly StockLine[]): Promise<number>;
  /**
   * Moves a `reserved` record to `committed` (`COMMITMENT`'s fields) and returns it as stored;
   * undefined if the record is missing or not `reserved`.
   */
  storeCommitment(orderId: string): Promise<ReservationRecord | undefined>;
  /** Turns the order's hold of every line into committed units; returns how many it turned. */
  commitHolds(orderId: string, lines: readonly StockLine[]): Promise<number>;
  /** Puts a committed order's units back on hand; false if the order's marker is there. */
  restock(sku: string, hold: Hold, token: string): Promise<boolean>;
  /** Marks a committed order's release settled with the restocks that count; false if it was. */
  settleRestock(orderId: string, tokens: readonly string[]): Promise<boolean>;
  /** Removes a restock marker; false if it was not there. */
  clearRestock(sku: string, orderId: string, token: string): Promise<boolean>;
  /** Takes back a restock that does not count; false if its marker is gone. */
  undoRestock(sku: string, hold: Hold, token: string): Promise<boolean>;
}
