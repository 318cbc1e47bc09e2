import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { messageIdFor } from '../../../src/domain/message-id';

describe('Message-ID from the event id', () => {
  const eventId = '0b6f3c52-2f3e-4a57-9a0e-6d2b8f1c9e11';

  it('is <eventId@eventshop> and the same on every call', () => {
    assert.equal(messageIdFor(eventId), `<${eventId}@eventshop>`);
    assert.equal(messageIdFor(eventId), messageIdFor(eventId));
  });

  it('differs between events', () => {
    assert.notEqual(messageIdFor(eventId), messageIdFor('1b6f3c52-2f3e-4a57-9a0e-6d2b8f1c9e11'));
  });

  it('refuses ids that would break the header', () => {
    for (const bad of ['', 'a b', 'x>\r\nBcc: victim@example.com', 'a@b', '<x>', 'a..b']) {
      assert.throws(() => messageIdFor(bad), RangeError, JSON.stringify(bad));
    }
  });
});
