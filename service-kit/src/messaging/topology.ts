// Names and arguments of everything the kit declares on the broker. Declared by each channel's
// setup, on every (re)connect, before anything queued on it is sent (a publish to a missing
// exchange closes the channel; one to an unbound type would be parked as unroutable).
//
//   eventshop.events (topic) ──routing key = event type──▶ <queue> (quorum)
//   <queue> handler fails ──publish──▶ <queue>.retry.<delay> (quorum, TTL) ──expires──▶
//       default exchange, routing key <queue> ──▶ back to <queue> only, not re-broadcast
//   after the last tier, or invalid at once ──publish──▶ <queue>.dlq (quorum, kept until replayed)

import { formatDuration } from '../config/env';

export const EVENTS_EXCHANGE_NAME = 'eventshop.events';

/**
 * Events published while no queue was bound to a type the contracts name consumers for (the
 * broker returned them): kept here, with the headers of a dead letter, instead of being lost.
 * See decision 0017. Named `.bounded` because it replaces the unbounded `eventshop.unroutable`
 * of kit 1.4.0: a queue cannot be re-declared with other arguments (PRECONDITION_FAILED).
 */
export const UNROUTABLE_QUEUE = 'eventshop.unroutable.bounded';

/** At most this many parked unroutable events (and bytes); beyond, the oldest are dropped. */
export const UNROUTABLE_MAX_LENGTH = 10_000;
export const UNROUTABLE_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The unroutable queue: quorum, bounded, kept until someone looks (browsed by requeueing).
 * Full, it drops its oldest message (`drop-head`) rather than refusing the new one
 * (`reject-publish`): a refused park would fail the publish, and the relay would retry that
 * outbox entry for ever, growing its aggregate's document, while every such event is
 * already counted and logged with its id.
 */
export function unroutableQueue(): QueueDeclaration {
  return {
    name: UNROUTABLE_QUEUE,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DLQ_DELIVERY_LIMIT,
      'x-max-length': UNROUTABLE_MAX_LENGTH,
      'x-max-length-bytes': UNROUTABLE_MAX_BYTES,
      'x-overflow': 'drop-head',
    },
  };
}

/** Redeliveries (crashes mid-handler) after which the broker itself parks a message. */
export const WORK_QUEUE_DELIVERY_LIMIT = 50;
/** Quorum queues of RabbitMQ 4 default to 20; the DLQ is browsed by requeueing, so set it high. */
const DLQ_DELIVERY_LIMIT = 1_000_000;

export const retryQueueName = (queue: string, delayMs: number): string =>
  `${queue}.retry.${formatDuration(delayMs)}`;
export const deadLetterQueueName = (queue: string): string => `${queue}.dlq`;

/** Headers the kit sets on retried and parked messages. */
export const DeadLetterHeaders = {
  /** Failed attempts so far (1 after the first failure). */
  attempts: 'x-eventshop-attempts',
  /** The event's routing key; tiers return a message with the queue's name as routing key. */
  originalRoutingKey: 'x-eventshop-original-routing-key',
  queue: 'x-eventshop-queue',
  reason: 'x-eventshop-dead-reason',
  lastError: 'x-eventshop-last-error',
  deadAt: 'x-eventshop-dead-at',
  replayedAt: 'x-eventshop-replayed-at',
} as const;

/** invalid: not a valid event; unhandled-type: bound but no handler; unexpected-source: its
 * `source` is not a service allowed to publish its type; rejected: PermanentError;
 * exhausted: failed after the last retry tier. */
export type DeadLetterReason =
  'invalid' | 'unhandled-type' | 'unexpected-source' | 'rejected' | 'exhausted';

export interface QueueDeclaration {
  readonly name: string;
  readonly arguments: Record<string, unknown>;
}

/** The work queue: quorum; a message redelivered too often (crash loop) is parked by the broker. */
export function workQueue(queue: string): QueueDeclaration {
  return {
    name: queue,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': WORK_QUEUE_DELIVERY_LIMIT,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': deadLetterQueueName(queue),
    },
  };
}

/** A delay tier: messages wait `delayMs`, then go back to the work queue only. */
export function retryQueue(queue: string, delayMs: number): QueueDeclaration {
  return {
    name: retryQueueName(queue, delayMs),
    arguments: {
      'x-queue-type': 'quorum',
      'x-message-ttl': delayMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': queue,
      // Expiry moves the message with a confirm from the work queue, so a broker crash
      // meanwhile does not lose it (needs reject-publish overflow).
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    },
  };
}

export function deadLetterQueue(queue: string): QueueDeclaration {
  return {
    name: deadLetterQueueName(queue),
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': DLQ_DELIVERY_LIMIT },
  };
}

/** Every queue a consumer queue needs: the DLQ and tiers first, so the work queue's
 * dead-letter target exists when it is declared. */
export function queueTopology(queue: string, delaysMs: readonly number[]): QueueDeclaration[] {
  return [deadLetterQueue(queue), ...delaysMs.map((d) => retryQueue(queue, d)), workQueue(queue)];
}

/** Minimal channel surface used to declare; amqplib's Channel and ConfirmChannel fit. */
export interface DeclaringChannel {
  assertExchange(name: string, type: string, options: { durable: boolean }): Promise<unknown>;
  assertQueue(
    name: string,
    options: { durable: boolean; arguments: Record<string, unknown> },
  ): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
}

export async function declareExchange(channel: DeclaringChannel): Promise<void> {
  await channel.assertExchange(EVENTS_EXCHANGE_NAME, 'topic', { durable: true });
}

/** Declares a consumer queue with its tiers and DLQ and binds it to its routing keys. */
export async function declareQueueTopology(
  channel: DeclaringChannel,
  queue: string,
  routingKeys: readonly string[],
  delaysMs: readonly number[],
): Promise<void> {
  for (const q of queueTopology(queue, delaysMs)) {
    await channel.assertQueue(q.name, { durable: true, arguments: q.arguments });
  }
  for (const key of routingKeys) await channel.bindQueue(queue, EVENTS_EXCHANGE_NAME, key);
}

/** A consumer queue of this process and the event types bound to it. */
export interface BoundQueue {
  readonly queue: string;
  readonly routingKeys: readonly string[];
}

/** The exchange, then the queue with its tiers and DLQ, bound to its types. */
export async function declareBoundQueue(
  channel: DeclaringChannel,
  queue: BoundQueue,
  delaysMs: readonly number[],
): Promise<void> {
  await declareExchange(channel);
  await declareQueueTopology(channel, queue.queue, queue.routingKeys, delaysMs);
}

/**
 * Everything this process relies on: the exchange, the unroutable queue and each of its
 * consumer queues with tiers, DLQ and bindings. Idempotent; one declaration after the other.
 */
export async function declareTopology(
  channel: DeclaringChannel,
  queues: readonly BoundQueue[],
  delaysMs: readonly number[],
): Promise<void> {
  await declareExchange(channel);
  const unroutable = unroutableQueue();
  await channel.assertQueue(unroutable.name, { durable: true, arguments: unroutable.arguments });
  for (const q of queues) await declareQueueTopology(channel, q.queue, q.routingKeys, delaysMs);
}
