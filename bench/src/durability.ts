// How durable the database's commits are, read from the FerretDB process's command line: the
// setting every pipeline of a run shares (one server), stated in the report.
import { readFileSync } from 'node:fs';

/** The SQLite synchronous pragma of a FerretDB command line (SQLite's default is FULL). */
export function durabilityOf(commandLine: readonly string[]): string {
  const handler = commandLine.find((a) => a.startsWith('--handler='))?.slice('--handler='.length);
  const url = commandLine.find((a) => a.startsWith('--sqlite-url='));
  if (handler !== undefined && handler !== 'sqlite') return `FerretDB with the ${handler} backend`;
  if (url === undefined && handler === undefined) return 'unknown (not a FerretDB command line)';
  const pragmas = decodeURIComponent(url ?? '').match(/_pragma=synchronous\(([a-z0-9]+)\)/i);
  const synchronous = pragmas ? pragmas[1]!.toUpperCase() : 'FULL';
  return (
    `FerretDB on SQLite, journal_mode=WAL, synchronous=${synchronous}` +
    (pragmas ? '' : ' (SQLite’s default: every commit waits for its fsync)')
  );
}

export function ferretDbDurability(pid: number | undefined): string {
  if (pid === undefined) return 'unknown (no database process found on this machine)';
  try {
    return durabilityOf(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
  } catch {
    return 'unknown (the database process is not readable)';
  }
}
