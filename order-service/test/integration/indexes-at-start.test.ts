// The schemas' indexes exist once the app has started (they are not built lazily by Mongoose).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOrderApp, type TestApp } from '../support/order-app';

describe('indexes at start', () => {
  let t: TestApp;
  before(async () => {
    t = await startOrderApp('order-indexes-at-start');
  });
  after(async () => {
    await t?.close();
  });

  async function indexKeys(collection: string): Promise<string[]> {
    const indexes = await t.orders.db.collection(collection).listIndexes().toArray();
    return indexes.map((i) => JSON.stringify(i['key'])).sort();
  }

  it("orders: by user and listing key, by status and creation time, the outbox's", async () => {
    assert.deepEqual(await indexKeys('orders'), [
      '{"_id":1}',
      '{"outbox.createdAt":1}',
      '{"status":1,"createdAt":1}',
      '{"userId":1,"listKey":-1}',
    ]);
  });

  it('idempotency keys: by expiry (a plain index: the sweeper deletes, no TTL)', async () => {
    assert.deepEqual(await indexKeys('idempotency_keys'), ['{"_id":1}', '{"expiresAt":1}']);
  });

  it('catalog: by _id only', async () => {
    assert.deepEqual(await indexKeys('catalog'), ['{"_id":1}']);
  });
});
