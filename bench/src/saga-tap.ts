// A tap on the pipeline's exchange: an exclusive, auto-ack queue bound to `#` that sees every event.
// It counts events (events/s through the broker) and pairs each order's "created" with its
// outcome, giving saga completion latency: created (the time the service stamped on the created
// event) to the outcome event reaching the broker.
import * as amqp from 'amqplib';

export type Seen =
  | { readonly kind: 'created'; readonly orderId: string; readonly createdMs: number }
  | { readonly kind: 'outcome'; readonly orderId: string }
  | { readonly kind: 'other' };

/** Reads one message of a pipeline: which order it is about and what it says. */
export type Classifier = (routingKey: string, body: string) => Seen;

/** The services' CloudEvents: `subject` is the order id, `time` its creation. */
export const cloudEvents: Classifier = (routingKey, body) => {
  if (routingKey === 'order.created.v1') {
    const event = JSON.parse(body) as { subject: string; time: string };
    return { kind: 'created', orderId: event.subject, createdMs: Date.parse(event.time) };
  }
  if (routingKey === 'order.confirmed.v1' || routingKey === 'order.rejected.v1') {
    return { kind: 'outcome', orderId: (JSON.parse(body) as { subject: string }).subject };
  }
  return { kind: 'other' };
};

/** The naive pipeline's Nest RMQ packets: `{ pattern, data }`. */
export const nestPackets: Classifier = (routingKey, body) => {
  if (routingKey === 'order.created') {
    const { data } = JSON.parse(body) as { data: { orderId: string; createdAt: number } };
    return { kind: 'created', orderId: data.orderId, createdMs: data.createdAt };
  }
  if (routingKey === 'order.confirmed') {
    return {
      kind: 'outcome',
      orderId: (JSON.parse(body) as { data: { orderId: string } }).data.orderId,
    };
  }
  return { kind: 'other' };
};

export interface Completion {
  readonly createdMs: number;
  readonly doneMs: number;
}

export class SagaTap {
  events = 0;
  /** Times the tap lost its connection (a broker restart) and opened it again. */
  reconnects = 0;
  /** The body of the first created event seen (a sample of what the service writes). */
  firstCreated: string | undefined;
  private readonly created = new Map<string, number>();
  private readonly early = new Map<string, number>();
  private readonly completions: Completion[] = [];
  private connection: amqp.ChannelModel | undefined;
  private closing = false;

  private constructor(
    private readonly amqpUrl: string,
    private readonly exchange: string,
    private readonly classify: Classifier,
  ) {}

  static async open(amqpUrl: string, exchange: string, classify: Classifier): Promise<SagaTap> {
    const tap = new SagaTap(amqpUrl, exchange, classify);
    await tap.connect();
    return tap;
  }

  private async connect(): Promise<void> {
    const connection = await amqp.connect(this.amqpUrl);
    connection.on('error', () => undefined);
    connection.on('close', () => {
      if (this.closing) return;
      this.reconnects++;
      void this.reconnect();
    });
    const channel = await connection.createChannel();
    await channel.checkExchange(this.exchange);
    const { queue } = await channel.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
    });
    await channel.bindQueue(queue, this.exchange, '#');
    await channel.consume(
      queue,
      (msg) => msg && this.seen(msg.fields.routingKey, msg.content.toString()),
      { noAck: true },
    );
    this.connection = connection;
  }

  /** After a broker restart: open again every second until it works (what was sent meanwhile is not seen). */
  private async reconnect(): Promise<void> {
    while (!this.closing) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      try {
        await this.connect();
        return;
      } catch {
        // still down
      }
    }
  }

  private seen(routingKey: string, body: string): void {
    const now = Date.now();
    this.events++;
    let what: Seen;
    try {
      what = this.classify(routingKey, body);
    } catch {
      return;
    }
    if (what.kind === 'created') {
      this.firstCreated ??= body;
      const doneMs = this.early.get(what.orderId);
      if (doneMs !== undefined) {
        this.early.delete(what.orderId);
        this.completions.push({ createdMs: what.createdMs, doneMs });
      } else {
        this.created.set(what.orderId, what.createdMs);
      }
    } else if (what.kind === 'outcome') {
      const createdMs = this.created.get(what.orderId);
      if (createdMs === undefined) {
        this.early.set(what.orderId, now);
      } else {
        this.created.delete(what.orderId);
        this.completions.push({ createdMs, doneMs: now });
      }
    }
  }

  /** Orders seen created whose outcome has not been seen yet (the saga's backlog). */
  get outstanding(): number {
    return this.created.size;
  }

  /** Sagas of orders created in [fromMs, toMs]. */
  completedBetween(fromMs: number, toMs: number): Completion[] {
    return this.completions.filter((c) => c.createdMs >= fromMs && c.createdMs <= toMs);
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.connection?.close().catch(() => undefined);
  }
}
