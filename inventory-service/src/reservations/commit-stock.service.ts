import { nextOnOrderConfirmed, type ReservationRecord } from '../domain/reservation-progress';
import { NO_CRASH_POINTS, type CrashPoints } from './crash-points';
import type { RunResult } from './outcome';
import type { ReservationStore } from './reservation-store';
import { settleStock } from './settle-stock';

export interface OrderToCommit {
  readonly orderId: string;
}

const MAX_ROUNDS = 5;

/**
 * order.confirmed.v1 → the order's holds become committed units (docs/decisions/0015): the
 * record is stored `committed` first, then each hold leaves its SKU with its units taken off
 * on-hand, then the record is settled. A product document so carries holds of pending orders
 * only. Nothing is emitted: no consumer waits for it.
 */
export class CommitStockService {
  constructor(
    private readonly store: ReservationStore,
    private readonly crash: CrashPoints = NO_CRASH_POINTS,
  ) {}

  async commit(order: OrderToCommit): Promise<RunResult> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      // The common case is one write that also returns the record (docs/decisions/0027): a
      // `reserved` order becomes `committed`. Only a record in another state is read.
      const committed = await this.store.storeCommitment(order.orderId);
      if (committed) {
        await this.crash.after('commitment-stored');
        await settleStock(this.store, committed, this.crash);
        return { status: committed.status, outcome: 'committed' };
      }
      const record: ReservationRecord | undefined = await this.store.loadReservation(order.orderId);
      const action = nextOnOrderConfirmed(record);
      switch (action.kind) {
        case 'done':
          return { status: record?.status ?? 'none' };
        case 'settle':
          await settleStock(this.store, record!, this.crash);
          return { status: record!.status };
        case 'commit':
          continue; // it became `reserved` after the write missed: commit it now
      }
    }
    throw new Error(`commitment of ${order.orderId} did not settle after ${MAX_ROUNDS} rounds`);
  }
}
