// Reads the three order outcome events into the domain's OrderOutcome (the only place that knows
// the contracts' shapes). Extra data fields are ignored: tolerant reader.

import { type CloudEvent, EventTypes } from '@eventshop/events-contracts';

import type { OrderOutcome, OutcomeLine } from '../domain/order-outcome';

export const OUTCOME_EVENT_TYPES = [
  EventTypes.OrderConfirmedV1,
  EventTypes.OrderRejectedV1,
  EventTypes.OrderCancelledV1,
] as const;

export type OutcomeEventType = (typeof OUTCOME_EVENT_TYPES)[number];
export type OutcomeEvent = { [T in OutcomeEventType]: CloudEvent<T> }[OutcomeEventType];

function lines(data: { lines: readonly OutcomeLine[] }): OutcomeLine[] {
  return data.lines.map(({ sku, quantity, unitPriceMinor }) => ({ sku, quantity, unitPriceMinor }));
}

export function outcomeFromEvent(event: OutcomeEvent): OrderOutcome {
  const { data } = event;
  const base = {
    eventId: event.id,
    orderId: data.orderId,
    userId: data.userId,
    email: data.email,
    currency: data.currency,
    totalMinor: data.totalMinor,
    lines: lines(data),
  };
  switch (event.type) {
    case EventTypes.OrderConfirmedV1:
      return { ...base, kind: 'confirmed' };
    case EventTypes.OrderRejectedV1:
      return {
        ...base,
        kind: 'rejected',
        reason: event.data.reason,
        shortLines: event.data.shortLines.map(({ sku, requested, available }) => ({
          sku,
          requested,
          available,
        })),
      };
    case EventTypes.OrderCancelledV1:
      return { ...base, kind: 'cancelled', reason: event.data.reason };
  }
}
