import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectConnection } from '@nestjs/mongoose';
import { AmqpConnection, Nack, type MessageHandlerOptions } from '@golevelup/nestjs-rabbitmq';
import { EVENTS_EXCHANGE, type EventType } from '@eventshop/events-contracts';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Connection } from 'mongoose';
import type { KitConfig } from '../../config/load-config';
import { KIT_CONFIG, KIT_OPTIONS, type KitOptions } from '../../kit.options';
import { MessagingMetrics } from '../../metrics/messaging-metrics';
import { MongoWatchdog } from '../../persistence/mongo-watchdog';
import { BROKER_START_WAIT_MS, consumerChannelName, settledWithin } from '../amqp-connection';
import { Publisher } from '../publisher';
import { workQueue } from '../topology';
import { consumerChain } from './chain';
import { PROCESSED_EVENTS_COLLECTION } from './deduplicate.middleware';
import type { DeliveryHandler } from './delivery';
import { drainInFlight } from './drain';
import type { ConsumerDefinition, EventHandler } from './handler';
import { MarkerJanitor } from './marker-janitor';
import { failedAttempts, originalRoutingKey } from './headers';
import { ConsumerWatchdog, type WatchedQueue } from './watchdog';

/** Pause before a message that could not be routed anywhere goes back to its queue. */
const REQUEUE_PAUSE_MS = 1_000;
const PUBLISH_TIMEOUT_MS = 5_000;
const WATCHDOG_INTERVAL_MS = 5_000;
/** While a delivery waits for the database: how often to look whether it is back. */
const DATABASE_POLL_MS = 1_000;

/**
 * Subscribes each consumer queue through golevelup's `createSubscriber` on a channel of its own,
 * runs every delivery through the queue's middleware chain, and acks only after the chain
 * returned (golevelup acks when the subscriber function resolves). Tracks in-flight deliveries
 * so shutdown can cancel the consumers first and then wait for them.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('Consumer');
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly watched: WatchedQueue[] = [];
  private watchdog: ConsumerWatchdog | undefined;
  private janitor: MarkerJanitor | undefined;
  private stopping = false;

  constructor(
    @Inject(AmqpConnection) private readonly amqp: AmqpConnection,
    private readonly publisher: Publisher,
    private readonly metrics: MessagingMetrics,
    private readonly moduleRef: ModuleRef,
    private readonly mongoWatchdog: MongoWatchdog,
    @InjectConnection() private readonly mongo: Connection,
    @Inject(KIT_OPTIONS) private readonly options: KitOptions,
    @Inject(KIT_CONFIG) private readonly config: KitConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const consumers = this.options.consumers ?? [];
    if (consumers.length === 0) return;
    const markers = this.mongo.collection(PROCESSED_EVENTS_COLLECTION);
    if (consumers.some((c) => c.deduplicate !== false)) {
      this.janitor = new MarkerJanitor(markers, this.options.dedupRetentionMs ?? 7 * 86_400_000);
      this.janitor.start();
    }
    const subscriptions: Promise<void>[] = [];
    for (const def of consumers) {
      const handlers = this.resolveHandlers(def);
      const chain = consumerChain({
        handlers,
        producers: def.producers,
        publisher: this.publisher,
        metrics: this.metrics,
        markers,
        deduplicate: def.deduplicate,
        retryDelaysMs: this.config.RETRY_DELAYS,
        publishTimeoutMs: PUBLISH_TIMEOUT_MS,
        database: {
          available: () => this.mongoWatchdog.available(),
          stopping: () => this.stopping,
          pollMs: DATABASE_POLL_MS,
        },
      });
      const state: WatchedQueue = {
        queue: def.queue,
        channelName: consumerChannelName(def.queue),
        routingKeys: [...handlers.keys()],
        tag: undefined,
        attached: false,
        problem: 'waiting for the broker',
      };
      this.watched.push(state);
      // Resolves once the queue's channel has connected and the consumer is registered: at once
      // with the broker there, else whenever it comes (golevelup consumes again on reconnects).
      subscriptions.push(
        this.amqp
          .createSubscriber(
            (_body: unknown, raw?: ConsumeMessage) => this.onMessage(state, chain, raw),
            this.subscriberOptions(state),
            `${def.queue} consumer`,
          )
          .then(({ consumerTag }) => {
            state.tag = consumerTag;
            state.attached = true;
            state.problem = undefined;
            this.log.log(`consuming ${def.queue} (${state.routingKeys.join(', ')})`);
          }),
      );
    }
    this.watchdog = new ConsumerWatchdog(
      this.amqp,
      this.watched,
      this.config.RETRY_DELAYS,
      WATCHDOG_INTERVAL_MS,
    );
    await this.watchdog.start();
    // With the broker there, the app serves once it consumes, as a start always did; without it
    // (or with a queue that cannot be declared) the start does not wait for the consumers.
    if (this.amqp.connected) await settledWithin(Promise.all(subscriptions), BROKER_START_WAIT_MS);
  }

  onApplicationShutdown(): void {
    this.watchdog?.stop();
    this.janitor?.stop();
  }

  /** Per queue: attached or why not (readiness). */
  status(): Array<{ queue: string; attached: boolean; problem?: string }> {
    return this.watched.map((q) => ({ queue: q.queue, attached: q.attached, problem: q.problem }));
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * Shutdown, step 1: cancel this process's consumers (golevelup does not, issue 889) so the
   * broker sends nothing more, then wait for deliveries in progress to finish and be acked (also
   * those handed over while a cancel was unconfirmed), all within `timeoutMs`. Returns false if
   * some were still running.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    const started = Date.now();
    this.stopping = true;
    this.watchdog?.stop();
    const cancelTimeout = Math.min(2_000, timeoutMs);
    await Promise.all(
      this.amqp.consumerTags.map(async (tag) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          // Bounded: a broker that never answers must not hold the shutdown.
          await Promise.race([
            this.amqp.cancelConsumer(tag),
            new Promise((r) => (timer = setTimeout(r, cancelTimeout))),
          ]);
        } catch {
          // a tag of a channel that is gone (before a reconnect): nothing to cancel
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    if (this.inFlight.size === 0) return true;
    this.log.log(`waiting for ${this.inFlight.size} deliveries in progress`);
    const done = await drainInFlight(
      this.inFlight,
      Math.max(0, timeoutMs - (Date.now() - started)),
    );
    if (!done)
      this.log.warn(`${this.inFlight.size} deliveries still running; they will be redelivered`);
    return done;
  }

  private async onMessage(
    state: WatchedQueue,
    chain: DeliveryHandler,
    raw: ConsumeMessage | undefined,
  ): Promise<Nack | undefined> {
    if (!raw) return undefined;
    state.tag = raw.fields.consumerTag;
    const run = chain({
      queue: state.queue,
      message: raw,
      routingKey: originalRoutingKey(raw),
      attempt: failedAttempts(raw) + 1,
    });
    this.inFlight.add(run);
    try {
      const outcome = await run;
      if (outcome !== 'requeue') return undefined; // ack
      if (!this.stopping) await new Promise((r) => setTimeout(r, REQUEUE_PAUSE_MS));
      return new Nack(true);
    } finally {
      this.inFlight.delete(run);
    }
  }

  private subscriberOptions(state: WatchedQueue): MessageHandlerOptions {
    return {
      queue: state.queue,
      exchange: EVENTS_EXCHANGE,
      routingKey: [...state.routingKeys],
      createQueueIfNotExists: true,
      queueOptions: {
        durable: true,
        arguments: workQueue(state.queue).arguments,
        channel: state.channelName,
      },
      // The body is parsed and validated by the chain; golevelup must not JSON.parse it first
      // (a parse error there would bypass the dead-letter path).
      deserializer: (content: Buffer) => content,
      // Reached only when golevelup's own ack/nack throws, i.e. the channel closed under a
      // delivery: the broker redelivers it; never let that become an unhandled rejection.
      errorHandler: (channel: Channel, msg: ConsumeMessage, err: unknown) => {
        this.log.warn(
          `${state.queue}: could not settle message ${msg.properties.messageId ?? ''} (${err instanceof Error ? err.message : String(err)}); the broker will redeliver it`,
        );
        try {
          channel.nack(msg, false, true);
        } catch {
          // channel closed: nothing to do
        }
      },
    };
  }

  private resolveHandlers(def: ConsumerDefinition): Map<EventType, EventHandler> {
    const map = new Map<EventType, EventHandler>();
    for (const [type, cls] of Object.entries(def.handlers)) {
      if (!cls) continue;
      let instance: EventHandler;
      try {
        instance = this.moduleRef.get(cls, { strict: false }) as EventHandler;
      } catch {
        throw new Error(
          `handler ${cls.name} for ${type} on ${def.queue} is not a provider: add it to a module's providers`,
        );
      }
      map.set(type as EventType, instance);
    }
    if (map.size === 0) throw new Error(`consumer ${def.queue} has no handlers`);
    return map;
  }
}
