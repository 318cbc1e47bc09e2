// The faults, one after another at random moments: each service SIGKILLed twice (and started
// again at once, as a supervisor would), the broker restarted, the database server restarted.
// Infrastructure restarts go through INFRA_CTL (`bash scripts/infra.sh`), which the test
// pipeline exports; they disturb everything else on the same broker and database server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repositoryRoot, SERVICE_NAMES, sleep, type ServiceName, type System } from '../src';

export type Fault =
  | { readonly kind: 'kill'; readonly service: ServiceName }
  | { readonly kind: 'restart'; readonly part: 'rabbitmq' | 'ferretdb' };

export interface FaultRecord {
  readonly fault: Fault;
  readonly atMs: number;
  readonly tookMs: number;
  readonly error?: string;
}

export const describeFault = (f: Fault): string =>
  f.kind === 'kill' ? `SIGKILL ${f.service}` : `restart ${f.part}`;

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** Every service killed twice, plus the infrastructure restarts, in random order. */
export function faultPlan(withInfra: boolean): Fault[] {
  const kills: Fault[] = SERVICE_NAMES.flatMap((service) => [
    { kind: 'kill' as const, service },
    { kind: 'kill' as const, service },
  ]);
  const infra: Fault[] = withInfra
    ? [
        { kind: 'restart', part: 'rabbitmq' },
        { kind: 'restart', part: 'ferretdb' },
      ]
    : [];
  return shuffle([...kills, ...infra]);
}

function infraCtl(): string[] {
  const ctl = process.env.INFRA_CTL?.trim();
  if (ctl) return ctl.split(/\s+/);
  return ['bash', join(repositoryRoot(), 'scripts', 'infra.sh')];
}

async function waitAllReady(system: System): Promise<void> {
  await Promise.all(SERVICE_NAMES.map((name) => system.services[name].waitReady(120_000)));
}

export async function inflict(system: System, fault: Fault): Promise<void> {
  if (fault.kind === 'kill') {
    const service = system.services[fault.service];
    service.kill();
    await service.stop(); // waits for the exit of the killed process
    // Started again as a supervisor would: a process that exits while starting (e.g. its
    // database is not reachable yet) is started once more, up to three times.
    for (let attempt = 1; ; attempt++) {
      service.start();
      try {
        await service.waitReady(120_000);
        return;
      } catch (err) {
        if (service.running || attempt === 3) throw err;
        await sleep(2_000);
      }
    }
  }
  const [command, ...args] = infraCtl();
  await promisify(execFile)(command!, [...args, 'restart', fault.part], {
    timeout: 180_000,
    env: process.env,
  });
  await waitAllReady(system);
}

/**
 * Runs the plan with random pauses between faults; `between(i)` runs after the i-th fault
 * (e.g. to publish poison while nothing is restarting).
 */
export async function runFaults(
  system: System,
  plan: readonly Fault[],
  pauseMs: readonly [number, number],
  startedAt: number,
  log: (line: string) => void,
  between: (done: number) => Promise<void> = async () => undefined,
): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  for (const [i, fault] of plan.entries()) {
    await sleep(pauseMs[0] + Math.random() * (pauseMs[1] - pauseMs[0]));
    const at = Date.now();
    log(`fault ${i + 1}/${plan.length}: ${describeFault(fault)}`);
    let error: string | undefined;
    try {
      await inflict(system, fault);
    } catch (err) {
      error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      log(`fault ${describeFault(fault)} failed: ${error}`);
    }
    const tookMs = Date.now() - at;
    records.push({ fault, atMs: at - startedAt, tookMs, ...(error ? { error } : {}) });
    log(`fault ${i + 1}/${plan.length}: ${describeFault(fault)} recovered in ${tookMs} ms`);
    await between(i + 1);
  }
  return records;
}
