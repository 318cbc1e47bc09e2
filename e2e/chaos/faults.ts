// The faults, as a plan of acts run one after another at random moments. An act is one fault,
// or several that overlap (each starts at its own offset into the act): a broker restart during
// a long database outage, a SIGKILL while the broker is down, a burst of orders while a pod dies.
// After each act every pod must be ready again before the next one starts.
//
// A killed pod is started again at once, as a supervisor would (again and again while it exits
// during start-up). Infrastructure faults go through INFRA_CTL (`bash scripts/infra.sh`), which
// the test pipeline exports; they disturb everything else on the same broker and database server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot, SERVICE_NAMES, sleep, type ServiceName, type System } from '../src';

export type InfraPart = 'rabbitmq' | 'database';

export type Fault =
  /** SIGKILL one pod (replica counted from 1) and start it again. */
  | { readonly kind: 'kill'; readonly service: ServiceName; readonly replica: number }
  /** Stop and start at once. */
  | { readonly kind: 'restart'; readonly part: InfraPart }
  /** Stopped for `ms`, then started. */
  | { readonly kind: 'outage'; readonly part: InfraPart; readonly ms: number }
  /** The order rate times `factor` for `ms`. */
  | { readonly kind: 'burst'; readonly factor: number; readonly ms: number };

/** Faults that overlap: each starts `atMs` after the act began. */
export type Act = readonly { readonly atMs: number; readonly fault: Fault }[];

export interface FaultRecord {
  readonly fault: Fault;
  /** From the start of the run. */
  readonly startMs: number;
  /** When it was over: the pod ready again, the part started again, the burst ended. */
  readonly endMs: number;
  readonly error?: string;
}

/** What a fault needs besides the system: the load generator, for bursts. */
export interface FaultContext {
  readonly system: System;
  burst(factor: number, ms: number): Promise<void>;
}

export function describeFault(f: Fault): string {
  switch (f.kind) {
    case 'kill':
      return `SIGKILL ${f.service}-${f.replica}`;
    case 'restart':
      return `restart ${f.part}`;
    case 'outage':
      return `${f.part} down ${(f.ms / 1000).toFixed(0)} s`;
    case 'burst':
      return `burst ${f.factor}× for ${(f.ms / 1000).toFixed(0)} s`;
  }
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

export interface PlanOptions {
  /** Restart and stop the broker and the database server (else: pod kills and bursts only). */
  readonly withInfra: boolean;
  /** Pods per service; each service is killed twice, on different pods when there are two. */
  readonly replicas: number;
  readonly longOutageMs: number;
  readonly burstFactor: number;
  readonly burstMs: number;
}

/**
 * Single faults first, in random order (a kill of each service, a broker and a database
 * restart), then the overlapping acts in random order: a long database outage with a broker
 * restart inside it; a broker outage with a SIGKILL inside it; a burst with a SIGKILL inside
 * it; and the second kill of the last service. Each service is killed twice in all.
 */
export function faultPlan(o: PlanOptions): Act[] {
  const replica = (n: number) => 1 + (n % o.replicas);
  const [a, b, c] = shuffle([...SERVICE_NAMES]) as [ServiceName, ServiceName, ServiceName];
  const kill = (service: ServiceName, n: number): Fault => ({
    kind: 'kill',
    service,
    replica: replica(n),
  });
  const alone = (fault: Fault): Act => [{ atMs: 0, fault }];
  const singles: Act[] = SERVICE_NAMES.map((s) => alone(kill(s, 0)));
  const overlapping: Act[] = [
    [
      { atMs: 0, fault: { kind: 'burst', factor: o.burstFactor, ms: o.burstMs } },
      { atMs: o.burstMs / 3, fault: kill(b, 1) },
    ],
    alone(kill(c, 1)),
  ];
  if (o.withInfra) {
    singles.push(alone({ kind: 'restart', part: 'rabbitmq' }));
    singles.push(alone({ kind: 'restart', part: 'database' }));
    overlapping.push(
      [
        { atMs: 0, fault: { kind: 'outage', part: 'database', ms: o.longOutageMs } },
        { atMs: o.longOutageMs / 3, fault: { kind: 'restart', part: 'rabbitmq' } },
      ],
      [
        { atMs: 0, fault: { kind: 'outage', part: 'rabbitmq', ms: 15_000 } },
        { atMs: 4_000, fault: kill(a, 1) },
      ],
    );
  } else {
    overlapping.push(alone(kill(a, 1)));
  }
  return [...shuffle(singles), ...shuffle(overlapping)];
}

function infraCtl(): string[] {
  const ctl = process.env.INFRA_CTL?.trim();
  if (ctl) return ctl.split(/\s+/);
  return ['bash', join(repositoryRoot(), 'scripts', 'infra.sh')];
}

async function ctl(action: 'stop' | 'start' | 'restart', part: InfraPart): Promise<void> {
  const name = part === 'database' ? (process.env.INFRA_CTL_MONGODB ?? 'ferretdb') : part;
  const [command, ...args] = infraCtl();
  await promisify(execFile)(command!, [...args, action, name], {
    timeout: 180_000,
    env: process.env,
  });
}

const READY_MS = 180_000;

/** Every pod answers /health/ready with 200. */
export async function waitAllReady(system: System, timeoutMs = READY_MS): Promise<void> {
  await Promise.all(system.allPods().map((pod) => pod.waitReady(timeoutMs)));
}

async function inflict(context: FaultContext, fault: Fault): Promise<void> {
  switch (fault.kind) {
    case 'kill': {
      const pod = context.system.pods[fault.service][fault.replica - 1];
      if (!pod) throw new Error(`${fault.service} has no replica ${fault.replica}`);
      pod.kill();
      await pod.stop(); // waits for the exit of the killed process
      // Started again as a supervisor would: a pod that exits while starting (e.g. its database
      // is not reachable yet) is started again after a pause, until the deadline.
      const deadline = Date.now() + READY_MS;
      for (;;) {
        pod.start();
        try {
          await pod.waitReady(Math.max(1_000, deadline - Date.now()));
          return;
        } catch (err) {
          if (pod.running || Date.now() > deadline) throw err;
          await sleep(2_000);
        }
      }
    }
    case 'restart':
      return ctl('restart', fault.part);
    case 'outage':
      await ctl('stop', fault.part);
      await sleep(fault.ms);
      return ctl('start', fault.part);
    case 'burst':
      return context.burst(fault.factor, fault.ms);
  }
}

/**
 * Runs the plan with random pauses between acts; `between(i)` runs after the i-th act (e.g. to
 * publish poison while nothing is restarting). An act whose pods are not all ready again
 * within the deadline is recorded as a failure of its last fault.
 */
export async function runFaults(
  context: FaultContext,
  plan: readonly Act[],
  pauseMs: readonly [number, number],
  startedAt: number,
  log: (line: string) => void,
  between: (done: number) => Promise<void> = async () => undefined,
): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const [i, act] of plan.entries()) {
    await sleep(pauseMs[0] + Math.random() * (pauseMs[1] - pauseMs[0]));
    const actStart = Date.now();
    const label = act.map((f) => describeFault(f.fault)).join(' + ');
    log(`act ${i + 1}/${plan.length}: ${label}`);
    const done: FaultRecord[] = await Promise.all(
      act.map(async ({ atMs, fault }) => {
        await sleep(atMs);
        const start = Date.now();
        log(`  ${describeFault(fault)}: begins`);
        let error: string | undefined;
        try {
          await inflict(context, fault);
        } catch (err) {
          error = err instanceof Error ? err.message.split('\n')[0] : String(err);
          log(`  ${describeFault(fault)} failed: ${error}`);
        }
        log(`  ${describeFault(fault)}: over after ${Date.now() - start} ms`);
        const record = { fault, startMs: start - startedAt, endMs: Date.now() - startedAt };
        return error ? { ...record, error } : record;
      }),
    );
    try {
      await waitAllReady(context.system);
      log(`act ${i + 1}/${plan.length} over after ${Date.now() - actStart} ms, every pod ready`);
    } catch (err) {
      const last = done[done.length - 1]!;
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      done[done.length - 1] = { ...last, error: last.error ?? `pods not ready after it: ${why}` };
      log(`act ${i + 1}/${plan.length}: ${why}`);
    }
    records.push(...done);
    await between(i + 1);
  }
  return records;
}
