// Ratios, targets and the Markdown report of a run: pure functions of its result.
import type { Pipeline, ProcessUsage, RunResult, StepResult } from './result';
import { ratio, relativeChange } from './stats';

export interface Target {
  readonly name: string;
  readonly goal: string;
  /** The measured value the goal is about. */
  readonly value: number;
  /** undefined when the run did not measure it. */
  readonly met: boolean | undefined;
  readonly detail: string;
}

export function rampSteps(run: Pick<RunResult, 'steps'>, pipeline: Pipeline): StepResult[] {
  return run.steps.filter((s) => s.pipeline === pipeline && s.kind === 'ramp');
}

export function stepOf(
  run: Pick<RunResult, 'steps'>,
  pipeline: Pipeline,
  kind: StepResult['kind'],
): StepResult | undefined {
  return run.steps.find((s) => s.pipeline === pipeline && s.kind === kind);
}

/** The ramp step with the highest value of `metric`. */
export function peak(
  steps: readonly StepResult[],
  metric: (s: StepResult) => number | undefined,
): StepResult | undefined {
  let best: StepResult | undefined;
  for (const s of steps) {
    const v = metric(s);
    if (v === undefined || !Number.isFinite(v)) continue;
    if (best === undefined || v > (metric(best) ?? -Infinity)) best = s;
  }
  return best;
}

const accepted = (s: StepResult) => s.acceptedPerS;
const sagas = (s: StepResult) => s.saga?.perS;

function judge(value: number, ok: (v: number) => boolean): boolean | undefined {
  return Number.isFinite(value) ? ok(value) : undefined;
}

export function evaluateTargets(run: Pick<RunResult, 'steps'>): Target[] {
  const reliable = rampSteps(run, 'reliable');
  const naive = rampSteps(run, 'naive');
  const driver = rampSteps(run, 'driver-insert');
  const reliableSagas = peak(reliable, sagas);
  const naiveSagas = peak(naive, sagas);
  const reliableHttp = peak(reliable, accepted);
  const driverPeak = peak(driver, accepted);
  const half = stepOf(run, 'reliable', 'half-peak');
  const before = stepOf(run, 'reliable', 'data-before') ?? stepOf(run, 'reliable', 'half-peak');
  const after = stepOf(run, 'reliable', 'data-after');

  const sagaRatio = ratio(reliableSagas?.saga?.perS, naiveSagas?.saga?.perS);
  const httpRatio = ratio(reliableHttp?.acceptedPerS, driverPeak?.acceptedPerS);
  const tail = ratio(half?.saga?.latency.p99, half?.saga?.latency.p50);
  const httpMove = before && after ? relativeChange(before.http.p50, after.http.p50) : Number.NaN;
  const sagaMove =
    before?.saga && after?.saga
      ? relativeChange(before.saga.latency.p50, after.saga.latency.p50)
      : Number.NaN;
  return [
    {
      name: 'saga throughput, reliable ÷ naive pipeline (peaks)',
      goal: '≥ 1',
      value: sagaRatio,
      met: judge(sagaRatio, (v) => v >= 1),
      detail: `${num(reliableSagas?.saga?.perS)} vs ${num(naiveSagas?.saga?.perS)} sagas/s`,
    },
    {
      name: 'POST /orders ÷ bare driver insert (peaks)',
      goal: '≥ 0.5',
      value: httpRatio,
      met: judge(httpRatio, (v) => v >= 0.5),
      detail: `${num(reliableHttp?.acceptedPerS)} vs ${num(driverPeak?.acceptedPerS)} per s`,
    },
    {
      name: 'saga latency p99 ÷ p50 at half of peak throughput',
      goal: '≤ 5',
      value: tail,
      met: judge(tail, (v) => v <= 5),
      detail: `p99 ${ms(half?.saga?.latency.p99)}, p50 ${ms(half?.saga?.latency.p50)} at ${num(half?.acceptedPerS)}/s (half of the peak sustained end to end)`,
    },
    {
      name: `HTTP p50 change with ${dataFactorOf(before, after)} data`,
      goal: '< +20 %',
      value: httpMove,
      met: judge(httpMove, (v) => v < 0.2),
      detail: `${ms(before?.http.p50)} → ${ms(after?.http.p50)}`,
    },
    {
      name: `saga p50 change with ${dataFactorOf(before, after)} data`,
      goal: '< +20 %',
      value: sagaMove,
      met: judge(sagaMove, (v) => v < 0.2),
      detail: `${ms(before?.saga?.latency.p50)} → ${ms(after?.saga?.latency.p50)}`,
    },
  ];
}

function dataFactorOf(before?: StepResult, after?: StepResult): string {
  const f = ratio(after?.data?.orders, before?.data?.orders);
  return Number.isFinite(f) ? `${Math.round(f)}×` : '10×';
}

/** Ratios of the peaks against the baselines, for the report's summary. */
export function ceilingRatios(run: Pick<RunResult, 'steps'>): { name: string; value: number }[] {
  const reliable = peak(rampSteps(run, 'reliable'), accepted)?.acceptedPerS;
  const http = peak(rampSteps(run, 'bare-http'), accepted)?.acceptedPerS;
  const driver = peak(rampSteps(run, 'driver-insert'), accepted)?.acceptedPerS;
  const naive = peak(rampSteps(run, 'naive'), accepted)?.acceptedPerS;
  return [
    { name: 'POST /orders ÷ bare Fastify 201 (HTTP ceiling)', value: ratio(reliable, http) },
    {
      name: 'POST /orders ÷ bare driver insert (database ceiling)',
      value: ratio(reliable, driver),
    },
    { name: 'POST /orders ÷ naive pipeline POST /orders', value: ratio(reliable, naive) },
  ];
}

/** Per pipeline, its peak ramp step's processes by CPU, busiest first (the likely limit). */
export function busiestAtPeaks(run: Pick<RunResult, 'steps'>): string[] {
  const pipelines: Pipeline[] = ['bare-http', 'driver-insert', 'reliable', 'naive'];
  return pipelines.flatMap((pipeline) => {
    const top = peak(rampSteps(run, pipeline), accepted);
    if (!top) return [];
    const busiest = [...top.processes]
      .sort((a, b) => b.cpuPercent - a.cpuPercent)
      .map((p) => `${p.name} ${p.cpuPercent.toFixed(0)} %`)
      .join(', ');
    return [`${pipeline} at c=${top.connections} (${num(top.acceptedPerS)}/s): ${busiest}`];
  });
}

export function num(v: number | undefined, digits = 0): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

export function ms(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

function pct(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return `${v >= 0 ? '+' : ''}${(v * 100).toFixed(0)} %`;
}

function triple(a?: number, b?: number, c?: number): string {
  return [a, b, c]
    .map((v) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(v < 10 ? 1 : 0)))
    .join(' / ');
}

function usage(processes: readonly ProcessUsage[]): string {
  return processes
    .map((p) => `${p.name} ${p.cpuPercent.toFixed(0)} % ${p.rssMb.toFixed(0)} MB`)
    .join('<br>');
}

const STEP_LABEL: Record<StepResult['kind'], string> = {
  ramp: '',
  'half-peak': 'half of peak',
  'data-before': 'data ×1',
  'data-after': 'data ×N',
  profile: 'profiled',
};

function stepLabel(s: StepResult): string {
  const rate = s.targetRate !== undefined ? ` @${num(s.targetRate)}/s` : '';
  const extra = STEP_LABEL[s.kind];
  const data = s.data ? ` (${num(s.data.products)} products, ${num(s.data.orders)} orders)` : '';
  const disturbed = s.disturbed ? ` ⚠ ${s.disturbed}` : '';
  return `c=${s.connections}${rate}${extra ? ` ${extra}` : ''}${data}${disturbed}`;
}

/** The step table: one row per step, latencies in ms as p50 / p95 / p99. */
export function stepTable(steps: readonly StepResult[]): string {
  const header =
    '| pipeline | step | accepted/s | HTTP ms p50 / p95 / p99 | sagas/s | saga ms p50 / p95 / p99 | events/s | db cmds/order | CPU, RSS |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = steps.map((s) =>
    [
      s.pipeline,
      stepLabel(s),
      num(s.acceptedPerS) + (s.failed ? ` (${num(s.failed)} failed)` : ''),
      triple(s.http.p50, s.http.p95, s.http.p99),
      s.saga
        ? num(s.saga.perS) + (s.saga.missing ? ` (${num(s.saga.missing)} unfinished)` : '')
        : '–',
      s.saga ? triple(s.saga.latency.p50, s.saga.latency.p95, s.saga.latency.p99) : '–',
      num(s.eventsPerS),
      num(s.dbCommandsPerOrder, 1),
      usage(s.processes),
    ].join(' | '),
  );
  return [header, ...rows.map((r) => `| ${r} |`)].join('\n');
}

export function targetTable(targets: readonly Target[]): string {
  const rows = targets.map((t) => {
    const value = t.name.includes('change') ? pct(t.value) : num(t.value, 2);
    const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : 'missed';
    return `| ${t.name} | ${t.goal} | ${value} | ${verdict} | ${t.detail} |`;
  });
  return [
    '| target | goal | measured | verdict | from |',
    '| --- | --- | ---: | --- | --- |',
    ...rows,
  ].join('\n');
}

export function markdownReport(run: RunResult): string {
  const targets = evaluateTargets(run);
  const lines: string[] = [];
  lines.push(`# Benchmark run ${run.startedAt}`, '');
  lines.push(
    `${run.machine.cpus} cores (${run.machine.cpuModel}), Node ${run.machine.node}, load average at start ` +
      `${run.machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}; the run took ${Math.round(run.elapsedS)} s. ` +
      `Settings: ${Object.entries(run.settings)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')}.`,
    '',
  );
  lines.push('## Targets', '', targetTable(targets), '');
  lines.push('## Ratios to the ceilings', '');
  lines.push('| ratio | value |', '| --- | ---: |');
  for (const r of ceilingRatios(run)) {
    lines.push(`| ${r.name} | ${num(r.value, r.value < 0.1 ? 3 : 2)} |`);
  }
  lines.push('', '## Busiest processes at each peak', '');
  lines.push(...busiestAtPeaks(run).map((b) => `- ${b}`));
  lines.push('', '## Steps', '', stepTable(run.steps), '');
  for (const p of run.profiles) {
    lines.push(
      `## Profile: ${p.service}`,
      '',
      `${num(p.sampledMs)} ms sampled, ${p.idlePercent.toFixed(0)} % idle. Top functions by self time:`,
      '',
      '| function | where | mostly called from | self ms | self % |',
      '| --- | --- | --- | ---: | ---: |',
      ...p.top.map(
        (e) =>
          `| ${e.functionName} | ${e.location} | ${e.calledFrom} | ${num(e.selfMs)} | ${e.selfPercent.toFixed(1)} |`,
      ),
      '',
    );
  }
  if (run.notes.length > 0) {
    lines.push('## Notes', '', ...run.notes.map((n) => `- ${n}`), '');
  }
  return lines.join('\n');
}
