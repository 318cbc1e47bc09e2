import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chartPoints, chartSpec } from '../src/chart';
import {
  busiestAtPeaks,
  ceilingRatios,
  cpuMsPerSaga,
  evaluateTargets,
  markdownReport,
  peak,
  roundsTable,
  stepTable,
} from '../src/report';
import type { RunResult, StepResult } from '../src/result';

const latency = (p50: number, p99 = p50 * 2) => ({ count: 100, p50, p95: p99, p99, max: p99 });

function step(
  partial: Partial<StepResult> & Pick<StepResult, 'pipeline' | 'acceptedPerS'>,
): StepResult {
  return {
    kind: 'ramp',
    connections: 8,
    durationS: 10,
    accepted: partial.acceptedPerS * 10,
    failed: 0,
    http: latency(10),
    processes: [{ name: 'order', cpuPercent: 93.4, rssMb: 181.2 }],
    ...partial,
  };
}

const saga = (perS: number, p50: number, p99: number) => ({
  completed: perS * 10,
  missing: 0,
  perS,
  latency: latency(p50, p99),
});

const run: RunResult = {
  startedAt: '2026-11-26T00:00:00Z',
  elapsedS: 400,
  machine: { cpus: 2, cpuModel: 'test', node: 'v24.0.0', loadAverageAtStart: [0.5, 0.4, 0.3] },
  settings: { BENCH_DURATION: 10 },
  steps: [
    step({ pipeline: 'bare-http', acceptedPerS: 8000 }),
    step({ pipeline: 'driver-insert', acceptedPerS: 1000, connections: 4 }),
    step({ pipeline: 'driver-insert', acceptedPerS: 1200, connections: 16 }),
    step({ pipeline: 'reliable', acceptedPerS: 400, saga: saga(380, 50, 200), connections: 4 }),
    step({ pipeline: 'reliable', acceptedPerS: 700, saga: saga(650, 80, 900), connections: 16 }),
    step({
      pipeline: 'reliable',
      kind: 'half-peak',
      acceptedPerS: 350,
      targetRate: 350,
      http: latency(10),
      saga: saga(340, 40, 180),
      data: { products: 100, orders: 10_000 },
    }),
    step({
      pipeline: 'reliable',
      kind: 'data-after',
      acceptedPerS: 350,
      http: latency(13),
      saga: saga(340, 47, 200),
      data: { products: 1000, orders: 100_000 },
    }),
    step({ pipeline: 'naive', acceptedPerS: 900, saga: saga(800, 30, 90) }),
  ],
  profiles: [],
  notes: ['one connection'],
};

describe('targets and ratios', () => {
  const targets = evaluateTargets(run);
  const byName = (part: string) => targets.find((t) => t.name.includes(part))!;

  test('without rounds, saga throughput compares the ramps’ peaks: 650 vs 800 meets ≥ 0.5', () => {
    const t = byName('seed-shaped naive');
    assert.equal(t.value, 650 / 800);
    assert.equal(t.met, true);
    assert.match(t.detail, /650 \(ramp peak\) vs 800 \(ramp peak\)/);
  });

  test('POST /orders against the driver ceiling uses both peaks: 700 / 1200', () => {
    const t = byName('bare driver');
    assert.equal(t.value, 700 / 1200);
    assert.equal(t.met, true);
  });

  test('the tail target reads the half-peak step, not the ramp', () => {
    const t = byName('p99 ÷ p50');
    assert.equal(t.value, 180 / 40);
    assert.equal(t.met, true);
  });

  test('data growth: HTTP p50 10 → 13 ms is +30 % (missed), saga 40 → 47 ms +17.5 % (met)', () => {
    const http = byName('HTTP p50 change');
    const sagaMove = byName('saga p50 change');
    assert.ok(Math.abs(http.value - 0.3) < 1e-9);
    assert.equal(http.met, false);
    assert.ok(Math.abs(sagaMove.value - 0.175) < 1e-9);
    assert.equal(sagaMove.met, true);
    assert.match(http.name, /10× data/);
  });

  test('a data-before step, when there is one, is the base of the data comparison', () => {
    const withBefore = {
      steps: [
        ...run.steps,
        step({ pipeline: 'reliable', kind: 'data-before', acceptedPerS: 350, http: latency(12) }),
      ],
    };
    const http = evaluateTargets(withBefore).find((t) => t.name.includes('HTTP p50 change'))!;
    assert.ok(Math.abs(http.value - (13 - 12) / 12) < 1e-9);
    assert.equal(http.met, true);
  });

  test('a data step whose every request failed measures nothing and says so', () => {
    const failedAfter = {
      steps: run.steps.map((s) =>
        s.kind === 'data-after' ? { ...s, accepted: 0, failed: 91, http: latency(17) } : s,
      ),
    };
    const http = evaluateTargets(failedAfter).find((t) => t.name.includes('HTTP p50 change'))!;
    assert.equal(http.met, undefined);
    assert.match(http.detail, /91 requests failed after the growth/);
  });

  test('a target the run did not measure is neither met nor missed', () => {
    const partial = evaluateTargets({ steps: run.steps.filter((s) => s.pipeline !== 'naive') });
    assert.equal(partial.find((t) => t.name.includes('seed-shaped naive'))!.met, undefined);
    assert.equal(partial.find((t) => t.name.includes('spike'))!.met, undefined);
  });

  test('ceiling ratios', () => {
    const [http, driver, naive] = ceilingRatios(run);
    assert.equal(http!.value, 700 / 8000);
    assert.equal(driver!.value, 700 / 1200);
    assert.equal(naive!.value, 700 / 900);
  });

  test('busiest processes at each pipeline’s peak, busiest first', () => {
    const withDb = {
      steps: [
        step({
          pipeline: 'reliable',
          acceptedPerS: 7,
          processes: [
            { name: 'order', cpuPercent: 9, rssMb: 150 },
            { name: 'ferretdb', cpuPercent: 94, rssMb: 90 },
          ],
        }),
        step({ pipeline: 'reliable', acceptedPerS: 5, connections: 48, processes: [] }),
      ],
    };
    assert.deepEqual(busiestAtPeaks(withDb), ['reliable at c=8 (7/s): ferretdb 94 %, order 9 %']);
  });

  test('peak skips steps without the metric', () => {
    const steps = run.steps.filter((s) => s.kind === 'ramp');
    assert.equal(peak(steps, (s) => s.saga?.perS)?.pipeline, 'naive');
  });
});

describe('interleaved rounds', () => {
  const cpu = (name: string, cpuMs: number) => ({ name, cpuPercent: 10, cpuMs, rssMb: 100 });
  const round = (
    pipeline: StepResult['pipeline'],
    n: number,
    perS: number,
    cpuMs: number,
  ): StepResult =>
    step({
      pipeline,
      kind: 'round',
      round: n,
      connections: 16,
      acceptedPerS: perS,
      saga: saga(perS, 100, 300),
      processes: [cpu(`${pipeline}-app`, cpuMs), cpu('ferretdb', cpuMs), cpu('bench client', 1e6)],
      dbCommandsPerOrder: 12,
      dbCommandsByKind: { read: 5, write: 6, delete: 1, other: 0 },
    });
  // Sagas in a round: perS * 10; CPU-ms per saga: 2 * cpuMs / (perS * 10).
  const rounds = {
    steps: [
      ...run.steps,
      round('reliable', 1, 10, 500),
      round('naive-equal', 1, 20, 200),
      round('naive', 1, 40, 200),
      round('reliable', 2, 30, 1500),
      round('naive-equal', 2, 10, 100),
      round('naive', 2, 40, 200),
      round('reliable', 3, 20, 1000),
      round('naive-equal', 3, 40, 400),
      round('naive', 3, 40, 200),
    ],
  };
  const targets = evaluateTargets(rounds);
  const byName = (part: string) => targets.find((t) => t.name.includes(part))!;

  test('rounds replace the ramp peaks: medians 20 vs 20 sagas/s meet ≥ 1', () => {
    const t = byName('equal-work naive');
    assert.equal(t.value, 1);
    assert.equal(t.met, true);
    assert.match(t.detail, /^20 \(10–30, 3 rounds\) vs 20 \(10–40, 3 rounds\)$/);
  });

  test('a missed target says by how much and why: 20 vs 40 is 0.5, met; CPU 10 vs 2 ms is 5× ', () => {
    assert.equal(byName('seed-shaped naive').met, true);
    const t = byName('CPU-ms per saga');
    assert.equal(t.value, 10 / 2);
    assert.equal(t.met, false);
    assert.equal(t.gap, '2.5× over');
    assert.match(t.why!, /reliable-app 5\.0, ferretdb 5\.0 vs naive-equal-app 1\.0/);
  });

  test('CPU-ms per saga leaves the load client out and needs measured processes', () => {
    assert.equal(cpuMsPerSaga(round('reliable', 1, 10, 500)), 1000 / 100);
    assert.ok(
      Number.isNaN(cpuMsPerSaga(step({ pipeline: 'reliable', acceptedPerS: 1, processes: [] }))),
    );
  });

  test('the rounds table has a row per pipeline with median and spread and commands by kind', () => {
    const table = roundsTable(rounds).split('\n');
    assert.equal(table.length, 2 + 3);
    assert.match(table[2]!, /^\| reliable \| c=16 \| 20 \(10–30, 3 rounds\) \|/);
    assert.match(table[2]!, /12\.0 \(12\.0–12\.0, 3 rounds\) = 5\.0 r \+ 6\.0 w \+ 1\.0 d/);
    assert.doesNotMatch(table.join('\n'), /bench client/);
  });
});

describe('the spike', () => {
  const phase = (kind: 'spike' | 'after-spike', drainS: number, serverErrors = 0, missing = 0) =>
    step({
      pipeline: 'reliable',
      kind,
      acceptedPerS: 30,
      targetRate: kind === 'spike' ? 100 : 10,
      serverErrors,
      failed: serverErrors,
      saga: { ...saga(20, 1000, 5000), drainS, missing },
    });

  test('drained within 60 s with no 5xx and every order final is met', () => {
    const [t] = evaluateTargets({ steps: [phase('spike', 42), phase('after-spike', 5)] }).filter(
      (x) => x.name.startsWith('spike'),
    );
    assert.equal(t!.value, 42);
    assert.equal(t!.met, true);
  });

  test('a slow drain, a 5xx or an unfinished order misses it and says which', () => {
    const [t] = evaluateTargets({
      steps: [phase('spike', 75, 2), phase('after-spike', 5, 0, 3)],
    }).filter((x) => x.name.startsWith('spike'));
    assert.equal(t!.met, false);
    assert.equal(t!.gap, '15 s over, 2 5xx, 3 not final');
  });

  test('its detail says how many requests got no answer at all', () => {
    const spike = { ...phase('spike', 42), failed: 5, unanswered: 4 };
    const [t] = evaluateTargets({ steps: [spike, phase('after-spike', 5)] }).filter((x) =>
      x.name.startsWith('spike'),
    );
    assert.match(
      t!.detail,
      /0 5xx, 5 failed \(0 shed with 429, 4 without an answer in 30 s\), 0 orders not final/,
    );
  });

  test('its detail says how many requests were shed, and shedding is no miss', () => {
    const spike = { ...phase('spike', 12), failed: 900, refused: 900 };
    const back = { ...phase('after-spike', 5), failed: 40, refused: 40 };
    const [t] = evaluateTargets({ steps: [spike, back] }).filter((x) => x.name.startsWith('spike'));
    assert.equal(t!.met, true);
    assert.match(t!.detail, /940 failed \(940 shed with 429, 0 without an answer in 30 s\)/);
  });
});

describe('report and chart', () => {
  test('the step table has one row per step and the process usage', () => {
    const table = stepTable(run.steps).split('\n');
    assert.equal(table.length, 2 + run.steps.length);
    assert.match(table[2]!, /^\| bare-http \| c=8 \| 8,000 \|/);
    assert.match(table.join('\n'), /order 93 % 181 MB/);
    assert.match(table.join('\n'), /data ×N \(1,000 products, 100,000 orders\)/);
  });

  test('the Markdown report states the verdicts', () => {
    const md = markdownReport(run);
    assert.match(md, /\| sagas\/s, reliable ÷ seed-shaped naive \| ≥ 0\.5 \| 0\.81 \| met \|/);
    assert.match(md, /- one connection/);
  });

  test('chart points: HTTP and saga per ramp step, p50 and p99, no rate-limited steps', () => {
    const points = chartPoints(run);
    assert.equal(points.filter((p) => p.series === 'reliable: saga').length, 4);
    assert.equal(points.filter((p) => p.series === 'driver-insert: insert').length, 4);
    assert.ok(points.every((p) => p.throughput !== 350));
    const spec = chartSpec(run) as { data: { values: unknown[] } };
    assert.equal(spec.data.values.length, points.length);
  });
});
