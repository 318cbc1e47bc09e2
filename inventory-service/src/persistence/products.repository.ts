import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { GuardedWrites, OutboxWriter } from '@eventshop/service-kit';
import type { CatalogEntry } from '../domain/product';
import { isDuplicateKey } from './mongo-errors';
import { Product } from './product.schema';
import { StockAdjustment } from './stock-adjustment.schema';

export type ProductDoc = Omit<Product, 'outbox'>;

/**
 * Catalog and stock-adjustment writes; every one is a single-document operation by `_id`. The
 * conditional ones (and the marker removal, which changes a guarded field) go through the kit's
 * GuardedWrites, so on FerretDB the server only ever sees `{ _id }`.
 */
@Injectable()
export class ProductsRepository {
  constructor(
    @InjectModel(Product.name) private readonly products: Model<Product>,
    @InjectModel(StockAdjustment.name) private readonly adjustments: Model<StockAdjustment>,
    private readonly outbox: OutboxWriter,
    private readonly guarded: GuardedWrites,
  ) {}

  async findBySku(sku: string): Promise<ProductDoc | null> {
    return this.products.findById(sku).lean<Product>().exec();
  }

  /** SKUs in ascending order after `after` (a listing: scans on FerretDB, fine off the hot path). */
  async list(after: string | undefined, limit: number): Promise<ProductDoc[]> {
    const filter = after === undefined ? {} : { _id: { $gt: after } };
    return this.products.find(filter).sort({ _id: 1 }).limit(limit).lean<Product[]>().exec();
  }

  /** Inserts a new product with its first event; false when the SKU appeared meanwhile. */
  async create(entry: CatalogEntry, event: AnyCloudEvent): Promise<boolean> {
    const now = new Date();
    try {
      await this.outbox.insert(
        this.products,
        {
          _id: entry.sku,
          name: entry.name,
          priceMinor: entry.priceMinor,
          currency: entry.currency,
          active: entry.active,
          version: entry.version,
          onHand: 0,
          reserved: 0,
          available: 0,
          holds: [],
          holders: [],
          pendingAdjustments: [],
          restockers: [],
          restocks: [],
          createdAt: now,
          updatedAt: now,
        },
        [event],
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Updates the catalog fields if the product is still at `previousVersion`; false otherwise. */
  async update(
    entry: CatalogEntry,
    previousVersion: number,
    event: AnyCloudEvent,
  ): Promise<boolean> {
    const after = await this.outbox.update(
      this.products,
      { _id: entry.sku, version: previousVersion },
      {
        $set: {
          name: entry.name,
          priceMinor: entry.priceMinor,
          currency: entry.currency,
          active: entry.active,
          version: entry.version,
          updatedAt: new Date(),
        },
      },
      [event],
    );
    return after !== null;
  }

  async insertAdjustment(entry: Omit<StockAdjustment, 'status' | 'createdAt'>): Promise<void> {
    await this.adjustments.create({ ...entry, status: 'pending', createdAt: new Date() });
  }

  /**
   * Applies the delta if at least `requiredFree` units are free, marking the product with the
   * adjustment id in the same write; returns the product after, or null when the guard refused.
   */
  async applyAdjustment(
    sku: string,
    adjustmentId: string,
    delta: number,
    requiredFree: number,
  ): Promise<ProductDoc | null> {
    return this.guarded.findOneAndUpdate<Product>(
      this.products,
      sku,
      { available: { $gte: requiredFree }, pendingAdjustments: { $ne: adjustmentId } },
      {
        $inc: { onHand: delta, available: delta },
        $push: { pendingAdjustments: adjustmentId },
        $set: { updatedAt: new Date() },
      },
    );
  }

  async completeAdjustment(id: string, after: { onHand: number; available: number }) {
    await this.guarded.updateOne(
      this.adjustments,
      id,
      { status: 'pending' },
      { $set: { status: 'applied', onHandAfter: after.onHand, availableAfter: after.available } },
    );
  }

  async clearAdjustmentMarker(sku: string, id: string): Promise<void> {
    // Unguarded, but it changes a field a guard reads: through the lock all the same.
    await this.guarded.updateOne(
      this.products,
      sku,
      {},
      { $pullAll: { pendingAdjustments: [id] } },
    );
  }

  async refuseAdjustment(id: string, because: string): Promise<void> {
    await this.guarded.updateOne(
      this.adjustments,
      id,
      { status: 'pending' },
      { $set: { status: 'refused', refusedBecause: because } },
    );
  }

  /** Adjustments still `pending` that were created before `before` (a sweeper's scan). */
  async stalePendingAdjustments(before: Date, limit: number): Promise<StockAdjustment[]> {
    return this.adjustments
      .find({ status: 'pending', createdAt: { $lt: before } })
      .limit(limit)
      .lean<StockAdjustment[]>()
      .exec();
  }

  /** Products still carrying adjustment markers (a sweeper's scan). */
  async productsWithAdjustmentMarkers(limit: number): Promise<ProductDoc[]> {
    return this.products
      .find({ 'pendingAdjustments.0': { $exists: true } })
      .limit(limit)
      .lean<Product[]>()
      .exec();
  }

  async findAdjustment(id: string): Promise<StockAdjustment | null> {
    return this.adjustments.findById(id).lean<StockAdjustment>().exec();
  }

  /** The audit trail of one SKU, newest first (a listing; scans on FerretDB). */
  async adjustmentsOf(sku: string, limit: number): Promise<StockAdjustment[]> {
    return this.adjustments
      .find({ sku })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<StockAdjustment[]>()
      .exec();
  }
}
