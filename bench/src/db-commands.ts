// Commands the database server has run (FerretDB's serverStatus metrics.commands): the change over
// a step divided by the orders it accepted is the database work one order costs. The server is
// shared, so other clients' commands in the same seconds count too.
import { MongoClient } from 'mongodb';

const NOT_WORK = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'serverStatus',
  'buildInfo',
  'ping',
  'endSessions',
]);

export function commandsIn(status: {
  metrics?: { commands?: Record<string, { total?: number }> };
}): number {
  let total = 0;
  for (const [name, counter] of Object.entries(status.metrics?.commands ?? {})) {
    if (!NOT_WORK.has(name)) total += counter.total ?? 0;
  }
  return total;
}

export class DbCommandCounter {
  private constructor(private readonly client: MongoClient) {}

  static async connect(mongoUri: string): Promise<DbCommandCounter> {
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new DbCommandCounter(client);
  }

  /** Commands so far, or NaN when the server does not say. */
  async total(): Promise<number> {
    try {
      const status = await this.client.db('admin').command({ serverStatus: 1 });
      const total = commandsIn(status);
      return total > 0 ? total : Number.NaN;
    } catch {
      return Number.NaN;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
