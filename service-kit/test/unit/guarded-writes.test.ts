import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Connection } from 'mongoose';
import { checkConditionalWrites, GuardedWrites, type GuardedTarget } from '../../src';

describe('GuardedWrites sends one conditional operation', () => {
  /** A driver-collection stand-in that records the filters it is given. */
  const setup = () => {
    const filters: unknown[] = [];
    const collection = {
      findOneAndUpdate: async (filter: unknown) => (filters.push(filter), null),
      updateOne: async (filter: unknown) => (
        filters.push(filter),
        { matchedCount: 0, modifiedCount: 0, upsertedCount: 0 }
      ),
      deleteOne: async (filter: unknown) => (filters.push(filter), { deletedCount: 0 }),
    };
    const writes = new GuardedWrites({} as Connection);
    return { filters, writes, target: collection as unknown as GuardedTarget };
  };

  it('with the filter { _id, ...guard } for each of the three writes', async () => {
    const { filters, writes, target } = setup();
    await writes.findOneAndUpdate(target, 'o1', { revision: 1 }, { $inc: { revision: 1 } });
    await writes.updateOne(target, 'o1', { stock: { $gte: 1 } }, { $inc: { stock: -1 } });
    await writes.deleteOne(target, 'o1', { status: 'done' });
    assert.deepEqual(filters, [
      { _id: 'o1', revision: 1 },
      { _id: 'o1', stock: { $gte: 1 } },
      { _id: 'o1', status: 'done' },
    ]);
  });

  it('refuses a guard that names _id', async () => {
    const { writes, target } = setup();
    await assert.rejects(writes.updateOne(target, 'a', { _id: 'b' }, { $set: { x: 1 } }), /_id/);
  });
});

describe('checkConditionalWrites (at start)', () => {
  it('accepts MongoDB and the project’s FerretDB build with any pool', () => {
    checkConditionalWrites({}, 100);
    checkConditionalWrites({ ferretdbVersion: 'v1.24.2+atomic-writes' }, 100);
  });

  it('accepts another FerretDB on one connection', () => {
    checkConditionalWrites({ ferretdbVersion: 'v1.24.2' }, 1);
  });

  it('refuses another FerretDB with a pool, saying what to do', () => {
    assert.throws(
      () => checkConditionalWrites({ ferretdbVersion: 'v1.24.2' }, 100),
      /FerretDB v1\.24\.2 does not make conditional writes atomic across connections.*allows 100.*make toolchain.*maxPoolSize=1/,
    );
  });
});
