// The pending-timeout rule: a PENDING order older than ORDER_PENDING_TIMEOUT is REJECTED
// (reason timeout) with a cancellation, so a reservation inventory still makes is released.
import { Injectable, Logger } from '@nestjs/common';
import { GuardedWrites, InjectConfig } from '@eventshop/service-kit';
import type { OrderConfig } from '../config/order-env';
import { expirePending } from '../domain/order';
import { OrderMetrics } from '../metrics/order-metrics';
import { OrdersRepository } from '../persistence/orders.repository';
import { OrderTransitions } from './order-transitions';
import { PendingDueList } from './pending-due-list';

const BATCH = 100;
/** So many failures in a row look like the database, not an order: the pass ends early. */
const MAX_FAILURES_IN_A_ROW = 5;

@Injectable()
export class ExpirePendingOrdersService {
  private readonly logger = new Logger(ExpirePendingOrdersService.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly transitions: OrderTransitions,
    @InjectConfig() private readonly config: Pick<OrderConfig, 'ORDER_PENDING_TIMEOUT'>,
    private readonly pending: PendingDueList,
    private readonly guarded: GuardedWrites,
    private readonly metrics: OrderMetrics,
  ) {}

  /** One pass: expires every overdue PENDING order; returns how many it expired. */
  async expireOverdue(now = new Date()): Promise<number> {
    const timeoutMs = this.config.ORDER_PENDING_TIMEOUT;
    const cutoff = new Date(now.getTime() - timeoutMs);
    // On FerretDB (which scans the collection for this query) the overdue orders come from the
    // in-memory due list, loaded by one scan at the first pass and complete while this process
    // is the one that creates the database's orders; elsewhere from the indexed query
    // `{ status, createdAt }`. Each order is then changed by `_id` with its revision guard, so
    // an order confirmed meanwhile is left alone.
    const fromMemory = await this.guarded.onFerretDb();
    if (fromMemory) await this.pending.ensureLoaded(() => this.orders.findAllPending());
    let expired = 0;
    // An order that fails (a broken document, a write error) is logged, counted and skipped for
    // this pass, so it cannot hold back the others; the next pass tries it again.
    const failed = new Set<string>();
    let inARow = 0;
    for (;;) {
      const ids = (
        fromMemory
          ? this.pending.overdue(cutoff, BATCH + failed.size)
          : await this.orders.findPendingCreatedBefore(cutoff, BATCH + failed.size)
      ).filter((id) => !failed.has(id));
      let changed = 0;
      for (const id of ids) {
        try {
          const outcome = await this.transitions.apply(id, (order, at) =>
            expirePending(order, at, timeoutMs),
          );
          if (outcome.kind === 'changed') changed++;
          inARow = 0;
        } catch (err) {
          failed.add(id);
          inARow++;
          this.metrics.expiryFailed();
          this.logger.warn(
            { orderId: id, error: err instanceof Error ? err.message : String(err) },
            'could not expire an overdue order; the sweep goes on',
          );
          if (inARow >= MAX_FAILURES_IN_A_ROW) throw err;
        }
      }
      expired += changed;
      if (ids.length < BATCH || changed === 0) break;
    }
    if (expired > 0)
      this.logger.log(`rejected ${expired} order(s) pending longer than ${timeoutMs} ms`);
    return expired;
  }
}
