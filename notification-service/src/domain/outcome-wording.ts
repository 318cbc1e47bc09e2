// What customers are told, in plain words. Reason codes from the events never reach a customer
// as they are: each known one has a sentence, an unknown one gets a neutral sentence.

import type { OrderOutcome } from './order-outcome';

/** Short reference used in subject lines; the full order id is in the body. */
export function orderReference(orderId: string): string {
  return orderId.slice(0, 8).toUpperCase();
}

export function subjectFor(outcome: OrderOutcome): string {
  const ref = orderReference(outcome.orderId);
  switch (outcome.kind) {
    case 'confirmed':
      return `Your EventShop order ${ref} is confirmed`;
    case 'rejected':
      return `Your EventShop order ${ref} could not be accepted`;
    case 'cancelled':
      return `Your EventShop order ${ref} has been cancelled`;
  }
}

export function headlineFor(outcome: OrderOutcome): string {
  switch (outcome.kind) {
    case 'confirmed':
      return 'Thank you: your order is confirmed.';
    case 'rejected':
      return 'We are sorry: we could not accept your order.';
    case 'cancelled':
      return 'Your order has been cancelled.';
  }
}

const REJECTION_REASONS: Readonly<Record<string, string>> = {
  insufficient_stock: 'We do not have enough stock for some of the items you ordered.',
  unknown_product: 'Some of the items you ordered are not sold by us (any more).',
  timeout: 'We could not confirm the stock for your order in time.',
};

const CANCELLATION_REASONS: Readonly<Record<string, string>> = {
  customer: 'You cancelled this order.',
  timeout: 'We could not confirm the stock for your order in time, so it was cancelled.',
  late_reservation: 'This order had already ended; items reserved for it afterwards were released.',
};

export function rejectionReasonText(reason: string): string {
  return REJECTION_REASONS[reason] ?? 'Your order could not be accepted.';
}

export function cancellationReasonText(reason: string): string {
  return CANCELLATION_REASONS[reason] ?? 'Your order has been cancelled.';
}

/** The sentence under the headline: what happened and, where useful, what to do. */
export function explanationFor(outcome: OrderOutcome): string {
  switch (outcome.kind) {
    case 'confirmed':
      return 'Every item is reserved for you. Nothing else is needed from you.';
    case 'rejected':
      return `${rejectionReasonText(outcome.reason)} Nothing has been reserved; you may place a new order at any time.`;
    case 'cancelled':
      return `${cancellationReasonText(outcome.reason)} Anything reserved for it has been released.`;
  }
}
