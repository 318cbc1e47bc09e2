import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SagaDelayGate } from '../../src/domain/saga-delay-gate';

/** A gate (1 s intervals) that has seen one answer, `delayMs` late, at time 0. */
function afterOneAnswer(delayMs: number, limitMs = 10_000): SagaDelayGate {
  const gate = new SagaDelayGate(limitMs, 1_000);
  gate.sagaEnded(delayMs, 0);
  return gate;
}

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
    const verdict = { delayMs: 12_500, expectedMs: 12_500, retryAfterMs: 2_500 };
    assert.deepEqual(gate.refusal(1_000), verdict);
    assert.deepEqual(gate.refusal(1_999), verdict);
  });

  it('refuses before the measured delay reaches the limit when orders arrive faster than answers', () => {
    const growing = new SagaDelayGate(10_000, 1_000);
    growing.sagaEnded(4_000, 0);
    growing.sagaEnded(5_000, 100);
    for (let i = 0; i < 6; i++) growing.accepted(200 + i);
    // Six orders in for two answers out: a new order waits about 3 × 4 s.
    assert.deepEqual(growing.refusal(1_000), {
      delayMs: 4_000,
      expectedMs: 12_000,
      retryAfterMs: 2_000,
    });

    const steady = new SagaDelayGate(10_000, 1_000);
    steady.sagaEnded(4_000, 0);
    steady.sagaEnded(5_000, 100);
    steady.accepted(200);
    steady.accepted(300);
    assert.equal(steady.refusal(1_000), undefined, 'as many in as out: the queue does not grow');
  });

  it('keeps refusing while the measured delay is over the limit, even with nothing accepted', () => {
    assert.equal(afterOneAnswer(15_000).refusal(1_000)?.expectedMs, 15_000);
  });

  it('admits again when an interval passes without outcomes (no fresh evidence)', () => {
    const gate = afterOneAnswer(20_000);
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
    assert.equal(afterOneAnswer(10_100).refusal(1_000)?.retryAfterMs, 1_000);
    assert.equal(afterOneAnswer(600_000).refusal(1_000)?.retryAfterMs, 60_000);
  });

  it('never refuses with a limit of 0', () => {
    assert.equal(afterOneAnswer(600_000, 0).refusal(1_000), undefined);
  });
});
