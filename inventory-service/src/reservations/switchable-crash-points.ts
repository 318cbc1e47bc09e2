import { Injectable } from '@nestjs/common';
import { NO_CRASH_POINTS, type CrashPoints } from './crash-points';

/** The app's crash-point hook: a no-op unless a test swaps in its own (`app.get(...).use(...)`). */
@Injectable()
export class SwitchableCrashPoints implements CrashPoints {
  private current: CrashPoints = NO_CRASH_POINTS;

  use(points: CrashPoints): void {
    this.current = points;
  }

  after(step: string): void | Promise<void> {
    return this.current.after(step);
  }
}
