import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SagaDelayGate } from '../../src/domain/saga-delay-gate';

describe('SagaDelayGate', () => {
  it('admits while the quickest saga of an interval is within the limit, bursts included', () => {
    const gate = new SagaDelayGate(10_000, 1_000);
    gate.sagaEnded(30_000, 0); // one slow saga…
    gate.sagaEnded(200, 500); // …and a quick one in the same interval: no standing queue
    assert.equal(gate.refusal(1_200), undefined);
  });

  it('refuses for one interval after an interval whose quickest saga took too long', () => {
    const gate = new SagaDelayGate(10_000, 1_000);
    gate.sagaEnded(14_000, 0);
    gate.sagaEnded(12_500, 400);
    assert.equal(gate.refusal(900), undefined, 'the interval is not over yet');
    assert.deepEqual(gate.refusal(1_000), { delayMs: 12_500, retryAfterMs: 2_500 });
    assert.deepEqual(gate.refusal(1_999), { delayMs: 12_500, retryAfterMs: 2_500 });
  });

  it('admits again when an interval passes without outcomes (no fresh evidence)', () => {
    const gate = new SagaDelayGate(10_000, 1_000);
    gate.sagaEnded(20_000, 0);
    assert.notEqual(gate.refusal(1_500), undefined);
    assert.equal(gate.refusal(3_100), undefined);
  });

  it('keeps refusing while every interval still has slow outcomes, and stops when they are quick', () => {
    const gate = new SagaDelayGate(5_000, 1_000);
    let now = 0;
    for (const delay of [9_000, 8_000, 7_000, 6_000]) {
      gate.sagaEnded(delay, now);
      now += 1_000;
      assert.equal(gate.refusal(now)?.delayMs, delay);
    }
    gate.sagaEnded(4_000, now);
    now += 1_000;
    assert.equal(gate.refusal(now), undefined);
  });

  it('asks for 1 s to 60 s of patience', () => {
    const slight = new SagaDelayGate(10_000, 1_000);
    slight.sagaEnded(10_100, 0);
    assert.equal(slight.refusal(1_000)?.retryAfterMs, 1_000);
    const far = new SagaDelayGate(10_000, 1_000);
    far.sagaEnded(600_000, 0);
    assert.equal(far.refusal(1_000)?.retryAfterMs, 60_000);
  });

  it('never refuses with a limit of 0', () => {
    const gate = new SagaDelayGate(0, 1_000);
    gate.sagaEnded(600_000, 0);
    assert.equal(gate.refusal(1_000), undefined);
  });
});
