// The consumer side: order.confirmed.v1, order.rejected.v1 and order.cancelled.v1 from queue
// `notification.order-events`. The kit's chain has validated and correlated the event (a
// duplicate is recognised by its notification record); returning acks it, a thrown error sends
// it through the retry tiers.
import { Injectable } from '@nestjs/common';
import type { CloudEvent } from '@eventshop/events-contracts';
import { type EventHandler, PermanentError } from '@eventshop/service-kit';

import { NotifyOrderOutcomeService } from './notify-order-outcome.service';
import { type OutcomeEvent, type OutcomeEventType, outcomeFromEvent } from './outcome-from-event';

@Injectable()
export class NotifyOrderOutcomeHandler implements EventHandler<OutcomeEventType> {
  constructor(private readonly notifications: NotifyOrderOutcomeService) {}

  async handle(event: CloudEvent<OutcomeEventType>): Promise<void> {
    try {
      await this.notifications.notify(outcomeFromEvent(event as OutcomeEvent), event.type);
    } catch (error) {
      // The domain raises RangeError for data no retry can fix (an id unusable in a
      // Message-ID, an amount or currency Intl refuses): park it at once.
      if (error instanceof RangeError) throw new PermanentError(error.message, { cause: error });
      throw error;
    }
  }
}
