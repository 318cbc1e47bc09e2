import type { Type } from '@nestjs/common';
import type { CloudEvent, EventType } from '@eventshop/events-contracts';

/** What a handler learns about the delivery besides the event itself. */
export interface MessageContext {
  /** The queue the event was consumed from, e.g. `inventory.order-events`. */
  readonly queue: string;
  /** 1 on the first delivery, 2 after the first retry tier, and so on. */
  readonly attempt: number;
  /** The broker redelivered it (a consumer died or a channel closed before the ack). */
  readonly redelivered: boolean;
  readonly correlationId: string;
}

/**
 * Handles one event type. Return normally once your own write is done (that is the ack); throw
 * for a transient failure (it goes through the retry tiers) or a `PermanentError` for one that
 * no retry can fix (it is parked in the dead-letter queue at once).
 *
 * Handlers must be idempotent: the processed-event marker skips most duplicates, but a crash
 * between your write and the marker's replays the event, and a redelivery always runs.
 */
export interface EventHandler<T extends EventType = EventType> {
  handle(event: CloudEvent<T>, context: MessageContext): Promise<void>;
}

/** Event type → handler class (a provider of the service's own modules). */
export type HandlerMap = { readonly [T in EventType]?: Type<EventHandler<T>> };

/** One consumer queue: its name, the event types bound to it and who handles each. */
export interface ConsumerDefinition {
  /** `<service>.<purpose>`, e.g. `order.inventory-events`. Quorum queue, declared at start. */
  readonly queue: string;
  /** The routing keys bound to the queue are the keys of this map. */
  readonly handlers: HandlerMap;
  /** Unacknowledged messages this process takes from this queue (default `CONSUMER_PREFETCH`). */
  readonly prefetch?: number;
  /**
   * The services allowed to publish each type (the event's `source` is `/<service>`). Default:
   * the producer the contracts name for the type. An event from anyone else is dead-lettered
   * with reason `unexpected-source`.
   */
  readonly producers?: { readonly [T in EventType]?: readonly string[] };
  /**
   * Keep a processed-event marker `<queue>:<eventId>` per handled event and acknowledge, without
   * running the handler, a first delivery that already has one (default true): one read and one
   * write per event. Set false when every handler of this queue is idempotent by its aggregate's
   * own state (a duplicate finds its guarded write already done): the marker would only repeat
   * what the aggregate says.
   */
  readonly deduplicate?: boolean;
}

/** The event types bound to the consumer's queue: those its handler map names a handler for. */
export function routingKeysOf(definition: ConsumerDefinition): string[] {
  return Object.entries(definition.handlers)
    .filter(([, handler]) => handler)
    .map(([type]) => type);
}

/** Typed identity, so handler maps are checked against event types where they are declared. */
export function defineConsumer<const D extends ConsumerDefinition>(definition: D): D {
  return definition;
}
