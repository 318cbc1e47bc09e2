/**
 * Pins of the MongoDB-compatible server behind MONGODB_URI (FerretDB 1.24 here) that the services
 * rely on: the "portable MongoDB subset" of the blueprint. If FerretDB changes, one of these
 * names says what changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { requireEnv } from '../src/env';

interface Server {
  ferretdb: string | undefined;
  version: string;
}

interface OutboxEntry {
  id: string;
  type: string;
}

describe('MongoDB subset on the server behind MONGODB_URI', () => {
  let client: MongoClient;
  let db: Db;
  let server: Server;

  before(async () => {
    // One connection per process: against FerretDB, this is what makes each single-document
    // operation atomic (its updates read, change and write back without compare-and-set).
    client = new MongoClient(requireEnv('MONGODB_URI'), { maxPoolSize: 1 });
    await client.connect();
    db = client.db('infra_tests_pins');
    await db.dropDatabase();
    const info = await db.admin().command({ buildInfo: 1 });
    server = {
      ferretdb: typeof info['ferretdbVersion'] === 'string' ? info['ferretdbVersion'] : undefined,
      version: String(info['version']),
    };
  });

  after(async () => {
    await db?.dropDatabase();
    await client?.close();
  });

  it('reports which server it is', (t) => {
    t.diagnostic(
      server.ferretdb
        ? `server: FerretDB ${server.ferretdb} (reports MongoDB ${server.version})`
        : `server: MongoDB ${server.version}`,
    );
    assert.match(server.version, /^\d+\.\d+/);
  });

  it('200 concurrent guarded decrements of stock 150 through one connection: 150 succeed', async () => {
    const products = db.collection<{ _id: string; stock: number }>('products');
    await products.insertOne({ _id: 'SKU-1', stock: 150 });

    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        products.updateOne({ _id: 'SKU-1', stock: { $gte: 1 } }, { $inc: { stock: -1 } }),
      ),
    );

    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal(results.filter((r) => r.matchedCount === 0).length, 50);
    assert.deepEqual(await products.findOne({ _id: 'SKU-1' }), { _id: 'SKU-1', stock: 0 });
    assert.equal(await products.countDocuments({ stock: { $lt: 0 } }), 0);
  });

  it('$pullAll removes exactly the given subdocuments and leaves the others', async () => {
    const orders = db.collection<{ _id: string; outbox: OutboxEntry[] }>('orders');
    const a = { id: 'a', type: 'order.created.v1' };
    const b = { id: 'b', type: 'order.confirmed.v1' };
    const c = { id: 'c', type: 'order.cancelled.v1' };
    await orders.insertOne({ _id: 'pull-all', outbox: [a, b, c] });

    const result = await orders.updateOne(
      { _id: 'pull-all' },
      // The second value differs from `c` in one field: not an exact match, so it stays.
      { $pullAll: { outbox: [a, { id: 'c', type: 'order.created.v1' }] } },
    );

    assert.equal(result.modifiedCount, 1);
    assert.deepEqual((await orders.findOne({ _id: 'pull-all' }))?.outbox, [b, c]);
  });

  it('findOneAndUpdate without projection returns the new document with returnDocument after', async () => {
    const orders = db.collection<{ _id: string; status: string; version: number }>('orders');
    await orders.insertOne({ _id: 'find-and-update', status: 'PENDING', version: 1 });

    const updated = await orders.findOneAndUpdate(
      { _id: 'find-and-update', status: 'PENDING' },
      { $set: { status: 'CONFIRMED' }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    );

    assert.deepEqual(updated, { _id: 'find-and-update', status: 'CONFIRMED', version: 2 });
  });

  it('a duplicate insert on a unique index fails with code 11000', async () => {
    const keys = db.collection<{ _id: string; key: string }>('idempotency_keys');
    await keys.createIndex({ key: 1 }, { unique: true });
    await keys.insertOne({ _id: 'k1', key: 'user-1:abc' });

    await assert.rejects(
      keys.insertOne({ _id: 'k2', key: 'user-1:abc' }),
      (error: unknown) => error instanceof MongoServerError && error.code === 11000,
    );
    assert.equal(await keys.countDocuments({ key: 'user-1:abc' }), 1);
  });

  it('FerretDB 1.24: $pull with a condition ({ id: { $in } }) removes nothing — use $pullAll', async () => {
    const orders = db.collection<{ _id: string; outbox: OutboxEntry[] }>('orders');
    const entries = [
      { id: 'a', type: 'order.created.v1' },
      { id: 'b', type: 'order.confirmed.v1' },
    ];
    await orders.insertOne({ _id: 'pull-condition', outbox: entries });

    await orders.updateOne(
      { _id: 'pull-condition' },
      { $pull: { outbox: { id: { $in: ['a'] } } } },
    );

    const outbox = (await orders.findOne({ _id: 'pull-condition' }))?.outbox;
    if (server.ferretdb) {
      // Pinned: when this fails, FerretDB started honouring conditions in $pull.
      assert.deepEqual(outbox, entries);
    } else {
      assert.deepEqual(outbox, [entries[1]]); // MongoDB removes the matching entry
    }
  });
});
