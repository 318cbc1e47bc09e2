import type { ConsumeMessage, Options } from 'amqplib';
import { DeadLetterHeaders } from '../topology';
import type { RawMessage } from '../publisher';

/** Broker-maintained headers that must not be copied onto a re-published message. */
const BROKER_HEADERS = /^x-(death|first-death-|last-death-|delivery-count)/;

/** The message's properties and headers, ready to publish again with `extra` headers. */
export function republish(message: ConsumeMessage, extra: Record<string, unknown>): RawMessage {
  const p = message.properties;
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p.headers ?? {})) {
    if (!BROKER_HEADERS.test(k)) headers[k] = v;
  }
  Object.assign(headers, extra);
  const properties: Options.Publish = {
    contentType: p.contentType as string | undefined,
    contentEncoding: p.contentEncoding as string | undefined,
    messageId: p.messageId as string | undefined,
    correlationId: p.correlationId as string | undefined,
    type: p.type as string | undefined,
    timestamp: p.timestamp as number | undefined,
    appId: p.appId as string | undefined,
    headers,
  };
  return { content: message.content, properties };
}

/** Failed attempts recorded on the message (0 for a fresh one). */
export function failedAttempts(message: ConsumeMessage): number {
  const n = Number(message.properties.headers?.[DeadLetterHeaders.attempts] ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The event's routing key: tiers return messages with the queue's name as routing key. */
export function originalRoutingKey(message: ConsumeMessage): string {
  const h = message.properties.headers?.[DeadLetterHeaders.originalRoutingKey];
  return typeof h === 'string' && h.length > 0 ? h : message.fields.routingKey;
}

export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 1000 ? `${text.slice(0, 1000)}…` : text;
}
