// Admission by the saga's own delay (load shedding). Every order that reaches inventory's answer
// tells how long its saga took from creation, queues included. The quickest saga of an interval
// is the queue that stands in front of the saga (the idea of CoDel: the minimum over an interval,
// so bursts do not count). That delay is what orders waited that were created a while ago; a
// new order waits longer when orders arrive faster than answers come back, so the delay a new
// order can expect is the standing delay times the ratio of orders accepted to answers in the
// same interval (at least 1). While that exceeds the limit, new orders are refused: accepting
// them would only make every order wait longer. Reacting to the expected delay, not only to the
// measured one, keeps the queue near the limit instead of letting it grow for a whole limit's
// time before the first slow answer arrives.
//
// The signal needs fresh evidence: a verdict holds for one interval after the one it was measured
// in, so an interval without answers (nothing is queued any more, or the saga stalls) admits
// again.

export interface SagaDelayVerdict {
  /** The quickest saga of the last interval, ms. */
  readonly delayMs: number;
  /** The delay a new order can expect, ms: delayMs × accepted ÷ answered (at least delayMs). */
  readonly expectedMs: number;
  /** How long a refused client should wait, ms: the expected delay over the limit, 1 s to 60 s. */
  readonly retryAfterMs: number;
}

interface Interval {
  minMs: number;
  answers: number;
  accepted: number;
}

export class SagaDelayGate {
  private windowStart = Number.NEGATIVE_INFINITY;
  private window: Interval = { minMs: Number.POSITIVE_INFINITY, answers: 0, accepted: 0 };
  private last: (Interval & { endMs: number }) | undefined;

  /**
   * @param maxDelayMs the expected saga delay above which new orders are refused; 0 admits always
   * @param intervalMs the interval whose quickest saga decides
   */
  constructor(
    readonly maxDelayMs: number,
    private readonly intervalMs = 1_000,
  ) {}

  /** Inventory answered an order `delayMs` after it was created. */
  sagaEnded(delayMs: number, nowMs: number): void {
    this.roll(nowMs);
    this.window.minMs = Math.min(this.window.minMs, Math.max(0, delayMs));
    this.window.answers++;
  }

  /** A new order was accepted. */
  accepted(nowMs: number): void {
    this.roll(nowMs);
    this.window.accepted++;
  }

  /** Whether a new order is refused now, and for how long; undefined admits it. */
  refusal(nowMs: number): SagaDelayVerdict | undefined {
    if (this.maxDelayMs <= 0) return undefined;
    this.roll(nowMs);
    const last = this.last;
    if (last === undefined || nowMs - last.endMs >= this.intervalMs) return undefined;
    const expectedMs = last.minMs * Math.max(1, last.accepted / last.answers);
    if (expectedMs <= this.maxDelayMs) return undefined;
    const over = expectedMs - this.maxDelayMs;
    return {
      delayMs: last.minMs,
      expectedMs,
      retryAfterMs: Math.min(60_000, Math.max(1_000, over)),
    };
  }

  private roll(nowMs: number): void {
    if (nowMs < this.windowStart + this.intervalMs) return;
    const endMs = this.windowStart + this.intervalMs;
    this.last = this.window.answers > 0 ? { ...this.window, endMs } : undefined;
    this.windowStart = nowMs;
    this.window = { minMs: Number.POSITIVE_INFINITY, answers: 0, accepted: 0 };
  }
}
