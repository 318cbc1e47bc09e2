import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { GuardedWrites } from '@eventshop/service-kit';
import { ProductsRepository } from '../persistence/products.repository';

/** A request still running after this long is not running any more. */
const STALE_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
/**
 * On FerretDB a pass is two collection scans (~1.5–2 s at 20,000 products). What a crash left
 * behind is found by the pass a minute after the restart; later passes only catch requests that
 * failed half-way on a database error, and run hourly.
 */
const FERRETDB_SWEEP_EVERY_MS = 3_600_000;
const BATCH = 100;

/**
 * Finishes stock adjustments a crash interrupted (see AdjustStockService): the product's marker
 * says whether the change was applied. Marker present → the audit entry becomes `applied` and the
 * marker goes; entry `pending` without a marker, older than a request can live → `refused`
 * (the change never happened); a marker whose entry is already `applied` → the marker goes.
 */
@Injectable()
export class AdjustmentReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AdjustmentReconciler.name);
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly products: ProductsRepository,
    private readonly guarded: GuardedWrites,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(SWEEP_EVERY_MS);
  }

  onApplicationShutdown(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.pass(), delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    await this.sweepQuietly();
    const onFerretDb = await this.guarded.onFerretDb().catch(() => false);
    this.schedule(onFerretDb ? FERRETDB_SWEEP_EVERY_MS : SWEEP_EVERY_MS);
  }

  private async sweepQuietly(): Promise<void> {
    try {
      await this.reconcile();
    } catch (error) {
      this.logger.warn(
        `adjustment sweep failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** One pass; returns what it finished. */
  async reconcile(
    now = new Date(),
  ): Promise<{ applied: number; refused: number; cleared: number }> {
    const done = { applied: 0, refused: 0, cleared: 0 };
    const stale = await this.products.stalePendingAdjustments(
      new Date(now.getTime() - STALE_AFTER_MS),
      BATCH,
    );
    for (const entry of stale) {
      const product = await this.products.findBySku(entry.sku);
      if (product?.pendingAdjustments.includes(entry._id)) {
        await this.products.completeAdjustment(entry._id, product);
        await this.products.clearAdjustmentMarker(entry.sku, entry._id);
        done.applied += 1;
      } else {
        await this.products.refuseAdjustment(entry._id, 'interrupted before it was applied');
        done.refused += 1;
      }
    }
    for (const product of await this.products.productsWithAdjustmentMarkers(BATCH)) {
      for (const id of product.pendingAdjustments) {
        const entry = await this.products.findAdjustment(id);
        if (entry?.status === 'applied') {
          await this.products.clearAdjustmentMarker(product._id, id);
          done.cleared += 1;
        }
      }
    }
    if (done.applied + done.refused + done.cleared > 0)
      this.logger.log(done, 'stock adjustments reconciled');
    return done;
  }
}
