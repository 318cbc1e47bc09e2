import { parseEvent, type EventType } from '@eventshop/events-contracts';
import type { Middleware } from './delivery';
import { InvalidMessageError } from './errors';

/**
 * Parses the body as a CloudEvent and validates envelope and data against the contracts. An
 * invalid message can never succeed, so it goes to the DLQ at once, as does a valid event of a
 * type this queue has no handler for.
 */
export function validate(handledTypes: ReadonlySet<EventType>): Middleware {
  return (next) => async (d) => {
    const result = parseEvent(d.message.content);
    if (!result.ok) {
      const detail = result.errors
        .slice(0, 5)
        .map((e) => `${e.path || '/'} ${e.message}`)
        .join('; ');
      throw new InvalidMessageError(`invalid event: ${detail}`, 'invalid');
    }
    if (!handledTypes.has(result.event.type)) {
      throw new InvalidMessageError(
        `no handler for ${result.event.type} on ${d.queue}`,
        'unhandled-type',
      );
    }
    d.event = result.event;
    return next(d);
  };
}
