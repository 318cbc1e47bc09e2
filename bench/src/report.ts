// Ratios, targets and the Markdown report of a run: pure functions of its result.
import type { Pipeline, ProcessUsage, RunResult, StepResult } from './result';
import { ratio, relativeChange, spread, type Spread } from './stats';

export interface Target {
  readonly name: string;
  readonly goal: string;
  /** The measured value the goal is about. */
  readonly value: number;
  /** undefined when the run did not measure it. */
  readonly met: boolean | undefined;
  readonly detail: string;
  /** How far a missed target is from its goal, and what the run shows as the reason. */
  readonly gap?: string;
  readonly why?: string;
}

/** Processes that are not part of any pipeline's cost (the load client). */
const NOT_PIPELINE = new Set(['bench client']);

/** CPU time of the pipeline's processes (with broker and database) per completed saga, ms. */
export function cpuMsPerSaga(s: StepResult): number {
  const done = s.saga ? s.saga.completed : s.accepted;
  const measured = s.processes.filter((p) => !NOT_PIPELINE.has(p.name));
  if (measured.length === 0) return Number.NaN;
  const cpu = measured.reduce((sum, p) => sum + (p.cpuMs ?? Number.NaN), 0);
  return ratio(cpu, done);
}

export function roundSteps(run: Pick<RunResult, 'steps'>, pipeline: Pipeline): StepResult[] {
  return run.steps.filter((s) => s.pipeline === pipeline && s.kind === 'round');
}

/** A pipeline's figure for the comparisons: the median over the rounds, else its ramp peak. */
export function compared(
  run: Pick<RunResult, 'steps'>,
  pipeline: Pipeline,
  metric: (s: StepResult) => number | undefined,
): { value: number; text: string; step?: StepResult } {
  const rounds = roundSteps(run, pipeline);
  if (rounds.length > 0) {
    const sp = spread(rounds.map((s) => metric(s) ?? Number.NaN));
    const step = [...rounds].sort(
      (a, b) =>
        Math.abs((metric(a) ?? Infinity) - sp.median) -
        Math.abs((metric(b) ?? Infinity) - sp.median),
    )[0];
    return { value: sp.median, text: spreadText(sp), ...(step ? { step } : {}) };
  }
  const top = peak(rampSteps(run, pipeline), metric);
  const value = top ? (metric(top) ?? Number.NaN) : Number.NaN;
  return {
    value,
    text: `${num(value, value < 10 ? 1 : 0)} (ramp peak)`,
    ...(top ? { step: top } : {}),
  };
}

export function spreadText(sp: Spread, digits?: number): string {
  if (sp.n === 0) return '–';
  const d = digits ?? (sp.median < 10 ? 1 : 0);
  return `${num(sp.median, d)} (${num(sp.min, d)}–${num(sp.max, d)}, ${sp.n} rounds)`;
}

function gapOf(value: number, goal: number, direction: 'min' | 'max'): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (direction === 'min' && value < goal) return `needs ${num(goal / value, 1)}× more`;
  if (direction === 'max' && value > goal) return `${num(value / goal, 1)}× over`;
  return undefined;
}

function commandsText(s: StepResult | undefined): string {
  const k = s?.dbCommandsByKind;
  if (!s || s.dbCommandsPerOrder === undefined) return '–';
  const senders = Object.entries(s.dbCommandsByProcess ?? {})
    .map(([name, c]) => `${name} ${num(c.read + c.write + c.delete + c.other, 1)}`)
    .join(', ');
  return (
    (k
      ? `${num(s.dbCommandsPerOrder, 1)} (${num(k.read, 1)} reads, ${num(k.write, 1)} writes, ${num(k.delete, 1)} deletes)`
      : num(s.dbCommandsPerOrder, 1)) + (senders ? ` [${senders}]` : '')
  );
}

function busiest(s: StepResult | undefined, count = 3): string {
  return s
    ? [...s.processes]
        .sort((a, b) => b.cpuPercent - a.cpuPercent)
        .slice(0, count)
        .map((p) => `${p.name} ${p.cpuPercent.toFixed(0)} %`)
        .join(', ')
    : '–';
}

/** The reason the run shows for a gap between the reliable pipeline and another. */
function whyAgainst(mine: StepResult | undefined, other: StepResult | undefined, label: string) {
  return (
    `db commands per order ${commandsText(mine)} vs ${commandsText(other)} for ${label}; ` +
    `CPU-ms per saga ${num(mine && cpuMsPerSaga(mine))} vs ${num(other && cpuMsPerSaga(other))}; ` +
    `busiest: ${busiest(mine)}`
  );
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

function judge(value: number, ok: (v: number) => boolean): boolean | undefined {
  return Number.isFinite(value) ? ok(value) : undefined;
}

export function evaluateTargets(run: Pick<RunResult, 'steps'>): Target[] {
  const sagaRate = (s: StepResult) => s.saga?.perS;
  const reliable = compared(run, 'reliable', sagaRate);
  const equal = compared(run, 'naive-equal', sagaRate);
  const naive = compared(run, 'naive', sagaRate);
  const reliableHttp = compared(run, 'reliable', accepted);
  const driver = compared(run, 'driver-insert', accepted);
  const reliableCpu = compared(run, 'reliable', cpuMsPerSaga);
  const equalCpu = compared(run, 'naive-equal', cpuMsPerSaga);
  const half = stepOf(run, 'reliable', 'half-peak');
  const before = stepOf(run, 'reliable', 'data-before') ?? stepOf(run, 'reliable', 'half-peak');
  const grown = stepOf(run, 'reliable', 'data-after');
  // A step whose every request failed has no latency to compare (its answers were errors).
  const after = grown && grown.accepted > 0 ? grown : undefined;
  const grownFailed =
    grown && grown.failed > 0 ? ` (${num(grown.failed)} requests failed after the growth)` : '';
  const spike = stepOf(run, 'reliable', 'spike');
  const afterSpike = stepOf(run, 'reliable', 'after-spike');

  const equalRatio = ratio(reliable.value, equal.value);
  const naiveRatio = ratio(reliable.value, naive.value);
  const httpRatio = ratio(reliableHttp.value, driver.value);
  const cpuRatio = ratio(reliableCpu.value, equalCpu.value);
  const tail = ratio(half?.saga?.latency.p99, half?.saga?.latency.p50);
  const httpMove = before && after ? relativeChange(before.http.p50, after.http.p50) : Number.NaN;
  const sagaMove =
    before?.saga && after?.saga
      ? relativeChange(before.saga.latency.p50, after.saga.latency.p50)
      : Number.NaN;
  // A count over both phases of the spike (the spike and the return to the sustainable rate).
  const ofSpike = (count: (s: StepResult) => number | undefined) =>
    [spike, afterSpike].reduce((sum, s) => sum + ((s && count(s)) ?? 0), 0);
  const spikeErrors = ofSpike((s) => s.serverErrors);
  const spikeMissing = ofSpike((s) => s.saga?.missing);
  const spikeFailed = ofSpike((s) => s.failed);
  const spikeUnanswered = ofSpike((s) => s.unanswered);
  const spikeRefused = ofSpike((s) => s.refused);
  const drainS = spike?.saga?.drainS ?? Number.NaN;
  const movedGap = (v: number) =>
    Number.isFinite(v) && v >= 0.2 ? `${((v - 0.2) * 100).toFixed(0)} points over` : undefined;
  const targets: Target[] = [
    {
      name: 'sagas/s, reliable ÷ equal-work naive',
      goal: '≥ 1',
      value: equalRatio,
      met: judge(equalRatio, (v) => v >= 1),
      detail: `${reliable.text} vs ${equal.text}`,
      gap: gapOf(equalRatio, 1, 'min'),
      why: whyAgainst(reliable.step, equal.step, 'equal-work naive'),
    },
    {
      name: 'sagas/s, reliable ÷ seed-shaped naive',
      goal: '≥ 0.5',
      value: naiveRatio,
      met: judge(naiveRatio, (v) => v >= 0.5),
      detail: `${reliable.text} vs ${naive.text}`,
      gap: gapOf(naiveRatio, 0.5, 'min'),
      why: whyAgainst(reliable.step, naive.step, 'seed-shaped naive'),
    },
    {
      name: 'POST /orders ÷ bare driver insert',
      goal: '≥ 0.5',
      value: httpRatio,
      met: judge(httpRatio, (v) => v >= 0.5),
      detail: `${reliableHttp.text} vs ${driver.text} per s`,
      gap: gapOf(httpRatio, 0.5, 'min'),
      why: `db commands per order ${commandsText(reliableHttp.step)} against 1 insert; HTTP p50 ${ms(reliableHttp.step?.http.p50)} vs ${ms(driver.step?.http.p50)}; busiest: ${busiest(reliableHttp.step)}`,
    },
    {
      name: 'CPU-ms per saga, reliable ÷ equal-work naive',
      goal: '≤ 2',
      value: cpuRatio,
      met: judge(cpuRatio, (v) => v <= 2),
      detail: `${reliableCpu.text} vs ${equalCpu.text} ms`,
      gap: gapOf(cpuRatio, 2, 'max'),
      why: `per process: ${perProcess(reliableCpu.step)} vs ${perProcess(equalCpu.step)}`,
    },
    {
      name: 'saga latency p99 ÷ p50 at half of peak throughput',
      goal: '≤ 5',
      value: tail,
      met: judge(tail, (v) => v <= 5),
      detail: `p99 ${ms(half?.saga?.latency.p99)}, p50 ${ms(half?.saga?.latency.p50)} at ${num(half?.acceptedPerS)}/s (half of the peak sustained end to end)`,
      gap: gapOf(tail, 5, 'max'),
    },
    {
      name: `HTTP p50 change with ${dataFactorOf(before, after)} data`,
      goal: '< +20 %',
      value: httpMove,
      met: judge(httpMove, (v) => v < 0.2),
      detail: `${ms(before?.http.p50)} → ${ms(after?.http.p50)}${grownFailed}`,
      gap: movedGap(httpMove),
    },
    {
      name: `saga p50 change with ${dataFactorOf(before, after)} data`,
      goal: '< +20 %',
      value: sagaMove,
      met: judge(sagaMove, (v) => v < 0.2),
      detail: `${ms(before?.saga?.latency.p50)} → ${ms(after?.saga?.latency.p50)}${grownFailed}`,
      gap: movedGap(sagaMove),
    },
    {
      name: 'spike drained (s after it ends), no 5xx, every order final',
      goal: '≤ 60 s',
      value: drainS,
      met: spike ? drainS <= 60 && spikeErrors === 0 && spikeMissing === 0 : undefined,
      detail: spike
        ? `${num(spike.targetRate)}/s offered for ${num(spike.durationS)} s (${num(spike.acceptedPerS)}/s accepted), then ${num(afterSpike?.targetRate)}/s; ${num(spikeErrors)} 5xx, ${num(spikeFailed)} failed${spikeFailed > 0 ? ` (${num(spikeRefused)} shed with 429, ${num(spikeUnanswered)} without an answer in 30 s)` : ''}, ${num(spikeMissing)} orders not final`
        : '–',
      gap: spike
        ? [
            drainS > 60 ? `${num(drainS - 60)} s over` : '',
            spikeErrors ? `${num(spikeErrors)} 5xx` : '',
            spikeMissing ? `${num(spikeMissing)} not final` : '',
          ]
            .filter(Boolean)
            .join(', ') || undefined
        : undefined,
    },
  ];
  return targets.map((t) => (t.met === false ? t : withoutGap(t)));
}

function withoutGap(t: Target): Target {
  return { name: t.name, goal: t.goal, value: t.value, met: t.met, detail: t.detail };
}

function perProcess(s: StepResult | undefined): string {
  if (!s) return '–';
  const done = s.saga ? s.saga.completed : s.accepted;
  return s.processes
    .filter((p) => !NOT_PIPELINE.has(p.name) && p.cpuMs !== undefined)
    .map((p) => `${p.name} ${num(ratio(p.cpuMs, done), 1)}`)
    .join(', ');
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
  const pipelines: Pipeline[] = ['bare-http', 'driver-insert', 'reliable', 'naive', 'naive-equal'];
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
  round: 'round',
  spike: 'spike',
  'after-spike': 'back after the spike',
};

function stepLabel(s: StepResult): string {
  const rate = s.targetRate !== undefined ? ` @${num(s.targetRate)}/s` : '';
  const extra = STEP_LABEL[s.kind];
  const data = s.data ? ` (${num(s.data.products)} products, ${num(s.data.orders)} orders)` : '';
  const disturbed = s.disturbed ? ` ⚠ ${s.disturbed}` : '';
  const round = s.round !== undefined ? ` ${s.round}` : '';
  return `c=${s.connections}${rate}${extra ? ` ${extra}${round}` : ''}${data}${disturbed}`;
}

/** The step table: one row per step, latencies in ms as p50 / p95 / p99. */
export function stepTable(steps: readonly StepResult[]): string {
  const header =
    '| pipeline | step | accepted/s | HTTP ms p50 / p95 / p99 | sagas/s | saga ms p50 / p95 / p99 | events/s | db cmds/order (r / w / d) | CPU-ms/saga | CPU, RSS |\n' +
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const rows = steps.map((s) =>
    [
      s.pipeline,
      stepLabel(s),
      num(s.acceptedPerS) +
        (s.failed
          ? ` (${num(s.failed)} failed${s.serverErrors ? `, ${num(s.serverErrors)} 5xx` : ''})`
          : ''),
      triple(s.http.p50, s.http.p95, s.http.p99),
      s.saga
        ? num(s.saga.perS) +
          (s.saga.missing ? ` (${num(s.saga.missing)} unfinished)` : '') +
          (s.kind === 'spike' || s.kind === 'after-spike'
            ? ` (drained ${num(s.saga.drainS, 1)} s after)`
            : '')
        : '–',
      s.saga ? triple(s.saga.latency.p50, s.saga.latency.p95, s.saga.latency.p99) : '–',
      num(s.eventsPerS),
      num(s.dbCommandsPerOrder, 1) +
        (s.dbCommandsByKind
          ? ` (${num(s.dbCommandsByKind.read, 1)} / ${num(s.dbCommandsByKind.write, 1)} / ${num(s.dbCommandsByKind.delete, 1)})`
          : ''),
      num(cpuMsPerSaga(s), 1),
      usage(s.processes),
    ].join(' | '),
  );
  return [header, ...rows.map((r) => `| ${r} |`)].join('\n');
}

export function targetTable(targets: readonly Target[]): string {
  const rows = targets.map((t) => {
    const value = t.name.includes('change') ? pct(t.value) : num(t.value, 2);
    const verdict = t.met === undefined ? 'not measured' : t.met ? 'met' : `missed: ${t.gap ?? ''}`;
    return `| ${t.name} | ${t.goal} | ${value} | ${verdict} | ${t.detail} | ${t.met === false ? (t.why ?? '') : ''} |`;
  });
  return [
    '| target | goal | measured | verdict | from | why (where missed) |',
    '| --- | --- | ---: | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Per pipeline, the rounds' medians and spreads (min–max): the comparison the targets use. */
export function roundsTable(run: Pick<RunResult, 'steps'>): string {
  const pipelines: Pipeline[] = ['reliable', 'naive-equal', 'naive', 'driver-insert'];
  const rows = pipelines.flatMap((pipeline) => {
    const rounds = roundSteps(run, pipeline);
    if (rounds.length === 0) return [];
    const of = (metric: (s: StepResult) => number | undefined, digits?: number) =>
      spreadText(spread(rounds.map((s) => metric(s) ?? Number.NaN)), digits);
    const names = [...new Set(rounds.flatMap((s) => s.processes.map((p) => p.name)))].filter(
      (n) => !NOT_PIPELINE.has(n),
    );
    const perProcessCpu = names
      .map((name) => {
        const sp = spread(
          rounds.map((s) => {
            const p = s.processes.find((q) => q.name === name);
            return ratio(p?.cpuMs, s.saga ? s.saga.completed : s.accepted);
          }),
        );
        return `${name} ${num(sp.median, 1)}`;
      })
      .join('<br>');
    const senders = [...new Set(rounds.flatMap((s) => Object.keys(s.dbCommandsByProcess ?? {})))];
    const bySender = senders
      .map((name) => {
        const med = (k: 'read' | 'write' | 'delete') =>
          spread(rounds.map((s) => s.dbCommandsByProcess?.[name]?.[k] ?? Number.NaN)).median;
        const [r, w, d] = [med('read'), med('write'), med('delete')];
        return `${name} ${num(r + w + d, 1)} = ${num(r, 1)} r + ${num(w, 1)} w + ${num(d, 1)} d`;
      })
      .join('<br>');
    const kinds = (k: 'read' | 'write' | 'delete') =>
      num(spread(rounds.map((s) => s.dbCommandsByKind?.[k] ?? Number.NaN)).median, 1);
    return [
      [
        pipeline,
        `c=${rounds[0]!.connections}`,
        of((s) => s.acceptedPerS),
        of((s) => s.saga?.perS),
        of((s) => s.http.p50),
        of((s) => s.saga?.latency.p50),
        of((s) => s.dbCommandsPerOrder, 1) +
          (rounds.some((s) => s.dbCommandsByKind)
            ? ` = ${kinds('read')} r + ${kinds('write')} w + ${kinds('delete')} d`
            : ''),
        bySender || '–',
        of(cpuMsPerSaga),
        perProcessCpu,
      ].join(' | '),
    ];
  });
  if (rows.length === 0) return '';
  return [
    '| pipeline | at | accepted/s | sagas/s | HTTP p50 ms | saga p50 ms | db cmds/order (all clients) | db cmds/order by process (median) | CPU-ms/saga | CPU-ms/saga per process (median) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...rows.map((r) => `| ${r} |`),
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
  if (run.durability) lines.push(`Database durability (every pipeline): ${run.durability}.`, '');
  lines.push('## Targets', '', targetTable(targets), '');
  const rounds = roundsTable(run);
  if (rounds) {
    lines.push(
      '## Interleaved rounds (median, min–max)',
      '',
      'Each round runs every pipeline once, one after the other, at the same concurrency. CPU-ms per saga: the pipeline’s processes with the broker and the database, per completed saga (per insert for the driver).',
      '',
      rounds,
      '',
    );
  }
  lines.push('## Ratios to the ceilings', '');
  lines.push('| ratio | value |', '| --- | ---: |');
  for (const r of ceilingRatios(run)) {
    lines.push(`| ${r.name} | ${num(r.value, r.value < 0.1 ? 3 : 2)} |`);
  }
  lines.push('', '## Busiest processes at each peak', '');
  lines.push(...busiestAtPeaks(run).map((b) => `- ${b}`));
  lines.push('', '## Steps', '', stepTable(run.steps), '');
  if (run.dbOperations && run.dbOperations.length > 0) {
    lines.push(
      '## Database cost per operation kind',
      '',
      `Each kind alone (${run.settings['BENCH_ROUND_CONNECTIONS'] as number} concurrent callers) before the system starts: the database process's CPU per operation, per document or statement of a batch, and the calling process's (the driver's work and its socket calls; a service pays it for every command it sends). On FerretDB every changed document is a commit of its own, in a batch too; a batch of inserts shares one.`,
      '',
      '| operation | per s | database CPU-ms each | client CPU-ms each |',
      '| --- | ---: | ---: | ---: |',
      ...run.dbOperations.map(
        (c) =>
          `| ${c.operation} | ${num(c.perS)} | ${c.dbCpuMs.toFixed(2)} | ${c.clientCpuMs?.toFixed(2) ?? '–'} |`,
      ),
      '',
    );
  }
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
    if (p.byPackage && p.byPackage.length > 0) {
      lines.push(
        "Self time by package (Node's builtins, socket writes included, count to the package that called them; `service` is the service's own code):",
        '',
        '| package | self ms | self % |',
        '| --- | ---: | ---: |',
        ...p.byPackage.map((b) => `| ${b.name} | ${num(b.selfMs)} | ${b.selfPercent.toFixed(1)} |`),
        '',
      );
    }
  }
  if (run.notes.length > 0) {
    lines.push('## Notes', '', ...run.notes.map((n) => `- ${n}`), '');
  }
  return lines.join('\n');
}
