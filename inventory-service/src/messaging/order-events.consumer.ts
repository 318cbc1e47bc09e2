import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';
import { CommitStockHandler } from './commit-stock.handler';
import { ReleaseStockHandler } from './release-stock.handler';
import { ReserveStockHandler } from './reserve-stock.handler';

/** One queue for the order events inventory answers; bound by their routing keys. */
export const ORDER_EVENTS_QUEUE = 'inventory.order-events';

/**
 * No processed-event markers (docs/decisions/0027): every handler is idempotent by the order's
 * reservation record and the guarded SKU writes (decisions 0004, 0015), so a duplicate finds its
 * steps done; a marker would cost a read and a write per event to repeat what the record says.
 */
export const orderEventsConsumer = defineConsumer({
  queue: ORDER_EVENTS_QUEUE,
  deduplicate: false,
  handlers: {
    [EventTypes.OrderCreatedV1]: ReserveStockHandler,
    [EventTypes.OrderConfirmedV1]: CommitStockHandler,
    [EventTypes.OrderCancelledV1]: ReleaseStockHandler,
  },
});
