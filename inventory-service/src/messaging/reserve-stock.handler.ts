import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import type { EventHandler } from '@eventshop/service-kit';
import { InventoryMetrics } from '../metrics/inventory-metrics';
import { ReserveStockService } from '../reservations/reserve-stock.service';

/** order.created.v1 → every line held, or none (inventory.reserved.v1 / reservation-failed.v1). */
@Injectable()
export class ReserveStockHandler implements EventHandler<'order.created.v1'> {
  private readonly logger = new Logger(ReserveStockHandler.name);

  constructor(
    private readonly reservations: ReserveStockService,
    private readonly metrics: InventoryMetrics,
  ) {}

  async handle(event: CloudEvent<'order.created.v1'>): Promise<void> {
    const { orderId, lines } = event.data;
    const result = await this.reservations.reserve({
      orderId,
      lines: lines.map((line) => ({ sku: line.sku, quantity: line.quantity })),
    });
    this.metrics.counted(result);
    this.logger.log(
      { orderId, status: result.status, outcome: result.outcome ?? 'unchanged' },
      'reservation',
    );
  }
}
