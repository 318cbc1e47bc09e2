// Idempotency keys: `_id` is `<user>:<key>`. Expiry is checked on read and a sweeper removes
// expired records (no TTL indexes on the portable subset).
import { Schema } from 'mongoose';

export const IDEMPOTENCY_KEY_MODEL = 'IdempotencyKey';

export interface IdempotencyKeyDocument {
  _id: string;
  userId: string;
  fingerprint: string;
  orderId: string;
  createdAt: Date;
  expiresAt: Date;
}

export const idempotencyKeySchema = new Schema<IdempotencyKeyDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    fingerprint: { type: String, required: true },
    orderId: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'idempotency_keys', versionKey: false, timestamps: false, autoIndex: false },
);
idempotencyKeySchema.index({ expiresAt: 1 });
