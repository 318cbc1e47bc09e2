import { EventTypes, type EventType } from './types';

/** Who publishes and who consumes each event: feeds the AsyncAPI document and the README. */
export type ServiceName = 'order-service' | 'inventory-service' | 'notification-service';

export interface EventCatalogEntry {
  /** The key in EventTypes, also used for AsyncAPI ids, e.g. OrderCreatedV1. */
  readonly name: keyof typeof EventTypes;
  readonly summary: string;
  readonly producer: ServiceName;
  /**
   * The services that consume it. Empty for a fact published for future consumers and audit:
   * nothing is bound to it, and the kit publishes it without `mandatory` (decision 0017).
   */
  readonly consumers: readonly ServiceName[];
  /** What the CloudEvents `subject` holds for this type. */
  readonly subject: string;
}

export const EVENT_CATALOG: Readonly<Record<EventType, EventCatalogEntry>> = {
  'order.created.v1': {
    name: 'OrderCreatedV1',
    summary: 'An order was accepted and stored as PENDING; its lines are priced.',
    producer: 'order-service',
    consumers: ['inventory-service'],
    subject: 'order id',
  },
  'order.confirmed.v1': {
    name: 'OrderConfirmedV1',
    summary: 'Every line of the order is reserved; the order is CONFIRMED.',
    producer: 'order-service',
    consumers: ['inventory-service', 'notification-service'],
    subject: 'order id',
  },
  'order.rejected.v1': {
    name: 'OrderRejectedV1',
    summary: 'The order could not be reserved (or timed out) and is REJECTED.',
    producer: 'order-service',
    consumers: ['notification-service'],
    subject: 'order id',
  },
  'order.cancelled.v1': {
    name: 'OrderCancelledV1',
    summary: 'The order was cancelled; whatever stock it holds is to be released.',
    producer: 'order-service',
    consumers: ['inventory-service', 'notification-service'],
    subject: 'order id',
  },
  'inventory.product-updated.v1': {
    name: 'ProductUpdatedV1',
    summary: 'A product of the catalog was created or changed (event-carried state transfer).',
    producer: 'inventory-service',
    consumers: ['order-service'],
    subject: 'SKU',
  },
  'inventory.reserved.v1': {
    name: 'InventoryReservedV1',
    summary: 'Stock for every line of the order is reserved.',
    producer: 'inventory-service',
    consumers: ['order-service'],
    subject: 'order id',
  },
  'inventory.reservation-failed.v1': {
    name: 'ReservationFailedV1',
    summary: 'Nothing was reserved for the order; the short lines say why.',
    producer: 'inventory-service',
    consumers: ['order-service'],
    subject: 'order id',
  },
  'inventory.released.v1': {
    name: 'InventoryReleasedV1',
    summary: 'Stock held for a cancelled order was returned.',
    producer: 'inventory-service',
    // A fact published for future consumers and audit; no service consumes it today.
    consumers: [],
    subject: 'order id',
  },
};
