import { Logger } from '@nestjs/common';
import { AmqpConnection, MessageHandlerErrorBehavior } from '@golevelup/nestjs-rabbitmq';
import type { Channel } from 'amqplib';
import type { KitConfig } from '../config/load-config';
import { routingKeysOf, type ConsumerDefinition } from './consumer/handler';
import { declareBoundQueue, declareTopology, type BoundQueue } from './topology';

/** Name of the golevelup channel a consumer queue is served on (one channel per queue). */
export const consumerChannelName = (queue: string): string => `consume:${queue}`;

/**
 * How long a start waits for the broker. Reachable, it is used before the app serves, as it
 * always was: topology declared, consumers attached. Not reachable, the app starts without it.
 */
export const BROKER_START_WAIT_MS = 5_000;

/** Whether `promise` settled within `ms` (a rejection counts as settled). */
export async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens this app's RabbitMQ connection with golevelup's `AmqpConnection`, created directly
 * rather than through `RabbitMQModule`: the module keeps its connections in a process-wide static
 * registry and closes all of them when any app shuts down, which breaks a process (a test)
 * running several apps.
 *
 * The connection is made, and remade after every loss, in the background (`wait: false`): a
 * process started while the broker is down serves HTTP, and its outbox keeps the events. The kit
 * declares the topology itself, in each channel's setup, which amqp-connection-manager runs on
 * every (re)connect before it sends anything queued on that channel:
 * - the publishing (default) channel declares everything, bindings of this process's queues
 *   included, so what the relay publishes after a (re)connect finds its exchange and its queues
 *   even on a broker that lost its definitions;
 * - each consumer channel declares its own queue, before golevelup's consumer setup (added later,
 *   so run after it) binds and consumes.
 */
export async function openAmqpConnection(
  config: KitConfig,
  consumers: readonly ConsumerDefinition[],
  service: string,
): Promise<AmqpConnection> {
  const log = new Logger('AmqpConnection');
  const bound: BoundQueue[] = consumers.map((c) => ({
    queue: c.queue,
    routingKeys: routingKeysOf(c),
  }));
  const channels = Object.fromEntries(
    consumers.map((c) => [
      consumerChannelName(c.queue),
      { prefetchCount: c.prefetch ?? config.CONSUMER_PREFETCH },
    ]),
  );
  const connection = new AmqpConnection({
    name: service,
    uri: config.AMQP_URL,
    exchanges: [],
    queues: [],
    channels,
    prefetchCount: config.CONSUMER_PREFETCH,
    // A thrown error is never requeued in a hot loop; the kit's chain never throws anyway.
    defaultSubscribeErrorBehavior: MessageHandlerErrorBehavior.NACK,
    defaultPublishOptions: { persistent: true },
    enableDirectReplyTo: false,
    registerHandlers: false,
    connectionInitOptions: { wait: false },
    connectionManagerOptions: { heartbeatIntervalInSeconds: 5, reconnectTimeInSeconds: 1 },
    logger: log,
  });
  await connection.init();
  const declareOn = (
    channel: AmqpConnection['managedChannel'] | undefined,
    declare: (ch: Channel) => Promise<void>,
  ): void => {
    // Registered before the first connect; a failure on a connect is logged by golevelup (the
    // channel's `error`), and /health/broker shows the consumers it leaves detached.
    channel
      ?.addSetup(declare)
      .catch((err: unknown) => log.error(`declaring the topology failed: ${String(err)}`));
  };
  declareOn(connection.managedChannel, (ch) => declareTopology(ch, bound, config.RETRY_DELAYS));
  for (const q of bound) {
    declareOn(connection.managedChannels[consumerChannelName(q.queue)], (ch) =>
      declareBoundQueue(ch, q, config.RETRY_DELAYS),
    );
  }
  if (!(await settledWithin(connection.managedChannel.waitForConnect(), BROKER_START_WAIT_MS))) {
    log.warn(
      `no broker within ${BROKER_START_WAIT_MS}ms: starting without it; events wait in the outbox and consumers attach once it is reachable`,
    );
  }
  return connection;
}
