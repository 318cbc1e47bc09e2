// Outbox entries embedded in the order document. Until service-kit's sub-schema is available
// this holds the CloudEvent as-is; the kit's relay owns publishing and removal.
import { Schema } from 'mongoose';

export interface OutboxEntry {
  id: string;
  type: string;
  event: Record<string, unknown>;
  createdAt: Date;
}

export function outboxField() {
  return {
    type: [
      new Schema(
        {
          id: { type: String, required: true },
          type: { type: String, required: true },
          event: { type: Schema.Types.Mixed, required: true },
          createdAt: { type: Date, required: true },
        },
        { _id: false },
      ),
    ],
    default: [],
  };
}

export function toOutboxEntry(event: { id: string; type: string }, now: Date): OutboxEntry {
  return { id: event.id, type: event.type, event: { ...event }, createdAt: now };
}
