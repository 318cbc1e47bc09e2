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

/** Replayed messages confirmed and acked together (bounds what a replay holds in memory). */
const REPLAY_PAGE = 100;

/**
 * Lists, shows, replays and purges the messages parked in `<queue>.dlq`, one message at a time,
 * so a DLQ of any size is read in bounded memory. Reading takes each message without acking it
 * and returns every one not replayed when the pass ends, so listing changes nothing; replay
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

  /**
   * The parked messages, oldest first, one at a time (at most those present when it starts);
   * all of them are returned to the DLQ when the iteration ends, however it ends.
   */
  async *messages(queue: string): AsyncGenerator<ParkedMessage> {
    const work = workQueueOf(queue);
    try {
      for await (const [m, position] of this.take(work)) yield describe(m, position, work);
    } finally {
      this.returnUnacked();
    }
  }

  /** The first `limit` parked messages. */
  async list(queue: string, limit = 1_000): Promise<ParkedMessage[]> {
    const out: ParkedMessage[] = [];
    if (limit <= 0) return out;
    for await (const m of this.messages(queue)) {
      out.push(m);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** By 1-based position or by event id; reads no further than the message. */
  async show(queue: string, ref: number | string): Promise<ParkedMessage | undefined> {
    for await (const m of this.messages(queue)) {
      if (typeof ref === 'number' ? m.position === ref : m.eventId === ref) return m;
    }
    return undefined;
  }

  /**
   * Moves the selected messages back to their work queue, a page at a time (published, confirmed,
   * then acked from the DLQ); returns how many were moved.
   */
  async replay(queue: string, selection: ReplaySelection): Promise<number> {
    const work = workQueueOf(queue);
    const wanted = 'ids' in selection ? new Set(selection.ids) : undefined;
    // Delivery tags only (not the messages) of those left in the DLQ, returned at the end.
    const kept: number[] = [];
    let page: GetMessage[] = [];
    let moved = 0;
    const settle = async (): Promise<void> => {
      await this.channel.waitForConfirms();
      for (const m of page) this.channel.ack(m);
      moved += page.length;
      page = [];
    };
    try {
      for await (const [m, position] of this.take(work)) {
        const id = describe(m, position, work).eventId;
        if (wanted && (id === undefined || !wanted.has(id))) {
          kept.push(m.fields.deliveryTag);
          continue;
        }
        this.republish(m, work);
        page.push(m);
        if (page.length >= REPLAY_PAGE) await settle();
        if (wanted && id !== undefined && wanted.delete(id) && wanted.size === 0) break;
      }
      if (page.length > 0) await settle();
    } catch (err) {
      // The unconfirmed page goes back too: it may be in the work queue as well (consumers
      // deduplicate), but it is never lost.
      this.returnUnacked();
      throw err;
    }
    // Each kept message by its own tag, not "every outstanding one": RabbitMQ 3.10 was seen to
    // return some just-acked messages of a quorum queue too when the acks were followed at once
    // by a nack of all outstanding deliveries.
    for (const deliveryTag of kept) {
      this.channel.nack({ fields: { deliveryTag } } as GetMessage, false, true);
    }
    await this.settled(work);
    return moved;
  }

  async purge(queue: string): Promise<number> {
    const { messageCount } = await this.channel.purgeQueue(deadLetterQueueName(workQueueOf(queue)));
    return messageCount;
  }

  /** Publishes a parked message to its work queue as it was first delivered. */
  private republish(m: GetMessage, work: string): void {
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

  /**
   * Takes the DLQ's messages one at a time without acking them (at most those present when it
   * starts) and yields each with its 1-based position; the caller keeps a message only as long
   * as it needs it, and calls `returnUnacked` when its pass ends.
   */
  private async *take(work: string): AsyncGenerator<[GetMessage, number]> {
    const dlq = deadLetterQueueName(work);
    const { messageCount } = await this.channel.checkQueue(dlq);
    for (let position = 1; position <= messageCount; position++) {
      const m = await this.channel.get(dlq, { noAck: false });
      if (!m) return;
      yield [m, position];
    }
  }

  /**
   * Returns once the broker has applied the acks and nacks sent before: a quorum queue settles
   * them asynchronously, and a channel closed at once had some of its just-acked messages
   * returned (seen on RabbitMQ 3.10). A `basic.get` is a synchronous command of the same queue
   * client, applied after everything it sent before; what it takes goes back at once.
   */
  private async settled(work: string): Promise<void> {
    const m = await this.channel.get(deadLetterQueueName(work), { noAck: false });
    if (m) this.channel.nack(m, false, true);
  }

  /** Unacked ones go back; acked ones are gone. nackAll only touches outstanding ones. */
  private returnUnacked(): void {
    this.channel.nackAll(true);
  }
}
