// Running one step and turning what it measured into a StepResult.
import { setTimeout as sleep } from 'node:timers/promises';
import { difference, tappedCommands, type CommandCounts } from './db-commands';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import type { UsageMeter } from './proc';
import type { Pipeline, StepKind, StepResult } from './result';
import type { SagaTap } from './saga-tap';
import { summarize } from './stats';

/** Pids of the shared broker and database at a moment: a change means one was restarted. */
export type InfraPids = () => ReadonlyMap<string, number>;

function restartedBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): string[] {
  return [...before]
    .filter(([name, pid]) => after.get(name) !== pid)
    .map(([name]) => `${name} restarted`);
}

export interface StepPlan {
  readonly pipeline: Pipeline;
  readonly kind: StepKind;
  readonly connections: number;
  readonly overallRate?: number;
}

export function plainResult(
  plan: StepPlan,
  load: LoadResult,
  usage: StepResult['processes'],
): StepResult {
  return {
    pipeline: plan.pipeline,
    kind: plan.kind,
    connections: plan.connections,
    ...(plan.overallRate ? { targetRate: Math.round(plan.overallRate) } : {}),
    durationS: load.durationS,
    accepted: load.accepted,
    failed: load.failed,
    serverErrors: load.serverErrors,
    refused: load.refused,
    unanswered: load.unanswered,
    acceptedPerS: load.accepted / load.durationS,
    http: summarize(load.latencies),
    processes: usage,
  };
}

/**
 * Waits until the sagas of earlier steps are done and the vhost's queues empty (notifications
 * too): a step starts on a drained system, or their backlog is measured with it.
 */
export async function drained(
  tap: SagaTap,
  timeoutS: number,
  queued?: () => Promise<number>,
): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  while (tap.outstanding > 0 && Date.now() < deadline) await sleep(200);
  let empty = 0;
  while (queued && empty < 2 && Date.now() < deadline) {
    const messages = await queued();
    empty = messages === 0 || Number.isNaN(messages) ? empty + 1 : 0;
    if (empty < 2) await sleep(1_000);
  }
}

/** A load step on a pipeline with a saga: load, then wait until its sagas are done (or timeout). */
export async function sagaStep(
  plan: StepPlan,
  load: Omit<LoadOptions, 'connections' | 'overallRate'>,
  tap: SagaTap,
  meter: UsageMeter,
  drainTimeoutS: number,
  dbCommands?: () => Promise<CommandCounts | undefined>,
  infraPids?: InfraPids,
  queued?: () => Promise<number>,
): Promise<StepResult> {
  await drained(tap, drainTimeoutS * 3, queued);
  const backlog = tap.outstanding;
  const pidsBefore = infraPids?.() ?? new Map<string, number>();
  const reconnectsBefore = tap.reconnects;
  const commandsBefore = await dbCommands?.();
  const tapDir = process.env.BENCH_DB_TAP_DIR;
  const tappedBefore = tappedCommands(tapDir);
  meter.start();
  const eventsBefore = tap.events;
  const monotonicStartUs = Number(process.hrtime.bigint() / 1000n);
  const result = await runLoad({
    ...load,
    connections: plan.connections,
    ...(plan.overallRate ? { overallRate: plan.overallRate } : {}),
  });
  const window = () => tap.completedBetween(result.startedAt, result.endedAt + 1_000);
  const deadline = Date.now() + drainTimeoutS * 1000;
  while (window().length < result.accepted && Date.now() < deadline) await sleep(100);
  const drainedAt = Date.now();
  const monotonicEndUs = Number(process.hrtime.bigint() / 1000n);
  const usage = meter.stop();
  const commandsAfter = await dbCommands?.();
  if (tapDir) await sleep(600); // the tapped processes write their counts every 250 ms
  const tappedAfter = tappedCommands(tapDir);
  const byProcess: Record<string, CommandCounts> = {};
  for (const [name, pid] of meter.processes) {
    const after = tappedAfter.get(pid);
    if (!after || result.accepted === 0) continue;
    const d = difference(
      after,
      tappedBefore.get(pid) ?? { read: 0, write: 0, delete: 0, other: 0 },
    );
    byProcess[name] = {
      read: d.read / result.accepted,
      write: d.write / result.accepted,
      delete: d.delete / result.accepted,
      other: d.other / result.accepted,
    };
  }
  const commands =
    commandsBefore && commandsAfter ? difference(commandsAfter, commandsBefore) : undefined;
  const total = commands ? commands.read + commands.write + commands.delete + commands.other : -1;
  const completions = window();
  const disturbed = [
    ...(backlog > 0 ? [`started with ${backlog} sagas of earlier steps unfinished`] : []),
    ...restartedBetween(pidsBefore, infraPids?.() ?? new Map<string, number>()),
    ...(tap.reconnects > reconnectsBefore ? ['the tap lost the broker'] : []),
  ];
  const lastDone = completions.reduce((m, c) => Math.max(m, c.doneMs), result.startedAt + 1);
  return {
    ...plainResult(plan, result, usage),
    saga: {
      completed: completions.length,
      missing: Math.max(0, result.accepted - completions.length),
      perS: completions.length / ((lastDone - result.startedAt) / 1000),
      latency: summarize(completions.map((c) => c.doneMs - c.createdMs)),
      drainS: Math.max(0, (lastDone - result.endedAt) / 1000),
    },
    eventsPerS: (tap.events - eventsBefore) / ((drainedAt - result.startedAt) / 1000),
    // (A database restart resets its counters: no figure then.)
    ...(commands && total >= 0 && result.accepted > 0
      ? {
          dbCommandsPerOrder: total / result.accepted,
          dbCommandsByKind: {
            read: commands.read / result.accepted,
            write: commands.write / result.accepted,
            delete: commands.delete / result.accepted,
            other: commands.other / result.accepted,
          },
        }
      : {}),
    ...(Object.keys(byProcess).length ? { dbCommandsByProcess: byProcess } : {}),
    window: { monotonicStartUs, monotonicEndUs },
    ...(disturbed.length ? { disturbed: [...new Set(disturbed)].join(', ') } : {}),
  };
}
