import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig, parseParts, parsePool, parseSteps, PARTS, withPool } from '../src/config';

describe('bench settings from env', () => {
  test('defaults', () => {
    const c = parseConfig({});
    assert.equal(c.durationS, 10);
    assert.deepEqual(c.steps, [4, 16, 48]);
    assert.equal(c.dataFactor, 10);
    assert.deepEqual([...c.parts], [...PARTS]);
  });

  test('steps are de-duplicated and sorted', () => {
    assert.deepEqual(parseSteps('32, 8,8,1'), [1, 8, 32]);
  });

  test('a bad step or duration names the variable', () => {
    assert.throws(() => parseSteps('8,,16'), /BENCH_STEPS/);
    assert.throws(() => parseSteps('8,-1'), /BENCH_STEPS/);
    assert.throws(() => parseConfig({ BENCH_DURATION: '2.5' }), /BENCH_DURATION/);
    assert.throws(() => parseConfig({ BENCH_DURATION: '0' }), /BENCH_DURATION/);
  });

  test('parts select what runs; an unknown part is refused', () => {
    assert.deepEqual([...parseParts('reliable,naive')], ['reliable', 'naive']);
    assert.throws(() => parseParts('reliable,chaos'), /unknown chaos/);
  });

  test('rounds, spike and pool have defaults; the pool is the same URI setting for every client', () => {
    const c = parseConfig({});
    assert.equal(c.rounds, 3);
    assert.equal(c.spikeS, 30);
    assert.equal(c.spikeFactor, 10);
    assert.equal(c.pool, 'default');
    assert.equal(parsePool('1'), 1);
    assert.throws(() => parsePool('0'), /BENCH_POOL/);
    const uri = 'mongodb://127.0.0.1:27017/eventshop?directConnection=true&maxPoolSize=1';
    assert.equal(
      withPool(uri, 'default'),
      'mongodb://127.0.0.1:27017/eventshop?directConnection=true',
    );
    assert.equal(
      withPool('mongodb://127.0.0.1:27017/eventshop', 4),
      'mongodb://127.0.0.1:27017/eventshop?maxPoolSize=4',
    );
  });
});
