// Which outcome events become an e-mail. The customer hears once per outcome of an order:
// confirmed, rejected, or cancelled by them. The order service also emits order.cancelled.v1 as a
// compensation so that inventory releases stock — when a pending order timed out (it was
// rejected with reason "timeout" in the same step, and that rejection is the customer's e-mail)
// and when a reservation arrived for an order already ended (the customer was told when it
// ended). Those cancellations are recorded but not mailed. An unknown cancellation reason is
// mailed: telling twice is better than not telling.

import type { OrderOutcome, OutcomeKind } from './order-outcome';

/**
 * How far along its life an outcome puts an order: confirmed (it may still be cancelled), then
 * ended (rejected or cancelled, final). Events of one order can arrive out of order (retries,
 * redeliveries), so the service keeps the highest stage it has seen per order and never mails
 * an outcome of a lower one: a confirmation that arrives after the cancellation says nothing.
 */
export const OUTCOME_STAGE: Readonly<Record<OutcomeKind, number>> = {
  confirmed: 1,
  rejected: 2,
  cancelled: 2,
};

/** The outcome contradicts what is known of the order: a later stage was seen already. */
export function isSuperseded(kind: OutcomeKind, latestStage: number): boolean {
  return latestStage > OUTCOME_STAGE[kind];
}

export function supersededWhy(kind: OutcomeKind): string {
  return `the order ended (rejected or cancelled) before this ${kind} outcome was handled`;
}

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
