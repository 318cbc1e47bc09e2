// Poison: a handful of messages no handler can ever process — not JSON, not a CloudEvent, or a
// CloudEvent whose data breaks its schema — published with routing keys the services consume.
// The kit parks an invalid message at once in `<queue>.dlq`; afterwards every DLQ must hold
// exactly the poison routed to its queue, each once, and nothing else.
import { randomUUID } from 'node:crypto';
import { EVENTS_EXCHANGE, TAP_QUEUE, type BrokerMessage, type Management } from './management';

export const POISON_MARK = 'chaos-poison';

export interface Poison {
  readonly marker: string;
  readonly routingKey: string;
  readonly why: string;
  readonly payload: string;
}

function envelope(type: string, marker: string, data: unknown, overrides: object = {}): string {
  return JSON.stringify({
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: `/${marker}`,
    time: new Date().toISOString(),
    subject: marker,
    datacontenttype: 'application/json',
    correlationid: marker,
    data,
    ...overrides,
  });
}

/** Six kinds of poison, numbered from `first` (two batches are published during a run). */
export function poisonBatch(runId: string, first: number, count: number): Poison[] {
  const kinds: ((marker: string) => Omit<Poison, 'marker'>)[] = [
    (m) => ({ routingKey: 'order.created.v1', why: 'not JSON', payload: `{ not json ${m}` }),
    (m) => ({
      routingKey: 'order.created.v1',
      why: 'data without lines',
      payload: envelope('order.created.v1', m, { orderId: randomUUID() }),
    }),
    (m) => ({
      routingKey: 'inventory.reserved.v1',
      why: 'specversion 0.3, data missing',
      payload: envelope('inventory.reserved.v1', m, undefined, { specversion: '0.3' }),
    }),
    (m) => ({
      routingKey: 'order.confirmed.v1',
      why: 'JSON but no CloudEvent',
      payload: JSON.stringify({ hello: m }),
    }),
    (m) => ({
      routingKey: 'inventory.product-updated.v1',
      why: 'product without price or name',
      payload: envelope('inventory.product-updated.v1', m, { sku: 'CHAOS-POISON' }),
    }),
    (m) => ({
      routingKey: 'order.cancelled.v1',
      why: 'order id not a UUID',
      payload: envelope('order.cancelled.v1', m, { orderId: 'not-a-uuid', reason: 'customer' }),
    }),
  ];
  const batch: Poison[] = [];
  for (let i = 0; i < count; i++) {
    const marker = `${POISON_MARK}-${runId}-${first + i}`;
    batch.push({ marker, ...kinds[(first + i) % kinds.length]!(marker) });
  }
  return batch;
}

/** Publishes each poison once (retrying only a publish the broker did not answer). */
export async function publishPoison(broker: Management, batch: readonly Poison[]): Promise<void> {
  for (const p of batch) {
    const properties = {
      content_type: 'application/cloudevents+json',
      delivery_mode: 2,
      message_id: p.marker,
    };
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        if (!(await broker.publish(p.routingKey, p.payload, properties))) {
          throw new Error(`poison ${p.marker} was not routed to any queue of ${EVENTS_EXCHANGE}`);
        }
        lastError = undefined;
        break;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    if (lastError) throw lastError;
  }
}

/** For each DLQ, the markers of the poison it must hold: the queues bound to each key. */
export async function expectedDeadLetters(
  broker: Management,
  poison: readonly Poison[],
): Promise<Map<string, string[]>> {
  const bindings = (await broker.bindings()).filter((b) => b.queue !== TAP_QUEUE);
  const expected = new Map<string, string[]>();
  for (const b of bindings) expected.set(`${b.queue}.dlq`, expected.get(`${b.queue}.dlq`) ?? []);
  for (const p of poison) {
    for (const b of bindings.filter((x) => x.routingKey === p.routingKey)) {
      expected.get(`${b.queue}.dlq`)!.push(p.marker);
    }
  }
  return expected;
}

/** Every message of a DLQ, browsed (taken and put back). */
export async function browse(broker: Management, queue: string): Promise<BrokerMessage[]> {
  return broker.get(queue, 500, true);
}

export function markerOf(message: BrokerMessage): string | undefined {
  return new RegExp(`${POISON_MARK}-[0-9a-f]+-\\d+`).exec(message.payload)?.[0];
}
