// The catalog copy. An update is applied only when its version is higher than the one held:
// a conditional upsert (retried as an update when it collides), so a stale or duplicate update
// changes nothing whatever the arrival order.
//
// Pricing reads each line's entry on every POST /orders; an entry read or written here answers
// later reads for CATALOG_ENTRY_MAX_AGE_MS (docs/decisions/0025). The copy is already behind
// inventory by the event's delivery; this adds at most that long on a replica that did not
// apply the update itself (the one that applied it holds the new entry at once). Unknown SKUs
// are not held: a product may arrive any moment.
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { GuardedWrites } from '@eventshop/service-kit';
import type { CatalogEntry } from '../domain/catalog';
import { CATALOG_MODEL, type CatalogDocument } from './catalog.schema';
import { HeldCopies } from './held-copies';
import { isDuplicateKeyError } from './mongo-errors';

/** How long an entry this process read or wrote prices orders without a read. */
export const CATALOG_ENTRY_MAX_AGE_MS = 10_000;
/** Entries held at most (a few MB). */
const MAX_HELD_ENTRIES = 10_000;

@Injectable()
export class CatalogRepository {
  private readonly held = new HeldCopies<CatalogEntry>(MAX_HELD_ENTRIES, CATALOG_ENTRY_MAX_AGE_MS);

  constructor(
    @InjectModel(CATALOG_MODEL) private readonly catalog: Model<CatalogDocument>,
    private readonly guarded: GuardedWrites,
  ) {}

  async applyIfNewer(entry: CatalogEntry, now: Date): Promise<'applied' | 'stale'> {
    const result = await this.write(entry, now);
    // Stale: the database holds this version or a newer one, which a held copy may predate.
    if (result === 'applied') this.hold(entry);
    else this.held.delete(entry.sku);
    return result;
  }

  private async write(entry: CatalogEntry, now: Date): Promise<'applied' | 'stale'> {
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
    const held = this.held.get(sku);
    if (held !== undefined) return held;
    const doc = await this.catalog.findOne({ _id: sku }).lean<CatalogDocument>().exec();
    if (!doc) return undefined;
    const entry: CatalogEntry = {
      sku: doc._id,
      name: doc.name,
      priceMinor: doc.priceMinor,
      currency: doc.currency,
      active: doc.active,
      version: doc.version,
    };
    return this.hold(entry);
  }

  /** Holds the entry unless a newer version is held (a read may end after a later write). */
  private hold(entry: CatalogEntry): CatalogEntry {
    const held = this.held.get(entry.sku);
    if (held !== undefined && held.version >= entry.version) return held;
    this.held.set(entry.sku, entry);
    return entry;
  }

  /** Each SKU by `_id` (the indexed path on every server), not one `$in` scan. */
  async findBySkus(skus: readonly string[]): Promise<Map<string, CatalogEntry>> {
    const entries = await Promise.all(skus.map((sku) => this.findBySku(sku)));
    return new Map(entries.filter((e) => e !== undefined).map((e) => [e.sku, e]));
  }
}
