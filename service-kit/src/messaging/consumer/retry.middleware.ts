import { Logger } from '@nestjs/common';
import type { Publisher } from '../publisher';
import { DeadLetterHeaders, retryQueueName } from '../topology';
import type { Middleware } from './delivery';
import { PermanentError } from './errors';
import { describeError, republish } from './headers';

/** The handler failed on every tier; carries the last error to the dead-letter middleware. */
export class RetriesExhaustedError extends Error {
  override readonly name = 'RetriesExhaustedError';
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
  ) {
    super(`failed ${attempts} times, last: ${describeError(lastError)}`);
  }
}

/**
 * A transient failure sends the message to the next delay tier `<queue>.retry.<delay>` with its
 * attempt count, then the original is acked; the tier returns it to this queue only. Permanent
 * failures and the failure after the last tier are passed outwards to the dead-letter middleware.
 */
export function retry(
  publisher: Publisher,
  delaysMs: readonly number[],
  publishTimeoutMs: number,
  log = new Logger('Consumer'),
): Middleware {
  return (next) => async (d) => {
    try {
      return await next(d);
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      const delay = delaysMs[d.attempt - 1];
      if (delay === undefined) throw new RetriesExhaustedError(err, d.attempt);
      const tier = retryQueueName(d.queue, delay);
      await publisher.sendToQueue(
        tier,
        republish(d.message, {
          [DeadLetterHeaders.attempts]: d.attempt,
          [DeadLetterHeaders.originalRoutingKey]: d.routingKey,
          [DeadLetterHeaders.lastError]: describeError(err),
        }),
        publishTimeoutMs,
      );
      log.warn(
        `${d.queue}: ${d.routingKey} ${d.message.properties.messageId ?? ''} failed (attempt ${d.attempt}), retrying in ${delay}ms: ${describeError(err)}`,
      );
      return 'retry';
    }
  };
}
