import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';

import { NotifyOrderOutcomeHandler } from './notify-order-outcome.handler';

/** Queue `notification.order-events`: the three order outcomes, bound by routing key. */
export const orderEventsConsumer = defineConsumer({
  queue: 'notification.order-events',
  handlers: {
    [EventTypes.OrderConfirmedV1]: NotifyOrderOutcomeHandler,
    [EventTypes.OrderRejectedV1]: NotifyOrderOutcomeHandler,
    [EventTypes.OrderCancelledV1]: NotifyOrderOutcomeHandler,
  },
});
