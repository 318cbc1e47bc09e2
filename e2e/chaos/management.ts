// RabbitMQ's management HTTP API, scoped to the run's vhost: enough to tap the events exchange,
// publish copies and poison, and read queue depths and dead-letter queues. No AMQP client needed.

export interface QueueInfo {
  readonly name: string;
  readonly messages: number;
  readonly messagesUnacknowledged: number;
  readonly consumers: number;
}

export interface BrokerMessage {
  readonly routingKey: string;
  readonly payload: string;
  readonly properties: Record<string, unknown>;
}

interface RawMessage {
  routing_key: string;
  payload: string;
  payload_encoding: string;
  properties: Record<string, unknown>;
}

export const EVENTS_EXCHANGE = 'eventshop.events';
/** The suite's own queue on the exchange (see duplicates.ts); not a service's. */
export const TAP_QUEUE = 'chaos.tap';

export class Management {
  private readonly origin: string;
  private readonly authorization: string;
  private readonly v: string;

  constructor(managementUrl: string, vhost: string) {
    const u = new URL(managementUrl);
    this.origin = u.origin;
    const user = decodeURIComponent(u.username || 'guest');
    const password = decodeURIComponent(u.password || 'guest');
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.v = encodeURIComponent(vhost);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.origin}/api${path}`, {
      method,
      headers: { authorization: this.authorization, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`management ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A classic durable queue bound to every routing key of the events exchange. */
  async declareTap(queue: string): Promise<void> {
    const q = encodeURIComponent(queue);
    await this.call('PUT', `/queues/${this.v}/${q}`, {
      durable: true,
      auto_delete: false,
      arguments: { 'x-queue-type': 'classic' },
    });
    await this.call('POST', `/bindings/${this.v}/e/${EVENTS_EXCHANGE}/q/${q}`, {
      routing_key: '#',
    });
  }

  async queues(): Promise<QueueInfo[]> {
    const raw = await this.call<
      { name: string; messages?: number; messages_unacknowledged?: number; consumers?: number }[]
    >('GET', `/queues/${this.v}?columns=name,messages,messages_unacknowledged,consumers`);
    return raw.map((q) => ({
      name: q.name,
      messages: q.messages ?? 0,
      messagesUnacknowledged: q.messages_unacknowledged ?? 0,
      consumers: q.consumers ?? 0,
    }));
  }

  /** Queues bound to the events exchange, with their routing keys. */
  async bindings(): Promise<{ queue: string; routingKey: string }[]> {
    const raw = await this.call<{ source: string; destination: string; routing_key: string }[]>(
      'GET',
      `/exchanges/${this.v}/${EVENTS_EXCHANGE}/bindings/source`,
    );
    return raw.map((b) => ({ queue: b.destination, routingKey: b.routing_key }));
  }

  /** Takes up to `count` messages off a queue (`requeue`: put them back, i.e. browse). */
  async get(queue: string, count: number, requeue: boolean): Promise<BrokerMessage[]> {
    const raw = await this.call<RawMessage[]>(
      'POST',
      `/queues/${this.v}/${encodeURIComponent(queue)}/get`,
      {
        count,
        ackmode: requeue ? 'ack_requeue_true' : 'ack_requeue_false',
        encoding: 'auto',
        truncate: 1_000_000,
      },
    );
    return raw.map((m) => ({
      routingKey: m.routing_key,
      payload:
        m.payload_encoding === 'base64' ? Buffer.from(m.payload, 'base64').toString() : m.payload,
      properties: m.properties,
    }));
  }

  /** Publishes to the events exchange; true when the broker routed it to some queue. */
  async publish(
    routingKey: string,
    payload: string,
    properties: Record<string, unknown>,
  ): Promise<boolean> {
    const answer = await this.call<{ routed: boolean }>(
      'POST',
      `/exchanges/${this.v}/${EVENTS_EXCHANGE}/publish`,
      { properties, routing_key: routingKey, payload, payload_encoding: 'string' },
    );
    return answer.routed;
  }
}
