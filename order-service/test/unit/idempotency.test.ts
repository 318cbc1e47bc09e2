import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideIdempotency,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_TTL_MS,
  idempotencyRecordId,
  isExpired,
  requestFingerprint,
} from '../../src/domain/idempotency';

const now = new Date('2026-01-01T12:00:00.000Z');
const items = [
  { sku: 'A-1', quantity: 2 },
  { sku: 'B-2', quantity: 1 },
];
const fp = requestFingerprint(items);
const live = {
  userId: 'alice',
  fingerprint: fp,
  orderId: 'order-1',
  expiresAt: new Date(now.getTime() + 1000),
};

describe('idempotency keys', () => {
  it('the same body gives the same fingerprint; another quantity, SKU or line order does not', () => {
    assert.equal(requestFingerprint(structuredClone(items)), fp);
    assert.notEqual(requestFingerprint([{ sku: 'A-1', quantity: 3 }, items[1]!]), fp);
    assert.notEqual(requestFingerprint([{ sku: 'A-2', quantity: 2 }, items[1]!]), fp);
    assert.notEqual(requestFingerprint([...items].reverse()), fp);
    assert.match(fp, /^[0-9a-f]{64}$/);
  });

  it('no record → new order', () => {
    assert.deepEqual(decideIdempotency(undefined, { userId: 'alice', fingerprint: fp }, now), {
      kind: 'new',
    });
  });

  it('same key and body → replay of the same order', () => {
    assert.deepEqual(decideIdempotency(live, { userId: 'alice', fingerprint: fp }, now), {
      kind: 'replay',
      orderId: 'order-1',
    });
  });

  it('same key, another body → conflict', () => {
    const other = requestFingerprint([{ sku: 'A-1', quantity: 1 }]);
    assert.deepEqual(decideIdempotency(live, { userId: 'alice', fingerprint: other }, now), {
      kind: 'conflict',
    });
  });

  it('a record of another user is never replayed', () => {
    assert.equal(decideIdempotency(live, { userId: 'bob', fingerprint: fp }, now).kind, 'conflict');
  });

  it('an expired record counts as absent', () => {
    const expired = { ...live, expiresAt: now };
    assert.equal(isExpired(expired, now), true);
    assert.equal(isExpired(live, now), false);
    assert.equal(decideIdempotency(expired, { userId: 'alice', fingerprint: fp }, now).kind, 'new');
  });

  it('keys live 24 hours', () => {
    assert.equal(IDEMPOTENCY_KEY_TTL_MS, 86_400_000);
  });

  it('record ids keep users apart even when a user id holds a colon', () => {
    assert.equal(idempotencyRecordId('alice', 'k1'), 'alice:k1');
    assert.notEqual(idempotencyRecordId('a:b', 'c'), idempotencyRecordId('a', 'b:c'));
  });

  it('key syntax: printable ASCII, 1..200 characters', () => {
    assert.equal(IDEMPOTENCY_KEY_PATTERN.test('3f6c-ab_01'), true);
    assert.equal(IDEMPOTENCY_KEY_PATTERN.test(''), false);
    assert.equal(IDEMPOTENCY_KEY_PATTERN.test('has space'), false);
    assert.equal(IDEMPOTENCY_KEY_PATTERN.test('é'), false);
    assert.equal(IDEMPOTENCY_KEY_PATTERN.test('x'.repeat(201)), false);
  });
});
