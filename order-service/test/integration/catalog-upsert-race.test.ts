// The catalog copy's conditional upsert when another upsert of the same SKU inserted first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getModelToken } from '@nestjs/mongoose';
import { mongo, type Model } from 'mongoose';
import { GuardedWrites } from '@eventshop/service-kit';
import type { CatalogEntry } from '../../src/domain/catalog';
import { CatalogRepository } from '../../src/persistence/catalog.repository';
import { CATALOG_MODEL, type CatalogDocument } from '../../src/persistence/catalog.schema';
import { startOrderApp, type TestApp } from '../support/order-app';

const entry = (sku: string, version: number): CatalogEntry => ({
  sku,
  name: `Product ${sku} v${version}`,
  priceMinor: 100 * version,
  currency: 'EUR',
  active: true,
  version,
});

describe('catalog copy: concurrent upserts', () => {
  let t: TestApp;
  let catalog: Model<CatalogDocument>;
  before(async () => {
    t = await startOrderApp('order-catalog-upsert-race');
    catalog = t.app.get<Model<CatalogDocument>>(getModelToken(CATALOG_MODEL));
  });
  after(async () => {
    await t?.close();
  });

  /**
   * A repository whose first upsert loses the race MongoDB allows: it found no copy, a concurrent
   * upsert inserted version `rival` meanwhile, and its own insert then failed with E11000.
   */
  function racedBy(sku: string, rival: number): CatalogRepository {
    const real = t.app.get(GuardedWrites);
    let raced = false;
    const racing = new Proxy(real, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop, target);
        if (prop !== 'updateOne' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: Parameters<GuardedWrites['updateOne']>) => {
          if (!raced && args[4]?.upsert) {
            raced = true;
            const { sku: _id, ...fields } = entry(sku, rival);
            await catalog.collection.insertOne({ _id, ...fields, updatedAt: new Date() } as never);
            throw new mongo.MongoServerError({
              message: `E11000 duplicate key error collection: catalog index: _id_ dup key: { _id: "${sku}" }`,
              code: 11000,
            });
          }
          return target.updateOne(...args);
        };
      },
    });
    return new CatalogRepository(catalog, racing);
  }

  it('E11000 against a lower version inserted meanwhile: the newer update is applied', async () => {
    const repository = racedBy('RACE-1', 1);
    assert.equal(await repository.applyIfNewer(entry('RACE-1', 3), new Date()), 'applied');
    const held = await catalog.findById('RACE-1').lean().exec();
    assert.equal(held?.version, 3);
    assert.equal(held?.priceMinor, 300);
  });

  it('E11000 against a higher version inserted meanwhile: stale, the held copy stays', async () => {
    const repository = racedBy('RACE-2', 5);
    assert.equal(await repository.applyIfNewer(entry('RACE-2', 3), new Date()), 'stale');
    assert.equal((await catalog.findById('RACE-2').lean().exec())?.version, 5);
  });

  it('without a race: newer applied, equal or older stale', async () => {
    const repository = t.app.get(CatalogRepository);
    assert.equal(await repository.applyIfNewer(entry('RACE-3', 2), new Date()), 'applied');
    assert.equal(await repository.applyIfNewer(entry('RACE-3', 2), new Date()), 'stale');
    assert.equal(await repository.applyIfNewer(entry('RACE-3', 1), new Date()), 'stale');
    assert.equal(await repository.applyIfNewer(entry('RACE-3', 4), new Date()), 'applied');
    assert.equal((await catalog.findById('RACE-3').lean().exec())?.version, 4);
  });
});
