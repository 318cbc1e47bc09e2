// InsertBatcher against the real database of the test infrastructure: concurrent inserts into one
// collection share one `insert` command, and each caller learns its own document's outcome.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mongoose, { type Connection } from 'mongoose';
import { InsertBatcher } from '../../src';
import { testInfra, type TestScope } from '../../src/testing';

describe('InsertBatcher (group commit) against the real database', () => {
  let scope: TestScope;
  let connection: Connection;
  /** `insert` commands sent, by collection name. */
  const inserts = new Map<string, number>();

  before(async () => {
    scope = await (await testInfra()).scope('kit-group-commit');
    connection = await mongoose
      .createConnection(scope.env.MONGODB_URI, { monitorCommands: true })
      .asPromise();
    connection.getClient().on('commandStarted', (e) => {
      if (e.commandName !== 'insert') return;
      const name = String((e.command as { insert: unknown }).insert);
      inserts.set(name, (inserts.get(name) ?? 0) + 1);
    });
  });

  after(async () => {
    await connection?.close();
    await scope?.dispose();
  });

  it('50 concurrent inserts: the first goes alone, the 49 that waited go as one command', async () => {
    const collection = connection.collection('orders_a');
    const batcher = new InsertBatcher();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        batcher.insertOne(collection, { _id: `o-${i}` as never }),
      ),
    );
    assert.equal(await collection.countDocuments(), 50);
    assert.equal(inserts.get('orders_a'), 2);
  });

  it('an insert into an idle collection is sent at once, alone', async () => {
    const collection = connection.collection('orders_b');
    const batcher = new InsertBatcher();
    await batcher.insertOne(collection, { _id: 'only' as never });
    assert.equal(inserts.get('orders_b'), 1);
    assert.equal(await collection.countDocuments({ _id: 'only' as never }), 1);
  });

  it('a duplicate key in a shared command fails only its own caller, with code 11000', async () => {
    const collection = connection.collection('orders_c');
    const batcher = new InsertBatcher();
    await batcher.insertOne(collection, { _id: 'taken' as never, n: 0 });
    await new Promise((resolve) => setImmediate(resolve)); // the lane is idle again
    const first = batcher.insertOne(collection, { _id: 'lead' as never, n: 1 });
    // These three wait for `lead` and then go together; the middle one is a duplicate.
    const results = await Promise.allSettled([
      first,
      batcher.insertOne(collection, { _id: 'b' as never, n: 2 }),
      batcher.insertOne(collection, { _id: 'taken' as never, n: 3 }),
      batcher.insertOne(collection, { _id: 'c' as never, n: 4 }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    const refused = results[2] as PromiseRejectedResult;
    assert.equal((refused.reason as { code?: number }).code, 11000);
    assert.equal(inserts.get('orders_c'), 3, 'taken, lead, then b + taken + c together');
    const stored = await collection.find().sort({ n: 1 }).toArray();
    assert.deepEqual(
      stored.map((d) => [d._id, d.n]),
      [
        ['taken', 0],
        ['lead', 1],
        ['b', 2],
        ['c', 4],
      ],
    );
  });
});
