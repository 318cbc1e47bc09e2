import { randomUUID } from 'node:crypto';
import { holdOf } from '../domain/holds';
import type { StockLine } from '../domain/order-lines';
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
 *   restock marker), mark settled with the restocks that count, then remove the markers.
 * Once settled, a hold of the order is one a late concurrent run pushed: it is returned.
 */
export async function settleStock(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  if (record.status === 'committed' && !record.settled) {
    if ((await store.commitHolds(record.orderId, record.lines)) > 0) {
      await crash.after('holds-committed');
    }
  } else if (record.status === 'released' && record.committed) {
    await restockCommitted(store, record, crash);
    return;
  } else {
    await returnHolds(store, record, crash);
  }
  await markSettled(store, record, crash);
}

/**
 * A committed order's release: each line's units back on hand once. A run restocks a line under
 * a token of its own; a line already restocked (the order's marker is there) counts with the
 * token found. The settle write records the token that counts for each line (in line order);
 * only then are the markers removed, so a run that starts later finds the record settled and
 * restocks nothing. A concurrent run that lost the settle and restocked a line after its marker
 * was removed finds its token not counted for that line and takes the restock back.
 */
async function restockCommitted(
  store: ReservationStore,
  record: ReservationRecord,
  crash: CrashPoints,
): Promise<void> {
  let settled = record;
  if (!record.settled) {
    const counted: string[] = [];
    const mine = new Map<StockLine, string>();
    for (const line of record.lines) {
      const token = `${record.orderId}:${randomUUID()}`;
      if (await store.restock(line.sku, holdOf(record.orderId, line), token)) {
        await crash.after(`restocked:${line.sku}`);
        counted.push(token);
        mine.set(line, token);
      } else {
        const sku = await store.readSku(line.sku);
        counted.push(sku?.restocks.find((t) => t.startsWith(`${record.orderId}:`)) ?? '');
      }
    }
    if (await store.settleRestock(record.orderId, counted)) {
      await crash.after('settled');
      settled = { ...record, settled: true, restocks: counted };
    } else {
      settled = (await store.loadReservation(record.orderId)) ?? record;
      for (const [line, token] of mine) {
        if (settled.restocks?.includes(token)) continue;
        if (await store.undoRestock(line.sku, holdOf(record.orderId, line), token)) {
          await crash.after(`restock-undone:${line.sku}`);
        }
      }
    }
  }
  for (const [index, line] of record.lines.entries()) {
    const token = settled.restocks?.[index];
    if (token && (await store.clearRestock(line.sku, record.orderId, token))) {
      await crash.after(`restock-cleared:${line.sku}`);
    }
  }
  await returnHolds(store, settled, crash);
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
  if ((await store.returnHolds(record.orderId, record.lines)) > 0) {
    await crash.after('holds-returned');
  }
}
