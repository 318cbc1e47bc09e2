// Outbox entries embedded in the order document, in service-kit's shape (id, type, payload =
// the serialized CloudEvent, createdAt). Replaced by the kit's `withOutbox` once it is installed;
// the kit's relay owns publishing and removal.
import { Schema } from 'mongoose';
import type { AnyCloudEvent } from '@eventshop/events-contracts';

export interface OutboxEntry {
  id: string;
  type: string;
  payload: string;
  createdAt: Date;
}

export function outboxField() {
  return {
    type: [
      new Schema(
        {
          id: { type: String, required: true },
          type: { type: String, required: true },
          payload: { type: String, required: true },
          createdAt: { type: Date, required: true },
        },
        { _id: false, id: false, versionKey: false },
      ),
    ],
    default: [],
  };
}

export function toOutboxEntry(event: AnyCloudEvent, now: Date): OutboxEntry {
  return { id: event.id, type: event.type, payload: JSON.stringify(event), createdAt: now };
}
