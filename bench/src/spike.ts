// The traffic spike: N× the sustainable rate for a while, then straight back to that rate for as
// long, then the wait until every order accepted in either phase is final. Its drain time: from
// the end of the spike to the last spike order's outcome.
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad, type LoadOptions, type LoadResult } from './load';
import type { UsageMeter } from './proc';
import type { StepResult } from './result';
import type { SagaTap } from './saga-tap';
import { summarize } from './stats';
import { drained, plainResult } from './steps';

export interface SpikePlan {
  readonly sustainablePerS: number;
  readonly factor: number;
  readonly durationS: number;
  /** Longest wait for the backlog after the spike. */
  readonly drainTimeoutS: number;
}

/** Enough connections to offer the spike's rate while answers slow down (closed-loop client). */
export function spikeConnections(ratePerS: number): number {
  return Math.min(400, Math.max(16, Math.ceil(ratePerS * 2)));
}

export async function spikeSteps(
  plan: SpikePlan,
  load: Omit<LoadOptions, 'connections' | 'overallRate' | 'durationS'>,
  tap: SagaTap,
  meter: UsageMeter,
  queued?: () => Promise<number>,
): Promise<StepResult[]> {
  await drained(tap, plan.drainTimeoutS, queued);
  const spikeRate = plan.sustainablePerS * plan.factor;
  const connections = spikeConnections(spikeRate);
  meter.start();
  const spike = await runLoad({
    ...load,
    connections,
    overallRate: spikeRate,
    durationS: plan.durationS,
  });
  const back = await runLoad({
    ...load,
    connections,
    overallRate: plan.sustainablePerS,
    durationS: plan.durationS,
  });
  const ofSpike = () => tap.completedBetween(spike.startedAt, spike.endedAt + 1_000);
  const ofBack = () => tap.completedBetween(spike.endedAt + 1_001, back.endedAt + 1_000);
  const deadline = Date.now() + plan.drainTimeoutS * 1000;
  while (
    (ofSpike().length < spike.accepted || ofBack().length < back.accepted) &&
    Date.now() < deadline
  ) {
    await sleep(200);
  }
  const usage = meter.stop();
  return [
    phase('spike', spikeRate, spike, ofSpike(), usage),
    phase('after-spike', plan.sustainablePerS, back, ofBack(), []),
  ];

  function phase(
    kind: 'spike' | 'after-spike',
    rate: number,
    result: LoadResult,
    completions: ReturnType<SagaTap['completedBetween']>,
    processes: StepResult['processes'],
  ): StepResult {
    const lastDone = completions.reduce((m, c) => Math.max(m, c.doneMs), result.startedAt + 1);
    return {
      ...plainResult(
        { pipeline: 'reliable', kind, connections, overallRate: rate },
        result,
        processes,
      ),
      saga: {
        completed: completions.length,
        missing: Math.max(0, result.accepted - completions.length),
        perS: completions.length / ((lastDone - result.startedAt) / 1000),
        latency: summarize(completions.map((c) => c.doneMs - c.createdMs)),
        drainS: Math.max(0, (lastDone - result.endedAt) / 1000),
      },
    };
  }
}
