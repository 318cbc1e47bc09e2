import { Logger } from '@nestjs/common';
import type { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import type { Channel, ChannelModel } from 'amqplib';
import { declareExchange, declareQueueTopology } from '../topology';

export interface WatchedQueue {
  readonly queue: string;
  readonly channelName: string;
  readonly routingKeys: readonly string[];
  /** Latest consumer tag this process consumes the queue with. */
  tag: string | undefined;
  attached: boolean;
  /** Why it is not attached (for readiness). */
  problem?: string;
}

/**
 * golevelup re-attaches consumers after a broker restart, but not when their queue is deleted and
 * re-created: the broker cancels the consumer, no error is logged, and messages pile up. The
 * watchdog listens for the broker's cancel notification on every consumer channel and re-creates
 * the consumer (after re-declaring the queue, its tiers and DLQ); a periodic check of the queue's
 * consumer count catches whatever the notification missed. Until re-attached, the queue counts
 * as detached and readiness fails.
 */
export class ConsumerWatchdog {
  private readonly log = new Logger('ConsumerWatchdog');
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly reattaching = new Set<string>();

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly queues: readonly WatchedQueue[],
    private readonly retryDelaysMs: readonly number[],
    private readonly intervalMs: number,
  ) {}

  async start(): Promise<void> {
    for (const q of this.queues) {
      const wrapper = this.amqp.managedChannels[q.channelName];
      if (!wrapper) throw new Error(`no channel ${q.channelName} for ${q.queue}`);
      // Runs now and again on every reconnect, for each new underlying channel.
      await wrapper.addSetup((channel: Channel) => {
        channel.on('cancel', (fields: { consumerTag?: string }) => this.onCancel(q, fields));
      });
    }
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private onCancel(q: WatchedQueue, fields: { consumerTag?: string }): void {
    if (this.stopped) return;
    const tag = fields.consumerTag ?? q.tag;
    this.log.error(`broker cancelled consumer ${tag} of ${q.queue} (queue deleted?); re-attaching`);
    q.attached = false;
    q.problem = 'consumer cancelled by the broker';
    void this.reattach(q, tag, true);
  }

  /**
   * Re-declares the queue's topology and resumes the consumer. `forced` (after a cancel): do not
   * trust another consumer on the queue, it may be another replica's. Otherwise a consumer that
   * reappeared meanwhile (golevelup re-consumes after a reconnect) ends the attempt.
   */
  private async reattach(q: WatchedQueue, tag: string | undefined, forced = false): Promise<void> {
    if (this.reattaching.has(q.queue)) return;
    this.reattaching.add(q.queue);
    try {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          if (!forced || attempt > 1) {
            const info = await this.withChannel((ch) => ch.checkQueue(q.queue)).catch(() => null);
            if (info && info.consumerCount > 0) {
              q.attached = true;
              q.problem = undefined;
              this.log.log(`${q.queue} has a consumer again`);
              return;
            }
          }
          await this.withChannel(async (ch) => {
            await declareExchange(ch);
            await declareQueueTopology(ch, q.queue, q.routingKeys, this.retryDelaysMs);
          });
          const newTag = tag ? await this.amqp.resumeConsumer(tag) : null;
          if (!newTag) throw new Error(`consumer ${tag ?? '?'} is unknown to the connection`);
          q.tag = newTag;
          q.attached = true;
          q.problem = undefined;
          this.log.log(`re-attached to ${q.queue} as ${newTag}`);
          return;
        } catch (err) {
          q.problem = `re-attach failed: ${err instanceof Error ? err.message : String(err)}`;
          this.log.warn(`${q.queue}: ${q.problem} (attempt ${attempt})`);
          await new Promise((r) => setTimeout(r, Math.min(5_000, 500 * attempt)));
        }
      }
    } finally {
      this.reattaching.delete(q.queue);
    }
  }

  /**
   * Periodic reconcile: declares the queue's topology again (idempotent; restores bindings lost
   * when someone deleted and re-declared the queue, in which case RabbitMQ may even leave our
   * consumer attached to the new, unbound queue), then checks that the queue has a consumer.
   * A queue re-declared with other arguments cannot be fixed here: readiness fails until it is.
   */
  private async check(): Promise<void> {
    if (this.stopped || !this.amqp.connected) return;
    for (const q of this.queues) {
      if (this.reattaching.has(q.queue)) continue;
      try {
        const info = await this.withChannel(async (ch) => {
          await declareExchange(ch);
          await declareQueueTopology(ch, q.queue, q.routingKeys, this.retryDelaysMs);
          return ch.checkQueue(q.queue);
        });
        if (info.consumerCount === 0) {
          if (q.attached) this.log.error(`${q.queue} has no consumer; re-attaching`);
          q.attached = false;
          q.problem = 'queue has no consumer';
          void this.reattach(q, q.tag);
        } else if (!q.attached) {
          this.log.log(`${q.queue} is consumed again`);
          q.attached = true;
          q.problem = undefined;
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/PRECONDITION_FAILED|406/.test(message)) {
          if (q.attached) this.log.error(`${q.queue} cannot be declared as needed: ${message}`);
          q.attached = false;
          q.problem = `queue exists with other arguments: ${message}`;
        }
      }
    }
  }

  /** A short-lived channel of its own: a 404 or 406 closes it, not a channel the kit uses. */
  private async withChannel<R>(fn: (ch: Channel) => Promise<R>): Promise<R> {
    const connection = this.amqp.connection as unknown as ChannelModel;
    const ch = await connection.createChannel();
    ch.on('error', () => undefined);
    try {
      return await fn(ch);
    } finally {
      await ch.close().catch(() => undefined);
    }
  }
}
