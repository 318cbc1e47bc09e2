import { Injectable } from '@nestjs/common';
import { EventTypes } from '@eventshop/events-contracts';
import { EventFactory } from '@eventshop/service-kit';
import { planProductChange, type CatalogEntry, type ProductDetails } from '../domain/product';
import { ProductsRepository } from '../persistence/products.repository';
import { toProductView, type ProductView } from './product-view';

/** Optimistic rounds before giving up on a product that keeps changing under us. */
const MAX_ATTEMPTS = 5;

export interface PutProductResult {
  readonly created: boolean;
  readonly changed: boolean;
  readonly product: ProductView;
}

/**
 * PUT /products/:sku: create the product at version 1 or bump its version, writing the
 * `inventory.product-updated.v1` event into the product's outbox in the same write. An identical
 * PUT changes nothing and emits nothing.
 */
@Injectable()
export class PutProductService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly events: EventFactory,
  ) {}

  async put(sku: string, details: ProductDetails): Promise<PutProductResult> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      const existing = await this.products.findBySku(sku);
      const change = planProductChange(
        sku,
        existing ? catalogEntryOf(existing) : undefined,
        details,
      );
      if (change.kind === 'unchanged') {
        return { created: false, changed: false, product: toProductView(existing!) };
      }
      const event = this.events.create(EventTypes.ProductUpdatedV1, {
        subject: sku,
        data: { ...change.entry },
      });
      const written =
        change.kind === 'create'
          ? await this.products.create(change.entry, event)
          : await this.products.update(change.entry, change.previousVersion, event);
      if (written) {
        const stored = await this.products.findBySku(sku);
        return {
          created: change.kind === 'create',
          changed: true,
          product: toProductView(stored!),
        };
      }
    }
    throw new Error(`product ${sku} kept changing; giving up after ${MAX_ATTEMPTS} attempts`);
  }
}

function catalogEntryOf(doc: {
  _id: string;
  name: string;
  priceMinor: number;
  currency: string;
  active: boolean;
  version: number;
}): CatalogEntry {
  return {
    sku: doc._id,
    name: doc.name,
    priceMinor: doc.priceMinor,
    currency: doc.currency,
    active: doc.active,
    version: doc.version,
  };
}
