import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  EVENT_CATALOG,
  EVENTS_EXCHANGE,
  isEventType,
} from '@eventshop/events-contracts';
import type { ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { MessagingMetrics } from '../metrics/messaging-metrics';
import { DeadLetterHeaders, UNROUTABLE_QUEUE } from './topology';

/** Per-call publish options; `timeout` rejects a publish not confirmed in time. */
type PublishOptions = Options.Publish & { timeout?: number };

/** A message as it is re-sent to a tier, the DLQ or back to its work queue. */
export interface RawMessage {
  readonly content: Buffer;
  readonly properties: Options.Publish;
}

/**
 * Everything the kit sends goes through golevelup's confirm channel: each call resolves on the
 * broker's confirm and rejects on a nack, a closed channel or the timeout. While the broker is
 * down a call waits (up to its timeout) and is sent once it is back.
 *
 * Events of a type the contracts name consumers for are published `mandatory`: one no queue is
 * bound to comes back (basic.return, which the broker sends before its confirm of the same
 * publish) and is parked in the unroutable queue before the publish counts as done, instead of
 * being confirmed and lost. A type without consumers (a fact published for future consumers and
 * audit) is not `mandatory`: nobody being bound to it is expected, not a misconfiguration.
 */
@Injectable()
export class Publisher implements OnModuleInit {
  private readonly log = new Logger('Publisher');
  /** Message ids the broker returned as unroutable, until their publish call sees them. */
  private readonly returned = new Set<string>();

  constructor(
    @Inject(AmqpConnection) private readonly amqp: AmqpConnection,
    private readonly metrics: MessagingMetrics,
  ) {}

  onModuleInit(): void {
    // Runs on the default channel now and on every channel created after a reconnect.
    void this.amqp.managedChannel
      .addSetup((channel: ConfirmChannel) => {
        channel.on('return', (msg: ConsumeMessage) => {
          const id = msg.properties.messageId as unknown;
          if (typeof id === 'string') this.returned.add(id);
        });
      })
      .catch((err: unknown) => this.log.error(`could not watch returned messages: ${String(err)}`));
  }

  get connected(): boolean {
    try {
      return this.amqp.connected;
    } catch {
      return false;
    }
  }

  /** Publishes a serialized CloudEvent to the events exchange with its type as routing key. */
  async publishEvent(
    entry: { id: string; type: string; payload: string },
    timeoutMs: number,
  ): Promise<void> {
    const properties: Options.Publish = {
      persistent: true,
      mandatory: expectsConsumers(entry.type),
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      messageId: entry.id,
      type: entry.type,
      timestamp: Math.floor(Date.now() / 1000),
    };
    const content = Buffer.from(entry.payload);
    this.returned.delete(entry.id);
    try {
      const options: PublishOptions = { ...properties, timeout: timeoutMs };
      await this.amqp.publish(EVENTS_EXCHANGE, entry.type, content, options);
    } catch (err) {
      this.returned.delete(entry.id);
      throw err;
    }
    if (!this.returned.delete(entry.id)) return;
    // Confirmed but routed nowhere: park it where it can be inspected and replayed.
    await this.sendToQueue(
      UNROUTABLE_QUEUE,
      {
        content,
        properties: {
          ...properties,
          mandatory: false,
          headers: {
            [DeadLetterHeaders.reason]: 'unroutable',
            [DeadLetterHeaders.originalRoutingKey]: entry.type,
            [DeadLetterHeaders.deadAt]: new Date().toISOString(),
          },
        },
      },
      timeoutMs,
    );
    this.metrics.unroutable.inc({ type: entry.type });
    this.log.error(
      `${entry.type} ${entry.id}: no queue is bound to it; parked in ${UNROUTABLE_QUEUE}`,
    );
  }

  /** Sends to one queue through the default exchange (retry tiers, DLQ, replay). */
  async sendToQueue(queue: string, message: RawMessage, timeoutMs: number): Promise<void> {
    const options: PublishOptions = { ...message.properties, persistent: true, timeout: timeoutMs };
    await this.amqp.publish('', queue, message.content, options);
  }
}

/** Whether the contracts' catalog names a consumer of `type` (an unknown type: yes, be loud). */
export function expectsConsumers(type: string): boolean {
  return !isEventType(type) || EVENT_CATALOG[type].consumers.length > 0;
}
