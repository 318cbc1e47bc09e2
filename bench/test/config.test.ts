import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig, parseParts, parseSteps, PARTS } from '../src/config';

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
});
