import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { percentile, ratio, relativeChange, spread, summarize } from '../src/stats';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  test('p50, p95 and p99 of 1..100 are 50, 95 and 99', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 95), 95);
    assert.equal(percentile(hundred, 99), 99);
  });

  test('p0 is the smallest sample, p100 the largest', () => {
    assert.equal(percentile(hundred, 0), 1);
    assert.equal(percentile(hundred, 100), 100);
  });

  test('a single sample is every percentile', () => {
    assert.equal(percentile([7], 1), 7);
    assert.equal(percentile([7], 99), 7);
  });

  test('no samples give NaN, a percentile outside 0..100 throws', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    assert.throws(() => percentile([1], 101), RangeError);
  });

  test('summarize sorts the samples first', () => {
    const s = summarize([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    assert.deepEqual(s, { count: 10, p50: 5, p95: 10, p99: 10, max: 10 });
  });
});

describe('ratio and relative change', () => {
  test('a ratio that cannot be formed is NaN, not 0 or Infinity', () => {
    assert.equal(ratio(3, 4), 0.75);
    assert.ok(Number.isNaN(ratio(3, 0)));
    assert.ok(Number.isNaN(ratio(undefined, 4)));
    assert.ok(Number.isNaN(ratio(Number.NaN, 4)));
  });

  test('relative change is signed', () => {
    assert.equal(relativeChange(10, 12), 0.2);
    assert.equal(relativeChange(10, 5), -0.5);
  });
});

describe('spread of rounds', () => {
  test('median of an odd and an even count, with min and max; non-numbers left out', () => {
    assert.deepEqual(spread([3, 1, 2]), { n: 3, median: 2, min: 1, max: 3 });
    assert.deepEqual(spread([4, 1, 2, Number.NaN, 3]), { n: 4, median: 2.5, min: 1, max: 4 });
    assert.equal(spread([]).n, 0);
    assert.ok(Number.isNaN(spread([]).median));
  });
});
