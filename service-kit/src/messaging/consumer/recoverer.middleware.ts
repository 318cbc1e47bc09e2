import { Logger } from '@nestjs/common';
import type { Middleware } from './delivery';

/**
 * Outermost: nothing escapes the chain. An error that reaches here means the message could be
 * neither handled nor moved to a tier or the DLQ (typically the broker refused the publish), so
 * it goes back to its queue after a pause — never an immediate requeue loop.
 */
export function recoverer(log = new Logger('Consumer')): Middleware {
  return (next) => async (d) => {
    try {
      return await next(d);
    } catch (err) {
      log.error(
        `${d.queue}: could not handle or re-route message ${d.message.properties.messageId ?? ''} (${d.routingKey}); requeueing: ${err instanceof Error ? err.message : String(err)}`,
      );
      return 'requeue';
    }
  };
}
