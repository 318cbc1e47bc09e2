import { Schema, type Model } from 'mongoose';
import { validateEvent, type AnyCloudEvent } from '@eventshop/events-contracts';

/**
 * One pending event inside an aggregate document. The CloudEvent is stored serialized, so the
 * `$pullAll` that removes a confirmed entry compares plain scalars and always matches exactly.
 * Field order matters for that match and is fixed here: id, type, payload, createdAt.
 */
export interface OutboxEntry {
  /** The event id. */
  id: string;
  /** The event type, which is also its routing key. */
  type: string;
  /** The serialized CloudEvent (structured JSON mode). */
  payload: string;
  createdAt: Date;
}

/** A document type that embeds an outbox. */
export type WithOutbox<T> = T & { outbox: OutboxEntry[] };

export const OUTBOX_PATH = 'outbox';

const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    type: { type: String, required: true },
    payload: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { _id: false, id: false, versionKey: false },
);

/**
 * Adds the `outbox` array to an aggregate's schema, and the index the sweeper's query uses on
 * MongoDB (FerretDB scans anyway). Returns the same schema.
 */
export function withOutbox<S extends Schema>(schema: S): S {
  if (schema.path(OUTBOX_PATH)) throw new Error(`schema already has an "${OUTBOX_PATH}" path`);
  schema.add({ [OUTBOX_PATH]: { type: [outboxEntrySchema], default: [] } });
  schema.index({ [`${OUTBOX_PATH}.createdAt`]: 1 });
  return schema;
}

/** True when the model's schema embeds the kit's outbox (how the relay finds its collections). */
export function hasOutbox(model: Model<unknown>): boolean {
  const path = model.schema.path(OUTBOX_PATH) as unknown as { schema?: Schema } | undefined;
  const sub = path?.schema;
  if (!sub) return false;
  return ['id', 'type', 'payload', 'createdAt'].every((p) => Boolean(sub.path(p)));
}

/**
 * A service was about to write an event its contract refuses. Thrown before the write, so the
 * state change fails loudly instead of publishing what every consumer would dead-letter.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly eventType: string,
    readonly errors: readonly { path: string; message: string }[],
  ) {
    super(
      `refusing to write an invalid ${eventType} event: ` +
        errors
          .slice(0, 5)
          .map((e) => `${e.path || '/'} ${e.message}`)
          .join('; '),
    );
  }
}

/** Throws `InvalidEventError` unless the event satisfies its contract (envelope and data). */
export function assertValidEvent(event: AnyCloudEvent): void {
  const result = validateEvent(event);
  if (!result.ok) throw new InvalidEventError(String(event.type), result.errors);
}

/**
 * Entries for events, in the exact shape and key order they are stored in. Every event is
 * validated against the contracts first: an invalid one throws `InvalidEventError`.
 */
export function toOutboxEntries(events: readonly AnyCloudEvent[], now = new Date()): OutboxEntry[] {
  return events.map((e) => {
    const payload = JSON.stringify(e);
    // What goes on the wire is validated (a Date `time` becomes an ISO string).
    assertValidEvent(JSON.parse(payload) as AnyCloudEvent);
    return { id: e.id, type: e.type, payload, createdAt: now };
  });
}

/** The `$push` part of an update that appends events to the outbox in the same write. */
export function outboxPush(
  events: readonly AnyCloudEvent[],
  now = new Date(),
): { $push: { outbox: { $each: OutboxEntry[] } } } {
  return { $push: { [OUTBOX_PATH]: { $each: toOutboxEntries(events, now) } } } as {
    $push: { outbox: { $each: OutboxEntry[] } };
  };
}

/** An entry exactly as it must be matched by `$pullAll` (fixed keys and order, no extras). */
export function canonicalEntry(e: OutboxEntry): OutboxEntry {
  return { id: e.id, type: e.type, payload: e.payload, createdAt: new Date(e.createdAt) };
}
