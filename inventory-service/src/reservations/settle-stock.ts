import { holdOf } from '../domain/holds';
import type { ReservationRecord } from '../domain/reservation-progress';
import type { CrashPoints } from './crash-points';
import type { ReservationStore } from './reservation-store';

/**
 * Returns every hold of the order on the record's SKUs, then marks the record settled. Each
 * return is guarded by the exact hold, so stock comes back once and only what this order holds;
 * re-running it after any step changes nothing more.
 */
export async function settleStock(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  for (const line of record.lines) {
    if (await store.returnHold(line.sku, holdOf(record.orderId, line))) {
      await crash.after(`hold-returned:${line.sku}`);
    }
  }
  if (!record.settled && (await store.markSettled(record.orderId, record.status))) {
    await crash.after('settled');
  }
}
