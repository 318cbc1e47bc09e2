import { randomUUID } from 'node:crypto';
import type { CloudEvent } from './envelope';
import type { EventDataMap } from './schemas';
import { DATA_CONTENT_TYPE, type EventType } from './types';

export interface CreateEventOptions<T extends EventType> {
  /** URI-reference of the producer, e.g. '/order-service'. */
  source: string;
  /** The order id, or the SKU for inventory.product-updated.v1. */
  subject: string;
  data: EventDataMap[T];
  /** Defaults to the new event's id (the event starts a flow). */
  correlationid?: string;
  /** Id of the event this one reacts to. */
  causationid?: string;
  /** W3C traceparent of the current span. */
  traceparent?: string;
  /** Defaults to a random UUID. */
  id?: string;
  /** Defaults to now; a Date is written as an ISO 8601 (RFC 3339) string. */
  time?: string | Date;
}

/** Builds an event envelope. It does not validate: validateEvent does, on either side. */
export function createEvent<T extends EventType>(
  type: T,
  options: CreateEventOptions<T>,
): CloudEvent<T> {
  const id = options.id ?? randomUUID();
  const time = options.time ?? new Date();
  const event: CloudEvent<T> = {
    specversion: '1.0',
    id,
    type,
    source: options.source,
    time: typeof time === 'string' ? time : time.toISOString(),
    subject: options.subject,
    datacontenttype: DATA_CONTENT_TYPE,
    data: options.data,
    correlationid: options.correlationid ?? id,
  };
  // Absent optional attributes are left out, not written as undefined.
  if (options.causationid !== undefined) event.causationid = options.causationid;
  if (options.traceparent !== undefined) event.traceparent = options.traceparent;
  return event;
}
