import { Logger } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../persistence/database-unavailable';
import type { Middleware } from './delivery';

export interface AwaitDatabaseOptions {
  /** True when the driver has a usable connection (the `MongoWatchdog`'s view). */
  readonly available: () => boolean;
  /** True once the process is shutting down: stop holding, let the failure take its course. */
  readonly stopping: () => boolean;
  /** Pause between looks while the database is away, and before each new attempt. */
  readonly pollMs: number;
}

/**
 * A handler that failed because the database is unreachable is not a failing message: an outage
 * longer than the retry tiers would otherwise park genuine events in the DLQ. The delivery is
 * held (unacknowledged; the prefetch bounds how many) until the database is back, then run
 * again, without spending a retry tier. Other failures pass through unchanged.
 */
export function awaitDatabase(
  options: AwaitDatabaseOptions,
  log = new Logger('Consumer'),
): Middleware {
  return (next) => async (d) => {
    for (let held = false; ;) {
      try {
        return await next(d);
      } catch (err) {
        if (!isDatabaseUnavailable(err) || options.stopping()) throw err;
        if (!held) {
          log.warn(
            `${d.queue}: ${d.routingKey} ${d.message.properties.messageId ?? ''} waits for the database`,
          );
          held = true;
        }
        do {
          await new Promise((r) => setTimeout(r, options.pollMs));
          if (options.stopping()) throw err;
        } while (!options.available());
      }
    }
  };
}
