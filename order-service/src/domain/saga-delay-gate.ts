// Admission by the saga's own delay (load shedding). Every order that reaches its outcome
// (confirmed or rejected) tells how long the saga took from creation, queues included. When even
// the quickest saga of a whole interval took longer than the limit, a queue stands in front of
// the saga (the idea of CoDel: the minimum over an interval is the standing queue, bursts do not
// count), and new orders are refused until it has drained: accepting them would only make every
// order wait longer.
//
// The signal is the same on every replica (each sees outcomes of orders from all of them), and it
// needs fresh evidence: a verdict holds for one interval after the one it was measured in, so an
// interval without outcomes (nothing is queued any more, or the saga stalls) admits again.

export interface SagaDelayVerdict {
  /** The quickest saga of the last interval, ms. */
  readonly delayMs: number;
  /** How long a refused client should wait, ms: the delay over the limit, 1 s to 60 s. */
  readonly retryAfterMs: number;
}

export class SagaDelayGate {
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowMin = Number.POSITIVE_INFINITY;
  private last: { minMs: number; endMs: number } | undefined;

  /**
   * @param maxDelayMs the saga delay above which new orders are refused; 0 admits always
   * @param intervalMs the interval whose quickest saga decides
   */
  constructor(
    readonly maxDelayMs: number,
    private readonly intervalMs = 1_000,
  ) {}

  /** A saga ended `delayMs` after its order was created. */
  sagaEnded(delayMs: number, nowMs: number): void {
    this.roll(nowMs);
    this.windowMin = Math.min(this.windowMin, Math.max(0, delayMs));
  }

  /** Whether a new order is refused now, and for how long; undefined admits it. */
  refusal(nowMs: number): SagaDelayVerdict | undefined {
    if (this.maxDelayMs <= 0) return undefined;
    this.roll(nowMs);
    const last = this.last;
    if (last === undefined || last.minMs <= this.maxDelayMs) return undefined;
    if (nowMs - last.endMs >= this.intervalMs) return undefined;
    const over = last.minMs - this.maxDelayMs;
    return { delayMs: last.minMs, retryAfterMs: Math.min(60_000, Math.max(1_000, over)) };
  }

  private roll(nowMs: number): void {
    if (nowMs < this.windowStart + this.intervalMs) return;
    const endMs = this.windowStart + this.intervalMs;
    this.last = Number.isFinite(this.windowMin) ? { minMs: this.windowMin, endMs } : undefined;
    this.windowStart = nowMs;
    this.windowMin = Number.POSITIVE_INFINITY;
  }
}
