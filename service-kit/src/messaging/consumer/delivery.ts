import type { AnyCloudEvent } from '@eventshop/events-contracts';
import type { ConsumeMessage } from 'amqplib';

/** One message on its way through a queue's middleware chain. */
export interface Delivery {
  readonly queue: string;
  readonly message: ConsumeMessage;
  /** The event type the message was published with (kept across retry tiers in a header). */
  readonly routingKey: string;
  /** 1 on the first delivery; failures so far + 1. */
  readonly attempt: number;
  /** Set by the validate middleware. */
  event?: AnyCloudEvent;
}

/**
 * ack: done (handled, duplicate, or moved to a tier or the DLQ — the original is acked in every
 * case); retry and dead say which of those happened; requeue: nothing could be done (e.g. the
 * broker refused the tier publish), the message goes back to the queue after a pause.
 */
export type Outcome = 'ack' | 'retry' | 'dead' | 'requeue';

export type DeliveryHandler = (delivery: Delivery) => Promise<Outcome>;

/** Wraps a handler with one concern, as watermill's router middlewares do. */
export type Middleware = (next: DeliveryHandler) => DeliveryHandler;
