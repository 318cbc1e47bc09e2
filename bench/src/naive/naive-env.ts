// Settings of the naive pipeline's two apps, from env (set by the bench when it starts them).
import { Transport, type RmqOptions } from '@nestjs/microservices';
import { MongoClient, type Db } from 'mongodb';

export const EXCHANGE = 'naive.events';
export const EVENTS = Symbol('EVENTS');
export const DB = Symbol('DB');

export interface NaiveEnv {
  readonly amqpUrl: string;
  readonly mongoUri: string;
  /**
   * The equal-work variant: the reliable system's features without its reliability. Persistent
   * messages on quorum queues, a JWT check on POST /orders (HS256 with this secret), an e-mail per
   * confirmed order; still fire-and-forget, no outbox, no idempotency.
   */
  readonly jwtSecret?: string;
  readonly smtpUrl?: string;
}

export function naiveEnv(): NaiveEnv {
  const amqpUrl = process.env.AMQP_URL;
  const mongoUri = process.env.MONGODB_URI;
  if (!amqpUrl || !mongoUri) throw new Error('the naive pipeline needs AMQP_URL and MONGODB_URI');
  const jwtSecret = process.env.NAIVE_JWT_SECRET;
  const smtpUrl = process.env.SMTP_URL;
  return {
    amqpUrl,
    mongoUri,
    ...(jwtSecret ? { jwtSecret } : {}),
    ...(smtpUrl ? { smtpUrl } : {}),
  };
}

export const isEqualWork = (env: NaiveEnv) => env.jwtSecret !== undefined;

/**
 * The RMQ transport as the seed used it: defaults (no confirms awaited, auto-ack, no prefetch);
 * for the equal-work variant persistent messages on durable quorum queues, as the services use.
 */
export function rmq(amqpUrl: string, queue?: string, equalWork = false): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [amqpUrl],
      exchange: EXCHANGE,
      exchangeType: 'topic',
      wildcards: true,
      ...(queue ? { queue } : {}),
      ...(equalWork
        ? {
            persistent: true,
            queueOptions: { durable: true, arguments: { 'x-queue-type': 'quorum' } },
          }
        : {}),
    },
  };
}

/** One connection, as the services use against FerretDB (maxPoolSize from the URI). */
export async function connectDb(mongoUri: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return { client, db: client.db() };
}
