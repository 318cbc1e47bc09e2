// Turns an order outcome into what will be sent: recipient, subject, Message-ID and the view the
// templates render. Amounts are formatted here, so templates only place strings.

import { messageIdFor } from './message-id';
import { formatMoney } from './money';
import type { OrderOutcome, OutcomeKind } from './order-outcome';
import { explanationFor, headlineFor, orderReference, subjectFor } from './outcome-wording';

export interface NotificationLineView {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: string;
  readonly lineTotal: string;
}

export interface ShortLineView {
  readonly sku: string;
  readonly requested: number;
  readonly available: number;
}

/** Everything the text and HTML templates show; every string is plain text (not yet escaped). */
export interface NotificationView {
  readonly kind: OutcomeKind;
  readonly headline: string;
  readonly explanation: string;
  readonly orderId: string;
  readonly orderReference: string;
  readonly email: string;
  readonly lines: readonly NotificationLineView[];
  readonly total: string;
  readonly shortLines: readonly ShortLineView[];
}

export interface ComposedNotification {
  readonly eventId: string;
  readonly orderId: string;
  readonly kind: OutcomeKind;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly view: NotificationView;
}

export function composeNotification(outcome: OrderOutcome): ComposedNotification {
  const lines = outcome.lines.map((line) => ({
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: formatMoney(line.unitPriceMinor, outcome.currency),
    lineTotal: formatMoney(BigInt(line.unitPriceMinor) * BigInt(line.quantity), outcome.currency),
  }));
  return {
    eventId: outcome.eventId,
    orderId: outcome.orderId,
    kind: outcome.kind,
    to: outcome.email,
    subject: subjectFor(outcome),
    messageId: messageIdFor(outcome.eventId),
    view: {
      kind: outcome.kind,
      headline: headlineFor(outcome),
      explanation: explanationFor(outcome),
      orderId: outcome.orderId,
      orderReference: orderReference(outcome.orderId),
      email: outcome.email,
      lines,
      total: formatMoney(outcome.totalMinor, outcome.currency),
      shortLines: outcome.kind === 'rejected' ? outcome.shortLines.map((s) => ({ ...s })) : [],
    },
  };
}
