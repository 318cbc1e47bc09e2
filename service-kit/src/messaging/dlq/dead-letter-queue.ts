import amqp, { type ChannelModel, type ConfirmChannel, type GetMessage } from 'amqplib';
import { DeadLetterHeaders, deadLetterQueueName } from '../topology';

/** A message parked in a dead-letter queue, as `list` and `show` present it. */
export interface ParkedMessage {
  /** 1-based position in the DLQ at the time it was read. */
  readonly position: number;
  readonly eventId: string | undefined;
  readonly type: string | undefined;
  /** Why it was parked: a kit reason, or the broker's (`delivery_limit`, …) from `x-death`. */
  readonly reason: string | undefined;
  readonly attempts: number | undefined;
  readonly lastError: string | undefined;
  readonly queue: string;
  readonly deadAt: string | undefined;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

export type ReplaySelection = { readonly all: true } | { readonly ids: readonly string[] };

const WORK_QUEUE_HEADERS_TO_DROP = [
  DeadLetterHeaders.attempts,
  DeadLetterHeaders.reason,
  DeadLetterHeaders.lastError,
  DeadLetterHeaders.deadAt,
];

/** `orders.x` and `orders.x.dlq` both name the DLQ of the work queue `orders.x`. */
function workQueueOf(queue: string): string {
  return queue.endsWith('.dlq') ? queue.slice(0, -'.dlq'.length) : queue;
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Buffer.isBuffer(v) ? v.toString() : String(v);
}

function describe(msg: GetMessage, position: number, workQueue: string): ParkedMessage {
  const headers = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const death = Array.isArray(headers['x-death'])
    ? (headers['x-death'][0] as Record<string, unknown> | undefined)
    : undefined;
  let type = str(headers[DeadLetterHeaders.originalRoutingKey]) ?? str(msg.properties.type);
  let eventId = str(msg.properties.messageId);
  try {
    const parsed = JSON.parse(msg.content.toString()) as { id?: unknown; type?: unknown };
    if (typeof parsed.id === 'string') eventId ??= parsed.id;
    if (typeof parsed.type === 'string') type ??= parsed.type;
  } catch {
    // not JSON: that is often why it is here
  }
  const attempts = headers[DeadLetterHeaders.attempts];
  return {
    position,
    eventId,
    type,
    reason: str(headers[DeadLetterHeaders.reason]) ?? str(death?.reason),
    attempts: attempts === undefined ? undefined : Number(attempts),
    lastError: str(headers[DeadLetterHeaders.lastError]),
    queue: str(headers[DeadLetterHeaders.queue]) ?? workQueue,
    deadAt: str(headers[DeadLetterHeaders.deadAt]),
    headers,
    body: msg.content.toString(),
  };
}

/**
 * Lists, shows, replays and purges the messages parked in `<queue>.dlq`. Reading takes each
 * message without acking it and returns it afterwards, so listing changes nothing; replay
 * publishes a message back to its work queue with a confirm and only then acks it from the DLQ.
 */
export class DeadLetterQueue {
  private constructor(
    private readonly connection: ChannelModel,
    private readonly channel: ConfirmChannel,
  ) {}

  static async connect(amqpUrl: string): Promise<DeadLetterQueue> {
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return new DeadLetterQueue(connection, channel);
  }

  async close(): Promise<void> {
    await this.channel.close().catch(() => undefined);
    await this.connection.close().catch(() => undefined);
  }

  async count(queue: string): Promise<number> {
    const { messageCount } = await this.channel.checkQueue(deadLetterQueueName(workQueueOf(queue)));
    return messageCount;
  }

  async list(queue: string, limit = 1_000): Promise<ParkedMessage[]> {
    const work = workQueueOf(queue);
    return this.browse(work, limit, async (msgs) => msgs.map((m, i) => describe(m, i + 1, work)));
  }

  /** By 1-based position or by event id. */
  async show(queue: string, ref: number | string): Promise<ParkedMessage | undefined> {
    const all = await this.list(queue);
    return typeof ref === 'number' ? all[ref - 1] : all.find((m) => m.eventId === ref);
  }

  /** Moves the selected messages back to their work queue; returns how many were moved. */
  async replay(queue: string, selection: ReplaySelection): Promise<number> {
    const work = workQueueOf(queue);
    const wanted = 'ids' in selection ? new Set(selection.ids) : undefined;
    return this.browse(work, Number.MAX_SAFE_INTEGER, async (msgs) => {
      const chosen = msgs.filter((m, i) => {
        const id = describe(m, i + 1, work).eventId;
        return !wanted || (id !== undefined && wanted.has(id));
      });
      for (const m of chosen) {
        const headers = { ...(m.properties.headers ?? {}) } as Record<string, unknown>;
        const target = str(headers[DeadLetterHeaders.queue]) ?? work;
        for (const h of Object.keys(headers)) {
          if (/^x-(death|first-death-|last-death-|delivery-count)/.test(h)) delete headers[h];
        }
        for (const h of WORK_QUEUE_HEADERS_TO_DROP) delete headers[h];
        headers[DeadLetterHeaders.replayedAt] = new Date().toISOString();
        this.channel.publish('', target, m.content, {
          persistent: true,
          contentType: m.properties.contentType as string | undefined,
          messageId: m.properties.messageId as string | undefined,
          type: m.properties.type as string | undefined,
          timestamp: m.properties.timestamp as number | undefined,
          headers,
        });
      }
      await this.channel.waitForConfirms();
      for (const m of chosen) this.channel.ack(m);
      return chosen.length;
    });
  }

  async purge(queue: string): Promise<number> {
    const { messageCount } = await this.channel.purgeQueue(deadLetterQueueName(workQueueOf(queue)));
    return messageCount;
  }

  /**
   * Takes up to `limit` messages (at most those present when it starts) without acking, lets
   * `fn` use them, then returns every message `fn` did not ack to the queue.
   */
  private async browse<R>(
    work: string,
    limit: number,
    fn: (msgs: GetMessage[]) => Promise<R>,
  ): Promise<R> {
    const dlq = deadLetterQueueName(work);
    const { messageCount } = await this.channel.checkQueue(dlq);
    const msgs: GetMessage[] = [];
    try {
      while (msgs.length < Math.min(limit, messageCount)) {
        const m = await this.channel.get(dlq, { noAck: false });
        if (!m) break;
        msgs.push(m);
      }
      return await fn(msgs);
    } finally {
      // Unacked ones go back; acked ones are gone. nackAll only touches outstanding ones.
      this.channel.nackAll(true);
    }
  }
}
