/** Routing names and event types: the type of an event is also its routing key. */

/** The one durable topic exchange every event is published to. */
export const EVENTS_EXCHANGE = 'eventshop.events';

/** AMQP content type of a message body in CloudEvents structured mode. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Content type of the `data` member of every event. */
export const DATA_CONTENT_TYPE = 'application/json';

/** Every event type. A type carries its major version; a breaking change is a new type. */
export const EventTypes = {
  OrderCreatedV1: 'order.created.v1',
  OrderConfirmedV1: 'order.confirmed.v1',
  OrderRejectedV1: 'order.rejected.v1',
  OrderCancelledV1: 'order.cancelled.v1',
  ProductUpdatedV1: 'inventory.product-updated.v1',
  InventoryReservedV1: 'inventory.reserved.v1',
  ReservationFailedV1: 'inventory.reservation-failed.v1',
  InventoryReleasedV1: 'inventory.released.v1',
} as const;

export type EventType = (typeof EventTypes)[keyof typeof EventTypes];

export const ALL_EVENT_TYPES: readonly EventType[] = Object.freeze(Object.values(EventTypes));

/** Narrows an arbitrary string to a known event type. */
export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (ALL_EVENT_TYPES as readonly string[]).includes(value);
}
