// The real broker from a test's side: publish events to the exchange as inventory would, and
// capture every event the order service emits, each checked against the contracts.
import { randomUUID } from 'node:crypto';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  createEvent,
  EVENTS_EXCHANGE,
  validateEvent,
  type AnyCloudEvent,
  type EventDataMap,
  type EventType,
} from '@eventshop/events-contracts';
import { waitFor } from '@eventshop/service-kit/testing';

export interface Broker {
  /** Publishes an event as its producer would (persistent, structured CloudEvent). */
  publish<T extends EventType>(
    type: T,
    data: EventDataMap[T],
    options?: { subject?: string; id?: string; correlationid?: string },
  ): Promise<AnyCloudEvent>;
  /** Publishes raw bytes with a routing key (poison messages). */
  publishRaw(routingKey: string, body: string): Promise<void>;
  /** Every event captured so far (order.* routing keys). */
  captured(): AnyCloudEvent[];
  /** Captured events that failed contract validation (must stay empty). */
  invalid(): { body: string; errors: unknown }[];
  /** Waits until `count` events of `type` for `orderId` were captured; returns them. */
  waitForEvents(
    type: string,
    orderId: string,
    count?: number,
    timeoutMs?: number,
  ): Promise<AnyCloudEvent[]>;
  close(): Promise<void>;
}

export async function connectBroker(amqpUrl: string): Promise<Broker> {
  const connection: ChannelModel = await amqp.connect(amqpUrl);
  const channel: ConfirmChannel = await connection.createConfirmChannel();
  await channel.assertExchange(EVENTS_EXCHANGE, 'topic', { durable: true });
  const queue = `test.capture.${randomUUID()}`;
  await channel.assertQueue(queue, { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, EVENTS_EXCHANGE, 'order.#');
  const events: AnyCloudEvent[] = [];
  const bad: { body: string; errors: unknown }[] = [];
  await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      const body = msg.content.toString('utf8');
      const result = validateEvent(JSON.parse(body));
      if (result.ok) events.push(result.event);
      else bad.push({ body, errors: result.errors });
      channel.ack(msg);
    },
    { noAck: false },
  );

  const send = (routingKey: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      channel.publish(
        EVENTS_EXCHANGE,
        routingKey,
        Buffer.from(body),
        { persistent: true, contentType: CLOUDEVENTS_CONTENT_TYPE },
        (err: unknown) => (err ? reject(err as Error) : resolve()),
      );
    });

  return {
    async publish(type, data, options = {}) {
      const event = createEvent(type, {
        source: '/inventory-service',
        subject:
          options.subject ??
          (data as { orderId?: string; sku?: string }).orderId ??
          (data as { sku: string }).sku,
        data,
        ...(options.id !== undefined ? { id: options.id } : {}),
        ...(options.correlationid !== undefined ? { correlationid: options.correlationid } : {}),
      }) as AnyCloudEvent;
      await send(type, JSON.stringify(event));
      return event;
    },
    publishRaw: send,
    captured: () => [...events],
    invalid: () => [...bad],
    async waitForEvents(type, orderId, count = 1, timeoutMs = 10_000) {
      const matching = () => events.filter((e) => e.type === type && e.subject === orderId);
      await waitFor(
        `${count} × ${type} for ${orderId}`,
        () => matching().length >= count,
        timeoutMs,
        25,
      );
      return matching();
    },
    async close() {
      await channel.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
    },
  };
}
