// The order outcomes customers are told about, as this service reads them from the order events.
// Kept as plain structural types so the domain depends on no transport or schema library; the
// contracts' event data is assignable to them.

export interface OutcomeLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

export interface ShortLine {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

interface OutcomeBase {
  /** Id of the event that announced the outcome: the unit of "exactly once". */
  readonly eventId: string;
  readonly orderId: string;
  readonly userId: string;
  readonly email: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly lines: readonly OutcomeLine[];
}

export interface OrderConfirmed extends OutcomeBase {
  readonly kind: 'confirmed';
}

export type RejectionReason = 'insufficient_stock' | 'unknown_product' | 'timeout';

export interface OrderRejected extends OutcomeBase {
  readonly kind: 'rejected';
  /** A string beyond the known reasons is tolerated (worded generically). */
  readonly reason: RejectionReason | (string & {});
  readonly shortLines: readonly ShortLine[];
}

export type CancellationReason = 'customer' | 'timeout' | 'late_reservation';

export interface OrderCancelled extends OutcomeBase {
  readonly kind: 'cancelled';
  readonly reason: CancellationReason | (string & {});
}

export type OrderOutcome = OrderConfirmed | OrderRejected | OrderCancelled;
export type OutcomeKind = OrderOutcome['kind'];
