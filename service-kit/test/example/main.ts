// The example service as a process (used by the shutdown, crash and start-up tests).
import { startService } from '../../src';
import { exampleModule } from './example.module';

const crashBeforeRemove = process.env.EXAMPLE_CRASH_BEFORE_REMOVE === '1';

void startService(
  exampleModule({
    // Default sweep interval (60 s): what it publishes comes from memory, leftovers from the
    // start sweep.
    outbox: { sweepAfterMs: 1_000 },
    // Crash test: die between the broker's confirm and the outbox removal.
    testHooks: crashBeforeRemove
      ? {
          beforeOutboxRemove: (ids) => {
            process.stdout.write(`${JSON.stringify({ crash: 'before-remove', ids })}\n`);
            process.kill(process.pid, 'SIGKILL');
            return new Promise(() => undefined);
          },
        }
      : undefined,
  }),
);
