import { EVENT_CATALOG, parseEvent, type EventType } from '@eventshop/events-contracts';
import type { Middleware } from './delivery';
import { InvalidMessageError } from './errors';
import type { ConsumerDefinition } from './handler';

/** Per handled type, the `source` values accepted: `/<service>` of each allowed producer. */
export function acceptedSources(
  handledTypes: Iterable<EventType>,
  producers: ConsumerDefinition['producers'] = {},
): Map<EventType, ReadonlySet<string>> {
  const accepted = new Map<EventType, ReadonlySet<string>>();
  for (const type of handledTypes) {
    const services = producers[type] ?? [EVENT_CATALOG[type].producer];
    accepted.set(type, new Set(services.map((s) => `/${s}`)));
  }
  return accepted;
}

/**
 * Parses the body as a CloudEvent and validates envelope and data against the contracts. An
 * invalid message can never succeed, so it goes to the DLQ at once, as does a valid event of a
 * type this queue has no handler for, or one whose `source` is not a producer of its type.
 */
export function validate(sources: ReadonlyMap<EventType, ReadonlySet<string>>): Middleware {
  return (next) => async (d) => {
    const result = parseEvent(d.message.content);
    if (!result.ok) {
      const detail = result.errors
        .slice(0, 5)
        .map((e) => `${e.path || '/'} ${e.message}`)
        .join('; ');
      throw new InvalidMessageError(`invalid event: ${detail}`, 'invalid');
    }
    const accepted = sources.get(result.event.type);
    if (!accepted) {
      throw new InvalidMessageError(
        `no handler for ${result.event.type} on ${d.queue}`,
        'unhandled-type',
      );
    }
    if (!accepted.has(result.event.source)) {
      throw new InvalidMessageError(
        `${result.event.type} from ${result.event.source}; accepted only from ${[...accepted].join(', ')}`,
        'unexpected-source',
      );
    }
    d.event = result.event;
    return next(d);
  };
}
