// The database ceiling: the MongoDB driver inserting the same order document (a fresh _id each
// time) as fast as `connections` concurrent callers can, over ONE connection (maxPoolSize=1, as
// every service uses against FerretDB), so operations queue on it exactly as the service's do.
import { randomUUID } from 'node:crypto';
import { MongoClient, type Document } from 'mongodb';
import type { LoadResult } from '../load';

export class DriverInsertBaseline {
  private constructor(
    private readonly client: MongoClient,
    private readonly database: string,
  ) {}

  static async connect(mongoUri: string, database: string): Promise<DriverInsertBaseline> {
    const url = new URL(mongoUri);
    url.searchParams.set('maxPoolSize', '1');
    const client = new MongoClient(url.toString(), { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new DriverInsertBaseline(client, database);
  }

  async step(template: Document, connections: number, durationS: number): Promise<LoadResult> {
    const orders = this.client.db(this.database).collection('orders');
    const latencies: number[] = [];
    let accepted = 0;
    let failed = 0;
    const startedAt = Date.now();
    const deadline = startedAt + durationS * 1000;
    const caller = async () => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        try {
          await orders.insertOne({ ...template, _id: randomUUID() as never });
          accepted++;
        } catch {
          failed++;
        }
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: connections }, caller));
    const endedAt = Date.now();
    return {
      accepted,
      failed,
      durationS: (endedAt - startedAt) / 1000,
      latencies,
      startedAt,
      endedAt,
    };
  }

  async close(): Promise<void> {
    await this.client
      .db(this.database)
      .dropDatabase()
      .catch(() => undefined);
    await this.client.close();
  }
}
