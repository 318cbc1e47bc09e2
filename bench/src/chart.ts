// Latency against throughput, one line per pipeline and measure: a Vega-Lite spec (pure), rendered
// to SVG by Vega and to PNG by resvg.
import type { RunResult } from './result';

export interface ChartPoint {
  readonly series: string;
  readonly quantile: 'p50' | 'p99';
  readonly throughput: number;
  readonly latencyMs: number;
  readonly connections: number;
}

export function chartPoints(run: Pick<RunResult, 'steps'>): ChartPoint[] {
  const points: ChartPoint[] = [];
  for (const s of run.steps.filter((step) => step.kind === 'ramp')) {
    for (const quantile of ['p50', 'p99'] as const) {
      points.push({
        series: `${s.pipeline}: ${s.pipeline === 'driver-insert' ? 'insert' : 'HTTP'}`,
        quantile,
        throughput: s.acceptedPerS,
        latencyMs: s.http[quantile],
        connections: s.connections,
      });
      if (s.saga) {
        points.push({
          series: `${s.pipeline}: saga`,
          quantile,
          throughput: s.saga.perS,
          latencyMs: s.saga.latency[quantile],
          connections: s.connections,
        });
      }
    }
  }
  return points.filter(
    (p) => Number.isFinite(p.throughput) && Number.isFinite(p.latencyMs) && p.latencyMs > 0,
  );
}

export function chartSpec(run: Pick<RunResult, 'steps' | 'startedAt'>): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Latency against throughput',
      subtitle: `run ${run.startedAt}; one point per concurrency step`,
    },
    width: 720,
    height: 420,
    background: 'white',
    data: { values: chartPoints(run) },
    mark: { type: 'line', point: true },
    encoding: {
      x: {
        field: 'throughput',
        type: 'quantitative',
        title: 'throughput per second, log scale (requests, inserts or completed sagas)',
        scale: { type: 'log' },
      },
      y: {
        field: 'latencyMs',
        type: 'quantitative',
        title: 'latency (ms, log scale)',
        scale: { type: 'log' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'pipeline: measure',
        legend: { labelLimit: 400 },
      },
      strokeDash: { field: 'quantile', type: 'nominal', title: 'quantile' },
      shape: { field: 'quantile', type: 'nominal' },
      order: { field: 'connections', type: 'quantitative' },
      detail: { field: 'quantile' },
    },
  };
}

export async function renderPng(spec: Record<string, unknown>): Promise<Buffer> {
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const { Resvg } = await import('@resvg/resvg-js');
  const compiled = vegaLite.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return png.asPng();
}
