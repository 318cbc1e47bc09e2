// PNG charts of a run's series: Vega-Lite spec -> Vega view -> SVG (headless) -> PNG (resvg).
import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import type { Series } from './prometheus';

// Vega is ESM with top-level await: loaded with import(), not require().
const loadVega = () => Promise.all([import('vega'), import('vega-lite')]);

export interface ChartSpec {
  title: string;
  unit: string;
  series: { name: string; values: [number, number][] }[];
  /** Marks a time span, e.g. the fault step. */
  band?: { from: number; to: number; label: string };
}

/** Series of a range query, named by their legend template ({{label}} placeholders). */
export function named(result: Series[], legend: string): ChartSpec['series'] {
  return result.map((s) => ({
    name: legend.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, label: string) => s.metric[label] ?? ''),
    values: s.values
      .map(([t, v]) => [t, Number(v)] as [number, number])
      .filter(([, v]) => Number.isFinite(v)),
  }));
}

export async function renderPng(chart: ChartSpec): Promise<Buffer> {
  const start = Math.min(...chart.series.flatMap((s) => s.values.map(([t]) => t)));
  const rows = chart.series.flatMap((s) =>
    s.values.map(([t, v]) => ({ seconds: Math.round(t - start), value: v, series: s.name })),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: chart.title, anchor: 'start', fontSize: 15 },
    width: 640,
    height: 240,
    background: 'white',
    config: { font: 'DejaVu Sans', legend: { labelLimit: 260 } },
    layer: [
      ...(chart.band
        ? [
            {
              data: {
                values: [
                  {
                    from: Math.round(chart.band.from - start),
                    to: Math.round(chart.band.to - start),
                    label: chart.band.label,
                  },
                ],
              },
              layer: [
                {
                  mark: { type: 'rect', color: '#f4c7c3', opacity: 0.6 },
                  encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
                },
                {
                  mark: {
                    type: 'text',
                    align: 'left',
                    baseline: 'top',
                    dx: 4,
                    dy: 4,
                    color: '#a33',
                  },
                  encoding: {
                    x: { field: 'from', type: 'quantitative' },
                    y: { value: 0 },
                    text: { field: 'label' },
                  },
                },
              ],
            },
          ]
        : []),
      {
        data: { values: rows },
        mark: { type: 'line', interpolate: 'linear', strokeWidth: 2 },
        encoding: {
          x: { field: 'seconds', type: 'quantitative', title: 'seconds into the run' },
          y: { field: 'value', type: 'quantitative', title: chart.unit },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            legend: { orient: 'bottom', columns: 2 },
          },
        },
      },
    ],
  };
  const [vega, vegaLite] = await loadVega();
  const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: 1.5 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  return png.asPng();
}
