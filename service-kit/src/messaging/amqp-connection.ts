import { Logger } from '@nestjs/common';
import { AmqpConnection, MessageHandlerErrorBehavior } from '@golevelup/nestjs-rabbitmq';
import { EVENTS_EXCHANGE } from '@eventshop/events-contracts';
import type { KitConfig } from '../config/load-config';
import type { ConsumerDefinition } from './consumer/handler';
import { queueTopology, unroutableQueue } from './topology';

/** Name of the golevelup channel a consumer queue is served on (one channel per queue). */
export const consumerChannelName = (queue: string): string => `consume:${queue}`;

/**
 * Opens this app's RabbitMQ connection with golevelup's `AmqpConnection`, created directly
 * rather than through `RabbitMQModule`: the module keeps its connections in a process-wide static
 * registry and closes all of them when any app shuts down, which breaks a process (a test)
 * running several apps. The exchange, the unroutable queue and every consumer queue with its tiers and DLQ are declared
 * by the default channel's setup, which runs before anything is published and again after every
 * reconnect.
 */
export async function openAmqpConnection(
  config: KitConfig,
  consumers: readonly ConsumerDefinition[],
  service: string,
): Promise<AmqpConnection> {
  const queues = [
    unroutableQueue(),
    ...consumers.flatMap((c) => queueTopology(c.queue, config.RETRY_DELAYS)),
  ].map((q) => ({ name: q.name, options: { durable: true, arguments: q.arguments } }));
  const channels = Object.fromEntries(
    consumers.map((c) => [
      consumerChannelName(c.queue),
      { prefetchCount: c.prefetch ?? config.CONSUMER_PREFETCH },
    ]),
  );
  const connection = new AmqpConnection({
    name: service,
    uri: config.AMQP_URL,
    exchanges: [{ name: EVENTS_EXCHANGE, type: 'topic', options: { durable: true } }],
    queues,
    channels,
    prefetchCount: config.CONSUMER_PREFETCH,
    // A thrown error is never requeued in a hot loop; the kit's chain never throws anyway.
    defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK,
    defaultPublishOptions: { persistent: true },
    enableDirectReplyTo: false,
    registerHandlers: false,
    connectionInitOptions: { wait: true, timeout: 30_000, reject: true },
    connectionManagerOptions: { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 },
    logger: new Logger('AmqpConnection'),
  });
  await connection.init();
  return connection;
}
