// Turns the domain's events into CloudEvents 1.0 envelopes (structured mode) for the outbox.
import { randomUUID } from 'node:crypto';
import type { OrderEvent } from '../domain/order';

export const ORDER_SERVICE_SOURCE = '/order-service';

export interface EventContext {
  /** The saga's correlation id: the order's first event id, carried by every later event. */
  correlationid?: string;
  /** The id of the event or request that caused these events. */
  causationid?: string;
  traceparent?: string;
}

export interface OrderCloudEvent {
  specversion: '1.0';
  id: string;
  type: OrderEvent['type'];
  source: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: OrderEvent['data'];
  correlationid: string;
  causationid?: string;
  traceparent?: string;
}

export function toCloudEvents(
  events: readonly OrderEvent[],
  context: EventContext,
  now: Date,
): OrderCloudEvent[] {
  return events.map((event) => {
    const id = randomUUID();
    return {
      specversion: '1.0',
      id,
      type: event.type,
      source: ORDER_SERVICE_SOURCE,
      time: now.toISOString(),
      subject: event.data.orderId,
      datacontenttype: 'application/json',
      data: event.data,
      correlationid: context.correlationid ?? id,
      ...(context.causationid !== undefined ? { causationid: context.causationid } : {}),
      ...(context.traceparent !== undefined ? { traceparent: context.traceparent } : {}),
    };
  });
}
