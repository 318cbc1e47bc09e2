import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import mongoose, { type Connection } from 'mongoose';
import { createServiceApp, type KitOptions } from '../src';
import { testInfra, waitFor, type TestScope } from '../src/testing';
import { exampleModule, type exampleEnv } from './example/example.module';

/** Fast tiers so retry tests run in seconds. */
export const FAST_TIERS = '200ms,400ms,600ms';

/** A scope (own vhost and database) for one test file. */
export async function fileScope(name: string): Promise<TestScope> {
  const infra = await testInfra();
  return infra.scope(name);
}

export function baseEnv(
  scope: TestScope,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...scope.env, RETRY_DELAYS: FAST_TIERS, LOG_LEVEL: 'warn', ...extra };
}

/** The example service in this process. */
export function startExample(
  scope: TestScope,
  overrides: Partial<KitOptions<typeof exampleEnv>> = {},
  env: Record<string, string> = {},
): Promise<NestFastifyApplication> {
  return createServiceApp(
    // The default sweep interval (60 s): tests see the relay work from memory and from its
    // start sweep, as a service does.
    exampleModule({ outbox: { sweepAfterMs: 1_000 }, ...overrides }),
    { env: baseEnv(scope, env) },
  );
}

/** A plain connection to the scope's database, for assertions. */
export async function connectDb(scope: TestScope): Promise<Connection> {
  return mongoose.createConnection(scope.env.MONGODB_URI).asPromise();
}

/**
 * Listens to the events exchange on a queue of its own (bound before anything is published)
 * and counts every copy of every event id it sees.
 */
export class Observer {
  readonly copies = new Map<string, number>();
  readonly messages: ConsumeMessage[] = [];
  private constructor(private readonly connection: ChannelModel) {}

  static async start(
    scope: TestScope,
    routingKeys: string[],
    queue = 'test.observer',
  ): Promise<Observer> {
    const connection = await amqp.connect(scope.env.AMQP_URL);
    connection.on('error', () => undefined);
    const ch = await connection.createChannel();
    await ch.assertExchange('eventshop.events', 'topic', { durable: true });
    await ch.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    for (const key of routingKeys) await ch.bindQueue(queue, 'eventshop.events', key);
    const observer = new Observer(connection);
    await ch.consume(
      queue,
      (msg) => {
        if (!msg) return;
        observer.messages.push(msg);
        const id = String(msg.properties.messageId);
        observer.copies.set(id, (observer.copies.get(id) ?? 0) + 1);
        ch.ack(msg);
      },
      { noAck: false },
    );
    return observer;
  }

  get distinct(): number {
    return this.copies.size;
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** Publishes a raw message to the events exchange (for malformed and duplicate deliveries). */
export async function publishRaw(
  scope: TestScope,
  routingKey: string,
  body: Buffer | string,
  messageId?: string,
): Promise<void> {
  const connection = await amqp.connect(scope.env.AMQP_URL);
  try {
    const ch = await connection.createConfirmChannel();
    ch.publish('eventshop.events', routingKey, Buffer.from(body), {
      persistent: true,
      messageId,
      contentType: 'application/cloudevents+json',
    });
    await ch.waitForConfirms();
  } finally {
    await connection.close();
  }
}

/** Number of messages ready in a queue. */
export async function queueDepth(scope: TestScope, queue: string): Promise<number> {
  const connection = await amqp.connect(scope.env.AMQP_URL);
  try {
    const ch = await connection.createChannel();
    ch.on('error', () => undefined);
    const { messageCount } = await ch.checkQueue(queue);
    return messageCount;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** All outbox entries still pending in a collection. */
export async function pendingOutbox(db: Connection, collection: string): Promise<number> {
  // One batch, no cursor left open (on FerretDB an open cursor holds back writers).
  const docs = await db
    .collection(collection)
    .find({ 'outbox.0': { $exists: true } }, { limit: 10_000, batchSize: 10_000 })
    .toArray();
  return docs.reduce((n, d) => n + (d.outbox as unknown[]).length, 0);
}

export interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the example service (build/test/example/main.js) as a child process. */
export function spawnExample(env: Record<string, string>): Child {
  const main = join(__dirname, 'example', 'main.js');
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // A pipe may cut a line between two chunks: keep each stream's unfinished tail until its newline.
  const collector = (): ((chunk: Buffer) => void) => {
    let tail = '';
    return (chunk) => {
      const parts = (tail + chunk.toString()).split('\n');
      tail = parts.pop() ?? '';
      for (const l of parts) if (l.trim()) lines.push(l);
    };
  };
  child.stdout!.on('data', collector());
  child.stderr!.on('data', collector());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, lines, exited };
}

/** Waits until the child's HTTP port answers /health/ready with 200. */
export async function waitReady(port: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `service on :${port} ready`,
    async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200,
    timeoutMs,
    200,
  );
}

export { waitFor };

/** Places `n` orders through the example app's HTTP API; each must be accepted (201). */
export async function placeOrders(
  app: NestFastifyApplication,
  n: number,
  prefix: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'POST', url: '/orders', payload: {} });
    assert.equal(res.statusCode, 201, `${prefix} order ${i}: ${res.body}`);
    ids.push(res.json<{ id: string }>().id);
  }
  return ids;
}
