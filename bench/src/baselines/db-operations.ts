// What one operation of each kind costs the database: its CPU per operation (and per second)
// while `connections` concurrent callers send only that kind, and what it costs the caller (this
// process: the driver's work and its socket calls; nothing else runs here meanwhile). The saga's
// database work is a mix of these; the table says which of them make the reliable pipeline's
// per-saga cost.
import { randomUUID } from 'node:crypto';
import { type Collection, type Document, MongoClient } from 'mongodb';
import { UsageMeter } from '../proc';
import type { DbOperationCost } from '../result';

/** A document the size of a stored order with its outbox entries (~1 KB). */
function orderSized(id: string): Document {
  const line = (sku: string) => ({ sku, quantity: 1, unitPriceMinor: 1250 });
  return {
    _id: id,
    n: 0,
    status: 'PENDING',
    lines: [line('SKU-0001'), line('SKU-0002')],
    outbox: [0, 1].map((i) => ({
      id: randomUUID(),
      type: 'order.created.v1',
      data: { orderId: id, lines: [line('SKU-0001'), line('SKU-0002')], attempt: i },
    })),
  };
}

async function callers(connections: number, total: number, call: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < total) await call(next++);
    }),
  );
}

/**
 * Runs each kind `count` times (in batches of 10 where the kind is a batch) and meters the
 * database process. A kind that updates works on documents the previous kind inserted.
 */
export async function measureDbOperations(options: {
  mongoUri: string;
  database: string;
  databasePid: number;
  connections: number;
  count: number;
}): Promise<DbOperationCost[]> {
  const { connections, count } = options;
  const client = await MongoClient.connect(options.mongoUri);
  const db = client.db(options.database);
  const small: Collection<Document> = db.collection('small');
  const sized: Collection<Document> = db.collection('order_sized');
  const costs: DbOperationCost[] = [];
  const measure = async (operation: string, ops: number, run: () => Promise<void>) => {
    const meter = new UsageMeter(new Map([['database', options.databasePid]]));
    const t0 = performance.now();
    meter.start();
    const client0 = process.cpuUsage();
    await run();
    const client = process.cpuUsage(client0);
    const [usage] = meter.stop();
    const s = (performance.now() - t0) / 1000;
    costs.push({
      operation,
      perS: ops / s,
      dbCpuMs: (usage?.cpuMs ?? Number.NaN) / ops,
      clientCpuMs: (client.user + client.system) / 1000 / ops,
    });
  };
  const batches = Math.ceil(count / 10);
  const id = (prefix: string, i: number) => `${prefix}-${i}`;
  try {
    await db.dropDatabase();
    await measure('insert, one document per command', count, () =>
      callers(connections, count, (i) => small.insertOne({ _id: id('s', i) as never, n: 0 })),
    );
    await measure('insert, 10 documents per command (per document)', batches * 10, () =>
      callers(connections, batches, (b) =>
        small.insertMany(
          Array.from({ length: 10 }, (_, j) => ({ _id: id('m', b * 10 + j) as never, n: 0 })),
        ),
      ),
    );
    await measure('insert, order-sized document (~1 KB)', count, () =>
      callers(connections, count, (i) => sized.insertOne(orderSized(id('o', i)))),
    );
    await measure('find one by _id', count, () =>
      callers(connections, count, (i) => small.findOne({ _id: id('s', i) as never })),
    );
    await measure('update by _id ($inc), small document', count, () =>
      callers(connections, count, (i) =>
        small.updateOne({ _id: id('s', i) as never }, { $inc: { n: 1 } }),
      ),
    );
    await measure('update by _id ($inc), order-sized document', count, () =>
      callers(connections, count, (i) =>
        sized.updateOne({ _id: id('o', i) as never }, { $inc: { n: 1 } }),
      ),
    );
    await measure('update, 10 statements per command (per statement)', batches * 10, () =>
      callers(connections, batches, (b) =>
        small.bulkWrite(
          Array.from({ length: 10 }, (_, j) => ({
            updateOne: {
              filter: { _id: id('s', b * 10 + j) as never },
              update: { $inc: { n: 1 } },
            },
          })),
          { ordered: false },
        ),
      ),
    );
    await measure('findAndModify by _id, order-sized document', count, () =>
      callers(connections, count, (i) =>
        sized.findOneAndUpdate(
          { _id: id('o', i) as never },
          { $inc: { n: 1 } },
          { returnDocument: 'after' },
        ),
      ),
    );
    await measure('guarded update that matches nothing (no write)', count, () =>
      callers(connections, count, (i) =>
        small.updateOne({ _id: id('s', i) as never, n: -1 }, { $inc: { n: 1 } }),
      ),
    );
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
  }
  return costs;
}
