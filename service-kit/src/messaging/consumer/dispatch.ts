import type { AnyCloudEvent, EventType } from '@eventshop/events-contracts';
import type { DeliveryHandler } from './delivery';
import type { EventHandler } from './handler';

/** The end of the chain: the service's handler for the event's type. Returning means ack. */
export function dispatch(handlers: ReadonlyMap<EventType, EventHandler>): DeliveryHandler {
  return async (d) => {
    const event = d.event as AnyCloudEvent;
    const handler = handlers.get(event.type)!;
    await handler.handle(event as never, {
      queue: d.queue,
      attempt: d.attempt,
      redelivered: d.message.fields.redelivered,
      correlationId: event.correlationid,
    });
    return 'ack';
  };
}
