// Turns the domain's events into CloudEvents of the contracts, for the outbox.
import { createEvent, type AnyCloudEvent, type EventDataMap } from '@eventshop/events-contracts';
import type { OrderEvent } from '../domain/order';

export const ORDER_SERVICE_SOURCE = '/order-service';

export interface EventContext {
  /** The saga's correlation id, carried by every event of one order. */
  correlationid?: string;
  /** The id of the event that caused these events. */
  causationid?: string;
  traceparent?: string;
}

/** Compile-time check that the domain's event data is what the contracts expect. */
function dataOf<E extends OrderEvent>(event: E): EventDataMap[E['type']] {
  return event.data as EventDataMap[E['type']];
}
const _check: { [E in OrderEvent as E['type']]: (d: E['data']) => EventDataMap[E['type']] } = {
  'order.created.v1': (d) => d,
  'order.confirmed.v1': (d) => d,
  'order.rejected.v1': (d) => d,
  'order.cancelled.v1': (d) => d,
};
void _check;

export function toCloudEvents(
  events: readonly OrderEvent[],
  context: EventContext,
  now: Date,
): AnyCloudEvent[] {
  return events.map(
    (event) =>
      createEvent(event.type, {
        source: ORDER_SERVICE_SOURCE,
        subject: event.data.orderId,
        data: dataOf(event),
        time: now.toISOString(),
        ...context,
      }) as AnyCloudEvent,
  );
}
