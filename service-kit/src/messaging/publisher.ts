import { Inject, Injectable } from '@nestjs/common';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE } from '@eventshop/events-contracts';
import type { Options } from 'amqplib';

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
 */
@Injectable()
export class Publisher {
  constructor(@Inject(AmqpConnection) private readonly amqp: AmqpConnection) {}

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
    const options: PublishOptions = {
      persistent: true,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      messageId: entry.id,
      type: entry.type,
      timestamp: Math.floor(Date.now() / 1000),
      timeout: timeoutMs,
    };
    await this.amqp.publish(EVENTS_EXCHANGE, entry.type, Buffer.from(entry.payload), options);
  }

  /** Sends to one queue through the default exchange (retry tiers, DLQ, replay). */
  async sendToQueue(queue: string, message: RawMessage, timeoutMs: number): Promise<void> {
    const options: PublishOptions = { ...message.properties, persistent: true, timeout: timeoutMs };
    await this.amqp.publish('', queue, message.content, options);
  }
}
