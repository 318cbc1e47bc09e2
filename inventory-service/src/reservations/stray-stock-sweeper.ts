import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConfig } from '@eventshop/service-kit';
import type { InventoryConfig } from '../config/inventory-env';
import { holdOf } from '../domain/holds';
import { ownsNoStock } from '../domain/reservation-progress';
import { MongoReservationStore } from '../persistence/mongo-reservation.store';
import { ProductsRepository } from '../persistence/products.repository';
import { NO_CRASH_POINTS } from './crash-points';
import { settleStock } from './settle-stock';

const BATCH = 100;

/**
 * Returns stock that a late run of a duplicate event left behind when it was interrupted.
 *
 * Two copies of one event run at once (a relay publishes an entry again; two replicas take one
 * copy each). A copy that read the record before the order was settled can push a hold (or put
 * committed units back) after the other copies settled it; it then finds the record settled and
 * takes that stock back itself. Interrupted right before, its redelivery does it (the queue keeps
 * no processed-event markers that could skip it, decision 0027); should that redelivery be lost
 * (parked after the last retry tier), nothing else would ever touch that stock.
 *
 * So every `STRAY_STOCK_SWEEP_INTERVAL` the products are scanned (a listing by `_id`; the
 * catalog, not the orders), and an order found on a SKU by two passes in a row (held longer than
 * any run lives) whose record says it owns nothing any more (`ownsNoStock`) is settled again:
 * its holds returned, its counted restock markers cleared, a restock it does not count taken
 * back. Each of these writes is the guarded one the runs use, so a run still going is harmless.
 * Reads by `_id` go only to orders seen twice, not to every pending order's record.
 */
@Injectable()
export class StrayStockSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StrayStockSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** `<sku> <orderId>` pairs found by the previous pass. */
  private seenBefore = new Set<string>();

  constructor(
    private readonly products: ProductsRepository,
    private readonly store: MongoReservationStore,
    @InjectConfig() private readonly config: Pick<InventoryConfig, 'STRAY_STOCK_SWEEP_INTERVAL'>,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.pass(), this.config.STRAY_STOCK_SWEEP_INTERVAL);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      const returned = await this.sweep();
      if (returned > 0) this.logger.warn(`settled ${returned} order(s) with stray stock again`);
    } catch (error) {
      this.logger.warn(
        `stray-stock sweep failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    this.schedule();
  }

  /** One pass; returns how many orders it settled again. */
  async sweep(): Promise<number> {
    const seen = new Set<string>();
    const settledAgain = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.products.list(after, BATCH);
      for (const product of page) {
        const orderIds = new Set([
          ...(product.holds ?? []).map((hold) => hold.orderId),
          ...(product.restocks ?? []).map(orderOfToken),
        ]);
        for (const orderId of orderIds) {
          const pair = `${product._id} ${orderId}`;
          seen.add(pair);
          if (!this.seenBefore.has(pair)) continue;
          if (await this.settleAgain(product._id, orderId)) settledAgain.add(orderId);
        }
      }
      const last = page[page.length - 1];
      if (page.length < BATCH || last === undefined) break;
      after = last._id;
    }
    this.seenBefore = seen;
    return settledAgain.size;
  }

  private async settleAgain(sku: string, orderId: string): Promise<boolean> {
    const record = await this.store.loadReservation(orderId);
    if (record === undefined || !ownsNoStock(record)) return false;
    await settleStock(this.store, record, NO_CRASH_POINTS);
    const line = record.lines.find((l) => l.sku === sku);
    const state = await this.store.readSku(sku);
    if (line !== undefined) {
      for (const token of state?.restocks ?? []) {
        if (orderOfToken(token) !== orderId || record.restocks?.includes(token)) continue;
        await this.store.undoRestock(sku, holdOf(orderId, line), token);
      }
    }
    return true;
  }
}

/** Restock tokens are `<orderId>:<run>`; order ids are UUIDs. */
function orderOfToken(token: string): string {
  return token.slice(0, token.indexOf(':'));
}
