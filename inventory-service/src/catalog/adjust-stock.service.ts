import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { decideAdjustment, requiredFreeFor } from '../domain/stock';
import { ProductsRepository } from '../persistence/products.repository';
import { toProductView, type ProductView } from './product-view';

export type AdjustStockResult =
  | { readonly ok: true; readonly adjustmentId: string; readonly product: ProductView }
  | { readonly ok: false; readonly reason: 'not_found' }
  | { readonly ok: false; readonly reason: 'invalid_delta'; readonly detail: string }
  | { readonly ok: false; readonly reason: 'below_free_stock'; readonly available: number };

/**
 * POST /products/:sku/stock-adjustments: restock or write off, never below what is free.
 * Steps: audit entry `pending` → guarded `$inc` on the product with the entry's id as marker →
 * audit entry `applied` → marker removed. The product update alone decides (atomically) whether
 * the write-off fits; the pre-read only gives a precise answer for the common refusal.
 */
@Injectable()
export class AdjustStockService {
  constructor(private readonly products: ProductsRepository) {}

  async adjust(
    sku: string,
    delta: number,
    reason: string,
    actor: string,
  ): Promise<AdjustStockResult> {
    const current = await this.products.findBySku(sku);
    if (!current) return { ok: false, reason: 'not_found' };
    const decision = decideAdjustment(current, delta);
    if (!decision.ok) return decision;

    const id = randomUUID();
    await this.products.insertAdjustment({ _id: id, sku, delta, reason, actor });
    const after = await this.products.applyAdjustment(sku, id, delta, requiredFreeFor(delta));
    if (!after) {
      // Orders took the free units between the read and the write.
      const now = await this.products.findBySku(sku);
      await this.products.refuseAdjustment(id, 'below_free_stock');
      return { ok: false, reason: 'below_free_stock', available: Math.max(0, now?.available ?? 0) };
    }
    await this.products.completeAdjustment(id, after);
    await this.products.clearAdjustmentMarker(sku, id);
    return { ok: true, adjustmentId: id, product: toProductView(after) };
  }
}
