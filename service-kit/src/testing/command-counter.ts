// Counts the database commands a process sends on one MongoDB connection, by command name and
// collection, through the driver's command monitoring: `monitorCommands=true` in MONGODB_URI makes
// the client emit `commandStarted` for every command of its pool. For tests that bound the
// commands a piece of work costs.
import type { Connection, mongo } from 'mongoose';

/** The URI with command monitoring switched on (the driver reads it as a client option). */
export function withCommandMonitoring(uri: string): string {
  const url = new URL(uri);
  url.searchParams.set('monitorCommands', 'true');
  return url.toString();
}

/** `<command> <collection>` → how many were sent. */
export type CommandCounts = Map<string, number>;

export class CommandCounter {
  private counts: CommandCounts | undefined;

  constructor(connection: Connection) {
    const client = connection.getClient();
    if (!client.options.monitorCommands) {
      throw new Error('the connection was opened without monitorCommands=true in its URI');
    }
    client.on('commandStarted', (event: mongo.CommandStartedEvent) => {
      if (!this.counts) return;
      const key = `${event.commandName} ${collectionOf(event)}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    });
  }

  start(): void {
    this.counts = new Map();
  }

  /** Stops counting and returns what was counted since `start`. */
  stop(): CommandCounts {
    const counts = this.counts ?? new Map<string, number>();
    this.counts = undefined;
    return counts;
  }
}

export function total(counts: CommandCounts): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/** One line per command and collection, then the total, for the test's output. */
export function describeCounts(counts: CommandCounts): string {
  const lines = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${String(n).padStart(3)}  ${key}`);
  return [...lines, `${String(total(counts)).padStart(3)}  in total`].join('\n');
}

function collectionOf(event: mongo.CommandStartedEvent): string {
  const target: unknown = event.command[event.commandName];
  if (typeof target === 'string') return target;
  const named: unknown = event.command['collection'];
  return typeof named === 'string' ? named : '-';
}
