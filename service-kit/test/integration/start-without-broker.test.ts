// A service process started while the broker is down starts and serves (orders go into the
// outbox), stays live and ready, and once the broker is there declares the topology, publishes
// what accumulated and consumes it. Its start-up lines are written as JSON while the start is
// still under way, not held back until it ends. Needs a way to stop the broker: INFRA_CTL with
// AMQP_URL/MONGODB_URI (the pipeline sets it), or containers.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Connection } from 'mongoose';
import { testInfra, type TestScope } from '../../src/testing';
import {
  baseEnv,
  connectDb,
  fileScope,
  pendingOutbox,
  spawnExample,
  waitFor,
  type Child,
} from '../helpers';

let scope: TestScope;
let db: Connection;

before(async () => {
  // A vhost of its own with nothing declared in it: all of the topology comes from the process.
  scope = await fileScope('start-without-broker');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

const freePort = (): number => 20_000 + Math.floor(Math.random() * 20_000);

/** Resolves `check`'s value, or fails as soon as the child exits (a start that gave up). */
async function whileRunning<T>(child: Child, what: string, check: () => Promise<T>): Promise<T> {
  const exited = child.exited.then(({ code, signal }) => {
    throw new Error(
      `the process exited (${code ?? signal}) before ${what}: ${child.lines.slice(-3).join(' | ')}`,
    );
  });
  exited.catch(() => undefined); // the exit at the end of the test is expected
  return Promise.race([check(), exited]);
}

test(
  'started while the broker is down: serves, stays up, and delivers once the broker is there',
  { timeout: 180_000 },
  async () => {
    const infra = await testInfra();
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const status = async (path: string): Promise<number> => (await fetch(`${base}${path}`)).status;
    await infra.stop('rabbitmq');
    let child: Child | undefined;
    try {
      child = spawnExample({ ...baseEnv(scope), PORT: String(port), LOG_LEVEL: 'info' });
      const running = child;
      await whileRunning(running, 'answering HTTP', () =>
        waitFor('HTTP answers', async () => (await status('/health/live')) === 200, 60_000, 200),
      );
      assert.equal(await status('/health/ready'), 200, 'ready: the broker is not needed to serve');
      assert.equal(await status('/health/broker'), 503, 'the broker shows as away');

      const created = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(created.status, 201, 'an order is accepted without the broker');
      const { id } = (await created.json()) as { id: string };
      assert.equal(await pendingOutbox(db, 'example_orders'), 1, 'its event waits in the outbox');
      assert.equal(await status('/health/live'), 200);

      await infra.start('rabbitmq');
      // Published into a topology declared by the process, bound, and consumed: the handler
      // records the order.
      await whileRunning(running, 'consuming the order', () =>
        waitFor(
          'the order consumed',
          () => db.collection('example_ledger').findOne({ _id: id } as never),
          60_000,
          200,
        ),
      );
      await waitFor(
        'the outbox drained',
        async () => (await pendingOutbox(db, 'example_orders')) === 0,
        30_000,
        200,
      );
      await waitFor('consumers attached', async () => (await status('/health/broker')) === 200);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      assert.doesNotMatch(
        metrics,
        /eventshop_events_unroutable_total\{type="order\.created\.v1"\}/,
        'routed to its queue, not parked as unroutable',
      );
      assert.match(
        metrics,
        /eventshop_events_consumed_total\{type="order\.created\.v1",outcome="ack"\} 1/,
      );

      running.process.kill('SIGTERM');
      assert.equal((await running.exited).code, 0, 'a graceful shutdown after a late broker');
    } finally {
      child?.process.kill('SIGKILL');
      await infra.start('rabbitmq');
    }
  },
);

test(
  'start-up lines are written as JSON while the start is under way',
  { timeout: 180_000 },
  async () => {
    // A "database" that accepts connections and never answers: the start waits for it.
    const sockets = new Set<Socket>();
    const silent = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port: dbPort } = silent.address() as { port: number };
    const child = spawnExample({
      ...baseEnv(scope),
      MONGODB_URI: `mongodb://127.0.0.1:${dbPort}/silent?directConnection=true`,
      PORT: String(freePort()),
      LOG_LEVEL: 'info',
    });
    try {
      await whileRunning(child, 'logging its start', () =>
        waitFor(
          'a JSON start-up line',
          () =>
            child.lines.some((l) => {
              try {
                const line = JSON.parse(l) as { msg?: unknown; service?: unknown };
                return (
                  line.service === 'example-service' && line.msg === 'Starting Nest application...'
                );
              } catch {
                return false;
              }
            }),
          150_000,
          200,
        ),
      );
      // The line came before the start reached the database; it is still waiting for it there.
      await whileRunning(child, 'connecting to the database', () =>
        waitFor('the start contacting the database', () => sockets.size > 0, 60_000, 100),
      );
      assert.ok(
        !child.lines.some((l) => l.includes('Nest application successfully started')),
        'the start is still under way',
      );
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
      for (const s of sockets) s.destroy();
      silent.close();
    }
  },
);
