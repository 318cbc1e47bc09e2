// The database restarted under in-flight load: the app must get its connection back by itself
// (readiness 200 again, writes accepted); meanwhile requests are answered 503 with Retry-After
// at once and liveness stays 200 (an outage elsewhere restarts no pod). Needs a way to stop the database: INFRA_CTL with
// AMQP_URL/MONGODB_URI (the pipeline sets it), or containers. Restarts the database the test
// env points at: keep these tests few.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createServiceApp, useProblemDetails } from '../../src';
import { testInfra, type TestScope } from '../../src/testing';
import { exampleModule } from '../example/example.module';
import { baseEnv, fileScope, startExample, waitFor } from '../helpers';

/** The driver's server monitor, as far as this test touches it (mongodb 7). */
interface DriverMonitor {
  readonly connection: { readonly socket: { destroy(): void } } | null;
  readonly s: { readonly state: string };
  requestCheck(): void;
}

let scope: TestScope;

before(async () => {
  scope = await fileScope('dbrestart');
});
after(async () => {
  await scope?.dispose();
});

async function status(app: NestFastifyApplication, url: string): Promise<number> {
  return (await app.inject({ method: 'GET', url })).statusCode;
}

/** POSTs orders from `workers` concurrent clients until stopped; counts the accepted ones. */
function load(app: NestFastifyApplication, workers: number): { stop(): Promise<number> } {
  let running = true;
  let accepted = 0;
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
      if (res.statusCode === 201) accepted++;
      else await new Promise((r) => setTimeout(r, 100));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return accepted;
    },
  };
}

async function assertRecovers(app: NestFastifyApplication): Promise<void> {
  await waitFor(
    'readiness 200 again',
    async () => (await status(app, '/health/ready')) === 200,
    90_000,
    500,
  );
  const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
  assert.equal(res.statusCode, 201, `a write after the restart: ${res.body}`);
  const id = res.json<{ id: string }>().id;
  assert.equal((await app.inject({ method: 'GET', url: `/orders/${id}` })).statusCode, 200);
}

describe('database restart', () => {
  test(
    'stopped under in-flight writes: readiness fails, requests get 503 + Retry-After at once, liveness stays up, all recover after the start',
    { timeout: 240_000 },
    async () => {
      const infra = await testInfra();
      const app = await createServiceApp(exampleModule({ consumers: [] }), {
        env: baseEnv(scope, {
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
          MONGODB_WATCHDOG_INTERVAL_MS: '1s',
        }),
        configure: (a) => useProblemDetails(a),
      });
      try {
        assert.equal(await status(app, '/health/live'), 200);
        const writers = load(app, 8);
        try {
          await new Promise((r) => setTimeout(r, 1_000));
          await infra.stop('mongodb'); // with writes in flight
          await waitFor('readiness 503', async () => (await status(app, '/health/ready')) === 503);
          // Once the driver knows, every request is refused at once, as problem+json.
          for (let i = 0; i < 5; i++) {
            const started = Date.now();
            const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
            const tookMs = Date.now() - started;
            assert.equal(res.statusCode, 503, res.body);
            assert.equal(res.headers['retry-after'], '5');
            assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
            assert.equal(
              res.json<{ type: string }>().type,
              'urn:eventshop:problem:database-unavailable',
            );
            assert.ok(tookMs < 1_000, `answered in ${tookMs} ms`);
          }
          // Liveness does not depend on MongoDB, however long it is away.
          await new Promise((r) => setTimeout(r, 4_000));
          assert.equal(await status(app, '/health/live'), 200);
          await infra.start('mongodb');
          await assertRecovers(app);
          assert.equal(await status(app, '/health/live'), 200);
        } finally {
          await infra.start('mongodb').catch(() => undefined);
          assert.ok((await writers.stop()) > 0, 'writes were accepted');
        }
      } finally {
        await app.close();
      }
    },
  );

  test(
    'a heartbeat written in the turn between the socket being destroyed and its close event does not strand the driver',
    { timeout: 240_000 },
    async () => {
      const infra = await testInfra();
      const app = await startExample(
        scope,
        { consumers: [] },
        {
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'fatal',
          MONGODB_WATCHDOG_INTERVAL_MS: '1s',
        },
      );
      try {
        const writers = load(app, 8);
        try {
          await new Promise((r) => setTimeout(r, 1_000));
          // The race, made certain: Node destroys a socket when the peer closes it and reports
          // `close` a turn later; a heartbeat starting in between writes to a destroyed socket
          // and waits for a `drain` that never comes. Without the watchdog the monitor never
          // reports again and every operation fails server selection for good.
          const client = app.get<Connection>(getConnectionToken()).getClient();
          const internals = client as unknown as {
            topology: { s: { servers: Map<string, { monitor: DriverMonitor }> } };
          };
          const [server] = [...internals.topology.s.servers.values()];
          assert.ok(server?.monitor.connection, 'the monitor has its connection');
          // A requested check runs at once only 500 ms or more after the previous one.
          await new Promise((r) => client.once('serverHeartbeatSucceeded', r));
          await new Promise((r) => setTimeout(r, 700));
          server.monitor.connection.socket.destroy();
          server.monitor.requestCheck();
          assert.equal(server.monitor.s.state, 'monitoring', 'the heartbeat started in the window');
          await infra.restart('mongodb'); // with writes in flight
          await assertRecovers(app);
        } finally {
          await infra.start('mongodb').catch(() => undefined);
          await writers.stop();
        }
      } finally {
        await app.close();
      }
    },
  );
});
