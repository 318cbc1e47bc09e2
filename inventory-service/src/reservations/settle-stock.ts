import { holdOf } from '../domain/holds';
import type { ReservationRecord } from '../domain/reservation-progress';
import type { CrashPoints } from './crash-points';
import type { ReservationStore } from './reservation-store';

/**
 * The stock work a stored status asks for, then the record marked settled (docs/decisions/0004,
 * 0015). Every SKU write is guarded by a marker on the SKU itself, so re-running it after any
 * step changes nothing more:
 * - `refused`, `released`: return every hold of the order (guarded by the exact hold);
 * - `committed`: turn every hold of the order into committed units (guarded by the exact hold);
 * - `released` after `committed`: put each line's units back on hand (guarded by the order's
 *   restock marker), mark settled, then remove the markers.
 * Once settled, a hold of the order is one a late concurrent run pushed: it is returned.
 */
export async function settleStock(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  if (record.status === 'committed' && !record.settled) {
    for (const line of record.lines) {
      if (await store.commitHold(line.sku, holdOf(record.orderId, line))) {
        await crash.after(`hold-committed:${line.sku}`);
      }
    }
  } else if (record.status === 'released' && record.committed) {
    await restockCommitted(store, record, crash);
    return;
  } else {
    await returnHolds(store, record, crash);
  }
  await markSettled(store, record, crash);
}

/** A committed order's release: its units back on hand once per line, then the markers gone. */
async function restockCommitted(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  if (!record.settled) {
    for (const line of record.lines) {
      if (await store.restock(line.sku, holdOf(record.orderId, line))) {
        await crash.after(`restocked:${line.sku}`);
      }
    }
    // Settled before the markers go: a re-run that finds no marker must know not to restock.
    await markSettled(store, record, crash);
  }
  for (const line of record.lines) {
    if (await store.clearRestock(line.sku, record.orderId)) {
      await crash.after(`restock-cleared:${line.sku}`);
    }
  }
  await returnHolds(store, record, crash);
}

async function markSettled(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  if (!record.settled && (await store.markSettled(record.orderId, record.status))) {
    await crash.after('settled');
  }
}

async function returnHolds(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  for (const line of record.lines) {
    if (await store.returnHold(line.sku, holdOf(record.orderId, line))) {
      await crash.after(`hold-returned:${line.sku}`);
    }
  }
}
