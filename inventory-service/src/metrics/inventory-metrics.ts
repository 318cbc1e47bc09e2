import { Injectable } from '@nestjs/common';
import { InjectConfig, MetricsService } from '@eventshop/service-kit';
import type { Counter } from 'prom-client';
import { watchedSkus, type InventoryConfig } from '../config/inventory-env';
import { ProductsRepository } from '../persistence/products.repository';
import type { RunResult } from '../reservations/outcome';

type Outcome = NonNullable<RunResult['outcome']>;
const OUTCOMES: readonly Outcome[] = [
  'reserved',
  'insufficient_stock',
  'unknown_product',
  'order_cancelled',
  'released',
  'committed',
];

/**
 * `eventshop_reservations_total{outcome}` counts outcomes once, by the run that stored them;
 * `eventshop_stock_units{sku,state}` shows on hand / reserved / available of the watched SKUs,
 * read by `_id` when scraped.
 */
@Injectable()
export class InventoryMetrics {
  private readonly reservations: Counter<'outcome'>;

  constructor(
    metrics: MetricsService,
    @InjectConfig() config: InventoryConfig,
    products: ProductsRepository,
  ) {
    this.reservations = metrics.counter({
      name: 'eventshop_reservations_total',
      help: 'Reservation outcomes stored, by outcome (reserved, refusal reason, released, committed)',
      labelNames: ['outcome'],
    });
    for (const outcome of OUTCOMES) this.reservations.inc({ outcome }, 0);
    const skus = watchedSkus(config);
    metrics.gauge({
      name: 'eventshop_stock_units',
      help: 'Units of a watched SKU by state (on_hand, reserved, available)',
      labelNames: ['sku', 'state'],
      async collect() {
        for (const sku of skus) {
          const doc = await products.findBySku(sku);
          this.set({ sku, state: 'on_hand' }, doc?.onHand ?? 0);
          this.set({ sku, state: 'reserved' }, doc?.reserved ?? 0);
          this.set({ sku, state: 'available' }, doc?.available ?? 0);
        }
      },
    });
  }

  counted(result: RunResult): void {
    if (result.outcome) this.reservations.inc({ outcome: result.outcome });
  }
}
