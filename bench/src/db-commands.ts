// Commands the database server has run (FerretDB's serverStatus metrics.commands): the change over
// a step divided by the orders it accepted is the database work one order costs. The server is
// shared, so other clients' commands in the same seconds count too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export type CommandKind = 'read' | 'write' | 'delete' | 'other';
export type CommandCounts = Readonly<Record<CommandKind, number>>;

const KIND: Record<string, CommandKind> = {
  find: 'read',
  getMore: 'read',
  aggregate: 'read',
  count: 'read',
  distinct: 'read',
  insert: 'write',
  update: 'write',
  findAndModify: 'write',
  delete: 'delete',
};

export function kindOf(command: string): CommandKind {
  return KIND[command] ?? 'other';
}

/** Commands so far by kind (handshakes and status calls left out). */
export function commandsByKind(status: {
  metrics?: { commands?: Record<string, { total?: number }> };
}): CommandCounts {
  const counts = { read: 0, write: 0, delete: 0, other: 0 };
  for (const [name, counter] of Object.entries(status.metrics?.commands ?? {})) {
    if (!NOT_WORK.has(name)) counts[kindOf(name)] += counter.total ?? 0;
  }
  return counts;
}

/** Counts by kind from command names and counts (a process's own, from the db tap). */
export function countsByKind(commands: Record<string, number>): CommandCounts {
  return commandsByKind({
    metrics: {
      commands: Object.fromEntries(Object.entries(commands).map(([k, n]) => [k, { total: n }])),
    },
  });
}

/** What each tapped process has sent so far (see db-tap.ts), by pid. */
export function tappedCommands(dir: string | undefined): Map<number, CommandCounts> {
  const counts = new Map<number, CommandCounts>();
  if (!dir) return counts;
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return counts;
  }
  for (const file of files.filter((f) => /^\d+\.json$/.test(f))) {
    try {
      const commands = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, number>;
      counts.set(Number(file.slice(0, -5)), countsByKind(commands));
    } catch {
      // being written: the next read has it
    }
  }
  return counts;
}

export function commandsIn(status: {
  metrics?: { commands?: Record<string, { total?: number }> };
}): number {
  const c = commandsByKind(status);
  return c.read + c.write + c.delete + c.other;
}

export function difference(after: CommandCounts, before: CommandCounts): CommandCounts {
  return {
    read: after.read - before.read,
    write: after.write - before.write,
    delete: after.delete - before.delete,
    other: after.other - before.other,
  };
}

export class DbCommandCounter {
  private constructor(private readonly client: MongoClient) {}

  static async connect(mongoUri: string): Promise<DbCommandCounter> {
    const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    return new DbCommandCounter(client);
  }

  /** Commands so far by kind, or undefined when the server does not say. */
  async total(): Promise<CommandCounts | undefined> {
    try {
      const status = await this.client.db('admin').command({ serverStatus: 1 });
      return commandsIn(status) > 0 ? commandsByKind(status) : undefined;
    } catch {
      return undefined;
    }
  }

  async dropDatabase(name: string): Promise<void> {
    await this.client
      .db(name)
      .dropDatabase()
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
