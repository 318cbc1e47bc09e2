/**
 * A test hook called after every persistence step that changed something, named for the step
 * (`reservation-created`, `holds-taken`, `outcome-stored`, `holds-returned`, `settled`,
 * `cancellation-remembered`). Production uses the no-op; tests throw from it to interrupt a run
 * right after step N and then redeliver the event.
 */
export interface CrashPoints {
  /** May also wait: a test can act in between two steps (a rival write) before the run goes on. */
  after(step: string): void | Promise<void>;
}

export const NO_CRASH_POINTS: CrashPoints = { after: () => undefined };

export class CrashAfterStep extends Error {
  constructor(
    readonly step: string,
    readonly index: number,
  ) {
    super(`test crash after step ${index} (${step})`);
  }
}

/** Crashes once, right after the n-th step (1-based), and records every step it saw. */
export class CrashAfterNthStep implements CrashPoints {
  readonly seen: string[] = [];
  private fired = false;

  constructor(private readonly n: number) {}

  after(step: string): void {
    this.seen.push(step);
    if (!this.fired && this.seen.length === this.n) {
      this.fired = true;
      throw new CrashAfterStep(step, this.n);
    }
  }

  get crashed(): boolean {
    return this.fired;
  }
}

/** Records the steps without crashing: tells a test how many steps an uninterrupted run takes. */
export class StepRecorder implements CrashPoints {
  readonly seen: string[] = [];
  after(step: string): void {
    this.seen.push(step);
  }
}
