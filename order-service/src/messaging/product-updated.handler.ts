// inventory.product-updated.v1 → the catalog copy. A version at or below the one held (a
// duplicate or a late arrival) changes nothing.
import { Injectable, Logger } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import type { EventHandler } from '@eventshop/service-kit';
import { CatalogRepository } from '../persistence/catalog.repository';

@Injectable()
export class ProductUpdatedHandler implements EventHandler<'inventory.product-updated.v1'> {
  private readonly logger = new Logger(ProductUpdatedHandler.name);

  constructor(private readonly catalog: CatalogRepository) {}

  async handle(event: CloudEvent<'inventory.product-updated.v1'>): Promise<void> {
    const d = event.data;
    const result = await this.catalog.applyIfNewer(
      {
        sku: d.sku,
        name: d.name,
        priceMinor: d.priceMinor,
        currency: d.currency,
        active: d.active,
        version: d.version,
      },
      new Date(),
    );
    if (result === 'stale') {
      this.logger.debug(`ignored ${d.sku} v${d.version}: the catalog copy holds a newer version`);
    }
  }
}
