import { Logger } from '@nestjs/common';
import type { Publisher } from '../publisher';
import { DeadLetterHeaders, deadLetterQueueName, type DeadLetterReason } from '../topology';
import type { Middleware } from './delivery';
import { InvalidMessageError, PermanentError } from './errors';
import { describeError, republish } from './headers';
import { RetriesExhaustedError } from './retry.middleware';

function classify(err: unknown): { reason: DeadLetterReason; cause: unknown } {
  if (err instanceof RetriesExhaustedError) return { reason: 'exhausted', cause: err.lastError };
  if (err instanceof InvalidMessageError) return { reason: err.reason, cause: err };
  if (err instanceof PermanentError) return { reason: 'rejected', cause: err };
  return { reason: 'exhausted', cause: err };
}

/**
 * Parks a message that must not be retried (invalid, unhandled type, `PermanentError`) or that
 * failed after the last tier in `<queue>.dlq`, with headers saying why; then the original is
 * acked and the consumer goes on with the next message.
 */
export function deadLetter(
  publisher: Publisher,
  publishTimeoutMs: number,
  log = new Logger('Consumer'),
): Middleware {
  return (next) => async (d) => {
    try {
      return await next(d);
    } catch (err) {
      const { reason, cause } = classify(err);
      const lastError = describeError(cause);
      await publisher.sendToQueue(
        deadLetterQueueName(d.queue),
        republish(d.message, {
          [DeadLetterHeaders.reason]: reason,
          [DeadLetterHeaders.attempts]: d.attempt,
          [DeadLetterHeaders.lastError]: lastError,
          [DeadLetterHeaders.originalRoutingKey]: d.routingKey,
          [DeadLetterHeaders.queue]: d.queue,
          [DeadLetterHeaders.deadAt]: new Date().toISOString(),
        }),
        publishTimeoutMs,
      );
      log.error(
        `${d.queue}: ${d.routingKey} ${d.message.properties.messageId ?? ''} parked in ${deadLetterQueueName(d.queue)} (${reason}, attempt ${d.attempt}): ${lastError}`,
      );
      return 'dead';
    }
  };
}
