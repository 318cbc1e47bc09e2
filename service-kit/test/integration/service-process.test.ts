// The example service as a real process started by `startService`: env validation, HTTP
// surface (health, metrics, correlation in logs), and a graceful SIGTERM during a burst.
// Both processes (the child, this test) write with pools of connections: single-document writes
// are atomic on the server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp from 'amqplib';
import { createEvent } from '@eventshop/events-contracts';
import type { Connection } from 'mongoose';
import type { TestScope } from '../../src/testing';
import {
  baseEnv,
  connectDb,
  fileScope,
  Observer,
  spawnExample,
  startExample,
  waitFor,
  waitReady,
} from '../helpers';

let scope: TestScope;
let db: Connection;

before(async () => {
  scope = await fileScope('process');
  db = await connectDb(scope);
});
after(async () => {
  await db?.close();
  await scope?.dispose();
});

const freePort = (): number => 20_000 + Math.floor(Math.random() * 20_000);

describe('service process', () => {
  test('a bad or missing env variable stops the process with one line naming it', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ AMQP_URL: 'http://broker:5672' }, 'config: AMQP_URL must use amqp:// or amqps://'],
      [{ MONGODB_URI: '' }, 'config: MONGODB_URI is required but not set'],
      [
        { EXAMPLE_HANDLER_DELAY_MS: 'soon' },
        'config: EXAMPLE_HANDLER_DELAY_MS must be an integer (got "soon")',
      ],
      [
        { SHUTDOWN_GRACE_MS: '10 parsecs' },
        'config: SHUTDOWN_GRACE_MS must be a duration such as 500ms, 10s, 5m or 1h (got "10 parsecs")',
      ],
    ];
    for (const [env, line] of cases) {
      const child = spawnExample({ ...baseEnv(scope), PORT: String(freePort()), ...env });
      const { code } = await child.exited;
      assert.equal(code, 1, line);
      assert.deepEqual(child.lines, [line]);
    }
  });

  test('health, metrics and correlated JSON logs over HTTP', async () => {
    const port = freePort();
    const child = spawnExample({ ...baseEnv(scope), PORT: String(port), LOG_LEVEL: 'info' });
    try {
      await waitReady(port);
      const base = `http://127.0.0.1:${port}`;
      const live = await fetch(`${base}/health/live`);
      assert.equal(live.status, 200);
      // Liveness is the process alone: no other system's state in it.
      assert.deepEqual(((await live.json()) as { details: unknown }).details, {});
      const ready = (await (await fetch(`${base}/health/ready`)).json()) as {
        status: string;
        details: Record<string, { status: string }>;
      };
      assert.equal(ready.status, 'ok');
      assert.deepEqual(Object.keys(ready.details).sort(), ['lifecycle', 'mongodb']);
      for (const k of ['mongodb', 'lifecycle']) assert.equal(ready.details[k]?.status, 'up');
      const broker = await fetch(`${base}/health/broker`);
      assert.equal(broker.status, 200);

      const correlation = randomUUID();
      const created = await fetch(`${base}/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-correlation-id': correlation,
          authorization: 'Bearer secret-token-value',
        },
        body: '{}',
      });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('x-correlation-id'), correlation);
      const { id } = (await created.json()) as { id: string };
      assert.equal((await fetch(`${base}/orders/${id}`)).status, 200);
      assert.equal((await fetch(`${base}/orders/${randomUUID()}`)).status, 404);

      // The order's event is consumed in the child; its log lines carry the correlation.
      await waitFor('ledger entry', () =>
        db.collection('example_ledger').findOne({ _id: id } as never),
      );
      const metrics = await waitFor('the consumption counted', async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return text.includes('outcome="ack"') ? text : undefined;
      });
      for (const name of [
        'process_cpu_user_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'http_server_request_duration_seconds_bucket',
        'eventshop_events_published_total',
        'eventshop_events_consumed_total',
        'eventshop_event_handler_duration_seconds_bucket',
        'eventshop_outbox_pending{service="example-service"}',
        'eventshop_outbox_publish_lag_seconds_bucket',
      ]) {
        assert.ok(metrics.includes(name), `metrics include ${name}`);
      }
      assert.match(
        metrics,
        /http_server_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="200"\} 1/,
      );
      assert.match(
        metrics,
        /http_server_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="404"\} 1/,
      );
      assert.doesNotMatch(
        metrics,
        new RegExp(`route="/orders/${id}"`),
        'route is the pattern, not the URL',
      );

      const json = child.lines.flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
      const requestLog = json.find(
        (l) =>
          l.msg === 'request completed' &&
          (l.req as { url?: string })?.url === '/orders' &&
          l.correlationId === correlation,
      );
      assert.ok(requestLog, 'the request log line carries the correlation id');
      assert.match(String(requestLog.traceId), /^[0-9a-f]{32}$/);
      assert.ok(json.every((l) => l.service === 'example-service'));
      assert.ok(
        !child.lines.some((l) => l.includes('secret-token-value')),
        'no credential in any log line',
      );
      assert.ok(
        !child.lines.some((l) => l.includes('guest:guest@')),
        'no password from a URI in any log line',
      );
    } finally {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  });

  test(
    'SIGTERM during a burst: in-flight work finishes, nothing lost or applied twice, exit 0',
    { timeout: 120_000 },
    async () => {
      const observer = await Observer.start(scope, ['order.confirmed.v1'], 'test.sigterm');
      const port = freePort();
      const child = spawnExample({
        ...baseEnv(scope),
        PORT: String(port),
        LOG_LEVEL: 'info',
        EXAMPLE_HANDLER_DELAY_MS: '40',
        CONSUMER_PREFETCH: '10',
        SHUTDOWN_GRACE_MS: '8s',
      });
      let app: NestFastifyApplication | undefined;
      const total = 300;
      const burst = new Set<string>();
      // What a failed assertion needs to be read without a rerun: the child's last log lines.
      const tail = (): string => child.lines.slice(-8).join(' | ');
      await db.collection('example_ledger').deleteMany({});
      await db.collection('example_handler_runs').deleteMany({});
      try {
        await waitReady(port);
        const conn = await amqp.connect(scope.env.AMQP_URL);
        const ch = await conn.createConfirmChannel();
        for (let i = 0; i < total; i++) {
          const orderId = randomUUID();
          burst.add(orderId);
          const e = createEvent('order.created.v1', {
            source: '/test',
            subject: orderId,
            data: {
              orderId,
              userId: 'user-1',
              email: 'user@example.com',
              currency: 'EUR',
              totalMinor: 500,
              lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 500 }],
              createdAt: new Date().toISOString(),
            },
          });
          ch.publish('eventshop.events', e.type, Buffer.from(JSON.stringify(e)), {
            persistent: true,
            messageId: e.id,
          });
        }
        await ch.waitForConfirms();
        await conn.close();

        const runs = db.collection('example_handler_runs');
        await waitFor('burst under way', async () => (await runs.countDocuments()) >= 40, 30_000);
        const signalled = Date.now();
        child.process.kill('SIGTERM');
        const { code } = await child.exited;
        const took = Date.now() - signalled;
        assert.equal(code, 0, `exit code (log tail: ${tail()})`);
        assert.ok(took < 8_000 + 5_000, `exited within the grace period (${took}ms; ${tail()})`);
        const doneByChild = await runs.countDocuments();
        assert.ok(
          doneByChild < total,
          `the burst was interrupted (${doneByChild} runs; ${tail()})`,
        );
        assert.ok(
          child.lines.some((l) => l.includes('drained all deliveries')),
          `in-flight deliveries finished (${tail()})`,
        );

        // A new instance takes the rest (and any outbox entries the child left).
        app = await startExample(scope);
        await waitFor(
          'all orders recorded',
          async () => (await db.collection('example_ledger').countDocuments()) === total,
          60_000,
          200,
        );
        const ledger = await db.collection('example_ledger').find().toArray();
        assert.ok(
          ledger.every((l) => l.applied === 1),
          'each applied once',
        );
        // Every handler run was for a different event: nothing was redelivered after SIGTERM.
        const perEvent = await runs
          .aggregate([{ $group: { _id: '$eventId', n: { $sum: 1 } } }])
          .toArray();
        assert.equal(perEvent.length, total);
        const twice = perEvent.filter((g) => g.n !== 1);
        assert.deepEqual(twice, [], `no handler ran twice for an event (child: ${tail()})`);
        // Each order of the burst confirmed. Counted by order: an earlier test's process may
        // leave a confirmation in its outbox that this one's start sweep publishes (at least once).
        const confirmed = (): number => {
          const orderIds = observer.messages.map(
            (m) => (JSON.parse(m.content.toString()) as { data: { orderId: string } }).data.orderId,
          );
          return new Set(orderIds.filter((id) => burst.has(id))).size;
        };
        await waitFor('every confirmation published', () => confirmed() === total, 30_000);
      } finally {
        child.process.kill('SIGKILL');
        await app?.close();
        await observer.close();
      }
    },
  );
});
