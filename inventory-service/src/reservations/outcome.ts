import {
  outcomeEventId,
  releasedData,
  reservationFailedData,
  reservedData,
} from '../domain/outcome-events';
import type { ReservationRecord } from '../domain/reservation-progress';
import type { OutcomeEvent } from './reservation-store';

/**
 * The outcome event a stored record announces; its id depends only on order and type. Source,
 * time and correlation (from the event being handled) are stamped when it is written.
 */
export function outcomeEventFor(record: ReservationRecord): OutcomeEvent {
  const base = { subject: record.orderId };
  switch (record.status) {
    case 'reserved':
      return {
        ...base,
        type: 'inventory.reserved.v1',
        id: outcomeEventId(record.orderId, 'inventory.reserved.v1'),
        data: reservedData(record),
      };
    case 'refused':
      return {
        ...base,
        type: 'inventory.reservation-failed.v1',
        id: outcomeEventId(record.orderId, 'inventory.reservation-failed.v1'),
        data: reservationFailedData(record),
      };
    case 'released':
      return {
        ...base,
        type: 'inventory.released.v1',
        id: outcomeEventId(record.orderId, 'inventory.released.v1'),
        data: releasedData(record),
      };
    default:
      throw new Error(`no outcome event for a ${record.status} reservation`);
  }
}

/** What a run did, for metrics and logs. `outcome` is set only by the run that stored it. */
export interface RunResult {
  /** The record's status after the run; `none` when there is no record. */
  readonly status: ReservationRecord['status'] | 'none';
  readonly outcome?:
    | 'reserved'
    | 'insufficient_stock'
    | 'unknown_product'
    | 'order_cancelled'
    | 'released'
    | 'committed';
}

export function resultOf(record: ReservationRecord, stored: boolean): RunResult {
  if (!stored) return { status: record.status };
  if (record.status === 'reserved') return { status: record.status, outcome: 'reserved' };
  if (record.status === 'released') return { status: record.status, outcome: 'released' };
  if (record.status === 'refused' && record.refusal) {
    return { status: record.status, outcome: record.refusal.reason };
  }
  return { status: record.status };
}
