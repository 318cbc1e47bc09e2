// The queues this service consumes. Two queues rather than one, so catalog traffic (bursts when
// inventory edits products) never delays the saga's answers and each has its own retry tiers
// and dead letters (docs/decisions/0005).
//
// Neither keeps processed-event markers (docs/decisions/0025): every handler is idempotent by
// its aggregate's own state. A reservation outcome is a guarded transition that a duplicate
// decides "unchanged" (the order records its one reservation answer); a product update is
// applied only above the version held. A marker would cost a read and a write per event to
// repeat what the order or the catalog copy says.
import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';
import { ProductUpdatedHandler } from './product-updated.handler';
import { InventoryReservedHandler, ReservationFailedHandler } from './reservation-outcome.handlers';

export const inventoryEvents = defineConsumer({
  queue: 'order.inventory-events',
  deduplicate: false,
  handlers: {
    [EventTypes.InventoryReservedV1]: InventoryReservedHandler,
    [EventTypes.ReservationFailedV1]: ReservationFailedHandler,
  },
});

export const catalogEvents = defineConsumer({
  queue: 'order.catalog-events',
  deduplicate: false,
  handlers: {
    [EventTypes.ProductUpdatedV1]: ProductUpdatedHandler,
  },
});

export const ORDER_CONSUMERS = [inventoryEvents, catalogEvents];
