import { EventTypes } from '@eventshop/events-contracts';
import { defineConsumer } from '@eventshop/service-kit';

import { NotifyOrderOutcomeHandler } from './notify-order-outcome.handler';

/**
 * Queue `notification.order-events`: the three order outcomes, bound by routing key. No
 * processed-event markers (docs/decisions/0026): the notification record of an event is its
 * own marker — a delivery that finds it final sends nothing — so a marker would cost a read and
 * a write per event to repeat what the record says.
 */
export const orderEventsConsumer = defineConsumer({
  queue: 'notification.order-events',
  deduplicate: false,
  handlers: {
    [EventTypes.OrderConfirmedV1]: NotifyOrderOutcomeHandler,
    [EventTypes.OrderRejectedV1]: NotifyOrderOutcomeHandler,
    [EventTypes.OrderCancelledV1]: NotifyOrderOutcomeHandler,
  },
});
