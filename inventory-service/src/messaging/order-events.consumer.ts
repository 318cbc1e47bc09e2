import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';
import { CommitStockHandler } from './commit-stock.handler';
import { ReleaseStockHandler } from './release-stock.handler';
import { ReserveStockHandler } from './reserve-stock.handler';

/** One queue for the order events inventory answers; bound by their routing keys. */
export const ORDER_EVENTS_QUEUE = 'inventory.order-events';

export const orderEventsConsumer = defineConsumer({
  queue: ORDER_EVENTS_QUEUE,
  handlers: {
    [EventTypes.OrderCreatedV1]: ReserveStockHandler,
    [EventTypes.OrderConfirmedV1]: CommitStockHandler,
    [EventTypes.OrderCancelledV1]: ReleaseStockHandler,
  },
});
