// Idempotency-Key rule: the same key with the same request returns the same order; the same key
// with another request is a conflict; a key is forgotten 24 h after first use.
import { createHash } from 'node:crypto';
import type { RequestedItem } from './pricing';

export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Printable ASCII without spaces, as clients send UUIDs or similar tokens. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export interface IdempotencyRecord {
  userId: string;
  fingerprint: string;
  orderId: string;
  expiresAt: Date;
}

/**
 * Record id `<user>:<key>`. The user part is percent-encoded so a user id holding ':' cannot
 * collide with another user's key.
 */
export function idempotencyRecordId(userId: string, key: string): string {
  return `${encodeURIComponent(userId)}:${key}`;
}

/** A digest of what the request asks for: the lines in the order given. */
export function requestFingerprint(items: readonly RequestedItem[]): string {
  const canonical = JSON.stringify(items.map((i) => [i.sku, i.quantity]));
  return createHash('sha256').update(canonical).digest('hex');
}

export function isExpired(record: Pick<IdempotencyRecord, 'expiresAt'>, now: Date): boolean {
  return record.expiresAt.getTime() <= now.getTime();
}

export type IdempotencyDecision =
  /** No live record: go ahead and create the order (the record may need replacing if expired). */
  { kind: 'new' } | { kind: 'replay'; orderId: string } | { kind: 'conflict' };

export function decideIdempotency(
  record: IdempotencyRecord | undefined,
  request: { userId: string; fingerprint: string },
  now: Date,
): IdempotencyDecision {
  if (record === undefined || isExpired(record, now)) return { kind: 'new' };
  if (record.userId !== request.userId || record.fingerprint !== request.fingerprint) {
    return { kind: 'conflict' };
  }
  return { kind: 'replay', orderId: record.orderId };
}
