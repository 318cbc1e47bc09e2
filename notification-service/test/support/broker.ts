// Publishes events to the exchange the way the kit's relay does (structured CloudEvents,
// persistent, confirmed), and reads the app's /metrics.
import type { AnyCloudEvent } from '@eventshop/events-contracts';
import { CLOUDEVENTS_CONTENT_TYPE, EVENTS_EXCHANGE } from '@eventshop/events-contracts';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';

export class TestPublisher {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async connect(amqpUrl: string): Promise<TestPublisher> {
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    return new TestPublisher(connection, channel);
  }

  async publish(event: AnyCloudEvent): Promise<void> {
    this.channel.publish(EVENTS_EXCHANGE, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      messageId: event.id,
    });
    await this.channel.waitForConfirms();
  }

  /** Ready messages in a queue (e.g. the dead-letter queue). */
  async messageCount(queue: string): Promise<number> {
    return (await this.channel.checkQueue(queue)).messageCount;
  }

  async close(): Promise<void> {
    await this.channel.close();
    await this.connection.close();
  }
}

/** Sum of a counter's samples whose labels include all of `labels`. */
export function sampleSum(
  metricsText: string,
  name: string,
  labels: Record<string, string>,
): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
