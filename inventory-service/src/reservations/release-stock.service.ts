import {
  cancelledBeforeReservation,
  markRefused,
  markReleased,
  nextOnOrderCancelled,
  type ReservationRecord,
} from '../domain/reservation-progress';
import { NO_CRASH_POINTS, type CrashPoints } from './crash-points';
import { outcomeEventFor, resultOf, type RunResult } from './outcome';
import type { ReservationStore } from './reservation-store';
import { settleStock } from './settle-stock';

export interface OrderToRelease {
  readonly orderId: string;
}

const MAX_ROUNDS = 5;

/**
 * order.cancelled.v1 → give back what the order holds, once. A reserved order becomes
 * `released` (with inventory.released.v1) and its holds are returned; a committed (confirmed)
 * one too, its committed units put back on hand (docs/decisions/0015); a reservation still in
 * progress is refused (order_cancelled); a cancellation that arrives first is remembered.
 */
export class ReleaseStockService {
  constructor(
    private readonly store: ReservationStore,
    private readonly crash: CrashPoints = NO_CRASH_POINTS,
  ) {}

  async release(order: OrderToRelease): Promise<RunResult> {
    let record: ReservationRecord | undefined = await this.store.loadReservation(order.orderId);
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const action = nextOnOrderCancelled(record);
      let next: ReservationRecord;
      switch (action.kind) {
        case 'remember': {
          const remembered = await this.store.insertReservation(
            cancelledBeforeReservation(order.orderId),
          );
          if (remembered.inserted) {
            await this.crash.after('cancellation-remembered');
            return resultOf(remembered.record, false);
          }
          record = remembered.record;
          continue;
        }
        case 'done':
          return resultOf(record!, false);
        case 'settle':
          await settleStock(this.store, record!, this.crash);
          return resultOf(record!, false);
        case 'refuse-cancelled':
          // the holds taken so far are not known here: return whatever the order holds
          next = markRefused(record!, { reason: 'order_cancelled', shortLines: [] });
          break;
        case 'release':
          if (record!.status === 'committed' && !record!.settled) {
            // A confirmation still turning holds into committed units: finish it first.
            await settleStock(this.store, record!, this.crash);
            record = await this.store.loadReservation(order.orderId);
            continue;
          }
          next = markReleased(record!);
          break;
      }
      if (await this.store.storeOutcome(record!.status, next, outcomeEventFor(next))) {
        await this.crash.after('outcome-stored');
        if (!next.settled) await settleStock(this.store, next, this.crash);
        return resultOf(next, true);
      }
      record = await this.store.loadReservation(order.orderId);
    }
    throw new Error(`release of ${order.orderId} did not settle after ${MAX_ROUNDS} rounds`);
  }
}
