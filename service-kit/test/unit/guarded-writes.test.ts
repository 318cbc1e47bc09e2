import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import type { Connection } from 'mongoose';
import { equalityFields, GuardedWrites, matchesGuard, type GuardedTarget } from '../../src';
import { withInsertFields } from '../../src/persistence/guard-match';
import { KeyedLock } from '../../src/persistence/keyed-lock';

describe('KeyedLock', () => {
  it('runs the work of one key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        lock.run('k', async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          log.push(`start ${n}`);
          await tick();
          log.push(`end ${n}`);
          inside--;
        }),
      ),
    );
    assert.equal(maxInside, 1);
    assert.deepEqual(
      log,
      [1, 2, 3, 4, 5].flatMap((n) => [`start ${n}`, `end ${n}`]),
    );
    assert.equal(lock.size, 0, 'a key with nothing queued holds no memory');
  });

  it('lets different keys run at the same time', async () => {
    const lock = new KeyedLock();
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        lock.run(k, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await tick();
          inside--;
        }),
      ),
    );
    assert.equal(maxInside, 3);
  });

  it('releases the key when the work throws, and passes the error on', async () => {
    const lock = new KeyedLock();
    await assert.rejects(
      lock.run('k', () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await lock.run('k', () => Promise.resolve(42)), 42);
    assert.equal(lock.size, 0);
  });
});

describe('matchesGuard (the guards the services use)', () => {
  const product = {
    _id: 'SKU-1',
    active: true,
    available: 5,
    holds: [{ orderId: 'o1', quantity: 2 }],
    holders: ['o1'],
    pendingAdjustments: [] as string[],
  };

  it('takeHold: active, enough available, not already held by the order', () => {
    const guard = (orderId: string, q: number) => ({
      active: true,
      available: { $gte: q },
      holders: { $ne: orderId },
    });
    assert.equal(matchesGuard(product, guard('o2', 5)), true);
    assert.equal(matchesGuard(product, guard('o2', 6)), false);
    assert.equal(matchesGuard(product, guard('o1', 1)), false, '$ne on an array: no element');
    assert.equal(matchesGuard({ ...product, active: false }, guard('o2', 1)), false);
  });

  it('returnHold: the exact hold is there', () => {
    const guard = (q: number) => ({
      holders: 'o1',
      holds: { $all: [{ orderId: 'o1', quantity: q }] },
    });
    assert.equal(matchesGuard(product, guard(2)), true);
    assert.equal(matchesGuard(product, guard(3)), false);
    assert.equal(matchesGuard({ ...product, holders: [], holds: [] }, guard(2)), false);
  });

  it('adjustment marker: $ne on an array of strings', () => {
    const guard = { available: { $gte: 0 }, pendingAdjustments: { $ne: 'a1' } };
    assert.equal(matchesGuard(product, guard), true);
    assert.equal(matchesGuard({ ...product, pendingAdjustments: ['a1'] }, guard), false);
  });

  it('revision, status and lease guards compare numbers, strings and Dates by value', () => {
    const doc = { revision: 3, status: 'sending', leaseUntil: new Date(1_000) };
    assert.equal(matchesGuard(doc, { revision: 3 }), true);
    assert.equal(matchesGuard(doc, { revision: 4 }), false);
    assert.equal(matchesGuard(doc, { revision: '3' }), false, 'no casting: types must agree');
    assert.equal(
      matchesGuard(doc, { status: 'sending', leaseUntil: { $lte: new Date(1_000) } }),
      true,
    );
    assert.equal(
      matchesGuard(doc, { status: 'sending', leaseUntil: { $lte: new Date(999) } }),
      false,
    );
    assert.equal(matchesGuard({ status: 'sending' }, { leaseUntil: { $lte: new Date() } }), false);
    assert.equal(matchesGuard(doc, { leaseUntil: new Date(1_000) }), true);
    assert.equal(matchesGuard(doc, { version: { $lt: 2 } }), false, 'a missing field is not < 2');
  });
});

describe('upsert fields from the guard', () => {
  it('takes the fields compared for plain equality, as MongoDB does', () => {
    assert.deepEqual(
      equalityFields({
        status: 'A',
        kind: { $eq: 'k' },
        version: { $lt: 3 },
        name: /x/,
        $and: [{ region: 'eu' }, { n: { $gt: 1 } }],
        nested: { a: 1 },
      }),
      { status: 'A', kind: 'k', region: 'eu', nested: { a: 1 } },
    );
  });

  it('puts them in $setOnInsert, leaving paths the update writes to the update', () => {
    assert.deepEqual(
      withInsertFields(
        { $set: { status: 'B', 'a.b': 1 }, $setOnInsert: { kind: 'own' } },
        { status: 'A', a: { b: 2 }, kind: 'k', region: 'eu', version: { $lt: 2 } },
      ),
      {
        $set: { status: 'B', 'a.b': 1 },
        $setOnInsert: { kind: 'own', region: 'eu' },
      },
    );
    const update = { $inc: { n: 1 } };
    assert.equal(withInsertFields(update, { version: { $lt: 2 } }), update);
  });
});

/**
 * A driver-collection stand-in whose every operation yields to the event loop first, so
 * concurrent callers interleave as they would around real round trips. It records the filters.
 */
class FakeCollection {
  readonly namespace = 'db.things';
  readonly docs = new Map<string, Record<string, unknown>>();
  readonly filters: Record<string, unknown>[] = [];

  async findOne(filter: { _id: string }) {
    await tick();
    this.filters.push(filter);
    const doc = this.docs.get(filter._id);
    return doc ? structuredClone(doc) : null;
  }

  async findOneAndUpdate(
    filter: { _id: string },
    update: Record<string, Record<string, unknown>>,
    options: { upsert?: boolean },
  ) {
    await tick();
    return this.apply(filter, update, options.upsert ?? false).after;
  }

  async updateOne(
    filter: { _id: string },
    update: Record<string, Record<string, unknown>>,
    options: { upsert?: boolean },
  ) {
    await tick();
    const { matched, upserted } = this.apply(filter, update, options.upsert ?? false);
    return {
      matchedCount: matched ? 1 : 0,
      modifiedCount: matched ? 1 : 0,
      upsertedCount: upserted ? 1 : 0,
    };
  }

  async deleteOne(filter: { _id: string }) {
    await tick();
    this.filters.push(filter);
    return { deletedCount: this.docs.delete(filter._id) ? 1 : 0 };
  }

  /** `$set`, `$inc` and `$setOnInsert` on an `_id`-only filter: all the tests need. */
  private apply(
    filter: { _id: string },
    update: Record<string, Record<string, unknown>>,
    upsert: boolean,
  ) {
    this.filters.push(filter);
    assert.deepEqual(Object.keys(filter), ['_id'], 'the server only ever sees { _id }');
    let doc = this.docs.get(filter._id);
    const upserted = !doc && upsert;
    if (!doc && !upsert) return { matched: false, upserted: false, after: null };
    doc ??= { _id: filter._id, ...(update['$setOnInsert'] ?? {}) };
    Object.assign(doc, update['$set'] ?? {});
    for (const [k, v] of Object.entries(update['$inc'] ?? {})) {
      doc[k] = ((doc[k] as number | undefined) ?? 0) + (v as number);
    }
    this.docs.set(filter._id, doc);
    return { matched: !upserted, upserted, after: structuredClone(doc) };
  }
}

describe('GuardedWrites in-process (against a stand-in collection)', () => {
  const setup = () => {
    const collection = new FakeCollection();
    const writes = new GuardedWrites({} as Connection, 'in-process');
    return { collection, writes, target: collection as unknown as GuardedTarget };
  };

  it('200 concurrent guarded decrements of a stock of 150: exactly 150 succeed', async () => {
    const { collection, writes, target } = setup();
    collection.docs.set('sku', { _id: 'sku', stock: 150 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        writes.updateOne(target, 'sku', { stock: { $gte: 1 } }, { $inc: { stock: -1 } }),
      ),
    );
    assert.equal(results.filter((r) => r.modifiedCount === 1).length, 150);
    assert.equal(results.filter((r) => r.matchedCount === 0).length, 50);
    assert.equal(collection.docs.get('sku')?.['stock'], 0);
  });

  it('without the lock the same interleaving oversells (the race the lock closes)', async () => {
    const { collection } = setup();
    collection.docs.set('sku', { _id: 'sku', stock: 150 });
    let succeeded = 0;
    await Promise.all(
      Array.from({ length: 200 }, async () => {
        const doc = await collection.findOne({ _id: 'sku' });
        if (!doc || !matchesGuard(doc, { stock: { $gte: 1 } })) return;
        await collection.updateOne({ _id: 'sku' }, { $inc: { stock: -1 } }, {});
        succeeded++;
      }),
    );
    assert.ok(succeeded > 150, `expected an oversell, got ${succeeded}`);
  });

  it('answers like the server: null / no match when the guard refuses or the id is absent', async () => {
    const { collection, writes, target } = setup();
    collection.docs.set('o1', { _id: 'o1', status: 'PENDING', revision: 1 });
    assert.equal(
      await writes.findOneAndUpdate(target, 'o1', { revision: 2 }, { $set: { status: 'X' } }),
      null,
    );
    assert.equal(
      await writes.findOneAndUpdate(target, 'nope', { revision: 1 }, { $set: { status: 'X' } }),
      null,
    );
    const after = await writes.findOneAndUpdate<{ status: string; revision: number }>(
      target,
      'o1',
      { revision: 1, status: 'PENDING' },
      { $set: { status: 'CONFIRMED' }, $inc: { revision: 1 } },
    );
    assert.deepEqual(after, { _id: 'o1', status: 'CONFIRMED', revision: 2 });
    assert.deepEqual(await writes.deleteOne(target, 'o1', { revision: 1 }), { deletedCount: 0 });
    assert.deepEqual(await writes.deleteOne(target, 'o1', { revision: 2 }), { deletedCount: 1 });
    assert.ok(collection.filters.every((f) => Object.keys(f).join() === '_id'));
  });

  it('upsert: inserts an absent id with the guard’s equality fields; a refused present one is E11000', async () => {
    const { collection, writes, target } = setup();
    const inserted = await writes.updateOne(
      target,
      'c1',
      { kind: 'catalog', version: { $lt: 2 } },
      { $set: { version: 2 } },
      { upsert: true },
    );
    assert.deepEqual(inserted, { matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
    assert.deepEqual(collection.docs.get('c1'), { _id: 'c1', kind: 'catalog', version: 2 });
    await assert.rejects(
      writes.updateOne(
        target,
        'c1',
        { version: { $lt: 2 } },
        { $set: { version: 2 } },
        { upsert: true },
      ),
      (err: { code?: number }) => err.code === 11000,
    );
    const updated = await writes.updateOne(
      target,
      'c1',
      { version: { $lt: 3 } },
      { $set: { version: 3 } },
      { upsert: true },
    );
    assert.equal(updated.modifiedCount, 1);
  });

  it('refuses a guard that names _id', async () => {
    const { writes, target } = setup();
    await assert.rejects(writes.updateOne(target, 'a', { _id: 'b' }, { $set: { x: 1 } }), /_id/);
  });
});
