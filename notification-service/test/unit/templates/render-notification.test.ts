import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { composeNotification } from '../../../src/domain/compose-notification';
import { NOTIFICATION_HTML_TEMPLATE } from '../../../src/templates/notification-html.template';
import { renderNotification } from '../../../src/templates/render-notification';
import { confirmedOutcome, rejectedOutcome } from '../../support/outcomes';

const HOSTILE_SKU = '<script>alert("x")</script>&\'';
const HOSTILE_EMAIL = '"><img src=x onerror=alert(1)>@example.com';

describe('rendering the e-mail bodies', () => {
  it('shows order id, lines and total in text and HTML', () => {
    const { text, html } = renderNotification(
      composeNotification(confirmedOutcome({ orderId: '3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f' })),
    );
    for (const body of [text, html]) {
      assert.ok(body.includes('3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f'));
      assert.ok(body.includes('MUG-RED'));
      assert.ok(body.includes('€25.98'));
      assert.ok(body.includes('€49.97'));
      assert.ok(body.includes('your order is confirmed'));
    }
    assert.match(text, /^ {2}2 x MUG-RED at €12\.99 = €25\.98$/m);
    assert.match(text, /^ {2}1 x TEE-L at €23\.99 = €23\.99$/m);
    assert.match(text, /^ {2}Total: €49\.97$/m);
    assert.match(text, /^Order: 3f2a9c1e-7b4d-4e2a-9f1c-0a1b2c3d4e5f$/m);
    assert.doesNotMatch(text, /\n{3,}/);
  });

  it('explains a rejection and lists the short lines', () => {
    const { text, html } = renderNotification(composeNotification(rejectedOutcome()));
    assert.match(text, /not have enough stock/);
    assert.match(text, /^ {2}- MUG-RED: you asked for 2, we have 1$/m);
    assert.match(html, /<li><code>MUG-RED<\/code>: you asked for 2, we have 1<\/li>/);
  });

  it('escapes hostile SKUs and addresses in HTML', () => {
    const outcome = rejectedOutcome({
      email: HOSTILE_EMAIL,
      lines: [{ sku: HOSTILE_SKU, quantity: 1, unitPriceMinor: 100 }],
      shortLines: [{ sku: HOSTILE_SKU, requested: 1, available: 0 }],
    });
    const { html, text } = renderNotification(composeNotification(outcome));
    assert.ok(!html.includes('<script>'), 'no script element');
    assert.ok(!html.includes('<img'), 'no img element');
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;'));
    assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;@example.com'));
    // The text body is text/plain: the value appears as it is.
    assert.ok(text.includes(HOSTILE_SKU));
  });

  it('uses only the escaping output tag in the HTML template', () => {
    assert.ok(!NOTIFICATION_HTML_TEMPLATE.includes('<%~'));
    assert.ok(!NOTIFICATION_HTML_TEMPLATE.includes('<%-'));
  });
});
