import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startInventory, type InventoryUnderTest } from '../support/harness';

/** The schemas' indexes exist once the app has started (created and awaited at start). */
let inventory: InventoryUnderTest;

before(async () => {
  inventory = await startInventory('inventory-indexes-at-start');
});
after(async () => {
  await inventory?.stop();
});

async function indexKeys(collection: string): Promise<string[]> {
  const indexes = await inventory.products.db.collection(collection).listIndexes().toArray();
  return indexes.map((i) => JSON.stringify(i['key'])).sort();
}

describe('indexes at start', () => {
  it('stock adjustments: the audit trail of a SKU, newest first', async () => {
    assert.deepEqual(await indexKeys('stock_adjustments'), [
      '{"_id":1}',
      '{"sku":1,"createdAt":-1}',
    ]);
  });

  it("products and reservations: by _id and the outbox's", async () => {
    for (const collection of ['products', 'reservations']) {
      assert.deepEqual(
        await indexKeys(collection),
        ['{"_id":1}', '{"outbox.createdAt":1}'],
        collection,
      );
    }
  });
});
