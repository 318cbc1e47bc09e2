import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeldCopies } from '../../src/persistence/held-copies';

describe('held copies', () => {
  it('returns what was set, and forgets what was deleted', () => {
    const held = new HeldCopies<number>(10);
    held.set('a', 1);
    held.set('a', 2);
    assert.equal(held.get('a'), 2);
    held.delete('a');
    assert.equal(held.get('a'), undefined);
  });

  it('keeps at most `max` copies, dropping the one used least recently', () => {
    const held = new HeldCopies<number>(2);
    held.set('a', 1);
    held.set('b', 2);
    assert.equal(held.get('a'), 1);
    held.set('c', 3);
    assert.equal(held.get('b'), undefined);
    assert.equal(held.get('a'), 1);
    assert.equal(held.get('c'), 3);
  });

  it('forgets a copy held longer than the maximum age', () => {
    let now = 1_000;
    const held = new HeldCopies<number>(10, 500, () => now);
    held.set('a', 1);
    now += 500;
    assert.equal(held.get('a'), 1, 'at the maximum age');
    now += 1;
    assert.equal(held.get('a'), undefined, 'beyond it');
    held.set('a', 2);
    assert.equal(held.get('a'), 2, 'a new copy counts from when it was set');
  });
});
