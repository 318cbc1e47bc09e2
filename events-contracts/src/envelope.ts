import { Type, type Static } from '@sinclair/typebox';
import type { EventDataMap } from './schemas';
import { DATA_CONTENT_TYPE, type EventType } from './types';

/**
 * CloudEvents 1.0 in structured JSON mode, as EventShop uses it: `time`, `subject` and
 * `correlationid` are required here although CloudEvents makes them optional. Other extension
 * attributes are allowed, as CloudEvents allows them. `data` is checked by the schema of `type`.
 */
export const envelopeSchema = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({
      format: 'uuid',
      description: 'Unique per event; consumers deduplicate on it',
    }),
    type: Type.String({ minLength: 1, description: 'Event type, also the AMQP routing key' }),
    source: Type.String({
      minLength: 1,
      description: 'URI-reference of the producer, e.g. /order-service',
    }),
    time: Type.String({ format: 'date-time', description: 'RFC 3339 time of the occurrence' }),
    subject: Type.String({
      minLength: 1,
      description: 'The order id, or the SKU for product updates',
    }),
    datacontenttype: Type.Literal(DATA_CONTENT_TYPE),
    data: Type.Unknown(),
    correlationid: Type.String({
      minLength: 1,
      maxLength: 256,
      description: 'Id shared by every event of one business flow (the saga)',
    }),
    causationid: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'Id of the event that caused this one',
      }),
    ),
    traceparent: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C Trace Context traceparent',
      }),
    ),
  },
  { title: 'CloudEventEnvelope', description: 'CloudEvents 1.0 structured-mode envelope' },
);

export type Envelope = Static<typeof envelopeSchema>;

/** An event of type T: the envelope with `type` and `data` narrowed. */
export type CloudEvent<T extends EventType> = Omit<Envelope, 'type' | 'data'> & {
  type: T;
  data: EventDataMap[T];
};

/** Any EventShop event, discriminated by `type`. */
export type AnyCloudEvent = { [K in EventType]: CloudEvent<K> }[EventType];
