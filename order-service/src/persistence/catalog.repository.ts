// The catalog copy. An update is applied only when its version is higher than the one held:
// a conditional upsert, so a stale or duplicate update changes nothing whatever the arrival order.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { GuardedWrites } from '@eventshop/service-kit';
import type { CatalogEntry } from '../domain/catalog';
import { CATALOG_MODEL, type CatalogDocument } from './catalog.schema';
import { isDuplicateKeyError } from './mongo-errors';

@Injectable()
export class CatalogRepository {
  constructor(
    @InjectModel(CATALOG_MODEL) private readonly catalog: Model<CatalogDocument>,
    private readonly guarded: GuardedWrites,
  ) {}

  async applyIfNewer(entry: CatalogEntry, now: Date): Promise<'applied' | 'stale'> {
    const { sku, ...fields } = entry;
    try {
      // Matches only a held copy with a lower version; with none held, the upsert inserts. A held
      // copy at this version or higher makes the upsert collide on `_id`: stale. (GuardedWrites:
      // on FerretDB the server sees `{ _id }` only, the version is compared in process.)
      const result = await this.guarded.updateOne(
        this.catalog,
        sku,
        { version: { $lt: entry.version } },
        { $set: { ...fields, updatedAt: now } },
        { upsert: true },
      );
      return result.modifiedCount + result.upsertedCount > 0 ? 'applied' : 'stale';
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'stale';
      throw err;
    }
  }

  async findBySku(sku: string): Promise<CatalogEntry | undefined> {
    const doc = await this.catalog.findOne({ _id: sku }).lean<CatalogDocument>().exec();
    if (!doc) return undefined;
    return {
      sku: doc._id,
      name: doc.name,
      priceMinor: doc.priceMinor,
      currency: doc.currency,
      active: doc.active,
      version: doc.version,
    };
  }

  /** Each SKU by `_id` (the indexed path on every server), not one `$in` scan. */
  async findBySkus(skus: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const entries = await Promise.all(skus.map((sku) => this.findBySku(sku)));
    return new Map(entries.filter((e) => e !== undefined).map((e) => [e.sku, e]));
  }
}
