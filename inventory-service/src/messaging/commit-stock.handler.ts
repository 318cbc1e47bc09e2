import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import type { EventHandler } from '@eventshop/service-kit';
import { InventoryMetrics } from '../metrics/inventory-metrics';
import { CommitStockService } from '../reservations/commit-stock.service';

/** order.confirmed.v1 → the order's holds become committed units (nothing is emitted). */
@Injectable()
export class CommitStockHandler implements EventHandler<'order.confirmed.v1'> {
  private readonly logger = new Logger(CommitStockHandler.name);

  constructor(
    private readonly commitments: CommitStockService,
    private readonly metrics: InventoryMetrics,
  ) {}

  async handle(event: CloudEvent<'order.confirmed.v1'>): Promise<void> {
    const { orderId } = event.data;
    const result = await this.commitments.commit({ orderId });
    this.metrics.counted(result);
    this.logger.log(
      { orderId, status: result.status, outcome: result.outcome ?? 'unchanged' },
      'commitment',
    );
  }
}
