import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingDueList } from '../../src/orders/pending-due-list';

describe('PendingDueList', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

  it('lists the orders created at or before the cutoff, oldest first, at most limit', async () => {
    const list = new PendingDueList();
    await list.ensureLoaded(() => Promise.resolve([]));
    list.add('c', at(3));
    list.add('a', at(1));
    list.add('b', at(2));
    list.add('d', at(9));
    assert.deepEqual(list.overdue(at(3), 10), ['a', 'b', 'c']);
    assert.deepEqual(list.overdue(at(3), 2), ['a', 'b']);
    list.remove('a');
    assert.deepEqual(list.overdue(at(3), 10), ['b', 'c']);
  });

  it('loads once from a scan, keeps what was added meanwhile, and retries a failed load', async () => {
    const list = new PendingDueList();
    await assert.rejects(
      list.ensureLoaded(() => Promise.reject(new Error('db down'))),
      /db down/,
    );
    assert.equal(list.loaded, false);
    list.add('x', at(5));
    let scans = 0;
    const load = () => {
      scans++;
      return Promise.resolve([
        { id: 'x', createdAt: at(7) },
        { id: 'y', createdAt: at(1) },
      ]);
    };
    await list.ensureLoaded(load);
    await list.ensureLoaded(load);
    assert.equal(scans, 1);
    assert.deepEqual(list.overdue(at(5), 10), ['y', 'x'], 'the added time wins over the scan');
  });

  it('records nothing until it is loaded (the sweep does not use it on MongoDB)', async () => {
    const list = new PendingDueList();
    list.add('a', at(1));
    assert.equal(list.size, 0);
    await list.ensureLoaded(() => Promise.resolve([]));
    list.add('b', at(2));
    assert.deepEqual(list.overdue(at(9), 10), ['b']);
  });

  it('holds at most its capacity and counts the orders it dropped', async () => {
    const list = PendingDueList.withCapacity(2);
    await list.ensureLoaded(() =>
      Promise.resolve([
        { id: 'a', createdAt: at(1) },
        { id: 'b', createdAt: at(2) },
        { id: 'c', createdAt: at(3) },
      ]),
    );
    list.add('d', at(4));
    list.add('a', at(1));
    assert.equal(list.size, 2);
    assert.equal(list.droppedCount, 2);
    list.remove('a');
    list.add('d', at(4));
    assert.deepEqual(list.overdue(at(9), 10), ['b', 'd']);
  });
});
