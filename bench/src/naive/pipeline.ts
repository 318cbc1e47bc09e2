// Starts the naive pipeline (order app + inventory app, each its own process) in a vhost and two
// databases of the run's own, with the same catalog size as the system under test.
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createVhost, deleteVhost, withPath, type InfraEnv } from '@eventshop/e2e/dist/index.js';
import { Child } from '../child';
import { skuOf } from '../reliable';

export class NaivePipeline {
  private constructor(
    private readonly infra: InfraEnv,
    private readonly vhost: string,
    private readonly databases: string[],
    readonly amqpUrl: string,
    readonly order: Child,
    readonly inventory: Child,
    private readonly products: number,
  ) {}

  static async start(infra: InfraEnv, runId: string, products: number): Promise<NaivePipeline> {
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
    const env = (db: string) => ({ AMQP_URL: amqpUrl, MONGODB_URI: withPath(infra.mongoUri, db) });
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
      products,
    );
  }

  get orderUrl(): string {
    return `http://127.0.0.1:${this.order.firstLine}`;
  }

  request(): { headers: Record<string, string>; body: string } {
    const lines = 1 + Math.floor(Math.random() * 3);
    const skus = new Set<string>();
    while (skus.size < lines) skus.add(skuOf(Math.floor(Math.random() * this.products)));
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) })),
      }),
    };
  }

  async dispose(): Promise<void> {
    await Promise.all([this.order.stop(), this.inventory.stop()]);
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
