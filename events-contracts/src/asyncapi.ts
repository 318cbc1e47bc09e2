import { EVENT_CATALOG, type ServiceName } from './catalog';
import { envelopeSchema } from './envelope';
import { eventSchemas } from './schemas';
import {
  ALL_EVENT_TYPES,
  CLOUDEVENTS_CONTENT_TYPE,
  EVENTS_EXCHANGE,
  type EventType,
} from './types';

/**
 * The AsyncAPI 3.0 document of every event, derived from the TypeBox schemas: one channel per
 * routing key on the topic exchange, one message per event type (CloudEvents envelope + data),
 * and send/receive operations naming the producing and consuming services.
 * Rendered to asyncapi.yaml by scripts/generate-asyncapi.mjs.
 */
export function buildAsyncApiDocument(version: string): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { CloudEventEnvelope: plain(envelopeSchema) };

  for (const type of ALL_EVENT_TYPES) {
    const entry = EVENT_CATALOG[type];
    const channelId = entry.name.charAt(0).toLowerCase() + entry.name.slice(1);
    const dataSchemaId = `${entry.name}Data`;
    schemas[dataSchemaId] = plain(eventSchemas[type]);
    messages[entry.name] = message(type, dataSchemaId);
    channels[channelId] = {
      address: type,
      title: type,
      summary: entry.summary,
      messages: { [entry.name]: { $ref: `#/components/messages/${entry.name}` } },
      bindings: { amqp: { ...CHANNEL_BINDING } },
    };
    const channel = { $ref: `#/channels/${channelId}` };
    const messageRefs = [{ $ref: `#/channels/${channelId}/messages/${entry.name}` }];
    operations[`${entry.producer}-sends-${entry.name}`] = {
      action: 'send',
      channel,
      title: `${entry.producer} publishes ${type}`,
      summary: entry.summary,
      tags: [{ name: entry.producer }],
      messages: messageRefs,
      bindings: { amqp: { deliveryMode: 2, bindingVersion: AMQP_BINDING_VERSION } },
    };
    for (const consumer of entry.consumers) {
      operations[`${consumer}-receives-${entry.name}`] = {
        action: 'receive',
        channel,
        title: `${consumer} consumes ${type}`,
        summary: `${consumer} reacts to ${type} on its own queue bound to ${type}.`,
        tags: [{ name: consumer }],
        messages: messageRefs,
        bindings: { amqp: { ack: true, bindingVersion: AMQP_BINDING_VERSION } },
      };
    }
  }

  const services = [...new Set(ALL_EVENT_TYPES.map((t) => EVENT_CATALOG[t].producer))];
  return plain({
    asyncapi: '3.0.0',
    info: {
      title: 'EventShop events',
      version,
      description:
        'Every event of EventShop: CloudEvents 1.0 in structured mode (the whole envelope is the ' +
        `AMQP body, content type ${CLOUDEVENTS_CONTENT_TYPE}) published to the durable topic ` +
        `exchange ${EVENTS_EXCHANGE} with the event type as routing key. A breaking change of ` +
        'a type ships as a new major type (.v2) beside the old one.',
      tags: serviceTags(services),
    },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE,
    servers: {
      rabbitmq: {
        host: 'rabbitmq:5672',
        protocol: 'amqp',
        protocolVersion: '0.9.1',
        description: 'The RabbitMQ cluster of the deployment.',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  });
}

const AMQP_BINDING_VERSION = '0.3.0';

const CHANNEL_BINDING = {
  is: 'routingKey',
  exchange: { name: EVENTS_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost: '/' },
  bindingVersion: AMQP_BINDING_VERSION,
};

function message(type: EventType, dataSchemaId: string): Record<string, unknown> {
  const entry = EVENT_CATALOG[type];
  return {
    name: type,
    title: type,
    summary: entry.summary,
    description: `Produced by ${entry.producer}; ${consumedBy(entry.consumers)}. Subject: the ${entry.subject}.`,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    payload: {
      allOf: [
        { $ref: '#/components/schemas/CloudEventEnvelope' },
        {
          type: 'object',
          properties: {
            type: { const: type },
            data: { $ref: `#/components/schemas/${dataSchemaId}` },
          },
        },
      ],
    },
    bindings: { amqp: { messageType: type, bindingVersion: AMQP_BINDING_VERSION } },
  };
}

function consumedBy(consumers: readonly ServiceName[]): string {
  return consumers.length > 0
    ? `consumed by ${consumers.join(', ')}`
    : 'no consumer yet (published for future consumers and audit)';
}

function serviceTags(producers: readonly ServiceName[]): { name: string }[] {
  const all = new Set<ServiceName>(producers);
  for (const type of ALL_EVENT_TYPES) for (const c of EVENT_CATALOG[type].consumers) all.add(c);
  return [...all].map((name) => ({ name }));
}

/** Plain JSON: drops TypeBox's symbol-keyed metadata and shares no object between places. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
