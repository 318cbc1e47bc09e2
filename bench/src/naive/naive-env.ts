// Settings of the naive pipeline's two apps, from env (set by the bench when it starts them).
import { Transport, type RmqOptions } from '@nestjs/microservices';
import { MongoClient, type Db } from 'mongodb';

export const EXCHANGE = 'naive.events';
export const EVENTS = Symbol('EVENTS');
export const DB = Symbol('DB');

export interface NaiveEnv {
  readonly amqpUrl: string;
  readonly mongoUri: string;
}

export function naiveEnv(): NaiveEnv {
  const amqpUrl = process.env.AMQP_URL;
  const mongoUri = process.env.MONGODB_URI;
  if (!amqpUrl || !mongoUri) throw new Error('the naive pipeline needs AMQP_URL and MONGODB_URI');
  return { amqpUrl, mongoUri };
}

/** The RMQ transport as the seed used it: defaults (no confirms awaited, auto-ack, no prefetch). */
export function rmq(amqpUrl: string, queue?: string): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [amqpUrl],
      exchange: EXCHANGE,
      exchangeType: 'topic',
      wildcards: true,
      ...(queue ? { queue } : {}),
    },
  };
}

/** One connection, as the services use against FerretDB (maxPoolSize from the URI). */
export async function connectDb(mongoUri: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  return { client, db: client.db() };
}
