import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import type { EventHandler } from '@eventshop/service-kit';
import { InventoryMetrics } from '../metrics/inventory-metrics';
import { ReleaseStockService } from '../reservations/release-stock.service';

/** order.cancelled.v1 → what the order holds comes back once (inventory.released.v1). */
@Injectable()
export class ReleaseStockHandler implements EventHandler<'order.cancelled.v1'> {
  private readonly logger = new Logger(ReleaseStockHandler.name);

  constructor(
    private readonly releases: ReleaseStockService,
    private readonly metrics: InventoryMetrics,
  ) {}

  async handle(event: CloudEvent<'order.cancelled.v1'>): Promise<void> {
    const { orderId } = event.data;
    const result = await this.releases.release({ orderId });
    this.metrics.counted(result);
    this.logger.log(
      { orderId, status: result.status, outcome: result.outcome ?? 'unchanged' },
      'release',
    );
  }
}
