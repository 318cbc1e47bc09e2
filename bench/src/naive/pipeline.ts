// Starts the naive pipeline (order app + inventory app, each its own process; the equal-work
// variant adds a notification app) in a vhost and two databases of the run's own, with the same
// catalog size as the system under test.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createVhost, deleteVhost, withPath, type InfraEnv } from '@eventshop/e2e/dist/index.js';
import { Child } from '../child';
import { skuOf } from '../reliable';
import { AUDIENCE, ISSUER, signHs256 } from './hs256';

/** The equal-work variant mails to this SMTP server; unset: the seed-shaped pipeline. */
export interface NaiveVariant {
  readonly equalWork: boolean;
  readonly smtpUrl?: string;
}

export class NaivePipeline {
  private constructor(
    private readonly infra: InfraEnv,
    private readonly vhost: string,
    private readonly databases: string[],
    readonly amqpUrl: string,
    readonly order: Child,
    readonly inventory: Child,
    readonly notification: Child | undefined,
    private readonly products: number,
    private readonly tokens: string[],
  ) {}

  /** The app processes by name, for CPU metering. */
  get pids(): [string, number][] {
    const prefix = this.notification ? 'equal' : 'naive';
    return [
      [`${prefix}-order`, this.order.pid],
      [`${prefix}-inventory`, this.inventory.pid],
      ...(this.notification
        ? ([[`${prefix}-notification`, this.notification.pid]] as [string, number][])
        : []),
    ];
  }

  static async start(
    infra: InfraEnv,
    runId: string,
    products: number,
    variant: NaiveVariant = { equalWork: false },
    extraEnv: Record<string, string> = {},
  ): Promise<NaivePipeline> {
    const vhost = `bench-naive-${runId}`;
    const user = decodeURIComponent(new URL(infra.amqpUrl).username || 'guest');
    await createVhost(infra.managementUrl, vhost, user);
    const amqpUrl = withPath(infra.amqpUrl, encodeURIComponent(vhost));
    const orderDb = `bench_${runId}_naive_order`;
    const inventoryDb = `bench_${runId}_naive_inventory`;
    const client = new MongoClient(infra.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    try {
      const skus = Array.from({ length: products }, (_, n) => skuOf(n));
      await client
        .db(orderDb)
        .collection('catalog')
        .insertMany(skus.map((sku, n) => ({ _id: sku as never, priceMinor: 100 + (n % 5000) })));
      await client
        .db(inventoryDb)
        .collection('products')
        .insertMany(
          skus.map((sku) => ({ _id: sku as never, available: 1_000_000_000, reserved: 0 })),
        );
    } finally {
      await client.close();
    }
    const secret = randomBytes(32).toString('hex');
    const work: Record<string, string> = variant.equalWork
      ? { NAIVE_JWT_SECRET: secret, ...(variant.smtpUrl ? { SMTP_URL: variant.smtpUrl } : {}) }
      : {};
    const env = (db: string) => ({
      AMQP_URL: amqpUrl,
      MONGODB_URI: withPath(infra.mongoUri, db),
      ...work,
      ...extraEnv,
    });
    const notification = variant.equalWork
      ? await Child.start('naive-notification', join(__dirname, 'notification-app.js'), {
          AMQP_URL: amqpUrl,
          MONGODB_URI: infra.mongoUri,
          ...work,
        })
      : undefined;
    const inventory = await Child.start(
      'naive-inventory',
      join(__dirname, 'inventory-app.js'),
      env(inventoryDb),
    );
    const order = await Child.start('naive-order', join(__dirname, 'order-app.js'), env(orderDb));
    return new NaivePipeline(
      infra,
      vhost,
      [orderDb, inventoryDb],
      amqpUrl,
      order,
      inventory,
      notification,
      products,
      Array.from({ length: 20 }, (_, i) =>
        signHs256(secret, {
          sub: `naive-${i}-${runId}`,
          email: `naive-${i}-${runId}@bench.eventshop.test`,
          iss: ISSUER,
          aud: AUDIENCE,
          exp: Math.floor(Date.now() / 1000) + 24 * 3600,
        }),
      ),
    );
  }

  get orderUrl(): string {
    return `http://127.0.0.1:${this.order.firstLine}`;
  }

  request(): { headers: Record<string, string>; body: string } {
    const lines = 1 + Math.floor(Math.random() * 3);
    const skus = new Set<string>();
    while (skus.size < lines) skus.add(skuOf(Math.floor(Math.random() * this.products)));
    const token = this.tokens[Math.floor(Math.random() * this.tokens.length)]!;
    return {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) })),
      }),
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.order.stop(), this.inventory.stop(), this.notification?.stop()]);
    await deleteVhost(this.infra.managementUrl, this.vhost).catch(() => undefined);
    const client = new MongoClient(this.infra.mongoUri, { serverSelectionTimeoutMS: 10_000 });
    try {
      await client.connect();
      for (const db of this.databases) await client.db(db).dropDatabase();
    } catch {
      // left behind: named bench_<run>_*
    } finally {
      await client.close();
    }
  }
}
