// The queues this service consumes. Two queues rather than one, so catalog traffic (bursts when
// inventory edits products) never delays the saga's answers and each has its own retry tiers
// and dead letters (docs/decisions/0005).
import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';
import { ProductUpdatedHandler } from './product-updated.handler';
import { InventoryReservedHandler, ReservationFailedHandler } from './reservation-outcome.handlers';

export const inventoryEvents = defineConsumer({
  queue: 'order.inventory-events',
  handlers: {
    [EventTypes.InventoryReservedV1]: InventoryReservedHandler,
    [EventTypes.ReservationFailedV1]: ReservationFailedHandler,
  },
});

export const catalogEvents = defineConsumer({
  queue: 'order.catalog-events',
  handlers: {
    [EventTypes.ProductUpdatedV1]: ProductUpdatedHandler,
  },
});

export const ORDER_CONSUMERS = [inventoryEvents, catalogEvents];
