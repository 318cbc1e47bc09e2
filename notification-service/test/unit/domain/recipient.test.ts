import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isDeliverableAddress } from '../../../src/domain/recipient';

describe('recipient address check', () => {
  it('accepts plain mailboxes', () => {
    for (const ok of ['alice@example.com', 'a.b+tag@sub.example.co.uk', "o'hara@example.org"]) {
      assert.equal(isDeliverableAddress(ok), true, ok);
    }
  });

  it('refuses anything that could name another recipient or inject a header', () => {
    for (const bad of [
      'alice@example.com, mallory@example.com',
      'Alice <alice@example.com>',
      'alice@example.com\r\nBcc: mallory@example.com',
      'alice@example.com;mallory@example.com',
      'no-at-sign',
      'alice@localhost',
      '@example.com',
      'alice@',
      `${'a'.repeat(320)}@example.com`,
    ]) {
      assert.equal(isDeliverableAddress(bad), false, JSON.stringify(bad));
    }
  });
});
