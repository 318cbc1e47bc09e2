// Which outcome events become an e-mail. The customer hears once per outcome of an order:
// confirmed, rejected, or cancelled by them. The order service also emits order.cancelled.v1 as a
// compensation so that inventory releases stock — when a pending order timed out (it was
// rejected with reason "timeout" in the same step, and that rejection is the customer's e-mail)
// and when a reservation arrived for an order already ended (the customer was told when it
// ended). Those cancellations are recorded but not mailed. An unknown cancellation reason is
// mailed: telling twice is better than not telling.

import type { OrderOutcome } from './order-outcome';

const COMPENSATION_ONLY_CANCELLATIONS = new Set(['timeout', 'late_reservation']);

export type NotifyDecision =
  { readonly notify: true } | { readonly notify: false; readonly why: string };

export function decideNotification(outcome: OrderOutcome): NotifyDecision {
  if (outcome.kind === 'cancelled' && COMPENSATION_ONLY_CANCELLATIONS.has(outcome.reason)) {
    return {
      notify: false,
      why: `cancellation with reason "${outcome.reason}" only compensates an outcome the customer was already told about`,
    };
  }
  return { notify: true };
}
