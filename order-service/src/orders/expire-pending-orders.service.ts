// The pending-timeout rule: a PENDING order older than ORDER_PENDING_TIMEOUT is REJECTED
// (reason timeout) with a cancellation, so a reservation inventory still makes is released.
import { Injectable, Logger } from '@nestjs/common';
import { GuardedWrites, InjectConfig } from '@eventshop/service-kit';
import { backstopIntervalFor, type OrderConfig } from '../config/order-env';
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
  /** When the backstop query last ran (ms); 0: not yet. */
  private backstopAt = 0;

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
    // On MongoDB the overdue orders come from the indexed query `{ status, createdAt }` on every
    // pass, whichever replica created them. On FerretDB (which scans the collection for that
    // query) they come from this process's due list, loaded by one scan at the first pass; the
    // same query runs as a backstop every `backstopIntervalFor(timeout)` for the orders no list
    // holds (created by another replica that has since died, or beyond the list's capacity).
    // Each order is then changed by `_id` with its revision guard, so an order confirmed
    // meanwhile (or expired by another replica first) is left alone.
    const onFerretDb = await this.guarded.onFerretDb();
    let expired = 0;
    if (onFerretDb) {
      if (!this.pending.loaded) {
        await this.pending.ensureLoaded(() => this.orders.findAllPending());
        this.backstopAt = now.getTime();
      }
      expired += await this.expireEach(timeoutMs, (limit) =>
        Promise.resolve(this.pending.overdue(cutoff, limit)),
      );
    }
    const backstopDue =
      !onFerretDb || now.getTime() - this.backstopAt >= backstopIntervalFor(timeoutMs);
    if (backstopDue) {
      expired += await this.expireEach(timeoutMs, (limit) =>
        this.orders.findPendingCreatedBefore(cutoff, limit),
      );
      this.backstopAt = now.getTime();
    }
    if (expired > 0)
      this.logger.log(`rejected ${expired} order(s) pending longer than ${timeoutMs} ms`);
    return expired;
  }

  /** Expires the overdue orders `next` lists, batch after batch, until none is left. */
  private async expireEach(
    timeoutMs: number,
    next: (limit: number) => Promise<string[]>,
  ): Promise<number> {
    let expired = 0;
    // An order that fails (a broken document, a write error) is logged, counted and skipped for
    // this pass, so it cannot hold back the others; the next pass tries it again.
    const failed = new Set<string>();
    let inARow = 0;
    for (;;) {
      const ids = (await next(BATCH + failed.size)).filter((id) => !failed.has(id));
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
    return expired;
  }
}
