// Readiness is what the pod needs to serve HTTP: with the broker stopped, orders are still
// accepted (the outbox keeps their events) and the pod stays ready and live; the broker's state
// is shown on /health/broker. Needs a way to stop the broker: INFRA_CTL with
// AMQP_URL/MONGODB_URI (the pipeline sets it), or containers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Connection } from 'mongoose';
import { testInfra, type TestScope } from '../../src/testing';
import { connectDb, fileScope, pendingOutbox, startExample, waitFor } from '../helpers';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('readiness');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

const status = async (app: NestFastifyApplication, url: string): Promise<number> =>
  (await app.inject({ method: 'GET', url })).statusCode;

test('a broker outage keeps the pod ready and accepting orders', { timeout: 180_000 }, async () => {
  const infra = await testInfra();
  const app = await startExample(scope, {}, { LOG_LEVEL: 'fatal' });
  try {
    assert.equal(await status(app, '/health/ready'), 200);
    assert.equal(await status(app, '/health/broker'), 200);
    await infra.stop('rabbitmq');
    try {
      await waitFor('broker down', async () => (await status(app, '/health/broker')) === 503);
      assert.equal(await status(app, '/health/ready'), 200);
      assert.equal(await status(app, '/health/live'), 200);
      const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
      assert.equal(res.statusCode, 201, res.body);
      assert.ok((await pendingOutbox(db, 'example_orders')) >= 1, 'kept in the outbox');
    } finally {
      await infra.start('rabbitmq');
    }
    await waitFor(
      'the outbox drained',
      async () => (await pendingOutbox(db, 'example_orders')) === 0,
      60_000,
      500,
    );
    assert.equal(await status(app, '/health/ready'), 200);
  } finally {
    await app.close();
  }
});
