// The equal-work naive pipeline's e-mail: the notification service's confirmation mail (subject,
// Message-ID, a text and an HTML part with the order's lines and total), rendered by hand.
import { randomUUID } from 'node:crypto';

export interface PricedLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

export interface ConfirmedOrder {
  readonly orderId: string;
  readonly email: string;
  readonly lines: readonly PricedLine[];
  readonly totalMinor: number;
}

export interface OrderMail {
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly text: string;
  readonly html: string;
}

const EUR = new Intl.NumberFormat('en', { style: 'currency', currency: 'EUR' });
const money = (minor: number) => EUR.format(minor / 100);

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (value: string | number) =>
  String(value).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export function orderConfirmedMail(order: ConfirmedOrder): OrderMail {
  const subject = `Your order ${order.orderId.slice(0, 8)} is confirmed`;
  const headline = 'Your order is confirmed';
  const explanation = 'Everything you ordered is reserved for you.';
  const rows = order.lines.map((l) => ({
    sku: l.sku,
    quantity: l.quantity,
    unitPrice: money(l.unitPriceMinor),
    lineTotal: money(l.unitPriceMinor * l.quantity),
  }));
  const total = money(order.totalMinor);
  const footer = `This message was sent to ${order.email} about your EventShop order ${order.orderId}.`;
  const text = [
    headline,
    '',
    explanation,
    '',
    `Order: ${order.orderId}`,
    '',
    ...rows.map((r) => `  ${r.quantity} x ${r.sku} at ${r.unitPrice} = ${r.lineTotal}`),
    `  Total: ${total}`,
    '',
    footer,
    '',
  ].join('\n');
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(subject)}</title>
</head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #222; max-width: 640px;">
<h1 style="font-size: 20px;">${escapeHtml(headline)}</h1>
<p>${escapeHtml(explanation)}</p>
<p>Order <strong>${escapeHtml(order.orderId)}</strong></p>
<table style="border-collapse: collapse;" cellpadding="6">
<thead>
<tr><th align="left">Item</th><th align="right">Quantity</th><th align="right">Price</th><th align="right">Amount</th></tr>
</thead>
<tbody>
${rows
  .map(
    (r) =>
      `<tr><td><code>${escapeHtml(r.sku)}</code></td><td align="right">${escapeHtml(r.quantity)}</td><td align="right">${escapeHtml(r.unitPrice)}</td><td align="right">${escapeHtml(r.lineTotal)}</td></tr>`,
  )
  .join('\n')}
</tbody>
<tfoot>
<tr><th align="left" colspan="3">Total</th><th align="right">${escapeHtml(total)}</th></tr>
</tfoot>
</table>
<p style="color: #666; font-size: 12px;">${escapeHtml(footer)}</p>
</body>
</html>
`;
  return { to: order.email, subject, messageId: `<${randomUUID()}@naive.bench>`, text, html };
}
