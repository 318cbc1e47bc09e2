// The catalog copy. An update is applied only when its version is higher than the one held:
// a conditional upsert (retried as an update when it collides), so a stale or duplicate update
// changes nothing whatever the arrival order.
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
    const guard = { version: { $lt: entry.version } };
    const update = { $set: { ...fields, updatedAt: now } };
    try {
      // Matches only a held copy with a lower version; with none held, the upsert inserts.
      // (GuardedWrites: on FerretDB the server sees `{ _id }` only, the version is compared in
      // process.)
      const result = await this.guarded.updateOne(this.catalog, sku, guard, update, {
        upsert: true,
      });
      return result.modifiedCount + result.upsertedCount > 0 ? 'applied' : 'stale';
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
    // The upsert collided on `_id`: a copy is held — at this version or higher (stale), or a
    // lower one that a concurrent upsert inserted after this one found none (MongoDB answers
    // both with E11000). A plain conditional update tells them apart.
    const retried = await this.guarded.updateOne(this.catalog, sku, guard, update);
    return retried.modifiedCount > 0 ? 'applied' : 'stale';
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
