import { Logger } from '@nestjs/common';
import type { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import type { Channel, ChannelModel } from 'amqplib';
import { declareBoundQueue } from '../topology';

export interface WatchedQueue {
  readonly queue: string;
  readonly channelName: string;
  readonly routingKeys: readonly string[];
  /** Latest consumer tag this process consumes the queue with. */
  tag: string | undefined;
  attached: boolean;
  /** Why it is not attached (for readiness). */
  problem?: string;
  /** The channel this process consumes the queue on now (replaced on every reconnect). */
  channel?: Channel;
}

/**
 * Consumers registered on this process's channel: amqplib adds a tag on the broker's
 * consume-ok and removes it on a cancel (the broker's or ours). Not a public field of amqplib,
 * hence checked at start.
 */
function consumersOn(channel: Channel): Map<string, unknown> {
  const map = (channel as unknown as { consumers?: unknown }).consumers;
  if (!(map instanceof Map)) throw new Error('amqplib no longer keeps its consumers per channel');
  return map as Map<string, unknown>;
}

/**
 * golevelup re-attaches consumers after a broker restart, but not when their queue is deleted and
 * re-created: the broker cancels the consumer, no error is logged, and messages pile up. The
 * watchdog listens for the broker's cancel notification on every consumer channel and re-creates
 * the consumer (after re-declaring the queue, its tiers and DLQ); a periodic check of this
 * process's own consumers catches whatever the notification missed. The queue's consumer count
 * on the broker would not do: with two replicas it counts the other pod's consumer too, and a
 * deaf pod would look healthy. Until re-attached, the queue counts as detached
 * (`/health/broker` fails).
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
        consumersOn(channel);
        q.channel = channel;
        channel.on('close', () => {
          if (q.channel === channel) q.channel = undefined;
        });
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

  /** How many consumers this process has on the queue's channel (0 when it is closed). */
  ownConsumers(q: WatchedQueue): number {
    return q.channel ? consumersOn(q.channel).size : 0;
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
   * Re-declares the queue's topology and resumes the consumer. Unless `forced` (after a
   * cancel), a consumer of this process that reappeared meanwhile (golevelup re-consumes after
   * a reconnect) ends the attempt.
   */
  private async reattach(q: WatchedQueue, tag: string | undefined, forced = false): Promise<void> {
    if (this.reattaching.has(q.queue)) return;
    this.reattaching.add(q.queue);
    try {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          if ((!forced || attempt > 1) && this.ownConsumers(q) > 0) {
            q.attached = true;
            q.problem = undefined;
            this.log.log(`${q.queue} has a consumer again`);
            return;
          }
          await this.withChannel((ch) => declareBoundQueue(ch, q, this.retryDelaysMs));
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
   * consumer attached to the new, unbound queue), then checks that this process still has its
   * consumer on it. A queue re-declared with other arguments cannot be fixed here:
   * `/health/broker` fails until it is.
   */
  private async check(): Promise<void> {
    if (this.stopped || !this.amqp.connected) return;
    for (const q of this.queues) {
      // Not subscribed yet (the broker was away at start): golevelup's consumer setup runs on
      // the channel's connect; without a first tag there is nothing to resume.
      if (this.reattaching.has(q.queue) || q.tag === undefined) continue;
      try {
        await this.withChannel((ch) => declareBoundQueue(ch, q, this.retryDelaysMs));
        if (this.ownConsumers(q) === 0) {
          if (q.attached) this.log.error(`${q.queue}: this process has no consumer; re-attaching`);
          q.attached = false;
          q.problem = 'this process has no consumer on the queue';
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
