// The system under test: the three services as they ship, started by the e2e harness in a vhost
// and databases of their own, with a catalog seeded through the inventory admin API. The bench
// can restart a service with extra env (a CPU profile) and write seed data into a service's
// database while that service is stopped (each database has one writing process).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MongoClient, type Document } from 'mongodb';
import {
  repositoryRoot,
  ServiceProcess,
  Shop,
  startSystem,
  Tokens,
  waitFor,
  type Problem,
  type ServiceName,
  type System,
} from '@eventshop/e2e/dist/index.js';
import { environOf, pidListeningOn } from './proc';

/** The bench's tokens outlive a run of any settings. */
const RUN_TOKEN_TTL_S = 6 * 3600;

const NEVER_SOLD = 'BENCH-NEVER-SOLD';
const MAX_LINES = 99;

export function skuOf(n: number): string {
  return `BENCH-${String(n).padStart(6, '0')}`;
}

export class ReliableSystem {
  private readonly replaced = new Map<ServiceName, ServiceProcess>();
  private restarts = 0;
  private customers: string[] = [];
  products = 0;

  private constructor(
    readonly system: System,
    readonly shop: Shop,
    private readonly tokens: Tokens,
    private readonly logDir: string,
  ) {}

  static async start(logDir: string, env: Record<string, string> = {}): Promise<ReliableSystem> {
    // A long pending timeout: a saga slowed by load must finish, not time out.
    const system = await startSystem({
      pendingTimeout: '10m',
      logDir,
      env: { 'order-service': env, 'inventory-service': env, 'notification-service': env },
    });
    const tokens = new Tokens(system.auth);
    const expiresInSeconds = RUN_TOKEN_TTL_S; // a full run takes over 15 minutes; the default is 10
    const admin = await tokens.forUser(`bench-admin-${system.runId}`, {
      roles: ['admin'],
      expiresInSeconds,
    });
    const shop = new Shop(
      system.services['order-service'].url,
      system.services['inventory-service'].url,
      admin,
    );
    const reliable = new ReliableSystem(system, shop, tokens, logDir);
    for (let i = 0; i < 20; i++) {
      const userId = `bench-${i}-${system.runId}`;
      reliable.customers.push(
        await tokens.forUser(userId, { email: `${userId}@bench.eventshop.test`, expiresInSeconds }),
      );
    }
    return reliable;
  }

  service(name: ServiceName): ServiceProcess {
    return this.replaced.get(name) ?? this.system.services[name];
  }

  get orderUrl(): string {
    return this.service('order-service').url;
  }

  /** A random customer's token and an order of 1–3 random catalog lines. */
  request(): { headers: Record<string, string>; body: string } {
    const token = this.customers[Math.floor(Math.random() * this.customers.length)]!;
    const lines = 1 + Math.floor(Math.random() * 3);
    const skus = new Set<string>();
    while (skus.size < lines) skus.add(skuOf(Math.floor(Math.random() * this.products)));
    return {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [...skus].map((sku) => ({ sku, quantity: 1 + Math.floor(Math.random() * 3) })),
      }),
    };
  }

  /** Products `from`..`to`-1 with plenty of stock, then waits until the order service knows them. */
  async seedCatalog(from: number, to: number): Promise<void> {
    const numbers = Array.from({ length: to - from }, (_, i) => from + i);
    const worker = async () => {
      for (let n = numbers.shift(); n !== undefined; n = numbers.shift()) {
        const sku = skuOf(n);
        await this.shop.putProduct(sku, {
          name: `Bench product ${n}`,
          priceMinor: 100 + (n % 5000),
          currency: 'EUR',
          active: true,
        });
        await this.shop.adjustStock(sku, 1_000_000_000, 'bench stock');
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    this.products = Math.max(this.products, to);
    // The order service prices from its copy of the catalog (filled by product-updated events):
    // an order naming known SKUs and one unknown is refused listing only the unknown one.
    const token = this.customers[0]!;
    for (let start = from; start < to; start += MAX_LINES) {
      const skus = Array.from({ length: Math.min(MAX_LINES, to - start) }, (_, i) =>
        skuOf(start + i),
      );
      await waitFor(
        `the order service to know ${skus[0]}..${skus[skus.length - 1]}`,
        async () => {
          const answer = await this.shop.orders.post<Problem & { skus?: { sku: string }[] }>(
            '/orders',
            {
              token,
              body: { items: [...skus, NEVER_SOLD].map((sku) => ({ sku, quantity: 1 })) },
            },
          );
          const unknown = (answer.body.skus ?? []).map((s) => s.sku);
          return answer.status === 422 && unknown.length === 1 ? true : undefined;
        },
        120_000,
      );
    }
  }

  /** The running process of a service. */
  pidOf(name: ServiceName): number | undefined {
    return pidListeningOn(this.service(name).port);
  }

  /** The service's database (from the environment it runs with). */
  private envOf(name: ServiceName): Record<string, string> {
    const pid = this.pidOf(name);
    if (pid === undefined)
      throw new Error(`${name} is not listening on ${this.service(name).port}`);
    return environOf(pid);
  }

  /** The broker URL with the run's vhost, as the admin (the services' own users may not tap). */
  amqpUrl(): string {
    return this.system.amqpUrl;
  }

  /** Stops services; returns their environments, to start them again with `startAgain`. */
  async stop(names: ServiceName[]): Promise<Map<ServiceName, Record<string, string>>> {
    const envs = new Map<ServiceName, Record<string, string>>();
    for (const name of names) envs.set(name, this.envOf(name));
    await Promise.all(names.map((name) => this.service(name).stop()));
    return envs;
  }

  /** Starts stopped services again with the same environment plus `extra`. */
  async startAgain(
    envs: Map<ServiceName, Record<string, string>>,
    extra: (name: ServiceName) => Record<string, string> = () => ({}),
  ) {
    this.restarts++;
    const started: ServiceProcess[] = [];
    for (const [name, env] of envs) {
      const service = new ServiceProcess(
        name,
        join(repositoryRoot(), name),
        this.service(name).port,
        { ...env, ...extra(name) },
        join(this.logDir, `${name}.${this.restarts}.log`),
      );
      service.start();
      this.replaced.set(name, service);
      started.push(service);
    }
    await Promise.all(started.map((s) => s.waitReady()));
  }

  /**
   * The stored order of a created event, with that event in its outbox as the service wrote it
   * (the relay has usually removed it by now): the document the database ceiling inserts.
   */
  async orderDocument(createdEvent: string): Promise<Document> {
    const event = JSON.parse(createdEvent) as {
      id: string;
      type: string;
      subject: string;
      time: string;
    };
    const doc = await this.withDatabases((order) =>
      order.collection('orders').findOne({ _id: event.subject as never }),
    );
    if (!doc) throw new Error(`order ${event.subject} is not in the order database`);
    return {
      ...doc,
      outbox: [
        { id: event.id, type: event.type, payload: createdEvent, createdAt: new Date(event.time) },
      ],
    };
  }

  /** Counts documents and reads one order and its reservation (as templates for seeding). */
  async inspect(): Promise<{ orders: number; products: number }> {
    return this.withDatabases(async (order, inventory) => ({
      orders: await order.collection('orders').countDocuments(),
      products: await inventory.collection('products').countDocuments(),
    }));
  }

  /**
   * Grows the data as months of use would have: products `products.from`..`to`-1 in the inventory
   * (plenty of stock) and in the order service's catalog copy, then `orders` orders CONFIRMED long
   * ago (one line of quantity 1 on a random product), each with its reservation, and the units
   * committed on the product, as the saga leaves a confirmed order (decision 0015: the hold is
   * gone, the units left the stock on hand). Order and inventory must be stopped: they own these
   * databases, and each database has one writing process. `envs` are their environments.
   */
  async seedData(
    envs: Map<ServiceName, Record<string, string>>,
    products: { from: number; to: number },
    orders: number,
  ): Promise<void> {
    await this.withDatabases(
      async (order, inventory) => {
        const productTemplate = await inventory
          .collection('products')
          .findOne({ _id: skuOf(0) as never });
        const catalogTemplate = await order
          .collection('catalog')
          .findOne({ _id: skuOf(0) as never });
        const orderTemplate = await order.collection('orders').findOne({ status: 'CONFIRMED' });
        const reservationTemplate = orderTemplate
          ? await inventory.collection('reservations').findOne({ _id: orderTemplate._id })
          : null;
        if (!productTemplate || !catalogTemplate || !orderTemplate || !reservationTemplate) {
          throw new Error('nothing to copy: seed the catalog and run the ramp first');
        }
        const BATCH = 1000;
        for (let from = products.from; from < products.to; from += BATCH) {
          const numbers = Array.from(
            { length: Math.min(BATCH, products.to - from) },
            (_, i) => from + i,
          );
          const fields = (n: number) => ({
            _id: skuOf(n),
            name: `Bench product ${n}`,
            priceMinor: 100 + (n % 5000),
          });
          await inventory.collection('products').insertMany(
            numbers.map((n) => ({
              ...productTemplate,
              ...fields(n),
              onHand: 1_000_000_000,
              reserved: 0,
              available: 1_000_000_000,
              holds: [],
              holders: [],
              pendingAdjustments: [],
              outbox: [],
            })) as never[],
          );
          await order
            .collection('catalog')
            .insertMany(numbers.map((n) => ({ ...catalogTemplate, ...fields(n) })) as never[]);
        }
        this.products = Math.max(this.products, products.to);
        for (let done = 0; done < orders; done += BATCH) {
          const orderDocs: Document[] = [];
          const reservations: Document[] = [];
          const sold = new Map<string, number>();
          for (let i = 0; i < Math.min(BATCH, orders - done); i++) {
            const id = randomUUID();
            const sku = skuOf(Math.floor(Math.random() * this.products));
            const at = new Date(
              Date.now() - 86_400_000 - Math.floor(Math.random() * 86_400_000 * 30),
            );
            orderDocs.push({
              ...orderTemplate,
              _id: id,
              userId: `bench-seed-${i % 500}`,
              lines: [{ sku, quantity: 1, unitPriceMinor: 100 }],
              totalMinor: 100,
              createdAt: at,
              updatedAt: at,
              listKey: `${at.toISOString()}|${id}`,
              outbox: [],
            });
            reservations.push({
              ...reservationTemplate,
              _id: id,
              lines: [{ sku, quantity: 1 }],
              createdAt: at,
              updatedAt: at,
              outbox: [],
            });
            sold.set(sku, (sold.get(sku) ?? 0) + 1);
          }
          await order.collection('orders').insertMany(orderDocs as never[]);
          await inventory.collection('reservations').insertMany(reservations as never[]);
          for (const [sku, units] of sold) {
            await inventory
              .collection('products')
              .updateOne({ _id: sku as never }, { $inc: { onHand: -units, available: -units } });
          }
        }
      },
      envs.get('order-service')?.MONGODB_URI,
      envs.get('inventory-service')?.MONGODB_URI,
    );
  }

  private async withDatabases<T>(
    use: (
      order: ReturnType<MongoClient['db']>,
      inventory: ReturnType<MongoClient['db']>,
    ) => Promise<T>,
    orderUri = this.envOf('order-service').MONGODB_URI,
    inventoryUri = this.envOf('inventory-service').MONGODB_URI,
  ): Promise<T> {
    if (!orderUri || !inventoryUri) throw new Error('no MONGODB_URI in the services’ environment');
    const client = new MongoClient(orderUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    try {
      const dbName = (uri: string) => decodeURIComponent(new URL(uri).pathname.slice(1));
      return await use(client.db(dbName(orderUri)), client.db(dbName(inventoryUri)));
    } finally {
      await client.close();
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.replaced.values()].filter((s) => s.running).map((s) => s.stop()));
    await this.system.dispose();
  }
}
