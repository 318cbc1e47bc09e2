import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Logger as PinoLogger } from 'pino';
import { EventFactory, currentContext, redactSecrets, runWithContext } from '../../src';
import { childTraceparent, contextFrom } from '../../src/context/context';
import { loadConfig } from '../../src/config/load-config';
import { loggerParams } from '../../src/logging/logger-options';
import { redactDeep } from '../../src/logging/redact';

test('passwords in URIs are redacted wherever they appear', () => {
  assert.equal(
    redactSecrets('connect amqp://guest:guest@host:5672/x failed'),
    'connect amqp://guest:***@host:5672/x failed',
  );
  assert.equal(
    redactSecrets('mongodb://app:s3cr%40t@db:27017/orders?authSource=admin'),
    'mongodb://app:***@db:27017/orders?authSource=admin',
  );
  assert.equal(redactSecrets('http://host/path?x=1'), 'http://host/path?x=1');
  const deep = redactDeep({
    a: { b: ['amqp://u:p@h'] },
    err: new Error('amqps://u:pw@h down'),
  }) as {
    a: { b: string[] };
    err: { message: string };
  };
  assert.equal(deep.a.b[0], 'amqp://u:***@h');
  assert.equal(deep.err.message, 'amqps://u:***@h down');
});

test('redaction copies only what it changes and never mutates the logged object', () => {
  const clean = { req: { method: 'POST', url: '/orders' }, res: { statusCode: 201 }, ms: 3 };
  assert.equal(redactDeep(clean), clean, 'nothing to redact: the same object');
  const logged = { req: clean.req, uris: ['http://x', 'amqp://u:p@h'] };
  const out = redactDeep(logged) as typeof logged;
  assert.notEqual(out, logged);
  assert.equal(out.req, clean.req, 'an untouched branch is shared');
  assert.deepEqual(out.uris, ['http://x', 'amqp://u:***@h']);
  assert.deepEqual(logged.uris, ['http://x', 'amqp://u:p@h'], 'the original keeps its value');
});

test('a context keeps an incoming trace and starts a new span', () => {
  const ctx = contextFrom({
    correlationId: 'c-1',
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
  });
  assert.equal(ctx.traceId, 'a'.repeat(32));
  assert.notEqual(ctx.spanId, 'b'.repeat(16));
  assert.match(childTraceparent(ctx), new RegExp(`^00-${'a'.repeat(32)}-[0-9a-f]{16}-01$`));
  const fresh = contextFrom({ traceparent: 'garbage' });
  assert.match(fresh.traceId, /^[0-9a-f]{32}$/);
  assert.match(fresh.correlationId, /^[0-9a-f-]{36}$/);
});

test('events created inside a context inherit correlation, causation and trace', () => {
  const factory = new EventFactory({ service: 'order-service' });
  const data = {
    orderId: '5b1e2a44-63a8-4c5e-9a3c-0b5b8a1d1c11',
    lines: [{ sku: 'A', quantity: 1 }],
  };
  const outside = factory.create('inventory.reserved.v1', { subject: data.orderId, data });
  assert.equal(outside.source, '/order-service');
  assert.equal(outside.correlationid, outside.id);
  assert.equal(outside.causationid, undefined);
  const ctx = contextFrom({ correlationId: 'corr-1', causationId: 'evt-0' });
  const inside = runWithContext(ctx, () => {
    assert.equal(currentContext(), ctx);
    return factory.create('inventory.reserved.v1', { subject: data.orderId, data });
  });
  assert.equal(inside.correlationid, 'corr-1');
  assert.equal(inside.causationid, 'evt-0');
  assert.equal(inside.traceparent, childTraceparent(ctx));
});

test('log lines carry the context through the pino mixin', () => {
  const config = loadConfig({}, { MONGODB_URI: 'mongodb://h/db', AMQP_URL: 'amqp://h' });
  const opts = loggerParams(config, 'svc').pinoHttp as {
    mixin: (m: object, l: number, logger: PinoLogger) => object;
  };
  const logger = { bindings: () => ({}) } as unknown as PinoLogger;
  assert.deepEqual(opts.mixin({}, 30, logger), {});
  const ctx = contextFrom({ correlationId: 'corr-9', causationId: 'evt-9' });
  assert.deepEqual(
    runWithContext(ctx, () => opts.mixin({}, 30, logger)),
    {
      correlationId: 'corr-9',
      traceId: ctx.traceId,
      causationId: 'evt-9',
    },
  );
});
