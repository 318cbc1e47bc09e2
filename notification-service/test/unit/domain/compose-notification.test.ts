import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { composeNotification } from '../../../src/domain/compose-notification';
import { decideNotification } from '../../../src/domain/notification-policy';
import { cancellationReasonText, rejectionReasonText } from '../../../src/domain/outcome-wording';
import { cancelledOutcome, confirmedOutcome, rejectedOutcome } from '../../support/outcomes';

const ORDER = '3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f';

describe('composing a notification', () => {
  it('addresses a confirmation to the customer with subject, Message-ID and priced lines', () => {
    const outcome = confirmedOutcome({ orderId: ORDER });
    const composed = composeNotification(outcome);
    assert.equal(composed.to, 'alice@example.com');
    assert.equal(composed.subject, 'Your EventShop order 3F2A9C1E is confirmed');
    assert.equal(composed.messageId, `<${outcome.eventId}@eventshop>`);
    assert.equal(composed.view.total, '€49.97');
    assert.deepEqual(composed.view.lines, [
      { sku: 'MUG-RED', quantity: 2, unitPrice: '€12.99', lineTotal: '€25.98' },
      { sku: 'TEE-L', quantity: 1, unitPrice: '€23.99', lineTotal: '€23.99' },
    ]);
    assert.deepEqual(composed.view.shortLines, []);
  });

  it('formats amounts in the order currency', () => {
    const composed = composeNotification(
      confirmedOutcome({
        currency: 'JPY',
        totalMinor: 3000,
        lines: [{ sku: 'TEA', quantity: 3, unitPriceMinor: 1000 }],
      }),
    );
    assert.equal(composed.view.total, '¥3,000');
    assert.equal(composed.view.lines[0]?.lineTotal, '¥3,000');
  });

  it('explains a rejection in plain words and lists the short lines', () => {
    const composed = composeNotification(rejectedOutcome({ orderId: ORDER }));
    assert.equal(composed.subject, 'Your EventShop order 3F2A9C1E could not be accepted');
    assert.match(composed.view.explanation, /not have enough stock/);
    assert.doesNotMatch(composed.view.explanation, /insufficient_stock/);
    assert.deepEqual(composed.view.shortLines, [{ sku: 'MUG-RED', requested: 2, available: 1 }]);
  });

  it('words each rejection reason, and an unknown one neutrally', () => {
    assert.match(rejectionReasonText('insufficient_stock'), /enough stock/);
    assert.match(rejectionReasonText('unknown_product'), /not sold/);
    assert.match(rejectionReasonText('timeout'), /in time/);
    assert.equal(rejectionReasonText('something_new'), 'Your order could not be accepted.');
  });

  it('words each cancellation reason', () => {
    assert.equal(cancellationReasonText('customer'), 'You cancelled this order.');
    assert.match(cancellationReasonText('timeout'), /in time/);
    assert.match(cancellationReasonText('late_reservation'), /released/);
    assert.equal(cancellationReasonText('other'), 'Your order has been cancelled.');
  });

  it('says a customer cancellation in the subject and body', () => {
    const composed = composeNotification(cancelledOutcome({ orderId: ORDER }));
    assert.equal(composed.subject, 'Your EventShop order 3F2A9C1E has been cancelled');
    assert.match(composed.view.explanation, /^You cancelled this order\./);
  });

  it('gives each event its own Message-ID, even for the same order', () => {
    const a = composeNotification(confirmedOutcome());
    const b = composeNotification(cancelledOutcome());
    assert.notEqual(a.messageId, b.messageId);
  });
});

describe('notification policy', () => {
  it('mails confirmations, every rejection and customer cancellations', () => {
    assert.deepEqual(decideNotification(confirmedOutcome()), { notify: true });
    for (const reason of ['insufficient_stock', 'unknown_product', 'timeout']) {
      assert.deepEqual(decideNotification(rejectedOutcome({ reason })), { notify: true }, reason);
    }
    assert.deepEqual(decideNotification(cancelledOutcome({ reason: 'customer' })), {
      notify: true,
    });
    assert.deepEqual(decideNotification(cancelledOutcome({ reason: 'a_new_reason' })), {
      notify: true,
    });
  });

  it('does not mail compensation-only cancellations the customer was already told about', () => {
    for (const reason of ['timeout', 'late_reservation']) {
      const decision = decideNotification(cancelledOutcome({ reason }));
      assert.equal(decision.notify, false, reason);
    }
  });
});
