// CPU and memory of processes on this machine (Linux /proc): the services, the baselines, and the
// broker and database they use, found by the TCP port they listen on.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ProcessUsage } from './result';

const CLOCK_TICKS_PER_S = 100;

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is field 10.
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  return inodes;
}

/** The process listening on a TCP port, or undefined. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((i) => `socket:[${i}]`));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (wanted.has(readlinkSync(`/proc/${entry}/fd/${fd}`))) return Number(entry);
      } catch {
        // the fd closed meanwhile
      }
    }
  }
  return undefined;
}

/** The process's environment (readable for processes of the same user). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

interface Sample {
  readonly cpuS: number;
  readonly at: number;
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) start at field 3; utime and stime are 14, 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** CPU use between start() and stop() of a set of named processes, and their RSS at the end. */
export class UsageMeter {
  private readonly started = new Map<string, Sample>();

  constructor(readonly processes: ReadonlyMap<string, number>) {}

  start(): void {
    for (const [name, pid] of this.processes) {
      try {
        this.started.set(name, { cpuS: cpuSeconds(pid), at: performance.now() });
      } catch {
        // gone: reported as missing
      }
    }
  }

  stop(): ProcessUsage[] {
    const usage: ProcessUsage[] = [];
    for (const [name, pid] of this.processes) {
      const start = this.started.get(name);
      if (!start) continue;
      try {
        const cpuS = cpuSeconds(pid);
        const wallS = (performance.now() - start.at) / 1000;
        usage.push({
          name,
          cpuPercent: (100 * (cpuS - start.cpuS)) / wallS,
          cpuMs: (cpuS - start.cpuS) * 1000,
          rssMb: rssMb(pid),
        });
      } catch {
        // exited during the step
      }
    }
    return usage;
  }
}

/**
 * Waits until the process has used less than `busyPercent` of a core for `quietS` seconds in a
 * row, and at least `minS` seconds have passed since `since` (at most `limitS` in all); returns
 * the seconds waited.
 */
export async function untilQuiet(
  pid: number,
  { since = performance.now(), minS = 0, busyPercent = 15, quietS = 3, limitS = 180 } = {},
): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  while (
    (quiet < quietS || performance.now() - since < minS * 1000) &&
    performance.now() - started < limitS * 1000
  ) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    quiet = 100 * (cpuSeconds(pid) - before) < busyPercent ? quiet + 1 : 0;
  }
  return (performance.now() - started) / 1000;
}
