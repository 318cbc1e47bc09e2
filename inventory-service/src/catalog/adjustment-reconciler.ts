import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ProductsRepository } from '../persistence/products.repository';

/** A request still running after this long is not running any more. */
const STALE_AFTER_MS = 60_000;
const SWEEP_EVERY_MS = 60_000;
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

  constructor(private readonly products: ProductsRepository) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweepQuietly(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
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
