import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';
import { ALL_EVENT_TYPES, EVENTS_EXCHANGE } from '../src';
import { buildAsyncApiDocument } from '../src/asyncapi';
import { PACKAGE_ROOT } from './fixtures';

const FILE = join(PACKAGE_ROOT, 'asyncapi.yaml');

interface Doc {
  info: { version: string };
  channels: Record<string, { address: string; bindings: { amqp: Record<string, unknown> } }>;
  operations: Record<
    string,
    { action: string; channel: { $ref: string }; tags: { name: string }[] }
  >;
  components: { messages: Record<string, { payload: unknown; contentType: string }> };
}

/** service → action → routing keys, read back from the operations. */
function operationsByService(doc: Doc): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const op of Object.values(doc.operations)) {
    const channelId = op.channel.$ref.replace('#/channels/', '');
    const service = op.tags[0]!.name;
    const byAction = (out[service] ??= {});
    (byAction[op.action] ??= []).push(doc.channels[channelId]!.address);
  }
  for (const byAction of Object.values(out))
    for (const keys of Object.values(byAction)) keys.sort();
  return out;
}

describe('asyncapi.yaml', () => {
  const committed = readFileSync(FILE, 'utf8');

  it('is a valid AsyncAPI 3.0 document (no error diagnostics)', async () => {
    const { document, diagnostics } = await new Parser().parse(committed);
    const errors = diagnostics.filter((d) => d.severity === 0);
    assert.deepEqual(
      errors.map((d) => `${d.path.join('/')}: ${d.message}`),
      [],
    );
    assert.ok(document, 'the parser returned no document');
    assert.equal(document.version(), '3.0.0');
    assert.equal(document.channels().length, 8);
  });

  it('is not stale: equals a fresh generation', () => {
    const fresh = execFileSync(process.execPath, ['scripts/generate-asyncapi.mjs', '--stdout'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
    });
    assert.ok(
      fresh === committed,
      'asyncapi.yaml differs from the schemas: run `npm run generate:asyncapi` and commit it',
    );
  });

  it('has one channel per routing key on the topic exchange', () => {
    const doc = parse(committed) as Doc;
    const channels = Object.values(doc.channels);
    assert.deepEqual(channels.map((c) => c.address).sort(), [...ALL_EVENT_TYPES].sort());
    for (const channel of channels) {
      assert.equal(channel.bindings.amqp['is'], 'routingKey');
      assert.deepEqual(channel.bindings.amqp['exchange'], {
        name: EVENTS_EXCHANGE,
        type: 'topic',
        durable: true,
        autoDelete: false,
        vhost: '/',
      });
    }
  });

  it('names the producing and consuming services in send/receive operations', () => {
    const doc = parse(committed) as Doc;
    assert.deepEqual(operationsByService(doc), {
      'order-service': {
        send: ['order.cancelled.v1', 'order.confirmed.v1', 'order.created.v1', 'order.rejected.v1'],
        // inventory.released.v1 has no consumer: a fact for future consumers and audit.
        receive: [
          'inventory.product-updated.v1',
          'inventory.reservation-failed.v1',
          'inventory.reserved.v1',
        ],
      },
      'inventory-service': {
        send: [
          'inventory.product-updated.v1',
          'inventory.released.v1',
          'inventory.reservation-failed.v1',
          'inventory.reserved.v1',
        ],
        receive: ['order.cancelled.v1', 'order.confirmed.v1', 'order.created.v1'],
      },
      'notification-service': {
        receive: ['order.cancelled.v1', 'order.confirmed.v1', 'order.rejected.v1'],
      },
    });
  });

  it('carries the envelope and the data schema in every message', () => {
    const doc = buildAsyncApiDocument('1.0.0') as unknown as Doc & {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const message = doc.components.messages['OrderCreatedV1']!;
    assert.equal(message.contentType, 'application/cloudevents+json');
    assert.deepEqual(message.payload, {
      allOf: [
        { $ref: '#/components/schemas/CloudEventEnvelope' },
        {
          type: 'object',
          properties: {
            type: { const: 'order.created.v1' },
            data: { $ref: '#/components/schemas/OrderCreatedV1Data' },
          },
        },
      ],
    });
    const quantity = (
      doc.components.schemas['OrderCreatedV1Data']!.properties['lines'] as {
        items: { properties: Record<string, unknown> };
      }
    ).items.properties['quantity'];
    assert.deepEqual(quantity, { minimum: 1, maximum: 1000, type: 'integer' });
    assert.ok('correlationid' in doc.components.schemas['CloudEventEnvelope']!.properties);
  });
});
