import { createHash } from 'node:crypto';
import type { StockLine } from './order-lines';
import type { ReservationRecord } from './reservation-progress';
import type { RefusalReason, ShortLine } from './reservation-decision';

/** Data of the events inventory answers an order with (shapes of events-contracts 1.x). */
export interface ReservedData {
  orderId: string;
  lines: { sku: string; quantity: number }[];
}

export interface ReservationFailedData {
  orderId: string;
  reason: RefusalReason;
  shortLines: ShortLine[];
}

export type ReleasedData = ReservedData;

/** Largest quantity of one line in the contracts' events. */
export const MAX_EVENT_LINE_QUANTITY = 1000;

/**
 * Event lines of normalized lines. Merging two order lines of one SKU can exceed the contracts'
 * per-line maximum; such a SKU is reported as several lines that add up to its quantity. There
 * are never more of them than the order had lines, each at most the maximum.
 */
export function eventLines(lines: readonly StockLine[]): { sku: string; quantity: number }[] {
  const out: { sku: string; quantity: number }[] = [];
  for (const line of lines) {
    for (let left = line.quantity; left > 0; left -= MAX_EVENT_LINE_QUANTITY) {
      out.push({ sku: line.sku, quantity: Math.min(left, MAX_EVENT_LINE_QUANTITY) });
    }
  }
  return out;
}

const copyLines = eventLines;

export function reservedData(record: ReservationRecord): ReservedData {
  if (record.status !== 'reserved') throw new Error(`${record.orderId} is not reserved`);
  return { orderId: record.orderId, lines: copyLines(record.lines) };
}

export function reservationFailedData(record: ReservationRecord): ReservationFailedData {
  if (record.status !== 'refused' || !record.refusal) {
    throw new Error(`${record.orderId} is not refused`);
  }
  return {
    orderId: record.orderId,
    reason: record.refusal.reason,
    shortLines: record.refusal.shortLines.map((line) => ({ ...line })),
  };
}

export function releasedData(record: ReservationRecord): ReleasedData {
  if (record.status !== 'released') throw new Error(`${record.orderId} is not released`);
  return { orderId: record.orderId, lines: copyLines(record.lines) };
}

/**
 * Each order gets at most one event of each outcome type, so its id can be derived from the pair
 * (a name-based UUID, version 5 layout). A re-run that stores the outcome builds the very same
 * event an uninterrupted run would have, and a consumer deduplicating by id sees one event.
 */
export function outcomeEventId(orderId: string, type: string): string {
  const hash = createHash('sha1').update(`eventshop/inventory/${type}/${orderId}`).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
